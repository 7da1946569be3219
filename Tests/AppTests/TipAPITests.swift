@testable import App
import BinhYenCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

@Suite("Tips through the JSON API")
struct TipAPITests {
    struct Created: Content { var receipt: String?; var tip: CitizenTip }
    struct CitizenTip: Content {
        var id: String?; var reference: String; var status: String; var statusLabel: String; var closingReason: String?
        var urgent: Bool; var description: String; var address: String?; var unit: APITests.UnitRefBody
        var commune: APITests.AreaBody; var messages: [Message]
    }
    struct Message: Content { var id: String; var kind: String; var author: String?; var body: String }
    struct Summary: Content { var id: String; var reference: String; var status: String; var urgent: Bool; var valuable: Bool; var anonymous: Bool }
    struct SummaryList: Content { var items: [Summary] }
    struct OfficerTip: Content { var summary: Summary; var tip: CitizenTip; var routes: [Route]; var citizen: Person?; var assignee: Person?; var dispatch: DispatchBody?; var duplicateOf: String?; var duplicates: [String]? }
    struct DispatchBody: Content { var team: String; var status: String; var unit: APITests.UnitRefBody; var onSiteAt: String?; var outcome: OutcomeBody? }
    struct OutcomeBody: Content { var peopleHeld: Int; var vehiclesSeized: Int; var weaponsSeized: Int; var otherItems: String?; var summary: String }
    struct Route: Content { var unit: APITests.UnitRefBody; var reason: String }
    struct Person: Content { var name: String; var phone: String }
    struct CitizenTipList: Content { var items: [CitizenTip] }

    // Demo people (DemoSeeder): the area officer and commander of Phường Buôn Ma Thuột (CA24133),
    // the province admin of Đắk Lắk (CA66), the cyber patrol (CA66-PA05), the mobile police
    // commander (CA66-PK02), and the area officer of another ward of the province (CA22015).
    static let communeOfficer = "0901000003"
    static let provinceAdmin = "0901000001"
    static let cyberPatrol = "0901000004"
    static let mobilePolice = "0901000005"
    static let otherCommuneOfficer = "+84903220150"
    static let buonMaThuot = "24133"

    static func bearer(_ app: Application, _ phone: String) async throws -> HTTPHeaders {
        HTTPHeaders([("Authorization", "Bearer \(try await APITests.login(app, phone: phone).token)")])
    }

    static func submit(_ app: Application, _ body: [String: any Sendable], headers: HTTPHeaders = [:]) async throws -> Created {
        var created: Created?
        try await app.testing().test(.POST, "/api/v1/tips", headers: headers, beforeRequest: { req in
            req.headers.contentType = .json
            req.body = .init(data: try JSONSerialization.data(withJSONObject: body))
        }, afterResponse: { res async throws in
            #expect(res.status == .created, "\(res.body.string)")
            created = try res.content.decode(Created.self)
        })
        return try #require(created)
    }

    static func json<T: Decodable>(_ app: Application, _ method: HTTPMethod, _ path: String, headers: HTTPHeaders = [:],
                                   body: [String: any Sendable]? = nil, expect status: HTTPStatus, as type: T.Type) async throws -> T {
        var decoded: T?
        try await app.testing().test(method, path, headers: headers, beforeRequest: { req in
            if let body {
                req.headers.contentType = .json
                req.body = .init(data: try JSONSerialization.data(withJSONObject: body))
            }
        }, afterResponse: { res async throws in
            #expect(res.status == status, "\(method) \(path): \(res.body.string)")
            decoded = try JSONDecoder().decode(T.self, from: Data(buffer: res.body))
        })
        return try #require(decoded)
    }

    @Test("Anonymous tip: receipt → the commune's officer sees it → reply → the citizen reads it by receipt and answers → dispatched → closed")
    func anonymousEndToEnd() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let created = try await Self.submit(app, [
                "category": "theft", "description": "Xe máy bị trộm trước nhà số 12 đường Lê Duẩn lúc 22 giờ.",
                "commune": Self.buonMaThuot, "address": "12 Lê Duẩn",
            ])
            let receipt = try #require(created.receipt)
            #expect(receipt.count == 16 && receipt.allSatisfy(\.isNumber))
            #expect(created.tip.id == nil, "an anonymous tip's id is not handed out")
            #expect(created.tip.unit.code == "CA24133")
            #expect(created.tip.status == "received")

            let officer = try await Self.bearer(app, Self.communeOfficer)
            let inbox = try await Self.json(app, .GET, "/api/v1/tips", headers: officer, expect: .ok, as: SummaryList.self)
            let summary = try #require(inbox.items.first { $0.reference == created.tip.reference })
            #expect(summary.anonymous)

            let opened = try await Self.json(app, .GET, "/api/v1/tips/\(summary.id)", headers: officer, expect: .ok, as: OfficerTip.self)
            #expect(opened.tip.description == "Xe máy bị trộm trước nhà số 12 đường Lê Duẩn lúc 22 giờ.")
            #expect(opened.citizen == nil, "nobody is behind an anonymous tip")
            #expect(opened.routes.map(\.unit.code) == ["CA24133"])

            _ = try await Self.json(app, .POST, "/api/v1/tips/\(summary.id)/messages", headers: officer,
                                    body: ["body": "Công an phường đã nhận tin. Bạn có nhìn thấy biển số xe không?"], expect: .created, as: Message.self)
            _ = try await Self.json(app, .POST, "/api/v1/tips/\(summary.id)/messages", headers: officer,
                                    body: ["body": "Kiểm tra camera nhà số 14.", "internal": true], expect: .created, as: Message.self)

            // The citizen types the receipt as it was shown, in groups.
            let grouped = TipReceipt.display(receipt)
            let followed = try await Self.json(app, .POST, "/api/v1/anonymous-tips/status", body: ["receipt": grouped], expect: .ok, as: CitizenTip.self)
            #expect(followed.messages.map(\.kind) == ["reply"], "internal notes never reach the citizen")
            #expect(followed.messages.first?.author == nil, "officers' names are not shown to citizens")
            #expect(followed.messages.first?.body.hasPrefix("Công an phường đã nhận tin.") == true)

            _ = try await Self.json(app, .POST, "/api/v1/anonymous-tips/messages", body: ["receipt": receipt, "body": "Biển số 47B1-123.45, xe Wave màu đỏ."],
                                    expect: .created, as: Message.self)
            let withAnswer = try await Self.json(app, .GET, "/api/v1/tips/\(summary.id)", headers: officer, expect: .ok, as: OfficerTip.self)
            #expect(withAnswer.tip.messages.map(\.kind) == ["reply", "note", "citizen"])
            #expect(withAnswer.tip.messages.last?.body == "Biển số 47B1-123.45, xe Wave màu đỏ.")

            for status in ["acknowledged", "verifying", "dispatched"] {
                let changed = try await Self.json(app, .POST, "/api/v1/tips/\(summary.id)/status", headers: officer, body: ["status": status], expect: .ok, as: OfficerTip.self)
                #expect(changed.summary.status == status)
            }
            let refused = try await Self.json(app, .POST, "/api/v1/tips/\(summary.id)/status", headers: officer, body: ["status": "closed"],
                                              expect: .badRequest, as: APITests.ErrorBody.self)
            #expect(refused.error.fields?.first?.field == "reason", "closing needs a reason")
            let backwards = try await Self.json(app, .POST, "/api/v1/tips/\(summary.id)/status", headers: officer, body: ["status": "received"],
                                                expect: .badRequest, as: APITests.ErrorBody.self)
            #expect(backwards.error.fields?.first?.code == "transition")
            _ = try await Self.json(app, .POST, "/api/v1/tips/\(summary.id)/valuable", headers: officer, body: ["valuable": true], expect: .ok, as: OfficerTip.self)
            let closed = try await Self.json(app, .POST, "/api/v1/tips/\(summary.id)/status", headers: officer,
                                             body: ["status": "closed", "reason": "handled"], expect: .ok, as: OfficerTip.self)
            #expect(closed.summary.status == "closed" && closed.summary.valuable)

            let final = try await Self.json(app, .POST, "/api/v1/anonymous-tips/status", body: ["receipt": receipt], expect: .ok, as: CitizenTip.self)
            #expect(final.status == "closed" && final.closingReason == "handled" && final.statusLabel == "Đã kết thúc")
            let late = try await Self.json(app, .POST, "/api/v1/anonymous-tips/messages", body: ["receipt": receipt, "body": "Cảm ơn công an."],
                                           expect: .badRequest, as: APITests.ErrorBody.self)
            #expect(late.error.fields?.first?.code == "closed")
            let wrong = try await Self.json(app, .POST, "/api/v1/anonymous-tips/status", body: ["receipt": "1234 5678 9012 3456"], expect: .notFound, as: APITests.ErrorBody.self)
            #expect(wrong.error.code == "receipt_not_found")

            let audit = try await AuditLog.verify(on: app.db)
            #expect(audit.isIntact, "\(audit.problems)")
            let actions = try await AuditEntry.query(on: app.db).sort(\.$seq).all().map(\.action)
            #expect(actions.first == "tip.submit")
            #expect(actions.filter { $0 == "tip.read" }.count == 4, "every opening of the tip is audited: \(actions)")
            #expect(actions.filter { $0 == "tip.status" }.count == 4)
        }
    }

    @Test("Named tip: listed under the citizen's tips with the reply; nobody else's account opens it")
    func namedEndToEnd() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let citizen = try await Self.bearer(app, "0988000001")
            let created = try await Self.submit(app, [
                "category": "drugs", "description": "Có nhóm thanh niên tụ tập sử dụng ma tuý ở bãi đất trống sau chợ.",
                "commune": Self.buonMaThuot, "occurredAt": "2026-11-20T21:30:00Z",
            ], headers: citizen)
            #expect(created.receipt == nil, "a named tip needs no receipt")
            let id = try #require(created.tip.id)

            let officer = try await Self.bearer(app, Self.communeOfficer)
            let opened = try await Self.json(app, .GET, "/api/v1/tips/\(id)", headers: officer, expect: .ok, as: OfficerTip.self)
            #expect(opened.citizen?.name == "Y Niê Kdăm" && opened.citizen?.phone == "+84988000001")
            #expect(!opened.summary.anonymous)
            _ = try await Self.json(app, .POST, "/api/v1/tips/\(id)/messages", headers: officer,
                                    body: ["body": "Cảm ơn anh. Tổ công tác sẽ kiểm tra tối nay."], expect: .created, as: Message.self)
            _ = try await Self.json(app, .POST, "/api/v1/tips/\(id)/status", headers: officer, body: ["status": "dispatched"], expect: .ok, as: OfficerTip.self)

            let mine = try await Self.json(app, .GET, "/api/v1/me/tips", headers: citizen, expect: .ok, as: CitizenTipList.self)
            #expect(mine.items.map(\.reference) == [created.tip.reference])
            #expect(mine.items.first?.status == "dispatched")
            let detail = try await Self.json(app, .GET, "/api/v1/me/tips/\(id)", headers: citizen, expect: .ok, as: CitizenTip.self)
            #expect(detail.messages.map(\.body) == ["Cảm ơn anh. Tổ công tác sẽ kiểm tra tối nay."])
            _ = try await Self.json(app, .POST, "/api/v1/me/tips/\(id)/messages", headers: citizen, body: ["body": "Họ thường có mặt sau 22 giờ."], expect: .created, as: Message.self)
            _ = try await Self.json(app, .POST, "/api/v1/tips/\(id)/status", headers: officer, body: ["status": "closed", "reason": "handled"], expect: .ok, as: OfficerTip.self)
            let after = try await Self.json(app, .GET, "/api/v1/me/tips/\(id)", headers: citizen, expect: .ok, as: CitizenTip.self)
            #expect(after.status == "closed" && after.messages.map(\.kind) == ["reply", "citizen"])

            let other = try await Self.bearer(app, "0988000002")
            _ = try await Self.json(app, .GET, "/api/v1/me/tips/\(id)", headers: other, expect: .notFound, as: APITests.ErrorBody.self)
            let othersList = try await Self.json(app, .GET, "/api/v1/me/tips", headers: other, expect: .ok, as: CitizenTipList.self)
            #expect(othersList.items.isEmpty)
            _ = try await Self.json(app, .GET, "/api/v1/tips/\(id)", headers: other, expect: .notFound, as: APITests.ErrorBody.self)
        }
    }

    @Test("Another commune's officer gets 404; the province sees it; rules add the cyber unit for fraud and the mobile police for urgent tips")
    func visibilityAndRouting() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let fraud = try await Self.submit(app, ["category": "fraud", "description": "Có người gọi giả danh công an yêu cầu chuyển tiền.", "commune": Self.buonMaThuot])
            let weapons = try await Self.submit(app, ["category": "weapons", "description": "Nhóm thanh niên mang dao tụ tập trước cổng trường mầm non.", "commune": Self.buonMaThuot])
            let nowTip = try await Self.submit(app, ["category": "public_order", "description": "Đang có đánh nhau ở quán nhậu đầu hẻm.", "commune": "22015", "happeningNow": true])
            #expect(!fraud.tip.urgent && weapons.tip.urgent && nowTip.tip.urgent)

            func inbox(_ phone: String) async throws -> [String] {
                try await Self.json(app, .GET, "/api/v1/tips", headers: try await Self.bearer(app, phone), expect: .ok, as: SummaryList.self).items.map(\.reference)
            }
            #expect(Set(try await inbox(Self.communeOfficer)) == [fraud.tip.reference, weapons.tip.reference])
            #expect(try await inbox(Self.otherCommuneOfficer) == [nowTip.tip.reference])
            #expect(Set(try await inbox(Self.provinceAdmin)) == [fraud.tip.reference, weapons.tip.reference, nowTip.tip.reference])
            #expect(try await inbox(Self.cyberPatrol) == [fraud.tip.reference])
            // Urgent first, then newest.
            #expect(try await inbox(Self.mobilePolice) == [nowTip.tip.reference, weapons.tip.reference])

            let communeOfficer = try await Self.bearer(app, Self.communeOfficer)
            let fraudID = try #require(try await Self.json(app, .GET, "/api/v1/tips?category=fraud", headers: communeOfficer, expect: .ok, as: SummaryList.self).items.first?.id)
            let other = try await Self.bearer(app, Self.otherCommuneOfficer)
            let hidden = try await Self.json(app, .GET, "/api/v1/tips/\(fraudID)", headers: other, expect: .notFound, as: APITests.ErrorBody.self)
            #expect(hidden.error.code == "tip_not_found")
            _ = try await Self.json(app, .POST, "/api/v1/tips/\(fraudID)/messages", headers: other, body: ["body": "Thử trả lời."], expect: .notFound, as: APITests.ErrorBody.self)
            let province = try await Self.bearer(app, Self.provinceAdmin)
            let seen = try await Self.json(app, .GET, "/api/v1/tips/\(fraudID)", headers: province, expect: .ok, as: OfficerTip.self)
            #expect(seen.routes.map(\.unit.code) == ["CA24133", "CA66-PA05"])
            #expect(seen.routes.map(\.reason) == ["commune", "rule"])

            // Filters.
            #expect(try await Self.json(app, .GET, "/api/v1/tips?urgent=true", headers: communeOfficer, expect: .ok, as: SummaryList.self).items.map(\.reference) == [weapons.tip.reference])
            #expect(try await Self.json(app, .GET, "/api/v1/tips?status=closed", headers: communeOfficer, expect: .ok, as: SummaryList.self).items.isEmpty)
            #expect(try await Self.json(app, .GET, "/api/v1/tips?unit=CA22015", headers: province, expect: .ok, as: SummaryList.self).items.map(\.reference) == [nowTip.tip.reference])

            // Transfer: the other ward now owns it and sees it; the reason is kept as a note.
            _ = try await Self.json(app, .POST, "/api/v1/tips/\(fraudID)/transfer", headers: communeOfficer,
                                    body: ["unit": "CA22015", "reason": "Người bị hại cư trú tại phường Tuy Hoà."], expect: .ok, as: OfficerTip.self)
            let moved = try await Self.json(app, .GET, "/api/v1/tips/\(fraudID)", headers: other, expect: .ok, as: OfficerTip.self)
            #expect(moved.tip.unit.code == "CA22015")
            #expect(moved.routes.last?.reason == "transfer")
            #expect(moved.tip.messages.last?.kind == "note" && moved.tip.messages.last?.body.contains("Người bị hại cư trú") == true)

            // Assignment only to an officer who can handle it.
            let refused = try await Self.json(app, .POST, "/api/v1/tips/\(fraudID)/assignee", headers: other, body: ["phone": "0988000001"],
                                              expect: .badRequest, as: APITests.ErrorBody.self)
            #expect(refused.error.fields?.first?.field == "assignee")
            let assigned = try await Self.json(app, .POST, "/api/v1/tips/\(fraudID)/assignee", headers: other, body: ["phone": Self.otherCommuneOfficer], expect: .ok, as: OfficerTip.self)
            #expect(assigned.assignee?.phone == Self.otherCommuneOfficer)
        }
    }

    @Test("Bad input gets an error naming the field, and nothing is stored")
    func badInput() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            func refused(_ body: [String: any Sendable]) async throws -> [String] {
                try await Self.json(app, .POST, "/api/v1/tips", body: body, expect: .badRequest, as: APITests.ErrorBody.self).error.fields?.map(\.field) ?? []
            }
            #expect(try await refused(["category": "aliens", "description": "Có vật thể lạ bay trên trời.", "commune": Self.buonMaThuot]) == ["category"])
            #expect(try await refused(["category": "theft", "description": "Mất trộm xe đạp ở sân nhà.", "commune": ""]) == ["commune"])
            #expect(try await refused(["category": "theft", "description": "Mất trộm xe đạp ở sân nhà.", "commune": "99999"]) == ["commune"])
            #expect(try await refused(["category": "theft", "description": "ngắn", "commune": Self.buonMaThuot]) == ["description"])
            #expect(try await refused(["category": "theft", "description": String(repeating: "a", count: 5001), "commune": Self.buonMaThuot]) == ["description"])
            #expect(try await refused(["category": "theft", "description": "Mất trộm xe đạp ở sân nhà.", "commune": Self.buonMaThuot, "latitude": 48.85, "longitude": 2.35]) == ["location"])
            #expect(try await refused(["category": "theft", "description": "Mất trộm xe đạp ở sân nhà.", "commune": Self.buonMaThuot, "occurredAt": "2099-01-01T00:00:00Z"]) == ["occurred_at"])
            // Ba Đình (Hà Nội) exists, but no police unit has been set up for it here.
            let noUnit = try await Self.json(app, .POST, "/api/v1/tips", body: ["category": "theft", "description": "Mất trộm xe đạp ở sân nhà.", "commune": "00004"],
                                             expect: .badRequest, as: APITests.ErrorBody.self)
            #expect(noUnit.error.fields?.first?.code == "no_unit")
            #expect(noUnit.error.message.contains("113"))

            try await app.testing().test(.POST, "/api/v1/tips", beforeRequest: { req in
                req.headers.contentType = .json
                req.body = .init(string: "{\"category\": \"theft\", \"description\": ")
            }, afterResponse: { res async throws in
                #expect(res.status == .badRequest)
                let error = try res.content.decode(APITests.ErrorBody.self).error
                #expect(error.code == "bad_json")
                #expect(error.message == "Nội dung gửi lên không phải JSON hợp lệ.")
            })
            let wrongType = try await Self.json(app, .POST, "/api/v1/tips", body: ["category": "theft", "description": 42, "commune": Self.buonMaThuot],
                                                expect: .badRequest, as: APITests.ErrorBody.self)
            #expect(wrongType.error.fields?.map(\.field) == ["description"])
            let missing = try await Self.json(app, .POST, "/api/v1/tips", body: ["category": "theft", "commune": Self.buonMaThuot],
                                              expect: .badRequest, as: APITests.ErrorBody.self)
            #expect(missing.error.fields?.map(\.field) == ["description"])
            _ = try await Self.json(app, .POST, "/api/v1/tips", headers: ["Authorization": "Bearer byt_not-a-token"],
                                    body: ["category": "theft", "description": "Mất trộm xe đạp ở sân nhà.", "commune": Self.buonMaThuot],
                                    expect: .unauthorized, as: APITests.ErrorBody.self)

            #expect(try await Tip.query(on: app.db).count() == 0)
            #expect(try await AuditEntry.query(on: app.db).count() == 0)
        }
    }

    @Test("At rest: tip text is encrypted, the receipt is only a keyed hash, and no IP address or user agent is stored")
    func privacyAtRest() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let secret = "Ông Tư bán thuốc lắc ở quán karaoke Hoa Mai số 77"
            let headers = HTTPHeaders([("User-Agent", "ProbeBrowser/9.9 unique-ua-5521"), ("X-Forwarded-For", "203.0.113.77")])
            let created = try await Self.submit(app, ["category": "drugs", "description": secret, "commune": Self.buonMaThuot], headers: headers)
            let receipt = try #require(created.receipt)
            let receiptHeaders = HTTPHeaders([("User-Agent", "ProbeBrowser/9.9 unique-ua-5521"), ("X-Forwarded-For", "203.0.113.77")])
            _ = try await Self.json(app, .POST, "/api/v1/anonymous-tips/messages", headers: receiptHeaders,
                                    body: ["receipt": receipt, "body": "Quán mở cửa đến 2 giờ sáng, số 77 Hoa Mai"], expect: .created, as: Message.self)

            let tip = try #require(try await Tip.query(on: app.db).first())
            #expect(tip.$citizen.id == nil && tip.anonymous)
            #expect(tip.receiptHash != nil && tip.receiptHash != receipt && tip.receiptHash?.contains(receipt) == false)

            guard !isPostgresLane else { return }
            // Everything SQLite wrote: the database file and its write-ahead log.
            let path = app.binhyenConfig.dataDirectory + "/test.sqlite"
            var bytes = Data()
            for file in [path, path + "-wal"] {
                bytes.append(FileManager.default.contents(atPath: file) ?? Data())
            }
            #expect(bytes.count > 100_000)
            for needle in ["thuốc lắc", "karaoke Hoa Mai", "Quán mở cửa", "unique-ua-5521", "ProbeBrowser", "203.0.113.77", receipt] {
                #expect(bytes.range(of: Data(needle.utf8)) == nil, "\(needle) must not be readable in the database files")
            }
        }
    }

    @Test("binhyen's audit check finds an edited entry, a removed entry and a removed last entry")
    func auditChain() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            for index in 1...3 {
                _ = try await Self.submit(app, ["category": "theft", "description": "Mất trộm lần thứ \(index) ở chợ trung tâm.", "commune": Self.buonMaThuot])
            }
            let officer = try await Self.bearer(app, Self.communeOfficer)
            let ids = try await Self.json(app, .GET, "/api/v1/tips", headers: officer, expect: .ok, as: SummaryList.self).items.map(\.id)
            for id in ids { _ = try await Self.json(app, .GET, "/api/v1/tips/\(id)", headers: officer, expect: .ok, as: OfficerTip.self) }
            let intact = try await AuditLog.verify(on: app.db)
            #expect(intact.isIntact && intact.entries == 6)

            let sql = try app.db.requireSQL()
            try await sql.raw("UPDATE audit_entries SET actor_kind = 'system' WHERE seq = 4").run()
            let edited = try await AuditLog.verify(on: app.db)
            #expect(edited.problems == ["entry 4: its contents were changed after it was written"])
            try await sql.raw("DELETE FROM audit_entries WHERE seq = 4").run()
            let removed = try await AuditLog.verify(on: app.db)
            #expect(removed.problems == ["entries 4…4 are missing"])
            try await sql.raw("DELETE FROM audit_entries WHERE seq = 6").run()
            let truncated = try await AuditLog.verify(on: app.db)
            #expect(truncated.problems.contains { $0.contains("head says 6") })
        }
    }

    @Test("The late-night story: weapons near a kindergarten → the commander dispatches → the team reports → 21 held, 7 motorbikes, 4 machetes → closed")
    func rapidResponse() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let created = try await Self.submit(app, [
                "category": "weapons", "happeningNow": true, "commune": Self.buonMaThuot, "address": "Trước cổng trường mầm non Hoa Hồng",
                "description": "Khoảng 20 thanh niên đi xe máy, mang theo dao, mã tấu tụ tập trước trường mầm non, có dấu hiệu chuẩn bị đánh nhau.",
            ])
            let commander = try await Self.bearer(app, "0901000002")
            let officer = try await Self.bearer(app, Self.communeOfficer)
            let id = try #require(try await Self.json(app, .GET, "/api/v1/tips?urgent=true", headers: commander, expect: .ok, as: SummaryList.self).items.first?.id)

            _ = try await Self.json(app, .POST, "/api/v1/tips/\(id)/dispatch", headers: officer, body: ["team": "Tổ tuần tra"], expect: .notFound, as: APITests.ErrorBody.self)
            let missingTeam = try await Self.json(app, .POST, "/api/v1/tips/\(id)/dispatch", headers: commander, body: ["team": "  "], expect: .badRequest, as: APITests.ErrorBody.self)
            #expect(missingTeam.error.fields?.map(\.field) == ["team"])
            let sent = try await Self.json(app, .POST, "/api/v1/tips/\(id)/dispatch", headers: commander,
                                           body: ["team": "Tổ 2 Cảnh sát cơ động, 6 cán bộ", "unit": "CA66-PK02"], expect: .created, as: OfficerTip.self)
            #expect(sent.summary.status == "dispatched", "a dispatch moves the tip forward")
            #expect(sent.dispatch?.status == "assigned" && sent.dispatch?.unit.code == "CA66-PK02")
            let twice = try await Self.json(app, .POST, "/api/v1/tips/\(id)/dispatch", headers: commander, body: ["team": "Tổ 3"], expect: .badRequest, as: APITests.ErrorBody.self)
            #expect(twice.error.fields?.first?.code == "exists", "one operation per tip")

            for status in ["acknowledged", "en_route", "on_site"] {
                let step = try await Self.json(app, .POST, "/api/v1/tips/\(id)/dispatch/status", headers: officer, body: ["status": status], expect: .ok, as: OfficerTip.self)
                #expect(step.dispatch?.status == status)
            }
            let back = try await Self.json(app, .POST, "/api/v1/tips/\(id)/dispatch/status", headers: officer, body: ["status": "en_route"], expect: .badRequest, as: APITests.ErrorBody.self)
            #expect(back.error.fields?.first?.code == "transition")
            let negative = try await Self.json(app, .POST, "/api/v1/tips/\(id)/outcome", headers: commander,
                                               body: ["peopleHeld": -1, "vehiclesSeized": 7, "weaponsSeized": 4, "summary": ""], expect: .badRequest, as: APITests.ErrorBody.self)
            #expect(negative.error.fields?.map(\.field) == ["people_held", "summary"])
            let done = try await Self.json(app, .POST, "/api/v1/tips/\(id)/outcome", headers: commander, body: [
                "peopleHeld": 21, "vehiclesSeized": 7, "weaponsSeized": 4, "otherItems": "4 mã tấu, 2 gậy sắt",
                "summary": "Tạm giữ 21 đối tượng, thu giữ 7 xe máy và 4 mã tấu; bàn giao Công an phường xử lý theo quy định.",
            ], expect: .ok, as: OfficerTip.self)
            #expect(done.dispatch?.status == "closed")
            #expect(done.dispatch?.outcome?.peopleHeld == 21 && done.dispatch?.outcome?.vehiclesSeized == 7 && done.dispatch?.outcome?.weaponsSeized == 4)
            #expect(done.dispatch?.onSiteAt != nil)
            let closed = try await Self.json(app, .POST, "/api/v1/tips/\(id)/status", headers: commander, body: ["status": "closed", "reason": "handled"], expect: .ok, as: OfficerTip.self)
            #expect(closed.summary.status == "closed")
            // Counted in the same transactions, per unit and day; totals roll up the unit tree.
            let today = InternetTime.vietnamDay(Date())
            let province = try #require(try await UnitDirectory.find(code: "CA66", on: app.db)?.id)
            let ward = try #require(try await UnitDirectory.find(code: "CA24133", on: app.db)?.id)
            let all = try await Counters.totals(under: province, from: today, to: today, on: app.db)
            #expect(all[.tipsReceived] == 1 && all[.tipsClosedHandled] == 1)
            #expect(all[.rapidResponses] == 1 && all[.rapidResponsesOnSite] == 1 && all[.incidentsHandled] == 1)
            #expect(all[.peopleHeld] == 21 && all[.vehiclesSeized] == 7 && all[.weaponsSeized] == 4)
            let wardOnly = try await Counters.totals(under: ward, from: today, to: today, on: app.db)
            #expect(wardOnly[.tipsReceived] == 1 && wardOnly[.rapidResponses] == nil, "the operation is the mobile police's, not the ward's")
            let actions = try await AuditEntry.query(on: app.db).sort(\.$seq).all().map(\.action)
            #expect(actions.filter { $0.hasPrefix("tip.dispatch") || $0 == "tip.outcome" } == ["tip.dispatch", "tip.dispatch.status", "tip.dispatch.status", "tip.dispatch.status", "tip.outcome"])
        }
    }

    @Test("Merging duplicates closes the later tip as a duplicate pointing to the kept one; merging into itself or across units is refused")
    func mergeDuplicates() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let first = try await Self.submit(app, ["category": "public_order", "description": "Karaoke mở nhạc rất to sau 23 giờ ở hẻm 12.", "commune": Self.buonMaThuot])
            let second = try await Self.submit(app, ["category": "public_order", "description": "Nhà hẻm 12 hát karaoke ồn ào quá khuya.", "commune": Self.buonMaThuot])
            let elsewhere = try await Self.submit(app, ["category": "public_order", "description": "Karaoke ồn ào ở phường Tuy Hoà.", "commune": "22015"])
            let officer = try await Self.bearer(app, Self.communeOfficer)
            let items = try await Self.json(app, .GET, "/api/v1/tips", headers: officer, expect: .ok, as: SummaryList.self).items
            let secondID = try #require(items.first { $0.reference == second.tip.reference }?.id)
            let firstID = try #require(items.first { $0.reference == first.tip.reference }?.id)

            let itself = try await Self.json(app, .POST, "/api/v1/tips/\(secondID)/merge", headers: officer, body: ["into": second.tip.reference], expect: .badRequest, as: APITests.ErrorBody.self)
            #expect(itself.error.fields?.first?.code == "invalid")
            let across = try await Self.json(app, .POST, "/api/v1/tips/\(secondID)/merge", headers: officer, body: ["into": elsewhere.tip.reference], expect: .badRequest, as: APITests.ErrorBody.self)
            #expect(across.error.fields?.first?.code == "unknown", "a tip the officer cannot handle is as good as unknown")

            let merged = try await Self.json(app, .POST, "/api/v1/tips/\(secondID)/merge", headers: officer, body: ["into": first.tip.reference.lowercased()], expect: .ok, as: OfficerTip.self)
            #expect(merged.summary.status == "closed" && merged.tip.closingReason == "duplicate" && merged.duplicateOf == first.tip.reference)
            let kept = try await Self.json(app, .GET, "/api/v1/tips/\(firstID)", headers: officer, expect: .ok, as: OfficerTip.self)
            #expect(kept.duplicates == [second.tip.reference])
            let receipt = try #require(second.receipt)
            let citizenView = try await Self.json(app, .POST, "/api/v1/anonymous-tips/status", body: ["receipt": receipt], expect: .ok, as: CitizenTip.self)
            #expect(citizenView.status == "closed" && citizenView.closingReason == "duplicate")
        }
    }

    @Test("A commune whose police unit is retired routes to the nearest unit above it, which sees and handles the tip")
    func fallbackToProvince() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let unit = try #require(try await UnitDirectory.find(code: "CA22015", on: app.db))
            unit.validTo = Date()
            try await unit.save(on: app.db)
            let created = try await Self.submit(app, ["category": "theft", "description": "Mất trộm gia súc ở rẫy cà phê.", "commune": "22015"])
            #expect(created.tip.unit.code == "CA66")
            let province = try await Self.bearer(app, Self.provinceAdmin)
            let item = try #require(try await Self.json(app, .GET, "/api/v1/tips", headers: province, expect: .ok, as: SummaryList.self).items.first)
            let opened = try await Self.json(app, .GET, "/api/v1/tips/\(item.id)", headers: province, expect: .ok, as: OfficerTip.self)
            #expect(opened.routes.map(\.reason) == ["fallback"])
        }
    }
}
