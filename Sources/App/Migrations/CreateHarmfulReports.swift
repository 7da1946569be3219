import Fluent
import Foundation
import SQLKit

/// Reports of harmful content online (false information, scams, incitement…: the categories are
/// rows) and the takedown requests the cyber patrol makes to the platforms, with their dates.
struct CreateHarmfulReports: AsyncMigration {
    var name: String { "2026-12-01-04-create-harmful-reports" }

    static let categories: [(code: String, vi: String, en: String)] = [
        ("false_information", "Thông tin sai sự thật", "False information"),
        ("scam", "Lừa đảo trên mạng", "Online scam"),
        ("incitement", "Kích động, chống phá", "Incitement"),
        ("defamation", "Xúc phạm danh dự, bôi nhọ", "Defamation"),
        ("obscene", "Nội dung đồi truỵ, bạo lực", "Obscene or violent content"),
        ("other", "Khác", "Other"),
    ]

    func prepare(on database: any Database) async throws {
        try await database.schema("harmful_categories")
            .field("code", .string, .identifier(auto: false))
            .field("name_vi", .string, .required)
            .field("name_en", .string, .required)
            .field("position", .int, .required)
            .create()
        let sql = try database.requireSQL()
        for (index, category) in Self.categories.enumerated() {
            try await sql.insert(into: "harmful_categories").columns("code", "name_vi", "name_en", "position")
                .values(SQLBind(category.code), SQLBind(category.vi), SQLBind(category.en), SQLBind(index + 1)).run()
        }
        try await database.schema("harmful_reports")
            .id()
            .field("reference", .string, .required)
            .field("url", .string, .required)
            .field("host", .string, .required)
            .field("category_code", .string, .required, .references("harmful_categories", "code"))
            .field("description", .string, .required)
            .field("citizen_id", .uuid, .references("accounts", "id"))
            .field("status", .string, .required)
            .field("note", .string)
            .field("handled_by", .uuid, .references("accounts", "id"))
            .field("takedown_requested_at", .datetime)
            .field("resolved_at", .datetime)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "reference")
            .create()
        try await database.sqlIndex(on: "harmful_reports", name: "harmful_reports_status", columns: ["status", "created_at"])
        try await database.sqlIndex(on: "harmful_reports", name: "harmful_reports_url", columns: ["url"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("harmful_reports").delete()
        try await database.schema("harmful_categories").delete()
    }
}
