import Fluent

/// Indicators found in the text of fraud tips, by canonical value: a tip is flagged when one of
/// them is (or later becomes) a verified scam indicator, by a join, without touching the tip.
struct CreateTipIndicators: AsyncMigration {
    var name: String { "2026-12-01-03-create-tip-indicators" }

    func prepare(on database: any Database) async throws {
        try await database.schema("tip_indicators")
            .field("tip_id", .uuid, .required, .references("tips", "id"))
            .field("kind", .string, .required)
            .field("value", .string, .required)
            .field("display", .string, .required)
            .compositeIdentifier(over: "tip_id", "kind", "value")
            .create()
        try await database.sqlIndex(on: "tip_indicators", name: "tip_indicators_value", columns: ["kind", "value"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("tip_indicators").delete()
    }
}
