import BinhYenCore
import Vapor

/// What the layout needs on every page.
struct PageMeta: Encodable {
    struct AccountBadge: Encodable {
        var displayName: String
        var isStaff: Bool
        /// Works the scam registry (the console shows its queue).
        var isCyberPatrol: Bool
        /// Reads the statistics of some unit (the console shows the dashboard).
        var readsStatistics: Bool
        /// Renames, moves, merges and splits units (the console links the screens).
        var reorganisesUnits: Bool
    }

    var lang: String
    var t: [String: String]
    var title: String
    var csrf: String
    var path: String
    var account: AccountBadge?
}

extension Request {
    /// - Parameter titleKey: a key of `Language.texts`.
    func pageMeta(titleKey: String) -> PageMeta {
        let language = self.language
        let texts = language.texts
        let account = auth.get(CurrentAccount.self)
        return PageMeta(
            lang: language.rawValue,
            t: texts,
            title: texts[titleKey] ?? titleKey,
            csrf: hasSession ? csrfToken() : "",
            path: url.path,
            account: account.map {
                .init(displayName: $0.displayName, isStaff: $0.isStaff, isCyberPatrol: Policy.allowsSomewhere($0.grants, .verifyScamIndicators),
                      readsStatistics: Policy.allowsSomewhere($0.grants, .readStatistics),
                      reorganisesUnits: Policy.allowsSomewhere($0.grants, .reorganiseUnits))
            }
        )
    }

    /// The field's message in the page's language.
    func message(_ vi: String, _ en: String) -> String {
        language == .vi ? vi : en
    }
}
