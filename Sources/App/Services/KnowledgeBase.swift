import BinhYenCore
import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// The procedures knowledge base: articles (each change kept as a revision), the answers published
/// under them, and search over both. Writes go through the write gate, with the search index row
/// in the same transaction.
struct KnowledgeBase: Sendable {
    let db: any Database
    let gate: WriteGate
    let cache: KnowledgeCache

    init(db: any Database, app: Application) {
        self.db = db
        gate = app.writeGate
        cache = app.knowledgeCache
    }

    enum Failure: Error, Equatable {
        case notFound
        /// Someone saved another wording since this editor opened the article.
        case stale(current: Int)
    }

    // MARK: the shipped articles

    static let shippedFile = "Procedures/procedures.json"

    static func shipped(resourcesDirectory: String) throws -> [ProcedureContent] {
        let data = try Data(contentsOf: URL(fileURLWithPath: resourcesDirectory).appendingPathComponent(shippedFile))
        return try JSONDecoder().decode([ProcedureContent].self, from: data)
    }

    /// Adds the shipped articles that are not in the database yet; an article already there (maybe
    /// edited by an admin) is left as it is. Returns how many were added.
    @discardableResult
    static func installShipped(resourcesDirectory: String, app: Application, now: Date = Date()) async throws -> Int {
        let articles = try shipped(resourcesDirectory: resourcesDirectory)
        for article in articles {
            let issues = Self.issues(article)
            guard issues.isEmpty else {
                throw Abort(.internalServerError, reason: "\(shippedFile): \(article.slug): \(issues.map(\.messageEN).joined(separator: "; "))")
            }
        }
        let added = try await app.writeGate.transaction { db in
            let present = Set(try await Procedure.query(on: db).all(\.$slug))
            var added = 0
            for content in articles where !present.contains(content.slug) {
                let procedure = Procedure()
                procedure.content = Self.cleaned(content)
                procedure.revision = 1
                procedure.updatedAt = now
                try await procedure.create(on: db)
                try await Self.keep(procedure, note: "Bản phát hành / shipped with BinhYen", by: nil, at: now, on: db)
                try await Self.index(procedure, on: db)
                added += 1
            }
            return added
        }
        app.knowledgeCache.forget()
        return added
    }

    // MARK: reading

    /// Every article, in Vietnamese alphabetical order of titles.
    func articles() async throws -> [Procedure] {
        UnitDirectory.inVietnameseOrder(try await Procedure.query(on: db).all(), name: \.title)
    }

    func article(slug: String) async throws -> Procedure? {
        try await Procedure.query(on: db).filter(\.$slug == slug).first()
    }

    /// Every wording the article has had, newest first.
    func revisions(of procedure: Procedure) async throws -> [ProcedureRevision] {
        try await ProcedureRevision.query(on: db).filter(\.$procedure.$id == procedure.requireID())
            .sort(\.$revision, .descending).with(\.$editedBy).all()
    }

    /// The answers published under an article, newest first.
    func faqs(of procedure: Procedure, limit: Int = 50) async throws -> [FAQ] {
        try await FAQ.query(on: db).filter(\.$procedure.$id == procedure.requireID()).sort(\.$publishedAt, .descending).limit(limit).all()
    }

    // MARK: editing

    /// Lower-case ASCII letters and digits in words joined by single hyphens.
    static func isSlug(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 80 && !text.hasPrefix("-") && !text.hasSuffix("-") && !text.contains("--")
            && text.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    static let titleLength = 3...200
    static let textLength = 1...2_000
    static let itemLength = 1...500
    static let listLength = 1...30

    /// Why an article's content is refused, field by field (empty when it is fine).
    static func issues(_ content: ProcedureContent) -> [FieldIssue] {
        var issues: [FieldIssue] = []
        func refuse(_ field: String, _ vi: String, _ en: String) {
            issues.append(FieldIssue(field: field, code: "invalid", messageVI: vi, messageEN: en))
        }
        let c = cleaned(content)
        if !isSlug(c.slug) {
            refuse("slug", "Mã bài chỉ gồm chữ thường không dấu, số và dấu gạch ngang, tối đa 80 ký tự.",
                   "The slug is lower-case letters, digits and hyphens, at most 80 characters.")
        }
        if !titleLength.contains(c.title.count) {
            refuse("title", "Tiêu đề cần từ \(titleLength.lowerBound) đến \(titleLength.upperBound) ký tự.",
                   "The title needs \(titleLength.lowerBound)–\(titleLength.upperBound) characters.")
        }
        let texts: [(String, String, String, String)] = [
            ("summary", c.summary, "Tóm tắt", "summary"), ("audience", c.audience, "Đối tượng", "audience"),
            ("filing", c.filing, "Nơi và cách nộp", "where to file"), ("fee", c.fee, "Lệ phí", "fee"),
            ("processingTime", c.processingTime, "Thời hạn giải quyết", "processing time"),
        ]
        for (field, value, vi, en) in texts where !textLength.contains(value.count) {
            refuse(field, "\(vi) không được để trống và tối đa \(textLength.upperBound) ký tự.",
                   "The \(en) must not be empty and has at most \(textLength.upperBound) characters.")
        }
        let lists: [(String, [String], String, String)] = [
            ("documents", c.documents, "Giấy tờ cần có", "documents"), ("steps", c.steps, "Các bước", "steps"),
            ("legalBasis", c.legalBasis, "Căn cứ pháp lý", "legal basis"), ("keywords", c.keywords, "Từ khoá", "keywords"),
        ]
        for (field, items, vi, en) in lists where !listLength.contains(items.count) || items.contains(where: { !itemLength.contains($0.count) }) {
            refuse(field, "\(vi): từ 1 đến \(listLength.upperBound) dòng, mỗi dòng tối đa \(itemLength.upperBound) ký tự.",
                   "The \(en): 1–\(listLength.upperBound) lines of at most \(itemLength.upperBound) characters each.")
        }
        if InternetTime.civilDate(c.checkedOn) == nil {
            refuse("checkedOn", "Ngày kiểm tra phải có dạng năm-tháng-ngày, ví dụ 2026-11-15.", "The date checked is written year-month-day, e.g. 2026-11-15.")
        }
        return issues
    }

    /// NFC, no control characters, single spaces; empty lines dropped from lists.
    static func cleaned(_ c: ProcedureContent) -> ProcedureContent {
        let text = VietnameseText.clean
        let list = { (items: [String]) in items.map(text).filter { !$0.isEmpty } }
        return ProcedureContent(slug: c.slug.trimmingCharacters(in: .whitespaces), title: text(c.title), summary: text(c.summary),
                                keywords: list(c.keywords), audience: text(c.audience), documents: list(c.documents), filing: text(c.filing),
                                fee: text(c.fee), processingTime: text(c.processingTime), legalBasis: list(c.legalBasis), steps: list(c.steps),
                                checkedOn: c.checkedOn.trimmingCharacters(in: .whitespaces))
    }

    /// Saves a new wording. `expectedRevision` is the revision the editor started from: when
    /// someone saved in between, nothing changes and `.stale` says which revision is current.
    func update(slug: String, content: ProcedureContent, note: String, expectedRevision: Int, by editor: UUID, now: Date = Date()) async throws -> Procedure {
        var content = content
        content.slug = slug
        let issues = Self.issues(content)
        guard issues.isEmpty else { throw ValidationFailure(issues: issues) }
        let cleaned = Self.cleaned(content)
        let note = String(VietnameseText.clean(note).prefix(300))
        let procedure = try await gate.transaction { db in
            guard let procedure = try await Procedure.query(on: db).filter(\.$slug == slug).first() else { throw Failure.notFound }
            guard procedure.revision == expectedRevision else { throw Failure.stale(current: procedure.revision) }
            guard procedure.content != cleaned else { return procedure }
            procedure.content = cleaned
            procedure.revision += 1
            procedure.updatedAt = now
            procedure.$updatedBy.id = editor
            try await procedure.save(on: db)
            try await Self.keep(procedure, note: note.isEmpty ? "Cập nhật / updated" : note, by: editor, at: now, on: db)
            try await Self.index(procedure, on: db)
            try await AuditLog.append(.staff(editor), "procedure.update", subject: "procedure:\(slug)",
                                      detail: ["revision": String(procedure.revision)], at: now, on: db)
            return procedure
        }
        cache.forget()
        return procedure
    }

    private static func keep(_ procedure: Procedure, note: String, by editor: UUID?, at now: Date, on db: any Database) async throws {
        let revision = ProcedureRevision()
        revision.$procedure.id = try procedure.requireID()
        revision.revision = procedure.revision
        revision.content = String(decoding: try JSONEncoder().encode(procedure.content), as: UTF8.self)
        revision.note = note
        revision.$editedBy.id = editor
        revision.createdAt = now
        try await revision.create(on: db)
    }

    private static func index(_ procedure: Procedure, on db: any Database) async throws {
        let sql = try db.requireSQL()
        let id = try procedure.requireID()
        try await sql.raw("DELETE FROM procedure_search WHERE ref = \(bind: id)").run()
        try await sql.raw("""
            INSERT INTO procedure_search (ref, revision, body) VALUES (\(bind: id), \(bind: procedure.revision), \(bind: procedure.searchDocument.indexText))
            """).run()
    }

    /// Publishes a question and its answer under an article, without who asked.
    func publishFAQ(procedureID: UUID, question: String, answer: String, unitID: UUID, sourceQuestionID: UUID? = nil,
                    by publisher: UUID?, now: Date = Date()) async throws -> FAQ {
        let question = VietnameseText.clean(question), answer = VietnameseText.clean(answer)
        let issues = Self.faqIssues(question: question, answer: answer)
        guard issues.isEmpty else { throw ValidationFailure(issues: issues) }
        let published = try await gate.transaction { db in
            guard try await Procedure.find(procedureID, on: db) != nil else { throw Failure.notFound }
            let faq = FAQ()
            faq.$procedure.id = procedureID
            faq.question = question
            faq.answer = answer
            faq.$unit.id = unitID
            faq.sourceQuestionID = sourceQuestionID
            faq.$publishedBy.id = publisher
            faq.publishedAt = now
            try await faq.create(on: db)
            try await db.requireSQL().raw("""
                INSERT INTO faq_search (ref, revision, body) VALUES (\(bind: try faq.requireID()), 1, \(bind: faq.searchDocument.indexText))
                """).run()
            try await AuditLog.append(publisher.map(AuditActor.staff) ?? .system, "faq.publish", subject: "procedure:\(procedureID.uuidString)",
                                      detail: ["faq": try faq.requireID().uuidString], at: now, on: db)
            return faq
        }
        cache.forgetResults()
        return published
    }

    static func faqIssues(question: String, answer: String) -> [FieldIssue] {
        var issues: [FieldIssue] = []
        if !(5...1_000).contains(question.count) {
            issues.append(FieldIssue(field: "question", code: "length", messageVI: "Câu hỏi cần từ 5 đến 1.000 ký tự.", messageEN: "The question needs 5–1,000 characters."))
        }
        if !(5...4_000).contains(answer.count) {
            issues.append(FieldIssue(field: "answer", code: "length", messageVI: "Câu trả lời cần từ 5 đến 4.000 ký tự.", messageEN: "The answer needs 5–4,000 characters."))
        }
        return issues
    }

    /// A question and answer as an import file holds it.
    struct FAQDraft: Decodable, Sendable {
        var procedure: String
        var question: String
        var answer: String
    }

    /// Publishes answers given before BinhYen (a unit's years of answers on its page) under their
    /// articles, for one unit. Every item is checked first; if any is wrong nothing is written and
    /// the problems come back by position. Written in batches, one audit entry for the import.
    func importFAQs(_ drafts: [FAQDraft], unitID: UUID, by publisher: UUID?, now: Date = Date(), batch: Int = 1_000) async throws -> Int {
        var procedures: [String: UUID] = [:]
        for procedure in try await articles() { procedures[procedure.slug] = try procedure.requireID() }
        var issues: [FieldIssue] = []
        var rows: [(procedureID: UUID, question: String, answer: String)] = []
        rows.reserveCapacity(drafts.count)
        for (index, draft) in drafts.enumerated() {
            let question = VietnameseText.clean(draft.question), answer = VietnameseText.clean(draft.answer)
            var problems = Self.faqIssues(question: question, answer: answer)
            if procedures[draft.procedure] == nil {
                problems.append(FieldIssue(field: "procedure", code: "unknown", messageVI: "Không có thủ tục “\(draft.procedure)”.",
                                           messageEN: "There is no procedure “\(draft.procedure)”."))
            }
            issues += problems.map { FieldIssue(field: "\(index + 1).\($0.field)", code: $0.code, messageVI: $0.messageVI, messageEN: $0.messageEN) }
            if problems.isEmpty, let procedureID = procedures[draft.procedure] { rows.append((procedureID, question, answer)) }
        }
        guard issues.isEmpty else { throw ValidationFailure(issues: issues) }
        for start in stride(from: 0, to: rows.count, by: batch) {
            let slice = Array(rows[start..<min(start + batch, rows.count)])
            try await gate.transaction { db in
                let faqs = slice.map { row in
                    let faq = FAQ()
                    faq.id = UUID.timeOrdered(at: now)
                    faq.$procedure.id = row.procedureID
                    faq.question = row.question
                    faq.answer = row.answer
                    faq.$unit.id = unitID
                    faq.$publishedBy.id = publisher
                    faq.publishedAt = now
                    return faq
                }
                try await faqs.create(on: db)
                let index = try db.requireSQL().insert(into: "faq_search").columns("ref", "revision", "body")
                for faq in faqs { index.values([SQLBind(faq.id), SQLBind(1), SQLBind(faq.searchDocument.indexText)]) }
                try await index.run()
            }
        }
        cache.forgetResults()
        let count = rows.count
        try await gate.transaction { db in
            try await AuditLog.append(publisher.map(AuditActor.staff) ?? .system, "faq.import", subject: "unit:\(unitID.uuidString)",
                                      detail: ["count": String(count)], at: now, on: db)
        }
        return count
    }

    // MARK: search

    struct Hit: Sendable {
        enum Kind: String, Sendable { case procedure, faq }
        var kind: Kind
        /// The article (for an answer, the article it is published under).
        var slug: String
        var procedureTitle: String
        var faqID: UUID?
        /// The article's title or the answer's question, matched words marked.
        var title: [KnowledgeSearch.Segment]
        /// The article's summary or an excerpt of the answer, matched words marked.
        var excerpt: [KnowledgeSearch.Segment]
        /// The query's terms the result holds, as typed.
        var matched: [String]
        var score: Double
    }

    static let maxResults = 20
    /// Answers fetched from the index before ranking (articles are few and all come back).
    static let faqCandidates = 40
    /// Candidates enough not to loosen the expression further.
    static let faqEnough = 10
    /// Answers shown at most under one article.
    static let faqsPerArticle = 3

    /// The best articles and answers for what a citizen typed, best first. Citizens ask the same
    /// things in the same words, so results are kept in memory until the knowledge base changes
    /// (on this node at once, on others within `KnowledgeCache.lifetime`).
    func search(_ text: String, limit: Int = 10) async throws -> [Hit] {
        let limit = max(1, min(limit, Self.maxResults))
        let key = KnowledgeCache.ResultKey(text: VietnameseText.nfc(text).lowercased(), limit: limit)
        if let hits = cache.results(for: key) { return hits }
        let generation = cache.generation
        let hits = try await searchIndex(text, limit: limit)
        cache.keep(hits, for: key, generation: generation)
        return hits
    }

    private func searchIndex(_ text: String, limit: Int) async throws -> [Hit] {
        var snapshot = try await cache.snapshot(on: db)
        let query = KnowledgeSearch.parse(text, corpus: snapshot.corpus)
        guard !query.isEmpty else { return [] }
        let sql = try db.requireSQL()
        let postgres = sql.dialect.name == "postgresql"
        let match = KnowledgeSearch.anyExpression(query, postgres ? .tsquery : .fts5)
        let condition: SQLQueryString = postgres ? "terms @@ to_tsquery('simple', \(bind: match))" : "procedure_search MATCH \(bind: match)"
        let articleRows = try await sql.raw("SELECT ref, revision FROM procedure_search WHERE \(condition)").all()
        var found: [(UUID, Int)] = []
        for row in articleRows { found.append((try row.decode(column: "ref", as: UUID.self), try row.decode(column: "revision", as: Int.self))) }
        // Another node changed an article since this one read them: read them again.
        if found.contains(where: { snapshot.articles[$0.0]?.revision != $0.1 }) {
            cache.forget()
            snapshot = try await cache.snapshot(on: db)
        }
        // Ranked first, marked after: only the results shown are highlighted.
        var candidates: [Candidate] = []
        for (id, _) in found {
            guard let article = snapshot.articles[id], let match = KnowledgeSearch.score(query, article.document, corpus: snapshot.corpus) else { continue }
            candidates.append(Candidate(kind: .procedure, slug: article.slug, procedureTitle: article.title, faqID: nil, title: article.title,
                                        text: article.summary, match: match))
        }
        for row in try await faqCandidates(query, postgres: postgres) {
            let question = try row.decode(column: "question", as: String.self), answer = try row.decode(column: "answer", as: String.self)
            guard let article = snapshot.articles[try row.decode(column: "procedure_id", as: UUID.self)],
                  let match = KnowledgeSearch.score(query, KnowledgeSearch.Document(question: question, indexText: try row.decode(column: "body", as: String.self)),
                                                    corpus: snapshot.corpus)
            else { continue }
            candidates.append(Candidate(kind: .faq, slug: article.slug, procedureTitle: article.title, faqID: try row.decode(column: "id", as: UUID.self),
                                        title: question, text: answer, match: match))
        }
        // Many answers to one procedure say the same: a few of them, then other procedures.
        var shownPerArticle: [String: Int] = [:]
        let shown = candidates.sorted(by: Candidate.ranked).filter { candidate in
            guard candidate.kind == .faq else { return true }
            shownPerArticle[candidate.slug, default: 0] += 1
            return shownPerArticle[candidate.slug]! <= Self.faqsPerArticle
        }
        return shown.prefix(limit).map { c in
            Hit(kind: c.kind, slug: c.slug, procedureTitle: c.procedureTitle, faqID: c.faqID,
                title: KnowledgeSearch.highlight(c.title, words: c.match.words),
                excerpt: c.kind == .faq ? KnowledgeSearch.excerpt(c.text, words: c.match.words) : KnowledgeSearch.highlight(c.text, words: c.match.words),
                matched: c.match.terms, score: c.match.score)
        }
    }

    /// A result before its words are marked.
    private struct Candidate {
        var kind: Hit.Kind
        var slug: String
        var procedureTitle: String
        var faqID: UUID?
        var title: String
        /// The article's summary or the answer.
        var text: String
        var match: KnowledgeSearch.Match

        /// Higher score first; on a tie an article before an answer, then by title.
        static func ranked(_ a: Candidate, _ b: Candidate) -> Bool {
            if a.match.score != b.match.score { return a.match.score > b.match.score }
            if a.kind != b.kind { return a.kind == .procedure }
            return a.title != b.title ? a.title < b.title : (a.faqID?.uuidString ?? "") < (b.faqID?.uuidString ?? "")
        }
    }

    /// Answers that may match, read with the strictest expression that finds enough of them (see
    /// `KnowledgeSearch.candidateExpressions`); the newest first on SQLite, by `ts_rank` on PostgreSQL.
    private func faqCandidates(_ query: KnowledgeSearch.Query, postgres: Bool) async throws -> [any SQLRow] {
        let sql = try db.requireSQL()
        var rows: [any SQLRow] = []
        var seen: Set<UUID> = []
        for expression in KnowledgeSearch.candidateExpressions(query, postgres ? .tsquery : .fts5) {
            let found: [any SQLRow] = try await sql.raw(postgres
                ? """
                    SELECT f.id, f.question, f.answer, f.procedure_id, s.body FROM (SELECT ref, body FROM faq_search WHERE terms @@ to_tsquery('simple', \(bind: expression))
                    ORDER BY ts_rank(terms, to_tsquery('simple', \(bind: expression))) DESC LIMIT \(literal: Self.faqCandidates)) s JOIN faqs f ON f.id = s.ref
                    """
                : """
                    SELECT f.id, f.question, f.answer, f.procedure_id, s.body FROM (SELECT ref, body FROM faq_search WHERE faq_search MATCH \(bind: expression)
                    ORDER BY rowid DESC LIMIT \(literal: Self.faqCandidates)) s JOIN faqs f ON f.id = s.ref
                    """).all()
            for row in found where seen.insert(try row.decode(column: "id", as: UUID.self)).inserted { rows.append(row) }
            if rows.count >= Self.faqEnough { break }
        }
        return rows
    }
}

/// The articles as search reads them, and the words they hold, kept in memory: there are a few
/// dozen, they change rarely, and every search scores all that match. Refreshed when this node
/// changes one, when a search meets a revision it does not have, and at least every minute.
final class KnowledgeCache: KeptResponses {
    struct Article: Sendable {
        var slug: String
        var title: String
        var summary: String
        var revision: Int
        var document: KnowledgeSearch.Document
    }

    struct Snapshot: Sendable {
        var articles: [UUID: Article]
        var corpus: KnowledgeSearch.Corpus
        var loadedAt: ContinuousClock.Instant
    }

    private let current = NIOLockedValueBox<Snapshot?>(nil)
    static let lifetime: Duration = .seconds(60)

    func snapshot(on db: any Database) async throws -> Snapshot {
        if let snapshot = current.withLockedValue({ $0 }), ContinuousClock.now - snapshot.loadedAt < Self.lifetime { return snapshot }
        var articles: [UUID: Article] = [:]
        for procedure in try await Procedure.query(on: db).all() {
            articles[try procedure.requireID()] = Article(slug: procedure.slug, title: procedure.title, summary: procedure.summary,
                                                          revision: procedure.revision, document: procedure.searchDocument)
        }
        let snapshot = Snapshot(articles: articles, corpus: KnowledgeSearch.Corpus(articles.values.map(\.document)), loadedAt: .now)
        current.withLockedValue { $0 = snapshot }
        return snapshot
    }

    func forget() {
        current.withLockedValue { $0 = nil }
        forgetResults()
    }

    // MARK: results

    struct ResultKey: Hashable, Sendable {
        /// As typed, lower-case NFC: other spellings are other searches (exact diacritics rank first).
        var text: String
        var limit: Int
    }

    private struct Results: Sendable {
        /// Bumped by every change, so a search that read the index before it is not kept.
        var generation = 0
        var hits = KeptValues<ResultKey, [KnowledgeBase.Hit]>(lifetime: KnowledgeCache.lifetime)
        /// The API's encoded answers by query string (`KeptResponseMiddleware`).
        var responses = KeptValues<String, ByteBuffer>(lifetime: KnowledgeCache.lifetime)
    }

    private let results = NIOLockedValueBox(Results())
    /// Searches kept at most (BINHYEN_SEARCH_RESULTS) in each store.
    let resultLimit: Int

    init(resultLimit: Int = 10_000) {
        self.resultLimit = resultLimit
    }

    var generation: Int { results.withLockedValue { $0.generation } }

    func results(for key: ResultKey) -> [KnowledgeBase.Hit]? {
        results.withLockedValue { $0.hits.value(for: key) }
    }

    /// Keeps what a search found, unless the knowledge base changed since `generation` was read.
    func keep(_ hits: [KnowledgeBase.Hit], for key: ResultKey, generation: Int) {
        results.withLockedValue { stored in
            if stored.generation == generation { stored.hits.keep(hits, for: key, limit: resultLimit) }
        }
    }

    func response(for query: String) -> ByteBuffer? {
        results.withLockedValue { $0.responses.value(for: query) }
    }

    func keep(response body: ByteBuffer, for query: String, generation: Int) {
        results.withLockedValue { stored in
            if stored.generation == generation { stored.responses.keep(body, for: query, limit: resultLimit) }
        }
    }

    /// After an answer is published: the articles are unchanged, the results may not be.
    func forgetResults() {
        results.withLockedValue { stored in
            stored = Results(generation: stored.generation + 1)
        }
    }
}

extension Application {
    private struct KnowledgeCacheKey: StorageKey { typealias Value = KnowledgeCache }

    var knowledgeCache: KnowledgeCache {
        get {
            guard let cache = storage[KnowledgeCacheKey.self] else { preconditionFailure("configure(_:config:) sets up the knowledge cache") }
            return cache
        }
        set { storage[KnowledgeCacheKey.self] = newValue }
    }
}

extension Request {
    var knowledge: KnowledgeBase { KnowledgeBase(db: db, app: application) }
}
