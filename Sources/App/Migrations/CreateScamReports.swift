import Fluent

/// Citizens' reports of a scam: what happened (encrypted like a tip), the money lost, and the
/// indicators it names (`scam_report_indicators`).
struct CreateScamReports: AsyncMigration {
    var name: String { "2026-12-01-02-create-scam-reports" }

    func prepare(on database: any Database) async throws {
        try await database.schema("scam_reports")
            .id()
            .field("reference", .string, .required)
            .field("citizen_id", .uuid, .references("accounts", "id"))
            .field("anonymous", .bool, .required)
            .field("sealed", .data, .required)
            .field("money_lost", .int64)
            .field("occurred_at", .datetime)
            .field("created_at", .datetime, .required)
            .unique(on: "reference")
            .create()
        try await database.sqlIndex(on: "scam_reports", name: "scam_reports_created", columns: ["created_at"])
        try await database.schema("scam_report_indicators")
            .field("report_id", .uuid, .required, .references("scam_reports", "id"))
            .field("indicator_id", .uuid, .required, .references("scam_indicators", "id"))
            .compositeIdentifier(over: "report_id", "indicator_id")
            .create()
        try await database.sqlIndex(on: "scam_report_indicators", name: "scam_report_indicators_indicator", columns: ["indicator_id", "report_id"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("scam_report_indicators").delete()
        try await database.schema("scam_reports").delete()
    }
}
