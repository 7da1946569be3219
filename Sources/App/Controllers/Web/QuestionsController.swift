import BinhYenCore
import Fluent
import Vapor

/// Questions on the web: a citizen asks and reads the answer; an officer answers with suggested
/// articles and past answers beside the form, then may publish the answer for everyone.
struct QuestionsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("questions", "new", use: newQuestion)
        routes.post("questions", use: ask)
        routes.get("questions", "mine", use: mine)
        routes.get("questions", ":id", use: show)
        let console = routes.grouped("console").grouped(StaffOnlyMiddleware())
        console.get("questions", use: inbox)
        console.get("questions", ":id", use: consoleQuestion)
        console.post("questions", ":id", "answer", use: answer)
        console.post("questions", ":id", "faq", use: publish)
    }

    struct Item: Encodable {
        var id: String
        var reference: String
        var text: String
        var status: String
        var statusLabel: String
        var unitName: String
        var procedureTitle: String?
        /// The article the citizen chose when asking.
        var procedureSlug: String?
        var answer: String?
        var answerProcedureSlug: String?
        var answerProcedureTitle: String?
        var answeredAt: String?
        var createdAt: String
        var dueAt: String
        var overdue: Bool
        var faqID: String?
    }

    /// Questions with their units' and articles' names, read in two queries.
    static func items(_ questions: [Question], _ req: Request, now: Date = Date()) async throws -> [Item] {
        let unitIDs = Array(Set(questions.map { $0.$unit.id }))
        let procedureIDs = Array(Set(questions.flatMap { [$0.$procedure.id, $0.$answerProcedure.id].compactMap { $0 } }))
        let units = unitIDs.isEmpty ? [] : try await Unit.query(on: req.db).filter(\.$id ~~ unitIDs).all()
        let procedures = procedureIDs.isEmpty ? [] : try await Procedure.query(on: req.db).filter(\.$id ~~ procedureIDs).all()
        let unitNames = Dictionary(uniqueKeysWithValues: units.compactMap { u in u.id.map { ($0, u.name) } })
        let articles = Dictionary(uniqueKeysWithValues: procedures.compactMap { p in p.id.map { ($0, p) } })
        return questions.map { q in
            let answered = q.status == .answered
            return Item(id: q.id?.uuidString ?? "", reference: q.reference, text: q.text, status: q.status.rawValue,
                        statusLabel: req.message(answered ? "Đã trả lời" : "Đang chờ trả lời", answered ? "Answered" : "Awaiting an answer"),
                        unitName: unitNames[q.$unit.id] ?? "", procedureTitle: q.$procedure.id.flatMap { articles[$0]?.title },
                        procedureSlug: q.$procedure.id.flatMap { articles[$0]?.slug }, answer: q.answer,
                        answerProcedureSlug: q.$answerProcedure.id.flatMap { articles[$0]?.slug },
                        answerProcedureTitle: q.$answerProcedure.id.flatMap { articles[$0]?.title },
                        answeredAt: q.answeredAt.map(DisplayTime.string), createdAt: DisplayTime.string(q.createdAt), dueAt: DisplayTime.string(q.dueAt),
                        overdue: !answered && q.dueAt < now, faqID: q.$faq.id?.uuidString)
        }
    }

    struct Option: Encodable {
        var slug: String
        var title: String
        var selected: Bool
    }

    static func options(_ req: Request, selected: String?) async throws -> [Option] {
        try await req.knowledge.articles().map { Option(slug: $0.slug, title: $0.title, selected: $0.slug == selected) }
    }

    // MARK: the citizen's side

    struct AskView: Encodable {
        var page: PageMeta
        var values: [String: String]
        var errors: [String: String]
        var communeChoices: [TipController.Choice]
        var procedures: [Option]
    }

    struct AskForm: Content {
        var text: String?
        var commune: String?
        var communeCode: String?
        var procedure: String?
    }

    @Sendable func newQuestion(req: Request) async throws -> Response {
        guard req.auth.get(CurrentAccount.self) != nil else { return req.redirect(to: "/login?next=/questions/new") }
        let procedure = (try? req.query.get(String.self, at: "procedure")) ?? ""
        return try await askPage(req, values: ["procedure": procedure], errors: [:], choices: [], status: .ok)
    }

    private func askPage(_ req: Request, values: [String: String], errors: [String: String], choices: [TipController.Choice],
                         status: HTTPStatus) async throws -> Response {
        let view = AskView(page: req.pageMeta(titleKey: "questionAskTitle"), values: values, errors: errors, communeChoices: choices,
                           procedures: try await Self.options(req, selected: values["procedure"]))
        return try await req.view.render("questions/new", view).encodeResponse(status: status, for: req)
    }

    @Sendable func ask(req: Request) async throws -> Response {
        guard let account = req.auth.get(CurrentAccount.self) else { return req.redirect(to: "/login?next=/questions/new") }
        let form = try req.content.decode(AskForm.self)
        let values = ["text": form.text ?? "", "commune": form.commune ?? "", "procedure": form.procedure ?? ""]
        let (communeCode, choices, communeError) = try await TipController.commune(req, typed: form.commune, chosen: form.communeCode)
        if let communeError {
            return try await askPage(req, values: values, errors: ["commune": communeError], choices: choices, status: .unprocessableEntity)
        }
        do {
            let question = try await req.questions.ask(.init(communeCode: communeCode, procedureSlug: form.procedure, text: form.text ?? ""), by: account.id)
            return req.redirect(to: "/questions/\(question.id?.uuidString ?? "")?sent=1")
        } catch let failure as ValidationFailure {
            return try await askPage(req, values: values, errors: req.fieldErrors(failure.issues), choices: [], status: .unprocessableEntity)
        }
    }

    struct MineView: Encodable {
        var page: PageMeta
        var questions: [Item]
    }

    @Sendable func mine(req: Request) async throws -> Response {
        guard let account = req.auth.get(CurrentAccount.self) else { return req.redirect(to: "/login?next=/questions/mine") }
        let questions = try await Self.items(try await req.questions.questions(ofAsker: account.id), req)
        return try await req.view.render("questions/mine", MineView(page: req.pageMeta(titleKey: "questionMineTitle"), questions: questions))
            .encodeResponse(for: req)
    }

    struct ShowView: Encodable {
        var page: PageMeta
        var question: Item
        var sent: Bool
    }

    @Sendable func show(req: Request) async throws -> Response {
        guard let account = req.auth.get(CurrentAccount.self) else { return req.redirect(to: "/login?next=\(req.url.path)") }
        guard let id = req.parameters.get("id", as: UUID.self), let question = try await req.questions.question(id: id, asker: account.id) else {
            throw Abort(.notFound)
        }
        let item = try await Self.items([question], req)[0]
        return try await req.view.render("questions/show", ShowView(page: req.pageMeta(titleKey: "questionMineTitle"), question: item,
                                                                   sent: (try? req.query.get(String.self, at: "sent")) != nil))
            .encodeResponse(for: req)
    }

    // MARK: the officers' side

    struct InboxView: Encodable {
        var page: PageMeta
        var questions: [Item]
        /// This month so far, over the account's units.
        var received: Int
        var answered: Int
        var medianAnswer: String?
    }

    @Sendable func inbox(req: Request) async throws -> View {
        let account = try req.auth.require(CurrentAccount.self)
        let questions = try await Self.items(try await req.questions.inbox(for: account), req)
        let days = DayRange.monthToDate(Date())
        var month: QuestionService.Summary?
        if let range = DayRange.parse(from: days.from, to: days.to).0 {
            month = try await req.questions.summary(for: account, from: range.lowerBound, to: range.upperBound)
        }
        return try await req.view.render("questions/inbox", InboxView(page: req.pageMeta(titleKey: "questionInboxTitle"), questions: questions,
                                                                     received: month?.received ?? 0, answered: month?.answered ?? 0,
                                                                     medianAnswer: month?.medianAnswerSeconds.map { Self.duration($0, req) }))
    }

    /// "3 giờ 20 phút" / "3 h 20 min"; days past a day.
    static func duration(_ seconds: Int, _ req: Request) -> String {
        let minutes = max(1, seconds / 60)
        if minutes < 60 { return req.message("\(minutes) phút", "\(minutes) min") }
        let hours = minutes / 60
        if hours < 48 { return req.message("\(hours) giờ \(minutes % 60) phút", "\(hours) h \(minutes % 60) min") }
        return req.message("\(hours / 24) ngày \(hours % 24) giờ", "\(hours / 24) d \(hours % 24) h")
    }

    struct Suggestion: Encodable {
        var href: String
        var kind: String
        var slug: String
        var title: [ProceduresController.Segment]
        var excerpt: [ProceduresController.Segment]
    }

    struct ConsoleView: Encodable {
        var page: PageMeta
        var question: Item
        var suggestions: [Suggestion]
        var procedures: [Option]
        var values: [String: String]
        var errors: [String: String]
    }

    private func consolePage(_ req: Request, _ question: Question, values: [String: String], errors: [String: String], status: HTTPStatus) async throws -> Response {
        let item = try await Self.items([question], req)[0]
        let suggestions = try await req.questions.suggestions(for: question).map { hit in
            Suggestion(href: "/procedures/\(hit.slug)" + (hit.faqID.map { "#faq-\($0.uuidString)" } ?? ""), kind: hit.kind.rawValue, slug: hit.slug,
                       title: hit.title.map(ProceduresController.segment), excerpt: hit.excerpt.map(ProceduresController.segment))
        }
        var values = values
        // The article preselected: the one used in the answer, else the citizen's choice, else the best suggestion.
        if values["procedure"] == nil {
            values["procedure"] = item.answerProcedureSlug ?? item.procedureSlug ?? suggestions.first?.slug ?? ""
        }
        if values["faqQuestion"] == nil { values["faqQuestion"] = QuestionService.masked(question.text) }
        if values["faqAnswer"] == nil { values["faqAnswer"] = QuestionService.masked(question.answer ?? "") }
        var meta = req.pageMeta(titleKey: "questionInboxTitle")
        meta.title = question.reference
        let view = ConsoleView(page: meta, question: item, suggestions: suggestions,
                               procedures: try await Self.options(req, selected: values["procedure"]), values: values, errors: errors)
        return try await req.view.render("questions/console", view).encodeResponse(status: status, for: req)
    }

    private func visible(_ req: Request) async throws -> (CurrentAccount, Question) {
        let account = try req.auth.require(CurrentAccount.self)
        guard let id = req.parameters.get("id", as: UUID.self), let question = try await req.questions.question(id: id, for: account) else {
            throw Abort(.notFound)
        }
        return (account, question)
    }

    @Sendable func consoleQuestion(req: Request) async throws -> Response {
        let (_, question) = try await visible(req)
        return try await consolePage(req, question, values: [:], errors: [:], status: .ok)
    }

    struct AnswerForm: Content {
        var answer: String?
        var procedure: String?
    }

    @Sendable func answer(req: Request) async throws -> Response {
        let (account, question) = try await visible(req)
        let form = try req.content.decode(AnswerForm.self)
        let id = try question.requireID()
        do {
            _ = try await req.questions.answer(id, text: form.answer ?? "", procedureSlug: form.procedure, by: account)
        } catch let failure as ValidationFailure {
            return try await consolePage(req, question, values: ["answer": form.answer ?? "", "procedure": form.procedure ?? ""],
                                         errors: req.fieldErrors(failure.issues), status: .unprocessableEntity)
        } catch QuestionService.Failure.alreadyAnswered {
            let fresh = try await Question.find(id, on: req.db) ?? question
            return try await consolePage(req, fresh, values: [:], errors: ["status": req.message("Câu hỏi này đã được trả lời.", "This question is answered already.")],
                                         status: .conflict)
        }
        return req.redirect(to: "/console/questions/\(id.uuidString)")
    }

    struct PublishForm: Content {
        var faqQuestion: String?
        var faqAnswer: String?
        var procedure: String?
    }

    @Sendable func publish(req: Request) async throws -> Response {
        let (account, question) = try await visible(req)
        let form = try req.content.decode(PublishForm.self)
        let id = try question.requireID()
        let values = ["faqQuestion": form.faqQuestion ?? "", "faqAnswer": form.faqAnswer ?? "", "procedure": form.procedure ?? ""]
        do {
            _ = try await req.questions.publish(id, question: form.faqQuestion ?? "", answer: form.faqAnswer ?? "", procedureSlug: form.procedure ?? "", by: account)
        } catch let failure as ValidationFailure {
            var errors = req.fieldErrors(failure.issues)
            // The publishing form names its fields apart from the answer form's.
            if let message = errors.removeValue(forKey: "question") { errors["faqQuestion"] = message }
            if let message = errors.removeValue(forKey: "answer") { errors["faqAnswer"] = message }
            return try await consolePage(req, question, values: values, errors: errors, status: .unprocessableEntity)
        } catch QuestionService.Failure.notAnswered {
            return try await consolePage(req, question, values: values,
                                         errors: ["status": req.message("Hãy trả lời trước khi công khai.", "Answer the question before publishing it.")], status: .conflict)
        } catch QuestionService.Failure.alreadyPublished {
            return try await consolePage(req, question, values: values,
                                         errors: ["status": req.message("Câu hỏi này đã được công khai.", "This question is published already.")], status: .conflict)
        }
        return req.redirect(to: "/console/questions/\(id.uuidString)")
    }
}
