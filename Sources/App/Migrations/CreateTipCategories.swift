import Fluent
import Foundation
import SQLKit

/// The tip categories, kept as rows so a province can add or rename one without a release.
struct CreateTipCategories: AsyncMigration {
    var name: String { "2026-11-23-01-create-tip-categories" }

    static let initial: [(code: String, vi: String, en: String, urgent: Bool)] = [
        ("black_credit", "Tín dụng đen", "Black credit (loan sharking)", false),
        ("theft", "Trộm cắp tài sản", "Theft", false),
        ("robbery", "Cướp, cướp giật tài sản", "Robbery and snatching", false),
        ("weapons", "Đánh nhau, tụ tập mang hung khí", "Fights or gatherings with weapons", true),
        ("drugs", "Ma tuý", "Drugs", false),
        ("gambling", "Cờ bạc", "Gambling", false),
        ("fraud", "Lừa đảo, chiếm đoạt tài sản", "Fraud and scams", false),
        ("harmful_online", "Thông tin xấu độc trên mạng", "Harmful online content", false),
        ("traffic", "Trật tự, an toàn giao thông", "Traffic", false),
        ("public_order", "Trật tự công cộng", "Public order", false),
        ("other", "Việc khác", "Other", false),
    ]

    func prepare(on database: any Database) async throws {
        try await database.schema("tip_categories")
            .id()
            .field("code", .string, .required)
            .field("name_vi", .string, .required)
            .field("name_en", .string, .required)
            .field("urgent", .bool, .required)
            .field("position", .int, .required)
            .field("retired", .bool, .required)
            .unique(on: "code")
            .create()
        let sql = try database.requireSQL()
        for (index, category) in Self.initial.enumerated() {
            try await sql.insert(into: "tip_categories")
                .columns("id", "code", "name_vi", "name_en", "urgent", "position", "retired")
                .values(SQLBind(UUID()), SQLBind(category.code), SQLBind(category.vi), SQLBind(category.en),
                        SQLBind(category.urgent), SQLBind(index + 1), SQLBind(false))
                .run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema("tip_categories").delete()
    }
}
