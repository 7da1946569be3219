@testable import App
import BinhYenCore
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite("Questions about procedures: ask, answer with suggestions, notify, publish as FAQ, escalate")
struct QuestionTests {
    struct Hit: Codable { var kind: String; var slug: String }
    struct QuestionBody: Codable {
        var id: String; var reference: String; var text: String; var status: String; var unitCode: String
        var answer: String?; var answerProcedureSlug: String?; var faqId: String?; var suggestions: [Hit]?
    }
    struct QuestionList: Codable { var items: [QuestionBody] }
    struct FAQBody: Codable { var id: String; var question: String; var answer: String }
    struct Article: Codable { var faqs: [FAQBody] }
    typealias ErrorBody = ScamRegistryTests.ErrorBody

    static func send(_ app: Application, _ method: HTTPMethod, _ path: String, _ headers: HTTPHeaders, _ body: [String: String]? = nil,
                     _ check: @escaping (TestingHTTPResponse) async throws -> Void) async throws {
        try await app.testing().test(method, path, headers: headers, beforeRequest: { req in
            if let body { try req.content.encode(body, as: .json) }
        }, afterResponse: check)
    }

    @Test("A citizen asks through the API; the commune's officer sees suggested articles, answers with one; the citizen is notified and reads it; it is published as an FAQ without the asker")
    func askAnswerPublish() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            try await KnowledgeBase.installShipped(resourcesDirectory: app.directory.resourcesDirectory, app: app)
            let citizen = try await TipAPITests.bearer(app, "0988000001")
            let officer = try await TipAPITests.bearer(app, TipAPITests.communeOfficer)
            let otherOfficer = try await TipAPITests.bearer(app, TipAPITests.otherCommuneOfficer)

            var question: QuestionBody?
            try await Self.send(app, .POST, "/api/v1/questions", citizen,
                                ["text": "Tôi bị mất CCCD thì làm lại ở đâu? SĐT của tôi 0912 345 678", "communeCode": TipAPITests.buonMaThuot]) { res async throws in
                #expect(res.status == .created)
                question = try res.content.decode(QuestionBody.self)
            }
            let asked = try #require(question)
            #expect(asked.unitCode == "CA24133")
            #expect(asked.status == "received")
            #expect(asked.reference.hasPrefix("HD-"))

            // Bad input changes nothing.
            try await Self.send(app, .POST, "/api/v1/questions", citizen, ["text": "ngắn", "communeCode": "99999"]) { res async throws in
                #expect(res.status == .badRequest)
                #expect(Set(try res.content.decode(ErrorBody.self).error.fields?.map(\.field) ?? []) == ["text", "commune"])
            }
            #expect(try await Question.query(on: app.db).count() == 1)

            // The officer of the commune sees it with suggestions; an officer elsewhere does not.
            try await Self.send(app, .GET, "/api/v1/questions", officer) { res async throws in
                #expect(try res.content.decode(QuestionList.self).items.map(\.id) == [asked.id])
            }
            try await Self.send(app, .GET, "/api/v1/questions/\(asked.id)", otherOfficer) { res async throws in
                #expect(res.status == .notFound)
            }
            try await Self.send(app, .GET, "/api/v1/questions/\(asked.id)", officer) { res async throws in
                let body = try res.content.decode(QuestionBody.self)
                #expect(body.suggestions?.prefix(3).contains { $0.slug == "can-cuoc-cap-lai" } == true, "\(body.suggestions ?? [])")
            }
            try await Self.send(app, .POST, "/api/v1/questions/\(asked.id)/faq", officer,
                                ["question": "Mất căn cước làm lại ở đâu?", "answer": "Tại công an xã.", "procedureSlug": "can-cuoc-cap-lai"]) { res async throws in
                #expect(res.status == .conflict, "not answered yet")
            }
            try await Self.send(app, .POST, "/api/v1/questions/\(asked.id)/answer", officer,
                                ["answer": "Bạn đến công an phường hoặc nộp trên VNeID để cấp lại thẻ căn cước.", "procedureSlug": "can-cuoc-cap-lai"]) { res async throws in
                #expect(res.status == .ok)
                let body = try res.content.decode(QuestionBody.self)
                #expect(body.status == "answered")
                #expect(body.answerProcedureSlug == "can-cuoc-cap-lai")
            }
            try await Self.send(app, .POST, "/api/v1/questions/\(asked.id)/answer", officer, ["answer": "Trả lời lần hai"]) { res async throws in
                #expect(res.status == .conflict)
            }

            // The citizen is notified and reads the answer.
            let asker = try #require(try await Account.query(on: app.db).filter(\.$phone == "+84988000001").first()?.id)
            let notifications = try await InAppNotification.query(on: app.db).filter(\.$account.$id == asker).filter(\.$kind == "question.answered").all()
            #expect(notifications.map(\.link) == ["/questions/\(asked.id)"])
            try await Self.send(app, .GET, "/api/v1/me/questions", citizen) { res async throws in
                let mine = try res.content.decode(QuestionList.self).items
                #expect(mine.first?.answer == "Bạn đến công an phường hoặc nộp trên VNeID để cấp lại thẻ căn cước.")
                #expect(mine.first?.suggestions == nil, "citizens do not get the officers' suggestions")
            }

            // Published without the asker: the phone number is masked, and the FAQ shows under the article and in search.
            try await Self.send(app, .POST, "/api/v1/questions/\(asked.id)/faq", officer,
                                ["question": "Tôi bị mất CCCD thì làm lại ở đâu? SĐT của tôi 0912 345 678",
                                 "answer": "Đến công an phường hoặc nộp trên VNeID.", "procedureSlug": "can-cuoc-cap-lai"]) { res async throws in
                #expect(res.status == .created)
                let faq = try res.content.decode(FAQBody.self)
                #expect(faq.question == "Tôi bị mất CCCD thì làm lại ở đâu? SĐT của tôi ***")
            }
            try await Self.send(app, .POST, "/api/v1/questions/\(asked.id)/faq", officer,
                                ["question": "Lần nữa", "answer": "Lần nữa nhé", "procedureSlug": "can-cuoc-cap-lai"]) { res async throws in
                #expect(res.status == .conflict)
            }
            try await Self.send(app, .GET, "/api/v1/procedures/can-cuoc-cap-lai", [:]) { res async throws in
                #expect(try res.content.decode(Article.self).faqs.map(\.question) == ["Tôi bị mất CCCD thì làm lại ở đâu? SĐT của tôi ***"])
            }
            let hits = try await KnowledgeBase(db: app.db, app: app).search("lam lai cccd o dau", limit: 10)
            #expect(hits.contains { $0.kind == .faq && $0.slug == "can-cuoc-cap-lai" })

            let unit = try #require(try await UnitDirectory.find(code: "CA24133", on: app.db)?.id)
            let day = InternetTime.vietnamDay(Date())
            let totals = try await Counters.totals(under: unit, from: day, to: day, on: app.db)
            #expect(totals[.questionsReceived] == 1)
            #expect(totals[.questionsAnswered] == 1)
            #expect(totals[.faqsPublished] == 1)
        }
    }

    @Test("An unanswered question alerts the unit's commanders when late, and moves to the parent unit when late as long again")
    func escalation() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let asker = try #require(try await Account.query(on: app.db).filter(\.$phone == "+84988000001").first()?.id)
            let asked = Date().addingTimeInterval(-10)
            let question = try await QuestionService(db: app.db, app: app)
                .ask(.init(communeCode: TipAPITests.buonMaThuot, text: "Xin hỏi thủ tục tách hộ cần giấy tờ gì?"), by: asker, now: asked)
            #expect(try await QuestionEscalation.run(app: app, now: asked.addingTimeInterval(3600)) == 0, "not due yet")
            let late = question.dueAt.addingTimeInterval(60)
            #expect(try await QuestionEscalation.run(app: app, now: late) == 1)
            #expect(try await QuestionEscalation.run(app: app, now: late) == 0, "once per level")
            let commander = try #require(try await Account.query(on: app.db).filter(\.$phone == "+84901000002").first()?.id)
            #expect(try await InAppNotification.query(on: app.db).filter(\.$account.$id == commander).filter(\.$kind == "question.escalation").count() == 1)
            let moved = try await QuestionEscalation.run(app: app, now: question.dueAt.addingTimeInterval(QuestionService.answerWindow + 60))
            #expect(moved == 1)
            let fresh = try #require(try await Question.find(question.id, on: app.db))
            let province = try #require(try await UnitDirectory.find(code: "CA66", on: app.db)?.id)
            #expect(fresh.$unit.id == province)
            #expect(fresh.escalationLevel == 2)
        }
    }

    @Test("Questions received and answered, and the median time to answer, per unit for a range of days; the console shows this month's")
    func summary() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            try await KnowledgeBase.installShipped(resourcesDirectory: app.directory.resourcesDirectory, app: app)
            let service = QuestionService(db: app.db, app: app)
            let asker = try #require(try await Account.query(on: app.db).filter(\.$phone == "+84988000001").first()?.id)
            let officerID = try #require(try await Account.query(on: app.db).filter(\.$phone == "+84901000003").first()?.id)
            let officer = try #require(try await CurrentAccount.load(accountID: officerID, on: app.db))
            let start = Date().addingTimeInterval(-6 * 3600)
            // Answered after 2 h and after 4 h; one still waiting.
            for hours in [2, 4, 0] {
                let question = try await service.ask(.init(communeCode: TipAPITests.buonMaThuot, text: "Xin hỏi thủ tục đăng ký tạm trú cần giấy tờ gì?"),
                                                     by: asker, now: start)
                if hours > 0 {
                    _ = try await service.answer(try question.requireID(), text: "Mang căn cước và giấy tờ chỗ ở hợp pháp.", procedureSlug: nil,
                                                 by: officer, now: start.addingTimeInterval(Double(hours) * 3600))
                }
            }
            let summary = try await service.summary(for: officer, from: start.addingTimeInterval(-60), to: Date().addingTimeInterval(60))
            #expect(summary.received == 3)
            #expect(summary.answered == 2)
            #expect(summary.medianAnswerSeconds == 3 * 3600)
            #expect(summary.rows.map(\.unitCode) == ["CA24133"])
            // Before the questions were asked, nothing.
            let before = try await service.summary(for: officer, from: start.addingTimeInterval(-86_400), to: start.addingTimeInterval(-60))
            #expect(before.received == 0 && before.answered == 0 && before.medianAnswerSeconds == nil)

            let token = try await TipAPITests.bearer(app, TipAPITests.communeOfficer)
            struct Body: Decodable { var received: Int; var answered: Int; var medianAnswerSeconds: Int?; var items: [Row]; struct Row: Decodable { var unitCode: String } }
            let today = InternetTime.vietnamDay(Date()), earlier = InternetTime.vietnamDay(start)
            try await Self.send(app, .GET, "/api/v1/questions/summary?from=\(earlier)&to=\(today)", token) { res async throws in
                let body = try res.content.decode(Body.self)
                #expect([body.received, body.answered, body.medianAnswerSeconds] == [3, 2, 10_800])
            }
            try await Self.send(app, .GET, "/api/v1/questions/summary?from=\(today)&to=2020-01-01", token) { res async throws in
                #expect(res.status == .badRequest)
                #expect(try res.content.decode(ErrorBody.self).error.fields?.map(\.field) == ["to"])
            }
            if earlier == today {
                let web = try await TipWebTests.login(app, TipAPITests.communeOfficer)
                let page = try await web.get("/console/questions")
                #expect(page.text(after: "data-testid=\"question-median\"") == "3 giờ 0 phút")
            }
        }
    }
}
