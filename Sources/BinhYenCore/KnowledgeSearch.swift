import Foundation

/// Search over the procedures knowledge base and its public answers, as citizens type: with or
/// without diacritics, in NFC or NFD, with abbreviations and old names (CCCD, hộ khẩu, KT3), a typo
/// or two, in any word order.
///
/// The database only finds candidates (FTS5 on SQLite, a tsvector on PostgreSQL, both over the same
/// folded text, from `anyExpression` and `candidateExpressions`); ranking happens here, so both engines order
/// results the same way.
public enum KnowledgeSearch {
    public static let maxQueryLength = 200
    static let maxTerms = 10

    /// One thing the citizen asked for, with the folded word sequences that count as finding it.
    public struct Term: Sendable, Equatable {
        /// As typed, lower-case NFC ("căn cước", "cccd").
        public var typed: String
        public var alternatives: [Alternative]
    }

    public struct Alternative: Sendable, Hashable {
        /// Folded words that must appear one after the other.
        public var words: [String]
        /// 1 as typed, less for a synonym, an old name or a typo correction.
        public var weight: Double
    }

    public struct Query: Sendable, Equatable {
        public var terms: [Term]
        /// Words typed with diacritics (lower-case NFC): a document holding them exactly ranks first.
        public var accented: Set<String>

        public var isEmpty: Bool { terms.isEmpty }
        /// Every folded word any alternative looks for.
        public var words: Set<String> { Set(terms.flatMap { $0.alternatives.flatMap(\.words) }) }
    }

    /// What citizens type for what the knowledge base calls it (folded, longest first wins).
    /// Old paper names (hộ khẩu, KT3, CMND) point at the procedures that replaced them.
    static let synonyms: [[String]: [[String]]] = {
        let table: [(String, [String])] = [
            ("cccd", ["can cuoc"]), ("cmnd", ["can cuoc"]), ("cmt", ["can cuoc"]), ("chung minh nhan dan", ["can cuoc"]),
            ("chung minh thu", ["can cuoc"]), ("can cuoc cong dan", ["can cuoc"]), ("the can cuoc", ["can cuoc"]),
            ("ho khau", ["thuong tru"]), ("so ho khau", ["thuong tru"]), ("nhap khau", ["dang ky thuong tru"]),
            ("nhap ho khau", ["dang ky thuong tru"]), ("cat khau", ["xoa dang ky thuong tru"]), ("cat ho khau", ["xoa dang ky thuong tru"]),
            ("kt3", ["tam tru"]), ("kt2", ["tam tru"]), ("so tam tru", ["tam tru"]),
            ("passport", ["ho chieu"]), ("pasport", ["ho chieu"]),
            ("gplx", ["giay phep lai xe"]), ("bang lai", ["giay phep lai xe"]), ("bang lai xe", ["giay phep lai xe"]), ("blx", ["giay phep lai xe"]),
            ("cavet", ["dang ky xe"]), ("ca vet", ["dang ky xe"]), ("bien so", ["dang ky xe"]),
            ("vneid", ["dinh danh dien tu"]), ("muc 2", ["muc do 2"]), ("dddt", ["dinh danh dien tu"]),
            ("ct07", ["xac nhan thong tin ve cu tru"]), ("xac nhan cu tru", ["xac nhan thong tin ve cu tru"]),
            ("antt", ["an ninh trat tu"]), ("khac dau", ["con dau"]), ("mau dau", ["con dau"]),
            ("bao cong an", ["to giac toi pham"]), ("trinh bao", ["to giac toi pham"]), ("bao an", ["to giac toi pham"]),
            ("khach o qua dem", ["luu tru"]), ("khai bao khach", ["luu tru"]),
            // "đăng kí" is as common as "đăng ký".
            ("ki", ["ky"]),
        ]
        var map: [[String]: [[String]]] = [:]
        for (typed, meant) in table {
            map[typed.split(separator: " ").map(String.init), default: []].append(contentsOf: meant.map { $0.split(separator: " ").map(String.init) })
        }
        return map
    }()

    static let longestSynonym = synonyms.keys.map(\.count).max() ?? 1

    /// Words that carry no meaning for finding a procedure ("tôi muốn hỏi làm thế nào…"). "can"
    /// stays (cần and căn fold alike); "the" goes, since "thế nào" is commoner in questions than
    /// "thẻ", which every ID-card article holds anyway.
    static let stopWords: Set<String> = [
        "toi", "minh", "em", "chau", "ong", "ba", "muon", "hoi", "xin", "cho", "giup", "voi", "thi", "la", "o", "dau",
        "nao", "gi", "sao", "nhu", "bao", "lau", "phai", "co", "khong", "ko", "k", "a", "ah", "oi", "va", "cua", "de",
        "duoc", "lam", "nhung", "tai", "nay", "do", "roi", "bi", "mot", "cac", "nhe", "vay", "the", "ve", "thu", "tuc",
    ]

    /// What the knowledge base knows: its words and in how many articles each appears. Typos are
    /// corrected towards these words; rare words count for more.
    public struct Corpus: Sendable {
        public let documentCount: Int
        let frequency: [String: Int]
        let byLength: [Int: [String]]

        public init(_ documents: [Document]) {
            var frequency: [String: Int] = [:]
            for document in documents {
                for word in document.allWords { frequency[word, default: 0] += 1 }
            }
            for meant in KnowledgeSearch.synonyms.values.joined() {
                for word in meant where frequency[word] == nil { frequency[word] = 0 }
            }
            self.documentCount = documents.count
            self.frequency = frequency
            self.byLength = Dictionary(grouping: frequency.keys.filter { $0.count >= 3 }, by: \.count)
        }

        public func knows(_ word: String) -> Bool { frequency[word] != nil }

        /// Rare words weigh more; a word in every article weighs little.
        func weight(_ word: String) -> Double {
            let df = Double(frequency[word] ?? 0)
            return log(1 + (Double(documentCount) + 1) / (df + 1))
        }

        /// Known words within one edit (two for long words) of `word`, nearest and commonest first.
        func corrections(of word: String) -> [String] {
            let length = word.count
            guard length >= 4 else { return [] }
            let limit = length >= 7 ? 2 : 1
            let typed = Array(word.utf8)
            var found: [(word: String, distance: Int, df: Int)] = []
            for candidateLength in (length - limit)...(length + limit) {
                for candidate in byLength[candidateLength] ?? [] {
                    let distance = KnowledgeSearch.distance(typed, Array(candidate.utf8), limit: limit)
                    if distance <= limit { found.append((candidate, distance, frequency[candidate] ?? 0)) }
                }
            }
            return found.sorted { ($0.distance, -$0.df, $0.word) < ($1.distance, -$1.df, $1.word) }.prefix(3).map(\.word)
        }

        /// "cancuoc" → ["can", "cuoc"]: two known words run together.
        func split(_ word: String) -> [String]? {
            let characters = Array(word)
            guard characters.count >= 5 else { return nil }
            for cut in stride(from: characters.count - 2, through: 2, by: -1) {
                let head = String(characters[..<cut]), tail = String(characters[cut...])
                if (frequency[head] ?? 0) > 0 && (frequency[tail] ?? 0) > 0 { return [head, tail] }
            }
            return nil
        }
    }

    /// A searchable text: an article (title, the words citizens use for it, summary, the rest) or a
    /// published answer (question as title, answer as body).
    public struct Document: Sendable {
        public let title: String
        public let summary: String
        let titleWords: [String]
        let keywordWords: [String]
        let summaryWords: [String]
        let bodyWords: [String]
        /// Words as written with their diacritics; nil for an answer read from the index, whose
        /// question is read again only when the query has diacritics (most are typed without).
        let exactWords: Set<String>?

        public init(title: String, keywords: [String] = [], summary: String, body: String) {
            self.title = title
            self.summary = summary
            titleWords = VietnameseText.tokens(title)
            // A separator keeps a phrase from running across two keywords.
            keywordWords = keywords.flatMap { VietnameseText.tokens($0) + ["|"] }
            summaryWords = VietnameseText.tokens(summary)
            bodyWords = VietnameseText.tokens(body)
            exactWords = Set(KnowledgeSearch.exactWords(title + " " + keywords.joined(separator: " ") + " " + summary))
        }

        /// A published answer rebuilt from its question and what the index holds for it (`indexText`:
        /// the question's folded words, then the answer's), so the answer is not folded again.
        public init(question: String, indexText: String) {
            title = question
            summary = ""
            titleWords = VietnameseText.tokens(question)
            keywordWords = []
            summaryWords = []
            bodyWords = indexText.split(separator: " ").dropFirst(titleWords.count).map(String.init)
            exactWords = nil
        }

        var allWords: Set<String> { Set(titleWords + keywordWords + summaryWords + bodyWords).subtracting(["|"]) }

        /// What the index stores for this document: every folded word, title first.
        public var indexText: String {
            (titleWords + keywordWords.filter { $0 != "|" } + summaryWords + bodyWords).joined(separator: " ")
        }
    }

    /// Lower-case NFC words as written, diacritics kept.
    static func exactWords(_ text: String) -> [String] {
        VietnameseText.nfc(text).lowercased()
            .split(whereSeparator: { !($0.isLetter || $0.isNumber) })
            .map(String.init)
    }

    // MARK: reading a query

    public static func parse(_ text: String, corpus: Corpus) -> Query {
        let typed = exactWords(String(text.prefix(maxQueryLength)))
        var folded = typed.map { foldedWord($0) }
        var spelled = typed
        // Folding can leave nothing of a word (a lone mark): drop it from both lists together.
        for index in folded.indices.reversed() where folded[index].isEmpty {
            folded.remove(at: index)
            spelled.remove(at: index)
        }
        var terms: [Term] = []
        var index = 0
        while index < folded.count && terms.count < maxTerms {
            if let (length, meant) = synonym(at: index, in: folded) {
                let words = Array(folded[index..<index + length])
                terms.append(Term(typed: spelled[index..<index + length].joined(separator: " "),
                                  alternatives: [Alternative(words: words, weight: 1)] + meant.map { Alternative(words: $0, weight: 0.9) }))
                index += length
                continue
            }
            let word = folded[index]
            defer { index += 1 }
            if stopWords.contains(word) && folded.count > 1 { continue }
            var alternatives = [Alternative(words: [word], weight: 1)]
            if !corpus.knows(word) {
                alternatives += corpus.corrections(of: word).map { Alternative(words: [$0], weight: 0.7) }
                if let parts = corpus.split(word) { alternatives.append(Alternative(words: parts, weight: 0.8)) }
            }
            terms.append(Term(typed: spelled[index], alternatives: alternatives))
        }
        var seen: Set<[Alternative]> = []
        terms = terms.filter { seen.insert($0.alternatives).inserted }
        let accented = Set(spelled.enumerated().compactMap { offset, word in word != folded[offset] ? word : nil })
        return Query(terms: terms, accented: accented)
    }

    private static func synonym(at index: Int, in words: [String]) -> (Int, [[String]])? {
        for length in stride(from: min(longestSynonym, words.count - index), through: 1, by: -1) {
            if let meant = synonyms[Array(words[index..<index + length])] { return (length, meant) }
        }
        return nil
    }

    /// How the two engines write a search expression.
    public enum Syntax: Sendable {
        /// SQLite FTS5 MATCH.
        case fts5
        /// PostgreSQL `to_tsquery('simple', …)`.
        case tsquery

        func phrase(_ words: [String]) -> String {
            self == .fts5 ? "\"" + words.joined(separator: " ") + "\"" : "(" + words.joined(separator: " <-> ") + ")"
        }

        var and: String { self == .fts5 ? " AND " : " & " }
        var or: String { self == .fts5 ? " OR " : " | " }
    }

    /// Terms paired at most among the first ones, to bound the expression.
    static let pairedTerms = 6

    /// Expressions for finding answers among many, strictest first: every term; at least two of
    /// them; any. Answers are many and alike, so ranking all that hold any word would cost a
    /// reading of most of the index per search; the first expression that finds enough is used.
    public static func candidateExpressions(_ query: Query, _ syntax: Syntax) -> [String] {
        let terms = termExpressions(query, syntax)
        guard terms.count > 1 else { return terms }
        var expressions = [terms.joined(separator: syntax.and)]
        if terms.count > 2 {
            let paired = Array(terms.prefix(pairedTerms))
            var pairs: [String] = []
            for first in paired.indices {
                for second in paired.indices where second > first { pairs.append("(" + paired[first] + syntax.and + paired[second] + ")") }
            }
            expressions.append(pairs.joined(separator: syntax.or))
        }
        expressions.append(terms.joined(separator: syntax.or))
        return expressions
    }

    /// Documents holding any of the query's words or phrases (folded words are letters and digits
    /// only, so quoting them is enough).
    public static func anyExpression(_ query: Query, _ syntax: Syntax) -> String {
        termExpressions(query, syntax).joined(separator: syntax.or)
    }

    /// Each term as the alternatives that count as finding it.
    private static func termExpressions(_ query: Query, _ syntax: Syntax) -> [String] {
        query.terms.map { term in "(" + term.alternatives.map { syntax.phrase($0.words) }.joined(separator: syntax.or) + ")" }
    }

    // MARK: ranking

    public struct Match: Sendable {
        public var score: Double
        /// Folded words found, for highlighting.
        public var words: Set<String>
        /// The query's terms this document answered, as typed.
        public var terms: [String]
    }

    static let fieldWeights: [Double] = [4, 3, 2, 1]

    /// How well `document` answers `query`; nil when it holds none of the query's terms.
    public static func score(_ query: Query, _ document: Document, corpus: Corpus) -> Match? {
        let fields = [document.titleWords, document.keywordWords, document.summaryWords, document.bodyWords]
        var total = 0.0
        var words: Set<String> = []
        var terms: [String] = []
        for term in query.terms {
            var best = 0.0
            var bestWords: [String] = []
            for alternative in term.alternatives {
                let rarity = alternative.words.map(corpus.weight).reduce(0, +) / Double(alternative.words.count)
                for (field, weight) in zip(fields, fieldWeights) where contains(field, alternative.words) {
                    let value = weight * alternative.weight * rarity
                    if value > best { best = value; bestWords = alternative.words }
                    break
                }
            }
            if best > 0 {
                total += best
                words.formUnion(bestWords)
                terms.append(term.typed)
            }
        }
        guard !terms.isEmpty else { return nil }
        let coverage = Double(terms.count) / Double(query.terms.count)
        total += 6 * coverage * coverage
        // Words typed with their diacritics and found exactly so put this document ahead of one
        // that only matches once diacritics are dropped.
        if !query.accented.isEmpty {
            total += 3 * Double(query.accented.intersection(document.exactWords ?? Set(exactWords(document.title))).count)
        }
        return Match(score: total, words: words, terms: terms)
    }

    /// True when `words` appear in `field` one after the other.
    static func contains(_ field: [String], _ words: [String]) -> Bool {
        guard let first = words.first, words.count <= field.count else { return false }
        if words.count == 1 { return field.contains(first) }
        for start in 0...(field.count - words.count) where field[start] == first {
            if Array(field[start..<start + words.count]) == words { return true }
        }
        return false
    }

    /// Optimal string alignment distance (a swap of two neighbours counts once), giving up past `limit`.
    static func distance(_ a: [UInt8], _ b: [UInt8], limit: Int) -> Int {
        if abs(a.count - b.count) > limit { return limit + 1 }
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            var rowBest = current[0]
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] { value = min(value, previous2[j - 2] + 1) }
                current[j] = value
                rowBest = min(rowBest, value)
            }
            if rowBest > limit { return limit + 1 }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }

    // MARK: showing why a result matched

    public struct Segment: Sendable, Equatable {
        public var text: String
        public var matched: Bool
    }

    /// `text` cut into runs, the words whose folded form is in `words` marked.
    public static func highlight(_ text: String, words: Set<String>) -> [Segment] {
        var segments: [Segment] = []
        func append(_ piece: Substring, matched: Bool) {
            guard !piece.isEmpty else { return }
            if let last = segments.last, last.matched == matched {
                segments[segments.count - 1].text += piece
            } else {
                segments.append(Segment(text: String(piece), matched: matched))
            }
        }
        var start = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            guard character.isLetter || character.isNumber else { index = text.index(after: index); continue }
            var end = index
            while end < text.endIndex && (text[end].isLetter || text[end].isNumber) { end = text.index(after: end) }
            if words.contains(foldedWord(text[index..<end])) {
                append(text[start..<index], matched: false)
                append(text[index..<end], matched: true)
                start = end
            }
            index = end
        }
        append(text[start..<text.endIndex], matched: false)
        return segments
    }

    /// One word folded as the index holds it, without the spaces folding may leave inside.
    static func foldedWord<S: StringProtocol>(_ word: S) -> String {
        let folded = VietnameseText.fold(String(word))
        return folded.contains(" ") ? String(folded.filter { $0 != " " }) : folded
    }

    /// Up to `length` characters of `text` around its first matched word, with ellipses where cut.
    public static func excerpt(_ text: String, words: Set<String>, length: Int = 180) -> [Segment] {
        let count = text.count
        guard count > length else { return highlight(text, words: words) }
        // Characters before the first matched word.
        var before = count
        var offset = 0
        var index = text.startIndex
        search: while index < text.endIndex {
            guard text[index].isLetter || text[index].isNumber else { index = text.index(after: index); offset += 1; continue }
            var end = index
            var wordLength = 0
            while end < text.endIndex && (text[end].isLetter || text[end].isNumber) { end = text.index(after: end); wordLength += 1 }
            if words.contains(foldedWord(text[index..<end])) { before = offset; break search }
            index = end
            offset += wordLength
        }
        let startOffset = before >= count ? 0 : max(0, before - length / 3)
        let start = text.index(text.startIndex, offsetBy: startOffset)
        let end = text.index(start, offsetBy: min(length, count - startOffset))
        let piece = (startOffset > 0 ? "…" : "") + text[start..<end] + (end < text.endIndex ? "…" : "")
        return highlight(piece, words: words)
    }
}
