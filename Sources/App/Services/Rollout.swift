import BinhYenCore
import Fluent
import Foundation
import SQLKit

/// The movement's rollout per unit: the day a unit started as a pilot and the day it joined the
/// province-wide rollout. Province admins set them; the dashboard shows them beside the figures.
enum Rollout {
    struct Stage: Sendable, Equatable {
        var pilotFrom: String?
        var wideFrom: String?

        func label(vi: Bool) -> String {
            var parts: [String] = []
            if let wideFrom { parts.append(vi ? "Toàn tỉnh từ \(wideFrom)" : "Province-wide since \(wideFrom)") }
            if let pilotFrom { parts.append(vi ? "thí điểm từ \(pilotFrom)" : "pilot since \(pilotFrom)") }
            guard !parts.isEmpty else { return vi ? "Chưa triển khai" : "Not started" }
            let text = parts.joined(separator: vi ? ", " : ", ")
            return text.prefix(1).uppercased() + text.dropFirst()
        }
    }

    static func stages(of units: [UUID], on db: any Database) async throws -> [UUID: Stage] {
        guard !units.isEmpty else { return [:] }
        var out: [UUID: Stage] = [:]
        for row in try await db.requireSQL().raw("""
            SELECT unit_id, pilot_from, wide_from FROM unit_rollouts WHERE unit_id IN \(SQLGroupExpression(units.map { SQLBind($0) }))
            """).all() {
            out[try row.decode(column: "unit_id", as: UUID.self)] = Stage(pilotFrom: try row.decode(column: "pilot_from", as: String?.self),
                                                                          wideFrom: try row.decode(column: "wide_from", as: String?.self))
        }
        return out
    }

    /// Sets a unit's stage (empty dates clear it), audited; fields `pilotFrom` and `wideFrom`.
    static func set(_ unit: UUID, pilotFrom: String, wideFrom: String, by account: UUID, now: Date = Date(), gate: WriteGate) async throws {
        var issues: [FieldIssue] = []
        func day(_ text: String, _ field: String) -> String? {
            let clean = text.trimmingCharacters(in: .whitespaces)
            guard !clean.isEmpty else { return nil }
            guard clean.count == 10, InternetTime.vietnamDayStart(clean) != nil else {
                issues.append(FieldIssue(field: field, code: "invalid", messageVI: "Ngày viết dạng năm-tháng-ngày, ví dụ 2026-03-01.",
                                         messageEN: "The date is written year-month-day, e.g. 2026-03-01."))
                return nil
            }
            return clean
        }
        let pilot = day(pilotFrom, "pilotFrom"), wide = day(wideFrom, "wideFrom")
        if let pilot, let wide, wide < pilot {
            issues.append(FieldIssue(field: "wideFrom", code: "order", messageVI: "Triển khai toàn tỉnh không thể trước khi thí điểm.",
                                     messageEN: "The province-wide rollout cannot come before the pilot."))
        }
        guard issues.isEmpty else { throw ValidationFailure(issues: issues) }
        try await gate.transaction { db in
            try await db.requireSQL().raw("""
                INSERT INTO unit_rollouts (unit_id, pilot_from, wide_from, updated_by, updated_at)
                VALUES (\(bind: unit), \(bind: pilot), \(bind: wide), \(bind: account), \(bind: now))
                ON CONFLICT (unit_id) DO UPDATE SET pilot_from = excluded.pilot_from, wide_from = excluded.wide_from,
                    updated_by = excluded.updated_by, updated_at = excluded.updated_at
                """).run()
            try await AuditLog.append(.staff(account), "unit.rollout", subject: "unit:" + unit.uuidString,
                                      detail: ["pilot_from": pilot ?? "", "wide_from": wide ?? ""], at: now, on: db)
        }
    }
}

/// The residents of a unit's own area (not the units below it: a subtree's population is the sum
/// over its units, so each area is entered once, at the lowest unit that covers it). Province
/// admins set it on the dashboard; the statistics give rates per 1,000 residents from it. It is a
/// figure of today: a unit closed by a merger or a split no longer counts (its successors' own
/// figures do), even in a view of the structure of a past day.
enum Population {
    static let most: Int64 = 200_000_000

    /// The populations of those of `units` open today.
    static func of(_ units: [UUID], on db: any Database) async throws -> [UUID: Int64] {
        guard !units.isEmpty else { return [:] }
        var out: [UUID: Int64] = [:]
        for row in try await db.requireSQL().raw("""
            SELECT p.unit_id, p.population FROM unit_populations p JOIN units u ON u.id = p.unit_id
            WHERE p.unit_id IN \(SQLGroupExpression(units.map { SQLBind($0) })) AND u.valid_to IS NULL
            """).all() {
            out[try row.decode(column: "unit_id", as: UUID.self)] = try row.decode(column: "population", as: Int64.self)
        }
        return out
    }

    /// Reads "12.500", "12 500" or "12500"; empty clears it. Audited; the field is `population`.
    static func set(_ unit: UUID, _ text: String, by account: UUID, now: Date = Date(), gate: WriteGate) async throws {
        let digits = text.trimmingCharacters(in: .whitespaces).filter { !" .,\u{00A0}".contains($0) }
        var value: Int64?
        if !digits.isEmpty {
            guard digits.count <= 12, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int64(digits), number > 0, number <= most else {
                throw ValidationFailure(issues: [FieldIssue(field: "population", code: "invalid",
                    messageVI: "Dân số là một số nguyên dương, tối đa 200.000.000 (để trống nếu chưa có).",
                    messageEN: "The population is a positive whole number, at most 200,000,000 (leave it empty if unknown).")])
            }
            value = number
        }
        try await gate.transaction { [value] db in
            let sql = try db.requireSQL()
            if let value {
                try await sql.raw("""
                    INSERT INTO unit_populations (unit_id, population, updated_by, updated_at) VALUES (\(bind: unit), \(bind: value), \(bind: account), \(bind: now))
                    ON CONFLICT (unit_id) DO UPDATE SET population = excluded.population, updated_by = excluded.updated_by, updated_at = excluded.updated_at
                    """).run()
            } else {
                try await sql.raw("DELETE FROM unit_populations WHERE unit_id = \(bind: unit)").run()
            }
            try await AuditLog.append(.staff(account), "unit.population", subject: "unit:" + unit.uuidString,
                                      detail: ["population": value.map(String.init) ?? ""], at: now, on: db)
        }
    }
}
