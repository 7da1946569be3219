import Fluent

struct CreateAdminAreas: AsyncMigration {
    var name: String { "2026-11-22-01-create-admin-areas" }

    func prepare(on database: any Database) async throws {
        try await database.schema("admin_areas")
            .id()
            .field("scheme", .string, .required)
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("short_name", .string, .required)
            .field("name_folded", .string, .required)
            .field("type", .string, .required)
            .field("level", .string, .required)
            .field("parent_code", .string)
            .unique(on: "scheme", "code")
            .create()
        try await database.sqlIndex(on: "admin_areas", name: "admin_areas_parent", columns: ["scheme", "parent_code"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("admin_areas").delete()
    }
}
