import Fluent
import Foundation
import SQLKit

/// Who else receives a tip besides the commune police, kept as rows. A department code is the
/// suffix of a province department's unit code (CA66-PA05 → PA05), so one rule serves every province.
struct CreateTipRoutingRules: AsyncMigration {
    var name: String { "2026-11-23-02-create-tip-routing-rules" }

    static let initial: [(category: String?, urgentOnly: Bool, department: String)] = [
        ("fraud", false, "PA05"),
        ("harmful_online", false, "PA05"),
        // Weapons are urgent by nature; "happening now" makes any tip urgent.
        (nil, true, "PK02"),
    ]

    func prepare(on database: any Database) async throws {
        try await database.schema("tip_routing_rules")
            .id()
            .field("category_code", .string)
            .field("urgent_only", .bool, .required)
            .field("department_code", .string, .required)
            .field("position", .int, .required)
            .create()
        let sql = try database.requireSQL()
        for (index, rule) in Self.initial.enumerated() {
            try await sql.insert(into: "tip_routing_rules")
                .columns("id", "category_code", "urgent_only", "department_code", "position")
                .values(SQLBind(UUID()), SQLBind(rule.category), SQLBind(rule.urgentOnly), SQLBind(rule.department), SQLBind(index + 1))
                .run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema("tip_routing_rules").delete()
    }
}
