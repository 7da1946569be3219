import Fluent
import SQLKit

/// Each unit's counters summed by month, kept equal to `unit_daily_counts` by triggers in the
/// same transaction as every write to it (the live counts, the rebuild, bulk loads): what there is
/// at the end of a period (followers, members) then adds up a few dozen months a unit instead of
/// every day of its history.
struct CreateUnitMonthlyCounts: AsyncMigration {
    var name: String { "2026-12-06-01-create-unit-monthly-counts" }

    func prepare(on database: any Database) async throws {
        try await database.schema("unit_monthly_counts")
            .field("unit_id", .uuid, .required, .references("units", "id"))
            .field("metric", .string, .required)
            .field("month", .string, .required)
            .field("value", .int64, .required)
            .compositeIdentifier(over: "unit_id", "metric", "month")
            .create()
        // Levels read one metric's months before a day (the key); a period's sums read every
        // metric of its whole months (this index).
        try await database.sqlIndex(on: "unit_monthly_counts", name: "unit_monthly_counts_by_month", columns: ["unit_id", "month"])
        let sql = try database.requireSQL()
        try await sql.raw("""
            INSERT INTO unit_monthly_counts (unit_id, metric, month, value)
            SELECT unit_id, metric, substr(day, 1, 7), SUM(value) FROM unit_daily_counts GROUP BY unit_id, metric, substr(day, 1, 7)
            """).run()
        func add(_ row: String, sign: String) -> String {
            """
            INSERT INTO unit_monthly_counts (unit_id, metric, month, value) VALUES (\(row).unit_id, \(row).metric, substr(\(row).day, 1, 7), \(sign)\(row).value)
                ON CONFLICT (unit_id, metric, month) DO UPDATE SET value = unit_monthly_counts.value + excluded.value;
            """
        }
        if sql.dialect.name == "postgresql" {
            try await sql.raw(SQLQueryString("""
                CREATE FUNCTION unit_monthly_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP IN ('UPDATE', 'DELETE') THEN \(unsafeRaw: add("OLD", sign: "-")) END IF;
                    IF TG_OP IN ('INSERT', 'UPDATE') THEN \(unsafeRaw: add("NEW", sign: "")) END IF;
                    RETURN NULL;
                END $$
                """)).run()
            try await sql.raw("""
                CREATE TRIGGER unit_daily_counts_by_month AFTER INSERT OR UPDATE OR DELETE ON unit_daily_counts
                FOR EACH ROW EXECUTE FUNCTION unit_monthly_counts_follow()
                """).run()
        } else {
            try await sql.raw(SQLQueryString("CREATE TRIGGER unit_daily_counts_month_insert AFTER INSERT ON unit_daily_counts BEGIN \(unsafeRaw: add("NEW", sign: "")) END")).run()
            try await sql.raw(SQLQueryString("CREATE TRIGGER unit_daily_counts_month_update AFTER UPDATE ON unit_daily_counts BEGIN \(unsafeRaw: add("OLD", sign: "-")) \(unsafeRaw: add("NEW", sign: "")) END")).run()
            try await sql.raw(SQLQueryString("CREATE TRIGGER unit_daily_counts_month_delete AFTER DELETE ON unit_daily_counts BEGIN \(unsafeRaw: add("OLD", sign: "-")) END")).run()
        }
    }

    func revert(on database: any Database) async throws {
        let sql = try database.requireSQL()
        if sql.dialect.name == "postgresql" {
            try await sql.raw("DROP TRIGGER unit_daily_counts_by_month ON unit_daily_counts").run()
            try await sql.raw("DROP FUNCTION unit_monthly_counts_follow()").run()
        } else {
            for name in ["insert", "update", "delete"] { try await sql.raw("DROP TRIGGER unit_daily_counts_month_\(unsafeRaw: name)").run() }
        }
        try await database.schema("unit_monthly_counts").delete()
    }
}
