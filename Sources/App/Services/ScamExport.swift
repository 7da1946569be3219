import BinhYenCore
import Fluent
import Foundation

/// Verified indicators for other agencies: CSV in the format `scam-import` reads, and a STIX 2.1
/// bundle (one `indicator` object each, with a STIX pattern; phone numbers and bank accounts have
/// no STIX cyber-observable type, so their patterns name custom `x-binhyen-…` types).
enum ScamExport {
    static let pageSize = 5_000

    /// Every verified indicator, in pages by id.
    static func verified(on db: any Database, _ each: ([ScamIndicator]) throws -> Void) async throws {
        var after: UUID?
        while true {
            var query = ScamIndicator.query(on: db).filter(\.$status == .verified).sort(\.$id).limit(pageSize)
            if let after { query = query.filter(\.$id > after) }
            let page = try await query.all()
            try each(page)
            guard page.count == pageSize, let last = page.last?.id else { return }
            after = last
        }
    }

    static func csv(on db: any Database) async throws -> String {
        var out = ScamImport.header.joined(separator: ",") + "\n"
        try await verified(on: db) { page in
            for row in page {
                // The canonical value reads back as itself; an account carries its bank in it.
                let (value, bank) = splitAccount(row)
                out += CSV.line([row.kind, value, bank, row.status.rawValue, String(row.reportCount), inert(row.warningVI ?? "")]) + "\n"
            }
        }
        return out
    }

    /// Free text that a spreadsheet would run as a formula (= + - @ first) gets a leading space,
    /// which `scam-import` trims again. Values are left alone: "+84…" must read back as itself.
    static func inert(_ text: String) -> String {
        guard let first = text.first, "=+-@".contains(first) else { return text }
        return " " + text
    }

    /// "VCB:0123456789" → ("0123456789", "VCB").
    static func splitAccount(_ row: ScamIndicator) -> (String, String) {
        guard row.kind == IndicatorKind.bankAccount.rawValue, let colon = row.value.firstIndex(of: ":") else { return (row.value, "") }
        return (String(row.value[row.value.index(after: colon)...]), String(row.value[..<colon]))
    }

    /// The STIX 2.1 pattern that matches the indicator.
    static func pattern(_ row: ScamIndicator) -> String {
        func quoted(_ text: String) -> String {
            "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
        }
        switch IndicatorKind(rawValue: row.kind) {
        case .phone: return "[x-binhyen-phone-number:value = \(quoted(row.value))]"
        case .bankAccount: return "[x-binhyen-bank-account:value = \(quoted(row.value))]"
        case .email: return "[email-addr:value = \(quoted(row.value))]"
        case .website:
            if row.value.contains("/") { return "[url:value LIKE \(quoted("%" + row.value + "%"))]" }
            return "[domain-name:value = \(quoted(row.value))]"
        case .social:
            let parts = row.value.split(separator: ":", maxSplits: 1).map(String.init)
            return "[user-account:account_type = \(quoted(parts.first ?? "")) AND user-account:account_login = \(quoted(parts.last ?? ""))]"
        case nil: return "[x-binhyen-indicator:value = \(quoted(row.value))]"
        }
    }

    static func stix(on db: any Database, now: Date = Date()) async throws -> Data {
        let stamp = ISO8601DateFormatter()
        stamp.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let identity = "identity--" + UUID(uuidString: "6f1e2c3a-8b4d-5e6f-9a0b-1c2d3e4f5a6b")!.uuidString.lowercased()
        var objects: [[String: Any]] = [[
            "type": "identity", "spec_version": "2.1", "id": identity, "identity_class": "organization",
            "name": "BinhYen — lực lượng an ninh mạng / cyber patrol",
            "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        ]]
        try await verified(on: db) { page in
            for row in page {
                guard let id = row.id else { continue }
                objects.append([
                    "type": "indicator", "spec_version": "2.1", "id": "indicator--" + id.uuidString.lowercased(),
                    "created_by_ref": identity,
                    "created": stamp.string(from: row.createdAt), "modified": stamp.string(from: row.updatedAt),
                    "valid_from": stamp.string(from: row.decidedAt ?? row.updatedAt),
                    "name": "\(row.kind): \(row.display)", "description": row.warningVI ?? "",
                    "indicator_types": ["malicious-activity"],
                    "pattern": pattern(row), "pattern_type": "stix", "pattern_version": "2.1",
                    "labels": ["scam", row.kind],
                ])
            }
        }
        let bundle: [String: Any] = ["type": "bundle", "id": "bundle--" + UUID().uuidString.lowercased(), "objects": objects]
        return try JSONSerialization.data(withJSONObject: bundle, options: [.sortedKeys, .withoutEscapingSlashes])
    }
}
