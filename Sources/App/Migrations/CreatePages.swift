import Fluent

/// Official unit pages ("Zalo an ninh" pages) and the citizens who follow them. A unit may have
/// several pages; only a page a province admin verified shows the verified mark.
struct CreatePages: AsyncMigration {
    var name: String { "2026-12-01-06-create-pages" }

    func prepare(on database: any Database) async throws {
        try await database.schema("pages")
            .id()
            .field("unit_id", .uuid, .required, .references("units", "id"))
            .field("name", .string, .required)
            .field("area", .string, .required)
            .field("hotline", .string)
            .field("description", .string, .required)
            .field("avatar_path", .string)
            .field("follower_count", .int, .required)
            .field("verified_at", .datetime)
            .field("verified_by", .uuid, .references("accounts", "id"))
            .field("created_at", .datetime, .required)
            .create()
        try await database.sqlIndex(on: "pages", name: "pages_unit", columns: ["unit_id"])
        try await database.schema("page_follows")
            .field("page_id", .uuid, .required, .references("pages", "id"))
            .field("account_id", .uuid, .required, .references("accounts", "id"))
            .field("created_at", .datetime, .required)
            .compositeIdentifier(over: "page_id", "account_id")
            .create()
        try await database.sqlIndex(on: "page_follows", name: "page_follows_account", columns: ["account_id"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("page_follows").delete()
        try await database.schema("pages").delete()
    }
}
