import Fluent

/// Counters by unit, then metric, then day: what there is at the end of a period (followers,
/// members) adds up one metric's whole history per unit, which this reads without the other
/// metrics' rows. It replaces the index by metric and day, which no query needs and which led
/// SQLite to read one metric of every unit in the country instead of the units of one subtree.
struct IndexUnitDailyCountsByMetric: AsyncMigration {
    var name: String { "2026-12-03-02-index-unit-daily-counts-by-metric" }

    func prepare(on database: any Database) async throws {
        try await database.requireSQL().raw("DROP INDEX unit_daily_counts_metric").run()
        try await database.sqlIndex(on: "unit_daily_counts", name: "unit_daily_counts_unit_metric", columns: ["unit_id", "metric", "day"])
    }

    func revert(on database: any Database) async throws {
        try await database.requireSQL().raw("DROP INDEX unit_daily_counts_unit_metric").run()
        try await database.sqlIndex(on: "unit_daily_counts", name: "unit_daily_counts_metric", columns: ["metric", "day"])
    }
}
