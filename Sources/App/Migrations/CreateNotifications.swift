import Fluent

/// In-app notifications for an account (escalations now; warnings and replies later).
struct CreateNotifications: AsyncMigration {
    var name: String { "2026-11-23-08-create-notifications" }

    func prepare(on database: any Database) async throws {
        try await database.schema("notifications")
            .id()
            .field("account_id", .uuid, .required, .references("accounts", "id"))
            .field("kind", .string, .required)
            .field("title_vi", .string, .required)
            .field("title_en", .string, .required)
            .field("link", .string, .required)
            .field("dedupe_key", .string, .required)
            .field("created_at", .datetime, .required)
            .field("read_at", .datetime)
            .unique(on: "account_id", "dedupe_key")
            .create()
        try await database.sqlIndex(on: "notifications", name: "notifications_account", columns: ["account_id", "created_at"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("notifications").delete()
    }
}
