import Fluent

struct CreateAccounts: AsyncMigration {
    var name: String { "2026-11-22-05-create-accounts" }

    func prepare(on database: any Database) async throws {
        try await database.schema("accounts")
            .id()
            .field("phone", .string, .required)
            .field("display_name", .string, .required)
            .field("password_hash", .string, .required)
            .field("kind", .string, .required)
            .field("locale", .string, .required)
            .field("created_at", .datetime)
            .field("disabled_at", .datetime)
            .unique(on: "phone")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("accounts").delete()
    }
}
