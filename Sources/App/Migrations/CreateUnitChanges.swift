import Fluent

/// Every reorganisation of a unit (renamed, moved, merged into another, split), with the date it
/// took effect and what the unit was before, so the structure on any past day can be rebuilt by
/// undoing later changes.
struct CreateUnitChanges: AsyncMigration {
    var name: String { "2026-12-03-01-create-unit-changes" }

    func prepare(on database: any Database) async throws {
        try await database.schema("unit_changes")
            .id()
            .field("unit_id", .uuid, .required, .references("units", "id"))
            .field("kind", .string, .required)
            .field("effective_at", .datetime, .required)
            .field("old_name", .string, .required)
            .field("new_name", .string, .required)
            .field("old_parent_id", .uuid, .references("units", "id"))
            .field("new_parent_id", .uuid, .references("units", "id"))
            .field("successor_id", .uuid, .references("units", "id"))
            .field("reason", .string, .required)
            .field("created_by", .uuid, .required, .references("accounts", "id"))
            .field("created_at", .datetime, .required)
            .create()
        try await database.sqlIndex(on: "unit_changes", name: "unit_changes_effective", columns: ["effective_at"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("unit_changes").delete()
    }
}
