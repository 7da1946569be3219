import BinhYenAPI
import BinhYenCore
import Fluent
import Foundation
import Vapor

/// Questions about procedures: citizens ask and read answers; officers answer and publish.
extension APIHandler {
    func askQuestion(_ input: Operations.AskQuestion.Input) async throws -> Operations.AskQuestion.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard case .json(let body) = input.body else { return .badRequest(.init(body: .json(Self.validationError([])))) }
        do {
            let question = try await req.questions.ask(.init(communeCode: body.communeCode, unitCode: body.unitCode, procedureSlug: body.procedureSlug,
                                                             text: body.text, channel: "api"), by: account.id)
            return .created(.init(body: .json(try await Self.questionViews([question], on: req.db)[0])))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        }
    }

    func summariseQuestions(_ input: Operations.SummariseQuestions.Input) async throws -> Operations.SummariseQuestions.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        let (range, issues) = DayRange.parse(from: input.query.from, to: input.query.to)
        guard let range else { return .badRequest(.init(body: .json(Self.validationError(issues)))) }
        let summary = try await req.questions.summary(for: account, from: range.lowerBound, to: range.upperBound)
        return .ok(.init(body: .json(.init(from: input.query.from, to: input.query.to, received: summary.received, answered: summary.answered,
                                           medianAnswerSeconds: summary.medianAnswerSeconds, items: summary.rows.map {
            .init(unitCode: $0.unitCode, unitName: $0.unitName, received: $0.received, answered: $0.answered, medianAnswerSeconds: $0.medianAnswerSeconds)
        }))))
    }

    func listQuestions(_ input: Operations.ListQuestions.Input) async throws -> Operations.ListQuestions.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        let status = input.query.status.flatMap { Question.Status(rawValue: $0.rawValue) }
        let questions = try await req.questions.inbox(for: account, status: status)
        return .ok(.init(body: .json(.init(items: try await Self.questionViews(questions, on: req.db)))))
    }

    func listMyQuestions(_ input: Operations.ListMyQuestions.Input) async throws -> Operations.ListMyQuestions.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        let questions = try await req.questions.questions(ofAsker: account.id)
        return .ok(.init(body: .json(.init(items: try await Self.questionViews(questions, on: req.db)))))
    }

    func getQuestion(_ input: Operations.GetQuestion.Input) async throws -> Operations.GetQuestion.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard let id = UUID(uuidString: input.path.id) else { return .notFound(.init(body: .json(Self.questionNotFound))) }
        if let own = try await req.questions.question(id: id, asker: account.id) {
            return .ok(.init(body: .json(try await Self.questionViews([own], on: req.db)[0])))
        }
        guard let question = try await req.questions.question(id: id, for: account) else { return .notFound(.init(body: .json(Self.questionNotFound))) }
        var view = try await Self.questionViews([question], on: req.db)[0]
        view.suggestions = try await req.questions.suggestions(for: question).map(Self.searchHit)
        return .ok(.init(body: .json(view)))
    }

    func answerQuestion(_ input: Operations.AnswerQuestion.Input) async throws -> Operations.AnswerQuestion.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard let id = UUID(uuidString: input.path.id) else { return .notFound(.init(body: .json(Self.questionNotFound))) }
        guard case .json(let body) = input.body else { return .badRequest(.init(body: .json(Self.validationError([])))) }
        do {
            let question = try await req.questions.answer(id, text: body.answer, procedureSlug: body.procedureSlug, by: account)
            return .ok(.init(body: .json(try await Self.questionViews([question], on: req.db)[0])))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        } catch QuestionService.Failure.notFound {
            return .notFound(.init(body: .json(Self.questionNotFound)))
        } catch QuestionService.Failure.alreadyAnswered {
            return .conflict(.init(body: .json(Self.error("question_answered", "Câu hỏi này đã được trả lời.", "This question is answered already."))))
        }
    }

    func publishQuestionAsFAQ(_ input: Operations.PublishQuestionAsFAQ.Input) async throws -> Operations.PublishQuestionAsFAQ.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard let id = UUID(uuidString: input.path.id) else { return .notFound(.init(body: .json(Self.questionNotFound))) }
        guard case .json(let body) = input.body else { return .badRequest(.init(body: .json(Self.validationError([])))) }
        do {
            let faq = try await req.questions.publish(id, question: body.question, answer: body.answer, procedureSlug: body.procedureSlug, by: account)
            return .created(.init(body: .json(.init(id: try faq.requireID().uuidString, question: faq.question, answer: faq.answer, publishedAt: faq.publishedAt))))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        } catch QuestionService.Failure.notFound {
            return .notFound(.init(body: .json(Self.questionNotFound)))
        } catch QuestionService.Failure.notAnswered {
            return .conflict(.init(body: .json(Self.error("question_not_answered", "Câu hỏi chưa được trả lời nên chưa thể công khai.",
                                                          "The question is not answered yet, so it cannot be published."))))
        } catch QuestionService.Failure.alreadyPublished {
            return .conflict(.init(body: .json(Self.error("question_published", "Câu hỏi này đã được công khai.", "This question is published already."))))
        }
    }

    /// The questions as the API shows them, with their units' and articles' names read in two queries.
    static func questionViews(_ questions: [Question], on db: any Database) async throws -> [Schemas.QuestionView] {
        let unitIDs = Array(Set(questions.map { $0.$unit.id }))
        let procedureIDs = Array(Set(questions.flatMap { [$0.$procedure.id, $0.$answerProcedure.id].compactMap { $0 } }))
        let units = unitIDs.isEmpty ? [] : try await Unit.query(on: db).filter(\.$id ~~ unitIDs).all()
        let procedures = procedureIDs.isEmpty ? [] : try await Procedure.query(on: db).filter(\.$id ~~ procedureIDs).all()
        let unitByID = Dictionary(uniqueKeysWithValues: units.compactMap { unit in unit.id.map { ($0, unit) } })
        let slugByID = Dictionary(uniqueKeysWithValues: procedures.compactMap { p in p.id.map { ($0, p.slug) } })
        return questions.map { q in
            .init(id: q.id?.uuidString ?? "", reference: q.reference, text: q.text, status: q.status == .answered ? .answered : .received,
                  unitCode: unitByID[q.$unit.id]?.code ?? "", unitName: unitByID[q.$unit.id]?.name ?? "",
                  procedureSlug: q.$procedure.id.flatMap { slugByID[$0] }, answer: q.answer,
                  answerProcedureSlug: q.$answerProcedure.id.flatMap { slugByID[$0] }, answeredAt: q.answeredAt, createdAt: q.createdAt,
                  dueAt: q.dueAt, faqId: q.$faq.id?.uuidString)
        }
    }

    static let questionNotFound = error("question_not_found", "Không tìm thấy câu hỏi.", "There is no such question.")
}
