import Fluent

/// Tips. What the citizen wrote is in `sealed` (encrypted); the columns hold only what routing,
/// filtering and counting need.
struct CreateTips: AsyncMigration {
    var name: String { "2026-11-23-03-create-tips" }

    func prepare(on database: any Database) async throws {
        try await database.schema("tips")
            .id()
            .field("reference", .string, .required)
            .field("unit_id", .uuid, .required, .references("units", "id"))
            .field("area_id", .uuid, .required, .references("admin_areas", "id"))
            .field("category_code", .string, .required)
            .field("urgent", .bool, .required)
            .field("status", .string, .required)
            .field("closing_reason", .string)
            .field("valuable", .bool, .required)
            .field("anonymous", .bool, .required)
            .field("citizen_id", .uuid, .references("accounts", "id"))
            .field("receipt_hash", .string)
            .field("sealed", .data, .required)
            .field("occurred_at", .datetime)
            .field("assignee_id", .uuid, .references("accounts", "id"))
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("acknowledged_at", .datetime)
            .field("closed_at", .datetime)
            .field("ack_due_at", .datetime, .required)
            .field("close_due_at", .datetime, .required)
            .field("escalation_level", .int, .required)
            .field("duplicate_of", .uuid, .references("tips", "id"))
            .unique(on: "reference")
            .unique(on: "receipt_hash")
            .create()
        try await database.sqlIndex(on: "tips", name: "tips_status_created", columns: ["status", "created_at"])
        try await database.sqlIndex(on: "tips", name: "tips_citizen", columns: ["citizen_id", "created_at"])
        try await database.sqlIndex(on: "tips", name: "tips_unit", columns: ["unit_id", "created_at"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("tips").delete()
    }
}
