import Fluent

struct CreateUnitLevels: AsyncMigration {
    var name: String { "2026-11-22-02-create-unit-levels" }

    func prepare(on database: any Database) async throws {
        try await database.schema("unit_levels")
            .id()
            .field("code", .string, .required)
            .field("name_vi", .string, .required)
            .field("name_en", .string, .required)
            .field("rank", .int, .required)
            .unique(on: "code")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("unit_levels").delete()
    }
}
