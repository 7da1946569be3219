import Fluent

/// The scam registry: one row per indicator (a phone number, bank account, website, social account
/// or e-mail address), under the canonical value the core's normalisers give, whatever way it was
/// written. `match_key` is the coarser key lookups also compare (the registrable domain of a site).
/// A merged indicator points to the one that absorbed it (`merged_into`) and answers as it does.
struct CreateScamIndicators: AsyncMigration {
    var name: String { "2026-12-01-01-create-scam-indicators" }

    func prepare(on database: any Database) async throws {
        try await database.schema("scam_indicators")
            .id()
            .field("kind", .string, .required)
            .field("value", .string, .required)
            .field("match_key", .string, .required)
            .field("display", .string, .required)
            .field("status", .string, .required)
            .field("report_count", .int, .required)
            .field("warning_vi", .string)
            .field("decision_note", .string)
            .field("decided_by", .uuid, .references("accounts", "id"))
            .field("decided_at", .datetime)
            .field("merged_into", .uuid, .references("scam_indicators", "id"))
            .field("source", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "kind", "value")
            .create()
        try await database.sqlIndex(on: "scam_indicators", name: "scam_indicators_match", columns: ["match_key"])
        try await database.sqlIndex(on: "scam_indicators", name: "scam_indicators_status", columns: ["status", "updated_at"])
        try await database.sqlIndex(on: "scam_indicators", name: "scam_indicators_updated", columns: ["updated_at"])
        try await database.sqlIndex(on: "scam_indicators", name: "scam_indicators_merged", columns: ["merged_into"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("scam_indicators").delete()
    }
}
