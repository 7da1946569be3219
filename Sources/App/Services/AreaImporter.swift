import BinhYenCore
import Fluent
import Foundation
import SQLKit

/// Loads the official list of administrative areas from the CSV files shipped in
/// Resources/AdminUnits. Importing again updates names and types in place (codes are stable).
enum AreaImporter {
    struct Row: Equatable, Sendable {
        var code: String
        var name: String
        var type: String
        var parentCode: String?
    }

    struct Report: Equatable, Sendable {
        var inserted = 0
        var updated = 0
        var unchanged = 0
    }

    enum ImportError: Error, CustomStringConvertible {
        case badHeader(String)
        case badRow(line: Int, reason: String)

        var description: String {
            switch self {
            case .badHeader(let header): "Dòng tiêu đề sai / bad header: \(header) (cần / expected code,name,type,parent_code)"
            case .badRow(let line, let reason): "Dòng \(line) / line \(line): \(reason)"
            }
        }
    }

    static func fileName(for scheme: AdminArea.Scheme) -> String {
        switch scheme {
        case .current: "vn_admin_units_2tier_2026-04-30.csv"
        case .legacy: "vn_admin_units_3tier_legacy_2025-03-01.csv"
        }
    }

    /// Parses the four-column CSV. Names contain no commas or quotes in the official list, but
    /// quoted fields are still honoured so a hand-edited file does not import wrong.
    static func parse(_ text: String) throws -> [Row] {
        var lines = text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline).map(String.init)
        guard !lines.isEmpty else { throw ImportError.badHeader("") }
        let header = lines.removeFirst().trimmingCharacters(in: .whitespaces)
        guard header == "code,name,type,parent_code" else { throw ImportError.badHeader(header) }
        var seen = Set<String>()
        return try lines.enumerated().map { index, line in
            let fields = CSV.fields(line)
            guard fields.count == 4 else { throw ImportError.badRow(line: index + 2, reason: "cần 4 cột / expected 4 columns") }
            let code = fields[0].trimmingCharacters(in: .whitespaces)
            guard !code.isEmpty, code.allSatisfy(\.isASCII), code.allSatisfy(\.isNumber) else {
                throw ImportError.badRow(line: index + 2, reason: "mã phải là chữ số / code must be digits: \(code)")
            }
            guard seen.insert(code).inserted else { throw ImportError.badRow(line: index + 2, reason: "mã trùng / duplicate code \(code)") }
            let parent = fields[3].trimmingCharacters(in: .whitespaces)
            return Row(code: code, name: VietnameseText.clean(fields[1]), type: VietnameseText.clean(fields[2]), parentCode: parent.isEmpty ? nil : parent)
        }
    }

    static func level(of row: Row, in rows: [String: Row]) -> AdminArea.Level {
        guard let parent = row.parentCode else { return .province }
        return rows[parent]?.parentCode == nil ? (row.code.count == 3 ? .district : .commune) : .commune
    }

    /// Imports (or refreshes) one scheme. Runs in one transaction: all rows or none.
    static func importAreas(_ rows: [Row], scheme: AdminArea.Scheme, on db: any Database) async throws -> Report {
        let byCode = Dictionary(uniqueKeysWithValues: rows.map { ($0.code, $0) })
        for row in rows {
            if let parent = row.parentCode, byCode[parent] == nil {
                throw ImportError.badRow(line: 0, reason: "mã cha không tồn tại / unknown parent \(parent) of \(row.code)")
            }
        }
        return try await db.transaction { db in
            let existing = try await AdminArea.query(on: db).filter(\.$scheme == scheme).all()
            let existingByCode = Dictionary(uniqueKeysWithValues: existing.map { ($0.code, $0) })
            var report = Report()
            var fresh: [AdminArea] = []
            for row in rows {
                let shortName = VietnameseText.stripAdministrativePrefix(row.name)
                let folded = VietnameseText.fold(row.name)
                let level = level(of: row, in: byCode)
                if let area = existingByCode[row.code] {
                    if area.name == row.name && area.type == row.type && area.parentCode == row.parentCode && area.level == level {
                        report.unchanged += 1
                        continue
                    }
                    area.name = row.name
                    area.shortName = shortName
                    area.nameFolded = folded
                    area.type = row.type
                    area.parentCode = row.parentCode
                    area.level = level
                    try await area.update(on: db)
                    report.updated += 1
                } else {
                    let area = AdminArea()
                    area.id = UUID()
                    area.scheme = scheme
                    area.code = row.code
                    area.name = row.name
                    area.shortName = shortName
                    area.nameFolded = folded
                    area.type = row.type
                    area.level = level
                    area.parentCode = row.parentCode
                    fresh.append(area)
                }
            }
            // Batches keep a first import of ~10,000 rows to a few dozen statements.
            for start in stride(from: 0, to: fresh.count, by: 500) {
                try await fresh[start..<min(start + 500, fresh.count)].create(on: db)
            }
            report.inserted = fresh.count
            return report
        }
    }

    static func importShipped(scheme: AdminArea.Scheme, resourcesDirectory: String, on db: any Database) async throws -> Report {
        let path = resourcesDirectory + "AdminUnits/" + fileName(for: scheme)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try await importAreas(try parse(text), scheme: scheme, on: db)
    }
}
