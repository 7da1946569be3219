import Fluent

/// The conversation on a tip: the citizen's follow-ups, officers' replies and internal notes.
/// Bodies are encrypted like the tip.
struct CreateTipMessages: AsyncMigration {
    var name: String { "2026-11-23-05-create-tip-messages" }

    func prepare(on database: any Database) async throws {
        try await database.schema("tip_messages")
            .id()
            .field("tip_id", .uuid, .required, .references("tips", "id"))
            .field("kind", .string, .required)
            .field("author_id", .uuid, .references("accounts", "id"))
            .field("sealed", .data, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.sqlIndex(on: "tip_messages", name: "tip_messages_tip", columns: ["tip_id", "created_at"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("tip_messages").delete()
    }
}
