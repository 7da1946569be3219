import Fluent

struct CreateUnits: AsyncMigration {
    var name: String { "2026-11-22-03-create-units" }

    func prepare(on database: any Database) async throws {
        try await database.schema("units")
            .id()
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("search_text", .string, .required)
            .field("kind", .string, .required)
            .field("level_id", .uuid, .required, .references("unit_levels", "id"))
            .field("area_id", .uuid, .references("admin_areas", "id"))
            .field("parent_id", .uuid, .references("units", "id"))
            .field("hotline", .string)
            .field("valid_from", .datetime, .required)
            .field("valid_to", .datetime)
            .field("successor_id", .uuid, .references("units", "id"))
            .field("created_at", .datetime)
            .unique(on: "code")
            .create()
        try await database.sqlIndex(on: "units", name: "units_parent", columns: ["parent_id"])
        try await database.sqlIndex(on: "units", name: "units_area", columns: ["area_id"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("units").delete()
    }
}
