import BinhYenCore
import Fluent
import Foundation
import SQLKit
import Vapor

/// Citizens' questions about procedures: asked on the web or through the API, routed to the police
/// of the citizen's commune (or the unit they chose), answered by its officers with the knowledge
/// base at hand, and, when useful to others, published without the asker as a public answer.
/// Every change is audited and counted in the same transaction.
struct QuestionService: Sendable {
    let db: any Database
    let app: Application

    init(db: any Database, app: Application) {
        self.db = db
        self.app = app
    }

    /// How long a unit has to answer before the question climbs (see `QuestionEscalation`).
    static let answerWindow: TimeInterval = 3 * 86_400
    static let textLength = 10...2_000
    static let answerLength = 5...4_000

    enum Failure: Error, Equatable {
        case notFound
        case alreadyAnswered
        case notAnswered
        case alreadyPublished
    }

    struct Draft: Sendable {
        /// The commune (administrative area code) the citizen lives in or asks about.
        var communeCode: String?
        /// A unit the citizen chose instead.
        var unitCode: String?
        /// The procedure the question is about, when the citizen picked one.
        var procedureSlug: String?
        var text: String
        var channel = "web"
    }

    // MARK: the citizen's side

    func ask(_ draft: Draft, by asker: UUID, now: Date = Date()) async throws -> Question {
        var issues: [FieldIssue] = []
        let text = VietnameseText.clean(draft.text)
        if !Self.textLength.contains(text.count) {
            issues.append(FieldIssue(field: "text", code: "length",
                                     messageVI: "Câu hỏi cần từ \(Self.textLength.lowerBound) đến \(Self.textLength.upperBound) ký tự.",
                                     messageEN: "The question needs \(Self.textLength.lowerBound)–\(Self.textLength.upperBound) characters."))
        }
        let (unitID, areaID, routing) = try await Self.destination(communeCode: draft.communeCode, unitCode: draft.unitCode, app: app, on: db)
        issues += routing
        var procedureID: UUID?
        if let slug = draft.procedureSlug, !slug.isEmpty {
            if let procedure = try await Procedure.query(on: db).filter(\.$slug == slug).first() {
                procedureID = try procedure.requireID()
            } else {
                issues.append(FieldIssue(field: "procedure", code: "unknown", messageVI: "Không có thủ tục này.", messageEN: "There is no such procedure."))
            }
        }
        guard issues.isEmpty, let unitID else { throw ValidationFailure(issues: issues) }
        let question = Question()
        question.id = UUID.timeOrdered(at: now)
        question.reference = TipService.newReference(prefix: "HD")
        question.$asker.id = asker
        question.$unit.id = unitID
        question.$area.id = areaID
        question.$procedure.id = procedureID
        question.text = text
        question.status = .received
        question.dueAt = now.addingTimeInterval(Self.answerWindow)
        question.escalationLevel = 0
        question.channel = draft.channel
        question.createdAt = now
        try await app.writeGate.transaction { db in
            try await question.create(on: db)
            try await Counters.add(.questionsReceived, 1, unit: unitID, at: now, on: db)
            try await AuditLog.append(.citizen(asker), "question.ask", subject: Self.subject(question), at: now, on: db)
        }
        return question
    }

    /// The unit a citizen's question or dossier goes to: the unit they chose, else their commune's
    /// police; with the reasons when neither is given or known.
    static func destination(communeCode: String?, unitCode: String?, app: Application, on db: any Database) async throws
        -> (unit: UUID?, area: UUID?, issues: [FieldIssue]) {
        let communeCode = communeCode?.trimmingCharacters(in: .whitespaces) ?? ""
        let unitCode = unitCode?.trimmingCharacters(in: .whitespaces) ?? ""
        if !unitCode.isEmpty {
            if let unit = try await Unit.query(on: db).filter(\.$code == unitCode).filter(\.$validTo == nil).first() {
                return (try unit.requireID(), nil, [])
            }
            return (nil, nil, [FieldIssue(field: "unit", code: "unknown", messageVI: "Không có đơn vị mang mã này.", messageEN: "No unit has this code.")])
        }
        if !communeCode.isEmpty {
            if let placement = try await app.tipReferenceData.placement(communeCode: communeCode, categoryCode: "", urgent: false, on: db),
               let route = placement.routes.first {
                return (route.unitID, placement.areaID, [])
            }
            return (nil, nil, [FieldIssue(field: "commune", code: "unknown", messageVI: "Không tìm thấy xã, phường này trong danh mục hiện hành.",
                                          messageEN: "This commune is not in the current list.")])
        }
        return (nil, nil, [FieldIssue(field: "commune", code: "required", messageVI: "Hãy chọn xã, phường nơi bạn ở để yêu cầu đến đúng công an xã, phường.",
                                      messageEN: "Choose your commune so it reaches its police.")])
    }

    func questions(ofAsker asker: UUID, limit: Int = 100) async throws -> [Question] {
        try await Question.query(on: db).filter(\.$asker.$id == asker).sort(\.$createdAt, .descending).limit(limit).all()
    }

    func question(id: UUID, asker: UUID) async throws -> Question? {
        try await Question.query(on: db).filter(\.$id == id).filter(\.$asker.$id == asker).first()
    }

    // MARK: the officers' side

    /// Questions to units in the subtrees where the account answers questions: unanswered first
    /// (oldest first, the most overdue on top), then the answered, newest first.
    func inbox(for account: CurrentAccount, status: Question.Status? = nil, limit: Int = 100) async throws -> [Question] {
        let units = TipService.units(of: account, allowing: .answerQuestions)
        guard !units.isEmpty else { return [] }
        var query = Question.query(on: db).filter(.sql(embed: """
            \(ident: "questions").\(ident: "unit_id") IN (SELECT descendant_id FROM unit_closure WHERE ancestor_id IN (\(binds: units)))
            """))
        if let status { query = query.filter(\.$status == status) }
        let rows = try await query.sort(\.$createdAt, .descending).limit(limit).all()
        return rows.filter { $0.status == .received }.sorted { $0.dueAt < $1.dueAt } + rows.filter { $0.status == .answered }
    }

    /// Questions received and answered per unit over the subtrees where the account answers
    /// questions, for the moments `from` to `to`; the median time to answer of those answered then.
    struct Summary: Sendable, Equatable {
        struct Row: Sendable, Equatable {
            var unitCode: String
            var unitName: String
            var received: Int
            var answered: Int
            var medianAnswerSeconds: Int?
        }

        var received: Int
        var answered: Int
        var medianAnswerSeconds: Int?
        var rows: [Row]
    }

    func summary(for account: CurrentAccount, from: Date, to: Date) async throws -> Summary {
        let units = TipService.units(of: account, allowing: .answerQuestions)
        guard !units.isEmpty else { return Summary(received: 0, answered: 0, rows: []) }
        let sql = try db.requireSQL()
        let subtree: SQLQueryString = "q.unit_id IN (SELECT descendant_id FROM unit_closure WHERE ancestor_id IN (\(binds: units)))"
        var received: [String: (name: String, count: Int)] = [:]
        for row in try await sql.raw("""
            SELECT u.code, u.name, COUNT(*) AS n FROM questions q JOIN units u ON u.id = q.unit_id
            WHERE \(subtree) AND q.created_at >= \(bind: from) AND q.created_at < \(bind: to) GROUP BY u.code, u.name
            """).all() {
            received[try row.decode(column: "code", as: String.self)] = (try row.decode(column: "name", as: String.self), try row.decode(column: "n", as: Int.self))
        }
        var seconds: [String: (name: String, values: [Int])] = [:]
        for row in try await sql.raw("""
            SELECT u.code, u.name, q.answer_seconds FROM questions q JOIN units u ON u.id = q.unit_id
            WHERE \(subtree) AND q.status = 'answered' AND q.answered_at >= \(bind: from) AND q.answered_at < \(bind: to)
            """).all() {
            let code = try row.decode(column: "code", as: String.self), name = try row.decode(column: "name", as: String.self)
            seconds[code, default: (name, [])].values.append(try row.decode(column: "answer_seconds", as: Int.self))
        }
        let rows = Set(received.keys).union(seconds.keys).sorted().map { code in
            Summary.Row(unitCode: code, unitName: received[code]?.name ?? seconds[code]?.name ?? "", received: received[code]?.count ?? 0,
                        answered: seconds[code]?.values.count ?? 0, medianAnswerSeconds: seconds[code].flatMap { median($0.values) })
        }
        let all = seconds.values.flatMap(\.values)
        return Summary(received: rows.reduce(0) { $0 + $1.received }, answered: all.count, medianAnswerSeconds: median(all), rows: rows)
    }

    /// The question if the account may answer it (its unit is in one of their subtrees).
    func question(id: UUID, for account: CurrentAccount) async throws -> Question? {
        guard let question = try await Question.find(id, on: db) else { return nil }
        let ancestry = Set(try await UnitTree.ancestry(of: question.$unit.id, on: db).map(\.uuidString))
        return Policy.allows(account.grants, .answerQuestions, onUnitWithAncestry: ancestry) ? question : nil
    }

    /// What to answer with: the articles and published answers closest to the question's words.
    func suggestions(for question: Question, limit: Int = 5) async throws -> [KnowledgeBase.Hit] {
        try await KnowledgeBase(db: db, app: app).search(question.text, limit: limit)
    }

    /// Answers a question once; the citizen is notified in the same transaction.
    func answer(_ id: UUID, text: String, procedureSlug: String?, by account: CurrentAccount, now: Date = Date()) async throws -> Question {
        let text = VietnameseText.clean(text)
        var issues: [FieldIssue] = []
        if !Self.answerLength.contains(text.count) {
            issues.append(FieldIssue(field: "answer", code: "length",
                                     messageVI: "Câu trả lời cần từ \(Self.answerLength.lowerBound) đến \(Self.answerLength.upperBound) ký tự.",
                                     messageEN: "The answer needs \(Self.answerLength.lowerBound)–\(Self.answerLength.upperBound) characters."))
        }
        var procedureID: UUID?
        if let slug = procedureSlug, !slug.isEmpty {
            procedureID = try await Procedure.query(on: db).filter(\.$slug == slug).first()?.requireID()
            if procedureID == nil {
                issues.append(FieldIssue(field: "procedure", code: "unknown", messageVI: "Không có thủ tục này.", messageEN: "There is no such procedure."))
            }
        }
        guard issues.isEmpty else { throw ValidationFailure(issues: issues) }
        guard try await question(id: id, for: account) != nil else { throw Failure.notFound }
        let articleID = procedureID
        return try await app.writeGate.transaction { db in
            guard let question = try await Question.find(id, on: db) else { throw Failure.notFound }
            guard question.status == .received else { throw Failure.alreadyAnswered }
            let seconds = max(0, Int(now.timeIntervalSince(question.createdAt).rounded()))
            question.status = .answered
            question.answer = text
            question.$answerProcedure.id = articleID
            question.$answeredBy.id = account.id
            question.answeredAt = now
            question.answerSeconds = seconds
            try await question.save(on: db)
            try await Counters.add(.questionsAnswered, 1, unit: question.$unit.id, at: now, on: db)
            try await Counters.add(.questionsAnswerSeconds, seconds, unit: question.$unit.id, at: now, on: db)
            try await InAppNotification(account: question.$asker.id, kind: "question.answered",
                                        titleVI: "Công an đã trả lời câu hỏi \(question.reference) của bạn",
                                        titleEN: "The police answered your question \(question.reference)",
                                        link: "/questions/\(id.uuidString)", dedupeKey: "question.answered:\(id.uuidString)", at: now)
                .create(on: db)
            try await AuditLog.append(.staff(account.id), "question.answer", subject: Self.subject(question), at: now, on: db)
            // A question asked on Zalo or Telegram is answered there too.
            try await ChannelService(db: db, app: app).forwardAnswer(to: question, text: text, now: now)
            return question
        }
    }

    /// Publishes an answered question under an article, in words the officer checked: the asker is
    /// not named, and phone numbers and e-mail addresses left in the text are masked.
    func publish(_ id: UUID, question text: String, answer: String, procedureSlug: String, by account: CurrentAccount, now: Date = Date()) async throws -> FAQ {
        guard let question = try await question(id: id, for: account) else { throw Failure.notFound }
        guard question.status == .answered else { throw Failure.notAnswered }
        guard question.$faq.id == nil else { throw Failure.alreadyPublished }
        guard let procedure = try await Procedure.query(on: db).filter(\.$slug == procedureSlug).first() else {
            throw ValidationFailure(issues: [FieldIssue(field: "procedure", code: "required", messageVI: "Hãy chọn thủ tục để gắn câu hỏi đáp.",
                                                        messageEN: "Choose the procedure to publish the answer under.")])
        }
        let knowledge = KnowledgeBase(db: db, app: app)
        let faq = try await knowledge.publishFAQ(procedureID: try procedure.requireID(), question: Self.masked(text), answer: Self.masked(answer),
                                                 unitID: question.$unit.id, sourceQuestionID: id, by: account.id, now: now)
        try await app.writeGate.transaction { db in
            guard let fresh = try await Question.find(id, on: db) else { throw Failure.notFound }
            fresh.$faq.id = try faq.requireID()
            try await fresh.save(on: db)
            try await Counters.add(.faqsPublished, 1, unit: fresh.$unit.id, at: now, on: db)
        }
        return faq
    }

    /// Text with phone numbers and e-mail addresses replaced by "***".
    static func masked(_ text: String) -> String {
        let email = /[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+/
        // 0, 84 or +84, then 9 or 10 more digits, maybe split by spaces, dots or dashes.
        let phone = /(\+84|84|0)[ .\-]?[0-9]([ .\-]?[0-9]){7,9}/
        return text.replacing(email, with: "***").replacing(phone, with: "***")
    }

    static func subject(_ question: Question) -> String {
        "question:\(question.id?.uuidString ?? "")"
    }
}

extension Request {
    var questions: QuestionService { QuestionService(db: db, app: application) }
}
