import Fluent

/// Where each unit stands in the movement's rollout: the day it started as a pilot and the day
/// it joined the province-wide rollout (either may be unset).
struct CreateUnitRollouts: AsyncMigration {
    var name: String { "2026-12-03-03-create-unit-rollouts" }

    func prepare(on database: any Database) async throws {
        try await database.schema("unit_rollouts")
            .field("unit_id", .uuid, .identifier(auto: false), .references("units", "id"))
            .field("pilot_from", .string)
            .field("wide_from", .string)
            .field("updated_by", .uuid, .required, .references("accounts", "id"))
            .field("updated_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("unit_rollouts").delete()
    }
}
