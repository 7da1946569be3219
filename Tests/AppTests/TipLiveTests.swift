@testable import App
import BinhYenCore
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// Collects what a duty desk would receive.
actor Inbox {
    private(set) var messages: [String] = []
    func add(_ text: String) { messages.append(text) }
}

@Suite("Duty desks, outbox and escalation")
struct TipLiveTests {
    static func unitID(_ code: String, _ app: Application) async throws -> UUID {
        try #require(try await UnitDirectory.find(code: code, on: app.db)?.id)
    }

    @Test("An urgent tip reaches the desks of its commune, the province and the mobile police, not another commune's; acknowledging clears it everywhere")
    func liveFanOut() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            var desks: [String: Inbox] = [:]
            for code in ["CA24133", "CA22015", "CA66", "CA66-PK02", "CA66-PA05"] {
                let inbox = Inbox()
                desks[code] = inbox
                _ = await app.liveHub.subscribe(units: [try await Self.unitID(code, app)]) { await inbox.add($0) }
            }
            let urgent = try await TipAPITests.submit(app, ["category": "weapons", "description": "Hai nhóm thanh niên mang mã tấu hẹn đánh nhau ở cầu Ea Tam.", "commune": TipAPITests.buonMaThuot])
            _ = try await TipAPITests.submit(app, ["category": "theft", "description": "Mất trộm điện thoại ở quán cà phê.", "commune": TipAPITests.buonMaThuot])
            #expect(await desks["CA24133"]!.messages.isEmpty, "nothing is delivered before the outbox runs")
            #expect(try await Outbox.drain(app: app) == 1, "only the urgent tip is announced")

            for code in ["CA24133", "CA66", "CA66-PK02"] {
                let messages = await desks[code]!.messages
                #expect(messages.count == 1 && messages[0].contains(urgent.tip.reference) && messages[0].contains("\"kind\":\"new\""), "\(code): \(messages)")
                #expect(!messages[0].contains("audience") && !messages[0].contains("mã tấu"), "desks get the summary, not the text")
            }
            #expect(await desks["CA22015"]!.messages.isEmpty)
            #expect(await desks["CA66-PA05"]!.messages.isEmpty)

            let officer = try await TipAPITests.bearer(app, TipAPITests.communeOfficer)
            let id = try #require(try await Tip.query(on: app.db).filter(\.$reference == urgent.tip.reference).first()?.requireID())
            _ = try await TipAPITests.json(app, .POST, "/api/v1/tips/\(id)/status", headers: officer, body: ["status": "acknowledged"], expect: .ok, as: TipAPITests.OfficerTip.self)
            #expect(try await Outbox.drain(app: app) == 1)
            #expect(await desks["CA66-PK02"]!.messages.last?.contains("\"kind\":\"acknowledged\"") == true)
            #expect(try await OutboxMessage.query(on: app.db).filter(\.$status == .done).count() == 2)
        }
    }

    @Test("An overdue tip alerts its unit's commanders, later brings in the parent unit, and never climbs further")
    func escalation() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let created = Date().addingTimeInterval(-3600)
            let service = TipService(db: app.db, app: app)
            let submitted = try await service.submit(TipDraft(categoryCode: "weapons", description: "Thanh niên mang hung khí tụ tập ở ngã ba.", communeCode: "24133"),
                                                     by: .anonymous, now: created)
            let tipID = try submitted.tip.requireID()
            _ = try await Outbox.drain(app: app)

            // Acknowledgement was due 15 minutes after it arrived.
            #expect(try await TipEscalation.run(app: app, now: created.addingTimeInterval(10 * 60)) == 0)
            #expect(try await TipEscalation.run(app: app, now: created.addingTimeInterval(20 * 60)) == 1)
            #expect(try await TipEscalation.run(app: app, now: created.addingTimeInterval(25 * 60)) == 0, "level 2 waits as long again")
            #expect(try await Outbox.drain(app: app) == 1)
            let commander = try #require(try await Account.query(on: app.db).filter(\.$phone == "+84901000002").first())
            let notes = try await InAppNotification.query(on: app.db).filter(\.$account.$id == (try commander.requireID())).all()
            #expect(notes.map(\.titleVI) == ["Tin báo \(submitted.tip.reference) quá hạn xử lý"])
            #expect(notes.first?.link == "/console/tips/\(tipID)")

            #expect(try await TipEscalation.run(app: app, now: created.addingTimeInterval(31 * 60)) == 1)
            #expect(try await TipEscalation.run(app: app, now: created.addingTimeInterval(90 * 60)) == 0, "two levels at most")
            let routes = try await TipService.routes(of: try #require(try await Tip.find(tipID, on: app.db)), on: app.db)
            #expect(routes.last?.unit.code == "CA66" && routes.last?.reason == .escalation)
            _ = try await Outbox.drain(app: app)
            #expect(try await InAppNotification.query(on: app.db).count() == 1, "the province unit has no commander in the demo; no duplicate for the ward")
            let audit = try await AuditEntry.query(on: app.db).filter(\.$action == "tip.escalate").all()
            #expect(audit.map(\.actorKind) == ["system", "system"])

            let web = try await TipWebTests.login(app, "0901000002")
            let home = try await web.get("/console")
            #expect(home.body.contains("Tin báo \(submitted.tip.reference) quá hạn xử lý"))
        }
    }

    @Test("A failing outbox delivery is retried with backoff and set aside after too many attempts")
    func outboxRetries() async throws {
        try await withTestApp { app in
            let now = Date()
            try await Outbox.enqueue(.tipEscalation, ["not": "an escalation"], at: now, on: app.db)
            #expect(try await Outbox.drain(app: app, at: now) == 1)
            var message = try #require(try await OutboxMessage.query(on: app.db).first())
            #expect(message.status == .pending && message.attempts == 1 && message.lastError != nil)
            #expect(message.availableAt > now, "the next attempt waits")
            #expect(try await Outbox.drain(app: app, at: now) == 0)
            var time = now
            for _ in 2...Outbox.maxAttempts {
                time = time.addingTimeInterval(3600)
                _ = try await Outbox.drain(app: app, at: time)
            }
            message = try #require(try await OutboxMessage.query(on: app.db).first())
            #expect(message.status == .dead && message.attempts == Outbox.maxAttempts)
        }
    }

    @Test("Without JavaScript the duty desk lists unacknowledged urgent tips and acknowledges them with a form; the catch-up feed says the same in JSON")
    func dutyDeskPage() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let urgent = try await TipAPITests.submit(app, ["category": "public_order", "description": "Đang có ẩu đả tại quán nhậu số 5.", "commune": TipAPITests.buonMaThuot, "happeningNow": true])
            _ = try await TipAPITests.submit(app, ["category": "theft", "description": "Mất trộm điện thoại ở quán cà phê.", "commune": TipAPITests.buonMaThuot])
            let desk = try await TipWebTests.login(app, TipAPITests.mobilePolice)
            let page = try await desk.get("/console/duty")
            #expect(page.status == .ok)
            #expect(page.body.contains("data-reference=\"\(urgent.tip.reference)\""))
            #expect(page.body.components(separatedBy: "class=\"duty-item\"").count - 1 == 1, "only the urgent tip")
            let feed = try await desk.get("/console/duty/feed")
            #expect(feed.body.contains(urgent.tip.reference))
            let id = try #require(try await Tip.query(on: app.db).filter(\.$reference == urgent.tip.reference).first()?.requireID())
            let acknowledged = try await desk.post("/console/duty/\(id)/acknowledge", [:])
            #expect(acknowledged.location == "/console/duty?acknowledged=\(urgent.tip.reference)")
            #expect(try await Tip.find(id, on: app.db)?.status == .acknowledged)
            let after = try await desk.get("/console/duty")
            #expect(!after.body.contains("data-reference=\"\(urgent.tip.reference)\""))
            let other = try await TipWebTests.login(app, TipAPITests.otherCommuneOfficer)
            try await other.get("/console/duty")
            #expect(try await other.post("/console/duty/\(id)/acknowledge", [:]).status == .notFound)
        }
    }

    @Test("Two officers on one tip: the second, working from a stale page, is refused instead of undoing the first's closing")
    func staleStatusChange() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let service = TipService(db: app.db, app: app)
            let submitted = try await service.submit(TipDraft(categoryCode: "theft", description: "Mất trộm xe đạp ở sân trường.", communeCode: "24133"), by: .anonymous)
            let id = try submitted.tip.requireID()
            func staff(_ phone: String) async throws -> CurrentAccount {
                let account = try #require(try await Account.query(on: app.db).filter(\.$phone == phone).first())
                return try #require(try await CurrentAccount.load(accountID: try account.requireID(), on: app.db))
            }
            let officer = try await staff("+84901000003")
            let commander = try await staff("+84901000002")
            let first = try #require(try await Tip.find(id, on: app.db))
            let stale = try #require(try await Tip.find(id, on: app.db))
            try await service.changeStatus(of: first, to: .closed, reason: .duplicate, by: commander)
            do {
                try await service.changeStatus(of: stale, to: .acknowledged, reason: nil, by: officer)
                Issue.record("a stale change went through")
            } catch let failure as ValidationFailure {
                #expect(failure.issues.first?.code == "conflict")
            }
            #expect(try await Tip.find(id, on: app.db)?.status == .closed)
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "tip.status").count() == 1)
        }
    }

    @Test("Many tips at once share commits; a request that fails in the same group is rolled back alone and the audit chain stays whole")
    func groupCommit() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let service = TipService(db: app.db, app: app)
            let first = try await service.submit(TipDraft(categoryCode: "theft", description: "Mất trộm lần đầu ở chợ.", communeCode: "24133"), by: .anonymous)
            let account = try #require(try await Account.query(on: app.db).filter(\.$phone == "+84901000003").first())
            let officer = try #require(try await CurrentAccount.load(accountID: try account.requireID(), on: app.db))
            let stale = try #require(try await Tip.find(try first.tip.requireID(), on: app.db))
            try await service.changeStatus(of: first.tip, to: .closed, reason: .duplicate, by: officer)

            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        if index == 20 {
                            // Stale: refused inside the group, must not take the others down.
                            do { try await service.changeStatus(of: stale, to: .acknowledged, reason: nil, by: officer); return false } catch { return false }
                        }
                        _ = try await service.submit(TipDraft(categoryCode: "theft", description: "Mất trộm số \(index) ở chợ đêm.", communeCode: "24133"), by: .anonymous)
                        return true
                    }
                }
                var results: [Bool] = []
                for try await result in group { results.append(result) }
                return results
            }
            #expect(outcomes.filter { $0 }.count == 39)
            #expect(try await Tip.query(on: app.db).count() == 40)
            #expect(try await Tip.find(try first.tip.requireID(), on: app.db)?.status == .closed)
            let audit = try await AuditLog.verify(on: app.db)
            #expect(audit.isIntact, "\(audit.problems)")
            #expect(audit.entries == 41, "40 submissions and one closing; the refused change left nothing")
        }
    }

    @Test("Audit details are canonical JSON: sorted keys, escaped quotes and control characters, Vietnamese kept as it is")
    func canonicalDetail() throws {
        let text = try AuditLog.canonical(["to": "Phường \"Buôn\"\nMa Thuột", "from": "a/b\u{1}"])
        #expect(text == #"{"from":"a/b\u0001","to":"Phường \"Buôn\"\nMa Thuột"}"#)
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String]
        #expect(parsed == ["to": "Phường \"Buôn\"\nMa Thuột", "from": "a/b\u{1}"])
        #expect(Hex.string([0x00, 0x0f, 0xa5, 0xff]) == "000fa5ff")
        // Counter days are Vietnam's calendar days (UTC+7).
        #expect(InternetTime.vietnamDay(Date(timeIntervalSince1970: 0)) == "1970-01-01")
        #expect(InternetTime.vietnamDay(Date(timeIntervalSince1970: 17 * 3600 - 1)) == "1970-01-01")
        #expect(InternetTime.vietnamDay(Date(timeIntervalSince1970: 17 * 3600)) == "1970-01-02")
        #expect(InternetTime.vietnamDay(Date(timeIntervalSince1970: 1_709_164_800)) == "2024-02-29", "2024-02-29 00:00 UTC is 07:00 in Vietnam")
        #expect(InternetTime.vietnamDay(Date(timeIntervalSince1970: 1_798_736_400)) == "2027-01-01", "2026-12-31 17:00 UTC is midnight in Vietnam")
    }
}
