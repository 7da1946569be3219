import Fluent

/// Every unit a tip was routed or transferred to, and why. An officer sees a tip when one of
/// these units is in their subtree.
struct CreateTipUnits: AsyncMigration {
    var name: String { "2026-11-23-04-create-tip-units" }

    func prepare(on database: any Database) async throws {
        try await database.schema("tip_units")
            .id()
            .field("tip_id", .uuid, .required, .references("tips", "id"))
            .field("unit_id", .uuid, .required, .references("units", "id"))
            .field("reason", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "tip_id", "unit_id")
            .create()
        try await database.sqlIndex(on: "tip_units", name: "tip_units_unit", columns: ["unit_id", "tip_id"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("tip_units").delete()
    }
}
