/// Ranking for the unit directory. The database narrows candidates by folded tokens; this decides
/// the order, so SQLite and PostgreSQL return the same list.
public enum UnitSearch {
    /// The text a unit is found by: its name, its area and the area's province, folded.
    public static func searchText(name: String, areaName: String?, provinceName: String?) -> String {
        [name, areaName, provinceName]
            .compactMap { $0 }
            .map(VietnameseText.fold)
            .joined(separator: " ")
    }

    /// A query prepared once per search, then scored against every candidate.
    public struct Query: Sendable {
        let tokens: [String]
        let exact: String
        let folded: String

        public init(_ text: String) {
            tokens = VietnameseText.tokens(text)
            exact = VietnameseText.clean(text).lowercased()
            folded = tokens.joined(separator: " ")
        }

        public var isEmpty: Bool { tokens.isEmpty }
    }

    public static func score(query: String, name: String, searchText: String) -> Int? {
        score(Query(query), name: name, searchText: searchText)
    }

    /// Higher is better; nil when the candidate does not match every query token.
    /// Exact-diacritic matches outrank folded ones, so "Văn Lăng" and "Văn Lang" stay apart.
    /// `name` is stored text (already NFC).
    public static func score(_ query: Query, name: String, searchText: String) -> Int? {
        guard !query.isEmpty else { return nil }
        let searchTokens = searchText.split(separator: " ")
        guard query.tokens.allSatisfy({ token in searchTokens.contains { $0.hasPrefix(token) } }) else {
            return nil
        }

        let exactName = name.lowercased()
        let foldedName = VietnameseText.fold(name)
        let nameTokens = foldedName.split(separator: " ")

        var score = 0
        if exactName == query.exact { score += 1000 }
        if exactName.contains(query.exact) { score += 400 }
        if foldedName == query.folded { score += 300 }
        if (" " + foldedName + " ").contains(" " + query.folded + " ") {
            score += 200
            if foldedName.hasSuffix(" " + query.folded) { score += 50 }
        } else if (" " + foldedName).contains(" " + query.folded) {
            score += 120
        }
        let inName = query.tokens.filter { token in nameTokens.contains { $0.hasPrefix(token) } }.count
        score += inName * 20
        // Shorter names first among equals: "Công an tỉnh Đắk Lắk" before a commune inside it.
        score -= min(nameTokens.count, 20)
        return score
    }
}
