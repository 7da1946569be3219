import Fluent

struct CreateMemberships: AsyncMigration {
    var name: String { "2026-11-22-06-create-memberships" }

    func prepare(on database: any Database) async throws {
        try await database.schema("memberships")
            .id()
            .field("account_id", .uuid, .required, .references("accounts", "id"))
            .field("unit_id", .uuid, .required, .references("units", "id"))
            .field("role", .string, .required)
            .field("created_at", .datetime)
            .unique(on: "account_id", "unit_id", "role")
            .create()
        try await database.sqlIndex(on: "memberships", name: "memberships_unit", columns: ["unit_id"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("memberships").delete()
    }
}
