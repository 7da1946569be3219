import Fluent

/// Side effects to deliver after a change commits (live events, notifications, later channel
/// messages), written in the same transaction as the change.
struct CreateOutbox: AsyncMigration {
    var name: String { "2026-11-23-07-create-outbox" }

    func prepare(on database: any Database) async throws {
        try await database.schema("outbox")
            .id()
            .field("topic", .string, .required)
            .field("payload", .string, .required)
            .field("status", .string, .required)
            .field("attempts", .int, .required)
            .field("available_at", .datetime, .required)
            .field("created_at", .datetime, .required)
            .field("processed_at", .datetime)
            .field("last_error", .string)
            .create()
        try await database.sqlIndex(on: "outbox", name: "outbox_pending", columns: ["status", "available_at"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("outbox").delete()
    }
}
