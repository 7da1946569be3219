import Fluent

/// The append-only audit log. Each entry carries the hash of the one before it; `audit_head`
/// holds the newest sequence number and hash, so removing entries from the end is detected too.
struct CreateAuditLog: AsyncMigration {
    var name: String { "2026-11-23-06-create-audit-log" }

    func prepare(on database: any Database) async throws {
        try await database.schema("audit_entries")
            .id()
            .field("seq", .int64, .required)
            .field("at_ms", .int64, .required)
            .field("actor_kind", .string, .required)
            .field("actor_id", .uuid)
            .field("action", .string, .required)
            .field("subject", .string, .required)
            .field("detail", .string, .required)
            .field("prev_hash", .string, .required)
            .field("hash", .string, .required)
            .unique(on: "seq")
            .create()
        try await database.sqlIndex(on: "audit_entries", name: "audit_entries_subject", columns: ["subject", "seq"])
        try await database.schema("audit_head")
            .field("id", .int, .identifier(auto: false))
            .field("seq", .int64, .required)
            .field("hash", .string, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("audit_head").delete()
        try await database.schema("audit_entries").delete()
    }
}
