import Fluent

/// Rapid responses: at most one per tip, with its timeline and the outcome of the operation.
struct CreateDispatches: AsyncMigration {
    var name: String { "2026-11-23-09-create-dispatches" }

    func prepare(on database: any Database) async throws {
        try await database.schema("dispatches")
            .id()
            .field("tip_id", .uuid, .required, .references("tips", "id"))
            .field("unit_id", .uuid, .required, .references("units", "id"))
            .field("team", .string, .required)
            .field("status", .string, .required)
            .field("created_by", .uuid, .required, .references("accounts", "id"))
            .field("assigned_at", .datetime, .required)
            .field("acknowledged_at", .datetime)
            .field("en_route_at", .datetime)
            .field("on_site_at", .datetime)
            .field("closed_at", .datetime)
            .field("people_held", .int)
            .field("vehicles_seized", .int)
            .field("weapons_seized", .int)
            .field("other_items", .string)
            .field("summary", .string)
            .field("outcome_at", .datetime)
            .unique(on: "tip_id")
            .create()
        try await database.sqlIndex(on: "dispatches", name: "dispatches_unit", columns: ["unit_id", "assigned_at"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("dispatches").delete()
    }
}
