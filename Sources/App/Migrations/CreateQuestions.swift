import Fluent

/// Citizens' questions about procedures, routed to the commune's police, answered by its officers.
struct CreateQuestions: AsyncMigration {
    var name: String { "2026-12-01-10-create-questions" }

    func prepare(on database: any Database) async throws {
        try await database.schema("questions")
            .id()
            .field("reference", .string, .required)
            .field("asker_id", .uuid, .required, .references("accounts", "id"))
            .field("unit_id", .uuid, .required, .references("units", "id"))
            .field("area_id", .uuid, .references("admin_areas", "id"))
            .field("procedure_id", .uuid, .references("procedures", "id"))
            .field("text", .string, .required)
            .field("status", .string, .required)
            .field("answer", .string)
            .field("answer_procedure_id", .uuid, .references("procedures", "id"))
            .field("answered_by", .uuid, .references("accounts", "id"))
            .field("answered_at", .datetime)
            .field("answer_seconds", .int)
            .field("due_at", .datetime, .required)
            .field("escalation_level", .int, .required)
            .field("faq_id", .uuid, .references("faqs", "id"))
            .field("channel", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "reference")
            .create()
        try await database.sqlIndex(on: "questions", name: "questions_unit", columns: ["unit_id", "status", "created_at"])
        try await database.sqlIndex(on: "questions", name: "questions_asker", columns: ["asker_id", "created_at"])
        try await database.sqlIndex(on: "questions", name: "questions_due", columns: ["status", "due_at"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("questions").delete()
    }
}
