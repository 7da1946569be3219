@testable import App
import BinhYenCore
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite("Dossiers for procedures: filed by citizens, moved step by step by their commune's officers, each step told and counted")
struct DossierTests {
    struct StepBody: Codable { var fromStatus: String?; var status: String; var message: String; var byCitizen: Bool; var appointmentPlace: String? }
    struct DossierBody: Codable {
        var id: String; var reference: String; var procedureSlug: String; var unitCode: String; var status: String
        var appointmentAt: String?; var steps: [StepBody]?; var nextSteps: [String]?
    }
    struct DossierList: Codable { var items: [DossierBody] }
    struct TallyRow: Codable { var procedureSlug: String; var unitCode: String; var received: Int; var settled: Int; var refused: Int }
    struct Summary: Codable { var items: [TallyRow] }
    typealias ErrorBody = ScamRegistryTests.ErrorBody

    static func fileOne(_ app: Application, _ citizen: HTTPHeaders, slug: String = "can-cuoc-cap-lai") async throws -> DossierBody {
        var filed: DossierBody?
        try await QuestionTests.send(app, .POST, "/api/v1/dossiers", citizen,
                                     ["procedureSlug": slug, "communeCode": TipAPITests.buonMaThuot, "note": "Mất thẻ ở chợ."]) { res async throws in
            #expect(res.status == .created)
            filed = try res.content.decode(DossierBody.self)
        }
        return try #require(filed)
    }

    static func step(_ app: Application, _ officer: HTTPHeaders, _ id: String, _ body: [String: String],
                     expect status: HTTPStatus) async throws -> TestingHTTPResponse? {
        var response: TestingHTTPResponse?
        try await QuestionTests.send(app, .POST, "/api/v1/dossiers/\(id)/steps", officer, body) { res async in
            #expect(res.status == status, "\(body): \(res.body.string)")
            response = res
        }
        return response
    }

    @Test("A dossier walks received → documents asked → supplied → appointment → ready → settled; the citizen sees every step and is notified of each officer's step")
    func walkThroughTheSteps() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            try await KnowledgeBase.installShipped(resourcesDirectory: app.directory.resourcesDirectory, app: app)
            let citizen = try await TipAPITests.bearer(app, "0988000001")
            let officer = try await TipAPITests.bearer(app, TipAPITests.communeOfficer)
            let otherOfficer = try await TipAPITests.bearer(app, TipAPITests.otherCommuneOfficer)

            let filed = try await Self.fileOne(app, citizen)
            #expect(filed.status == "received")
            #expect(filed.unitCode == "CA24133")
            #expect(filed.reference.hasPrefix("HS-"))
            #expect(filed.steps?.map(\.status) == ["received"])

            // Bad input is refused field by field and changes nothing.
            try await QuestionTests.send(app, .POST, "/api/v1/dossiers", citizen, ["procedureSlug": "khong-co-thu-tuc-nay"]) { res async throws in
                #expect(res.status == .badRequest)
                #expect(Set(try res.content.decode(ErrorBody.self).error.fields?.map(\.field) ?? []) == ["procedure", "commune"])
            }
            #expect(try await Dossier.query(on: app.db).count() == 1)

            // The commune's officer has it; an officer elsewhere neither sees nor moves it; the citizen cannot move it.
            try await QuestionTests.send(app, .GET, "/api/v1/dossiers", officer) { res async throws in
                #expect(try res.content.decode(DossierList.self).items.map(\.id) == [filed.id])
            }
            try await QuestionTests.send(app, .GET, "/api/v1/dossiers/\(filed.id)", otherOfficer) { res async throws in
                #expect(res.status == .notFound)
                #expect(try res.content.decode(ErrorBody.self).error.code == "dossier_not_found")
            }
            for stranger in [otherOfficer, citizen] {
                let refused = try await Self.step(app, stranger, filed.id, ["status": "settled"], expect: .notFound)
                #expect(try refused?.content.decode(ErrorBody.self).error.code == "dossier_not_found")
            }
            #expect(try await Dossier.find(UUID(uuidString: filed.id), on: app.db)?.status == .received, "nothing moved it")

            // Asking for documents needs to say which.
            let missing = try await Self.step(app, officer, filed.id, ["status": "needs_documents"], expect: .badRequest)
            #expect(try missing?.content.decode(ErrorBody.self).error.fields?.map(\.field) == ["message"])
            let asked = try await Self.step(app, officer, filed.id, ["status": "needs_documents", "message": "Cần thêm đơn trình báo mất thẻ."], expect: .ok)
            let afterAsk = try #require(try asked?.content.decode(DossierBody.self))
            #expect(afterAsk.status == "needs_documents")
            #expect(afterAsk.nextSteps == ["received", "appointment_set", "refused"])

            // The citizen says the documents were supplied.
            try await QuestionTests.send(app, .POST, "/api/v1/dossiers/\(filed.id)/supplement", citizen, ["message": "Đã nộp đơn trình báo qua VNeID."]) { res async throws in
                #expect(res.status == .ok)
                #expect(try res.content.decode(DossierBody.self).status == "received")
            }
            try await QuestionTests.send(app, .POST, "/api/v1/dossiers/\(filed.id)/supplement", citizen, ["message": "Lần nữa"]) { res async throws in
                #expect(res.status == .conflict, "nothing is asked for now")
                #expect(try res.content.decode(ErrorBody.self).error.code == "dossier_step_not_allowed")
            }
            #expect(try await DossierStep.query(on: app.db).count() == 3, "the refused supplement left no step")

            // An appointment needs a time in the future and a place.
            let past = InternetTime.string(Date().addingTimeInterval(-3600))
            let future = InternetTime.string(Date().addingTimeInterval(2 * 86_400))
            let badAppointment = try await Self.step(app, officer, filed.id, ["status": "appointment_set", "appointmentAt": past], expect: .badRequest)
            #expect(Set(try badAppointment?.content.decode(ErrorBody.self).error.fields?.map(\.field) ?? []) == ["appointmentAt", "appointmentPlace"])
            _ = try await Self.step(app, officer, filed.id, ["status": "appointment_set", "appointmentAt": future, "appointmentPlace": "Bộ phận một cửa"], expect: .ok)
            _ = try await Self.step(app, officer, filed.id, ["status": "ready_for_pickup", "message": "Thẻ đã về."], expect: .ok)
            _ = try await Self.step(app, officer, filed.id, ["status": "settled"], expect: .ok)

            // A closed dossier takes no more steps, and nothing changes.
            let late = try await Self.step(app, officer, filed.id, ["status": "refused", "message": "Sai"], expect: .conflict)
            #expect(try late?.content.decode(ErrorBody.self).error.code == "dossier_step_not_allowed")

            var seen: DossierBody?
            try await QuestionTests.send(app, .GET, "/api/v1/dossiers/\(filed.id)", citizen) { res async throws in
                seen = try res.content.decode(DossierBody.self)
            }
            let final = try #require(seen)
            #expect(final.status == "settled")
            #expect(final.nextSteps == nil, "a citizen is not offered officers' steps")
            #expect(final.steps?.map(\.status) == ["received", "needs_documents", "received", "appointment_set", "ready_for_pickup", "settled"])
            #expect(final.steps?.map(\.byCitizen) == [true, false, true, false, false, false])
            #expect(final.steps?[3].appointmentPlace == "Bộ phận một cửa")

            let applicant = try #require(try await Account.query(on: app.db).filter(\.$phone == "+84988000001").first()?.id)
            let told = try await InAppNotification.query(on: app.db).filter(\.$account.$id == applicant).filter(\.$kind == "dossier.step")
                .sort(\.$createdAt).all()
            #expect(told.count == 4, "one per officer's step")
            #expect(Set(told.map(\.link)) == ["/dossiers/\(filed.id)"])
            #expect(told.last?.titleVI.contains("Đã giải quyết xong") == true)

            // Counted per unit, and tallied per procedure and unit.
            let unit = try #require(try await UnitDirectory.find(code: "CA24133", on: app.db)?.id)
            let day = InternetTime.vietnamDay(Date())
            let totals = try await Counters.totals(under: unit, from: day, to: day, on: app.db)
            #expect(totals[.dossiersReceived] == 1)
            #expect(totals[.dossiersSettled] == 1)
            let today = InternetTime.vietnamDay(Date())
            try await QuestionTests.send(app, .GET, "/api/v1/dossiers/summary?from=\(today)&to=\(today)", officer) { res async throws in
                let rows = try res.content.decode(Summary.self).items
                #expect(rows.count == 1)
                #expect(rows.first.map { [$0.procedureSlug, $0.unitCode] } == ["can-cuoc-cap-lai", "CA24133"])
                #expect(rows.first.map { [$0.received, $0.settled, $0.refused] } == [1, 1, 0])
            }
            try await QuestionTests.send(app, .GET, "/api/v1/dossiers/summary?from=2026-13-01&to=\(today)", officer) { res async throws in
                #expect(res.status == .badRequest)
                #expect(try res.content.decode(ErrorBody.self).error.fields?.map(\.field) == ["from"])
            }
            try await QuestionTests.send(app, .GET, "/api/v1/dossiers/summary?from=\(today)&to=\(today)", otherOfficer) { res async throws in
                #expect(try res.content.decode(Summary.self).items.isEmpty, "another commune's officer counts only their own")
            }
        }
    }

    @Test("On the web a citizen files a dossier, the officer refuses one only with a reason, and the citizen reads the steps in Vietnamese")
    func webPages() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            try await KnowledgeBase.installShipped(resourcesDirectory: app.directory.resourcesDirectory, app: app)
            let citizen = try await TipWebTests.login(app, "0988000002")

            let form = try await citizen.get("/dossiers/new?procedure=tach-ho")
            #expect(form.body.contains("value=\"tach-ho\" selected"))
            let empty = try await citizen.post("/dossiers", ["procedure": "", "commune": "Buôn Ma Thuột"])
            #expect(empty.status == .unprocessableEntity)
            #expect(empty.text(after: "data-field=\"procedure\"") == "Hãy chọn thủ tục bạn nộp hồ sơ.")
            #expect(try await Dossier.query(on: app.db).count() == 0)

            let sent = try await citizen.post("/dossiers", ["procedure": "tach-ho", "communeCode": TipAPITests.buonMaThuot, "note": "Tách hộ cho con trai."])
            let location = try #require(sent.location)
            #expect(location.hasPrefix("/dossiers/"))
            let id = String(location.dropFirst("/dossiers/".count).prefix(36))
            let mine = try await citizen.get("/dossiers/mine")
            #expect(mine.body.contains("/dossiers/\(id)"))

            let officer = try await TipWebTests.login(app, TipAPITests.communeOfficer)
            let inbox = try await officer.get("/console/dossiers")
            #expect(inbox.body.contains("/console/dossiers/\(id)"))
            #expect(inbox.body.components(separatedBy: "data-testid=\"dossier-tally-row\"").count == 2, "one procedure at one unit this month")
            _ = try await officer.get("/console/dossiers/\(id)")
            let noReason = try await officer.post("/console/dossiers/\(id)/steps", ["status": "refused", "message": " "])
            #expect(noReason.status == .unprocessableEntity)
            #expect(noReason.text(after: "data-field=\"message\"")?.isEmpty == false)
            #expect(try await Dossier.find(UUID(uuidString: id), on: app.db)?.status == .received)
            let refused = try await officer.post("/console/dossiers/\(id)/steps", ["status": "refused", "message": "Chỗ ở chưa đủ diện tích tối thiểu."])
            #expect(refused.location == "/console/dossiers/\(id)")
            let closed = try await officer.get("/console/dossiers/\(id)")
            #expect(closed.body.contains("data-testid=\"dossier-closed\""))
            // A step on a closed dossier (a second tab) is refused with the reason, and changes nothing.
            let late = try await officer.post("/console/dossiers/\(id)/steps", ["status": "settled"])
            #expect(late.status == .conflict)
            #expect(late.text(after: "data-field=\"status\"")?.contains("Từ chối giải quyết") == true)
            #expect(try await Dossier.find(UUID(uuidString: id), on: app.db)?.status == .refused)

            let shown = try await citizen.get("/dossiers/\(id)")
            #expect(shown.text(after: "data-testid=\"dossier-status\"") == "Từ chối giải quyết")
            #expect(shown.body.contains("Chỗ ở chưa đủ diện tích tối thiểu."))
            #expect(!shown.body.contains("id=\"dossier-supplement\""), "nothing to supply on a closed dossier")
            #expect(shown.body.components(separatedBy: "data-testid=\"dossier-step\"").count == 3)

            // Someone else's dossier is not found.
            let stranger = try await TipWebTests.login(app, "0988000001")
            #expect(try await stranger.get("/dossiers/\(id)").status == .notFound)
        }
    }

    @Test("The demo holds a dossier at every step")
    func demo() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            try await KnowledgeBase.installShipped(resourcesDirectory: app.directory.resourcesDirectory, app: app)
            try await DemoKnowledge.seed(app: app)
            let statuses = Set(try await Dossier.query(on: app.db).all().map(\.status))
            #expect(statuses == Set(DossierStatus.allCases))
            #expect(try await DemoKnowledge.seed(app: app) == 0, "a second run adds nothing")
        }
    }
}
