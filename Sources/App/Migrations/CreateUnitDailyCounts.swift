import Fluent

/// Counters per unit per day (Vietnam's calendar day), kept up to date in the same transaction as
/// the event that changes them; the province's statistics add them up over the unit tree.
struct CreateUnitDailyCounts: AsyncMigration {
    var name: String { "2026-11-23-11-create-unit-daily-counts" }

    func prepare(on database: any Database) async throws {
        try await database.schema("unit_daily_counts")
            .field("unit_id", .uuid, .required, .references("units", "id"))
            .field("day", .string, .required)
            .field("metric", .string, .required)
            .field("value", .int64, .required)
            .compositeIdentifier(over: "unit_id", "day", "metric")
            .create()
        try await database.sqlIndex(on: "unit_daily_counts", name: "unit_daily_counts_metric", columns: ["metric", "day"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("unit_daily_counts").delete()
    }
}
