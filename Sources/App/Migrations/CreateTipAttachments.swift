import Fluent

/// Photos and documents on tips. The files live encrypted under the data directory; a row says
/// what each one is. The name the citizen's device gave the file is not kept.
struct CreateTipAttachments: AsyncMigration {
    var name: String { "2026-11-23-10-create-tip-attachments" }

    func prepare(on database: any Database) async throws {
        try await database.schema("tip_attachments")
            .id()
            .field("tip_id", .uuid, .required, .references("tips", "id"))
            .field("kind", .string, .required)
            .field("byte_count", .int, .required)
            .field("metadata_removed", .bool, .required)
            .field("from_citizen", .bool, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.sqlIndex(on: "tip_attachments", name: "tip_attachments_tip", columns: ["tip_id", "created_at"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("tip_attachments").delete()
    }
}
