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

    /// Higher is better; nil when the candidate does not match every query token.
    /// Exact-diacritic matches outrank folded ones, so "Văn Lăng" and "Văn Lang" stay apart.
    public static func score(query: String, name: String, searchText: String) -> Int? {
        let queryTokens = VietnameseText.tokens(query)
        guard !queryTokens.isEmpty else { return nil }
        let searchTokens = searchText.split(separator: " ").map(String.init)
        guard queryTokens.allSatisfy({ token in searchTokens.contains { $0.hasPrefix(token) } }) else {
            return nil
        }

        let exactQuery = VietnameseText.clean(query).lowercased()
        let exactName = VietnameseText.clean(name).lowercased()
        let foldedQuery = queryTokens.joined(separator: " ")
        let foldedName = VietnameseText.fold(name)
        let foldedShort = VietnameseText.fold(VietnameseText.stripAdministrativePrefix(name))
        let nameTokens = foldedName.split(separator: " ").map(String.init)

        var score = 0
        if exactName == exactQuery { score += 1000 }
        if exactName.contains(exactQuery) { score += 400 }
        if foldedName == foldedQuery || foldedShort == foldedQuery { score += 300 }
        if (" " + foldedName + " ").contains(" " + foldedQuery + " ") {
            score += 200
            if foldedName.hasSuffix(" " + foldedQuery) { score += 50 }
        } else if (" " + foldedName).contains(" " + foldedQuery) {
            score += 120
        }
        let inName = queryTokens.filter { token in nameTokens.contains { $0.hasPrefix(token) } }.count
        score += inName * 20
        // Shorter names first among equals: "Công an tỉnh Đắk Lắk" before a commune inside it.
        score -= min(nameTokens.count, 20)
        return score
    }
}
