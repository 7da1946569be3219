import Fluent

struct CreateAPITokens: AsyncMigration {
    var name: String { "2026-11-22-07-create-api-tokens" }

    func prepare(on database: any Database) async throws {
        try await database.schema("api_tokens")
            .id()
            .field("account_id", .uuid, .required, .references("accounts", "id"))
            .field("token_hash", .string, .required)
            .field("label", .string, .required)
            .field("created_at", .datetime)
            .field("expires_at", .datetime, .required)
            .field("revoked_at", .datetime)
            .field("last_used_at", .datetime)
            .unique(on: "token_hash")
            .create()
        try await database.sqlIndex(on: "api_tokens", name: "api_tokens_account", columns: ["account_id"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("api_tokens").delete()
    }
}
