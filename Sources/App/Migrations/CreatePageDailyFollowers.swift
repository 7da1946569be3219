import Fluent

/// Each page's net change of followers per day in Vietnam (follows minus unfollows), written in
/// the same transaction as the follow; with the page's current count it gives the count on any
/// past day.
struct CreatePageDailyFollowers: AsyncMigration {
    var name: String { "2026-12-02-02-create-page-daily-followers" }

    func prepare(on database: any Database) async throws {
        try await database.schema("page_daily_followers")
            .field("page_id", .uuid, .required, .references("pages", "id"))
            .field("day", .string, .required)
            .field("change", .int, .required)
            .unique(on: "page_id", "day")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("page_daily_followers").delete()
    }
}
