import Fluent

/// Screenshots and documents that come with a scam report, encrypted under the data directory like
/// tip attachments; a row says whose file it is (`owner`, e.g. "scam_report:<id>") and what it is.
struct CreateEvidenceFiles: AsyncMigration {
    var name: String { "2026-12-01-05-create-evidence-files" }

    func prepare(on database: any Database) async throws {
        try await database.schema("evidence_files")
            .id()
            .field("owner", .string, .required)
            .field("kind", .string, .required)
            .field("byte_count", .int, .required)
            .field("metadata_removed", .bool, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.sqlIndex(on: "evidence_files", name: "evidence_files_owner", columns: ["owner", "created_at"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("evidence_files").delete()
    }
}
