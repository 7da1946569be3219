import BinhYenCore
import Fluent
import Foundation
import SQLKit

/// Finds a commune or ward of the current list by what a citizen types: a code, or a name with or
/// without diacritics and with or without "Xã", "Phường"…
enum AreaSearch {
    struct Match: Sendable, Equatable {
        var code: String
        var name: String
        var provinceName: String
    }

    static func communes(matching input: String, limit: Int = 10, on db: any Database) async throws -> [Match] {
        let trimmed = VietnameseText.clean(input)
        guard !trimmed.isEmpty, trimmed.count <= 100 else { return [] }
        let query = AdminArea.query(on: db).filter(\.$scheme == .current).filter(\.$level == .commune)
        let rows: [AdminArea]
        if trimmed.allSatisfy({ $0.isASCII && $0.isNumber }) {
            rows = try await query.filter(\.$code == trimmed).all()
        } else {
            let folded = VietnameseText.fold(VietnameseText.stripAdministrativePrefix(trimmed))
            guard !folded.isEmpty else { return [] }
            let pattern = "%" + folded.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            rows = try await query.filter(.sql(embed: "\(ident: "admin_areas").\(ident: "name_folded") LIKE \(bind: pattern)")).limit(200).all()
        }
        let provinceCodes = Set(rows.compactMap(\.parentCode))
        let provinces = provinceCodes.isEmpty ? [] : try await AdminArea.query(on: db).filter(\.$scheme == .current)
            .filter(\.$code ~~ Array(provinceCodes)).all()
        let provinceNames = Dictionary(provinces.map { ($0.code, $0.name) }, uniquingKeysWith: { first, _ in first })
        let folded = VietnameseText.fold(VietnameseText.stripAdministrativePrefix(trimmed))
        // Exact names first ("Phường Buôn Ma Thuột" before "Xã Ea Buôn"), then shorter names.
        let ranked = rows.sorted {
            let exact0 = VietnameseText.fold($0.shortName) == folded, exact1 = VietnameseText.fold($1.shortName) == folded
            if exact0 != exact1 { return exact0 }
            return ($0.name.count, $0.code) < ($1.name.count, $1.code)
        }
        return ranked.prefix(limit).map { Match(code: $0.code, name: $0.name, provinceName: $0.parentCode.flatMap { provinceNames[$0] } ?? "") }
    }
}

/// Times on screen: Vietnam time (UTC+7 all year), day first.
enum DisplayTime {
    nonisolated(unsafe) private static let formatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "vi_VN")
        formatter.timeZone = TimeZone(secondsFromGMT: 7 * 3600)
        formatter.dateFormat = "HH:mm dd/MM/yyyy"
        return formatter
    }()
    private static let lock = NSLock()

    static func string(_ date: Date) -> String {
        lock.lock()
        defer { lock.unlock() }
        return formatter.string(from: date)
    }

    /// Parses `<input type="datetime-local">` (Vietnam time).
    static func parseLocalInput(_ text: String) -> Date? {
        let parser = DateFormatter()
        parser.locale = Locale(identifier: "en_US_POSIX")
        parser.timeZone = TimeZone(secondsFromGMT: 7 * 3600)
        for format in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss"] {
            parser.dateFormat = format
            if let date = parser.date(from: text) { return date }
        }
        return nil
    }
}
