import Fluent

/// The number of residents of a unit's own area, where the province has it (set on the
/// dashboard): the statistics give rates per 1,000 residents of a subtree from their sum.
struct CreateUnitPopulations: AsyncMigration {
    var name: String { "2026-12-06-02-create-unit-populations" }

    func prepare(on database: any Database) async throws {
        try await database.schema("unit_populations")
            .field("unit_id", .uuid, .identifier(auto: false), .references("units", "id"))
            .field("population", .int64, .required)
            .field("updated_by", .uuid, .required, .references("accounts", "id"))
            .field("updated_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("unit_populations").delete()
    }
}
