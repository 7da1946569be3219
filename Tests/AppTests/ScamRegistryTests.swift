@testable import App
import BinhYenCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

@Suite("Scam registry: reports, lookup, the patrol's decisions")
struct ScamRegistryTests {
    struct Normalised: Decodable { var kind: String; var value: String; var display: String }
    struct Lookup: Decodable {
        var indicator: Normalised
        var verdict: String
        var reports: Int
        var warning: String?
        var byMatch: Bool
        var message: String
    }
    struct ReportCreated: Decodable {
        struct Item: Decodable { var indicator: Normalised; var status: String; var reports: Int }
        var reference: String
        var indicators: [Item]
    }
    struct Indicator: Decodable { var id: String; var indicator: Normalised; var status: String; var reports: Int; var warning: String? }
    struct IndicatorList: Decodable { var items: [Indicator] }
    struct ErrorBody: Decodable {
        struct Field: Decodable { var field: String; var code: String; var message: String }
        struct Inner: Decodable { var code: String; var fields: [Field]? }
        var error: Inner
    }

    static func lookup(_ app: Application, _ q: String, expect status: HTTPStatus = .ok) async throws -> Lookup {
        let encoded = q.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? q
        return try await TipAPITests.json(app, .GET, "/api/v1/scam-lookup?q=\(encoded)", expect: status, as: Lookup.self)
    }

    static let warning = "Số này giả danh nhân viên ngân hàng, yêu cầu chuyển tiền để \"xác minh tài khoản\". Không làm theo."

    @Test("A citizen reports a number and a site → lookups of other spellings say reported → the patrol verifies → lookups say verified with the warning, pages of the same site too")
    func reportVerifyLookup() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let citizen = try await TipAPITests.bearer(app, "0988000001")
            let before = try await Self.lookup(app, "0912 345 678")
            #expect(before.verdict == "not_found" && before.message.contains("KHÔNG có nghĩa là an toàn"), "not found never reads as safe")
            #expect(try await Self.lookup(app, "0912 345 678").verdict == "not_found", "asked again: the kept answer")

            let created = try await TipAPITests.json(app, .POST, "/api/v1/scam-reports", headers: citizen, body: [
                "indicators": [["value": "0912.345.678"], ["kind": "website", "value": "https://www.Qua-Tang-Tri-An.vn/nhan-qua?utm_source=zalo"]],
                "description": "Người gọi xưng là nhân viên ngân hàng, bảo tôi chuyển 5 triệu để nhận quà tri ân.",
                "moneyLost": 5_000_000,
            ], expect: .created, as: ReportCreated.self)
            #expect(created.reference.hasPrefix("LD-"))
            #expect(created.indicators.map(\.indicator.value) == ["+84912345678", "qua-tang-tri-an.vn/nhan-qua"])
            // A number only in the story is counted too.
            let storyOnly = try await TipAPITests.json(app, .POST, "/api/v1/scam-reports", body: [
                "indicators": [["value": "0912345678"]],
                "description": "Sau đó số 0936 111 222 gọi lại, hướng dẫn tôi chuyển tiếp để \"hoàn tiền\".",
            ], expect: .created, as: ReportCreated.self)
            #expect(storyOnly.indicators.map(\.indicator.value) == ["+84912345678", "+84936111222"] && storyOnly.indicators[0].reports == 2)
            #expect(created.indicators.allSatisfy { $0.status == "reported" && $0.reports == 1 })

            let reported = try await Self.lookup(app, "+84 912 345 678")
            #expect(reported.verdict == "reported" && reported.reports == 2 && reported.indicator.value == "+84912345678")
            #expect(try await Self.lookup(app, "0912 345 678").verdict == "reported", "the answer kept before the reports is forgotten")

            let patrol = try await TipAPITests.bearer(app, TipAPITests.cyberPatrol)
            let queue = try await TipAPITests.json(app, .GET, "/api/v1/scam-indicators?kind=phone", headers: patrol, expect: .ok, as: IndicatorList.self)
            let phone = try #require(queue.items.first { $0.indicator.value == "+84912345678" })
            _ = try await TipAPITests.json(app, .GET, "/api/v1/scam-indicators", headers: citizen, expect: .notFound, as: ErrorBody.self)
            let refused = try await TipAPITests.json(app, .POST, "/api/v1/scam-indicators/\(phone.id)/decision", headers: patrol,
                                                     body: ["decision": "verify", "warning": "ngắn"], expect: .badRequest, as: ErrorBody.self)
            #expect(refused.error.fields?.first?.field == "warning")
            _ = try await TipAPITests.json(app, .POST, "/api/v1/scam-indicators/\(phone.id)/decision", headers: citizen,
                                           body: ["decision": "verify", "warning": Self.warning], expect: .notFound, as: ErrorBody.self)
            let verified = try await TipAPITests.json(app, .POST, "/api/v1/scam-indicators/\(phone.id)/decision", headers: patrol,
                                                      body: ["decision": "verify", "warning": Self.warning], expect: .ok, as: Indicator.self)
            #expect(verified.status == "verified" && verified.warning == Self.warning)

            for spelling in ["0912 345 678", "0912345678", "84-912-345-678", "(+84) 912.345.678"] {
                let answer = try await Self.lookup(app, spelling)
                #expect(answer.verdict == "verified" && answer.warning == Self.warning && !answer.byMatch, "\(spelling): \(answer)")
                #expect(answer.message.hasPrefix("CẢNH BÁO"))
            }

            let site = try #require(try await ScamIndicator.query(on: app.db).filter(\.$kind == "website").first())
            _ = try await TipAPITests.json(app, .POST, "/api/v1/scam-indicators/\(try site.requireID())/decision", headers: patrol,
                                           body: ["decision": "verify", "warning": "Trang giả mạo chương trình tri ân khách hàng để lấy tiền và mã OTP."],
                                           expect: .ok, as: Indicator.self)
            let otherPage = try await Self.lookup(app, "qua-tang-tri-an.vn/dang-ky")
            #expect(otherPage.verdict == "verified" && otherPage.byMatch, "another page of a verified site: \(otherPage)")

            // A later fraud tip naming the number in yet another spelling is flagged for the officers who work it.
            let tip = try await TipAPITests.submit(app, [
                "category": "fraud", "commune": TipAPITests.buonMaThuot,
                "description": "Có người gọi từ số 0912 345 678 bảo tôi chuyển tiền vào STK 0123456789 Vietcombank để nhận quà.",
            ], headers: citizen)
            struct Flagged: Decodable {
                struct Item: Decodable { var indicator: Normalised; var status: String }
                var indicators: [Item]?
            }
            let officerView = try await TipAPITests.json(app, .GET, "/api/v1/tips/\(try #require(tip.tip.id))", headers: patrol, expect: .ok, as: Flagged.self)
            let found = officerView.indicators ?? []
            #expect(found.contains { $0.indicator.value == "+84912345678" && $0.status == "verified" }, "\(found)")
            #expect(found.contains { $0.indicator.kind == "bank_account" && $0.status == "not_in_registry" }, "\(found)")

            let audit = try await AuditEntry.query(on: app.db).filter(\.$action ~~ ["scam.report", "scam.verified"]).all().map(\.action)
            #expect(audit.sorted() == ["scam.report", "scam.report", "scam.verified", "scam.verified"])
            #expect(try await AuditLog.verify(on: app.db).isIntact)
            let pa05 = try #require(try await UnitDirectory.find(code: "CA66-PA05", on: app.db)?.id)
            let day = InternetTime.vietnamDay(Date())
            #expect(try await Counters.totals(under: pa05, from: day, to: day, on: app.db)[.scamIndicatorsVerified] == 2)
        }
    }

    @Test("Bad input gets an error naming the field and changes nothing: empty, 10 kB, control characters, unsupported kind, an account without digits")
    func badInput() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            for (q, code) in [("", "required"), (String(repeating: "0912345678 ", count: 1000), "too_long"), ("0912\u{0007}345678", "control_characters")] {
                let refused = try await TipAPITests.json(app, .GET, "/api/v1/scam-lookup?q=\(q.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? q)",
                                                         expect: .badRequest, as: ErrorBody.self)
                #expect(refused.error.fields?.first?.field == "q" && refused.error.fields?.first?.code == code, "\(q.prefix(20)): \(refused)")
            }
            let reports: [([String: any Sendable], String)] = [
                (["indicators": [["kind": "fax", "value": "0912345678"]], "description": "Bị lừa qua số fax này, mất tiền."], "indicators[0].kind"),
                (["indicators": [["kind": "bank_account", "value": "STK abc"]], "description": "Chuyển khoản rồi bị chặn liên lạc."], "indicators[0].value"),
                (["indicators": [] as [[String: String]], "description": "Không nhớ số của kẻ lừa đảo."], "indicators"),
                (["indicators": [["value": "0912345678"]], "description": "ngắn"], "description"),
                (["indicators": [["value": "0912345678"]], "description": "Kẻ gian gọi điện đòi tiền.", "moneyLost": -5], "moneyLost"),
            ]
            for (body, field) in reports {
                let refused = try await TipAPITests.json(app, .POST, "/api/v1/scam-reports", body: body, expect: .badRequest, as: ErrorBody.self)
                #expect(refused.error.fields?.contains { $0.field == field } == true, "\(field): \(refused)")
            }
            #expect(try await ScamIndicator.query(on: app.db).count() == 0)
            #expect(try await app.db.requireSQL().raw("SELECT COUNT(*) AS n FROM scam_reports").first()?.decode(column: "n", as: Int.self) == 0)
        }
    }

    @Test("Lookups are limited per address: after the burst the answer is 429 with Retry-After")
    func throttled() async throws {
        try await withTestApp { app in
            // One lookup a day after a burst of three: however slow the machine, no token comes back
            // during the test. The same query each time, so the last answers are kept ones:
            // keeping does not skip the limit.
            app.lookupThrottle = RequestThrottle(perSecond: 1.0 / 86_400, burst: 3)
            for _ in 0..<3 { _ = try await Self.lookup(app, "0912345678") }
            try await app.testing().test(.GET, "/api/v1/scam-lookup?q=0912345678", afterResponse: { res async throws in
                #expect(res.status == .tooManyRequests)
                #expect((86_000...86_400).contains(Int(res.headers.first(name: "Retry-After") ?? "") ?? 0), "a day, less the test's own seconds, until the next token")
                #expect(res.body.string.contains("too_many_lookups"))
            })
        }
    }

    @Test("A verification written elsewhere (another node) reaches this node's lookups within the refresh interval")
    func otherNodeConverges() async throws {
        try await withTestApp { app in
            let registry = ScamRegistry(db: app.db, app: app)
            let start = Date()
            #expect(try await registry.lookup("0977 111 222", now: start).verdict == .notFound)
            let indicator = try IndicatorRules.normalise(kind: .phone, raw: "0977111222").get()
            let (row, _) = try await ScamRegistry.upsert(indicator, source: "import", reports: 3, at: start.addingTimeInterval(0.5), on: app.db.requireSQL())
            try await app.db.requireSQL().raw("""
                UPDATE scam_indicators SET status = 'verified', warning_vi = \(bind: Self.warning) WHERE id = \(bind: row.id)
                """).run()
            #expect(try await registry.lookup("0977111222", now: start.addingTimeInterval(1)).verdict == .notFound, "within the interval the index answers alone")
            let later = try await registry.lookup("0977111222", now: start.addingTimeInterval(1 + ScamLookupIndex.staleness))
            #expect(later.verdict == .verified && later.reports == 3 && later.warning == Self.warning)
        }
    }

    @Test("The API keeps a lookup's answer only while the registry is unchanged: another node's verification changes the same query's answer, reading unchanged rows again keeps it")
    func keptAnswers() async throws {
        try await withTestApp { app in
            let index = app.scamLookupIndex
            #expect(try await Self.lookup(app, "0977 111 222").verdict == "not_found")
            let query = "q=" + ("0977 111 222".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            #expect(index.response(for: query) != nil, "the answer is kept")

            // Another node verifies the number: this node reads it on its next refresh.
            let indicator = try IndicatorRules.normalise(kind: .phone, raw: "0977111222").get()
            let (row, _) = try await ScamRegistry.upsert(indicator, source: "import", reports: 3, at: Date(), on: app.db.requireSQL())
            try await app.db.requireSQL().raw("""
                UPDATE scam_indicators SET status = 'verified', warning_vi = \(bind: Self.warning) WHERE id = \(bind: row.id)
                """).run()
            try await index.refresh(on: app.db, force: true)
            #expect(index.response(for: query) == nil, "a change forgets every kept answer")
            let after = try await Self.lookup(app, "0977 111 222")
            #expect(after.verdict == "verified" && after.warning == Self.warning && after.reports == 3)

            // The next refresh reads the same row again (its overlap): nothing changed, the answer stays.
            let generation = index.generation
            try await index.refresh(on: app.db, force: true)
            #expect(index.generation == generation && index.response(for: query) != nil)
        }
    }

    @Test("A lookup's JSON, written directly, is the document the API's schema encodes: verified with a warning holding quotes, a backslash and a line break, reported through its site, not found")
    func lookupJSON() async throws {
        try await withTestApp { app in
            let sql = try app.db.requireSQL()
            let warning = "Giả danh \"nhân viên ngân hàng\" \\ yêu cầu chuyển tiền.\nKhông làm theo.\u{1}"
            let phone = try IndicatorRules.normalise(kind: .phone, raw: "0977111333").get()
            let (row, _) = try await ScamRegistry.upsert(phone, source: "import", reports: 2, at: Date(), on: sql)
            try await sql.raw("UPDATE scam_indicators SET status = 'verified', warning_vi = \(bind: warning) WHERE id = \(bind: row.id)").run()
            let site = try IndicatorRules.normalise(kind: .website, raw: "https://lua-dao.example.vn/a").get()
            _ = try await ScamRegistry.upsert(site, source: "import", reports: 1, at: Date(), on: sql)
            try await app.scamLookupIndex.refresh(on: app.db, force: true)
            let registry = ScamRegistry(db: app.db, app: app)
            for (query, verdict) in [("0977 111 333", "verified"), ("lua-dao.example.vn/b?utm_source=x", "reported"), ("0988 765 432", "not_found")] {
                var sent: Data?
                let path = "/api/v1/scam-lookup?q=" + (query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
                try await app.testing().test(.GET, path) { res async throws in
                    #expect(res.status == .ok && res.headers.contentType == .init(type: "application", subType: "json", parameters: ["charset": "utf-8"]))
                    sent = Data(buffer: res.body)
                }
                let api = try JSONSerialization.jsonObject(with: try #require(sent)) as? NSDictionary
                let schema = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(APIHandler.lookup(try await registry.lookup(query)))) as? NSDictionary
                #expect(api != nil && api == schema, "\(query): \(String(describing: api)) vs \(String(describing: schema))")
                #expect(api?["verdict"] as? String == verdict)
            }
            #expect(try await Self.lookup(app, "0977 111 333").warning == warning)
            // Only a query that is `q` alone is read here; `+` is a space, as in a form.
            #expect(KeptResponseMiddleware.onlyQ("q=0977+111%20333") == "0977 111 333" && KeptResponseMiddleware.onlyQ("q=%2B84977111333") == "+84977111333")
            #expect(KeptResponseMiddleware.onlyQ("q=1&q=2") == nil && KeptResponseMiddleware.onlyQ("x=1") == nil && KeptResponseMiddleware.onlyQ(nil) == nil)
            #expect(KeptResponseMiddleware.onlyQ("q=%E0%A4%A") == nil, "a broken escape goes to the API's own decoding")
        }
    }

    @Test("Through the API, screenshots follow a report with the key its answer gave: cleaned and kept for the patrol, at most five, a wrong or expired key or a mislabelled file stores nothing; harmful-content reports take them the same way")
    func apiScreenshots() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            struct Created: Decodable { var reference: String; var screenshotKey: String }
            let created = try await TipAPITests.json(app, .POST, "/api/v1/scam-reports", body: [
                "indicators": [["value": "0966 111 333"]], "description": "Tin nhắn giả ngân hàng gửi đường link lấy mã OTP của tôi.",
            ], expect: .created, as: Created.self)
            #expect(created.screenshotKey.hasPrefix("byk_"))
            let key = HTTPHeaders([("X-Report-Key", created.screenshotKey)])
            typealias Upload = TipAttachmentTests
            let (status, body) = try await Upload.upload(app, "/api/v1/report-screenshots?filename=tin-nhan.jpg", Upload.phoneJPEG, headers: key)
            #expect(status == .created && body.contains("\"metadataRemoved\":true"), "\(body)")
            let (mislabelled, mislabelledBody) = try await Upload.upload(app, "/api/v1/report-screenshots?filename=bien-lai.pdf", Upload.png, headers: key)
            #expect(mislabelled == .badRequest && mislabelledBody.contains("\"field\":\"file\""))
            #expect(try await Upload.upload(app, "/api/v1/report-screenshots", Upload.phoneJPEG, headers: ["X-Report-Key": "byk_not-a-key"]).0 == .notFound)
            for _ in 2...5 { #expect(try await Upload.upload(app, "/api/v1/report-screenshots", Upload.phoneJPEG, headers: key).0 == .created) }
            let (sixth, sixthBody) = try await Upload.upload(app, "/api/v1/report-screenshots", Upload.phoneJPEG, headers: key)
            #expect(sixth == .badRequest && sixthBody.contains("too_many"))

            let files = try await EvidenceFile.query(on: app.db).all()
            #expect(files.count == 5 && files.allSatisfy { $0.owner.hasPrefix("scam_report:") && $0.metadataRemoved })
            let phone = try #require(try await ScamIndicator.query(on: app.db).filter(\.$value == "+84966111333").first())
            let patrol = CurrentAccount(id: UUID(), phone: "+84901000004", displayName: "Tuấn", kind: .staff, locale: "vi",
                                        grants: [Grant(role: .cyberPatrol, unitID: UUID().uuidString)])
            #expect(try await ScamRegistry(db: app.db, app: app).evidence(of: [try phone.requireID()], for: patrol)[try phone.requireID()]?.count == 5,
                    "the patrol sees them with the indicator")

            struct Harmful: Decodable { var id: String; var screenshotKey: String? }
            let harmful = try await TipAPITests.json(app, .POST, "/api/v1/harmful-reports", body: [
                "url": "https://www.tiktok.com/@tin.gia/video/1", "category": "false_information",
                "description": "Video cắt ghép nói sai về việc thu hồi đất ở xã.",
            ], expect: .created, as: Harmful.self)
            let harmfulKey = try #require(harmful.screenshotKey)
            #expect(try await Upload.upload(app, "/api/v1/report-screenshots", Upload.phoneJPEG, headers: ["X-Report-Key": harmfulKey]).0 == .created)
            let harmfulID = try #require(UUID(uuidString: harmful.id))
            #expect(try await EvidenceFile.query(on: app.db).filter(\.$owner == "harmful_report:" + harmfulID.uuidString).count() == 1)
            struct Listed: Decodable { struct Item: Decodable { var screenshotKey: String? }; var items: [Item] }
            let listed = try await TipAPITests.json(app, .GET, "/api/v1/harmful-reports", headers: try await TipAPITests.bearer(app, TipAPITests.cyberPatrol),
                                                    expect: .ok, as: Listed.self)
            #expect(!listed.items.isEmpty && listed.items.allSatisfy { $0.screenshotKey == nil }, "the key is shown once, never in lists")

            // An hour later the key no longer works.
            try await app.db.requireSQL().raw("UPDATE evidence_upload_keys SET expires_at = \(bind: Date().addingTimeInterval(-1))").run()
            #expect(try await Upload.upload(app, "/api/v1/report-screenshots", Upload.phoneJPEG, headers: ["X-Report-Key": harmfulKey]).0 == .notFound)
            #expect(try await EvidenceFile.query(on: app.db).count() == 6, "nothing refused was stored")
        }
    }

    @Test("An agency's list imports in bulk: every kind, the same file twice changes nothing, bad lines are listed by number, the patrol's rejection stands")
    func importList() async throws {
        try await withTestApp { app in
            let registry = ScamRegistry(db: app.db, app: app)
            let rejectedFirst = try await registry.report(ScamReportDraft(indicators: [IndicatorInput(value: "0933 444 555")],
                                                                           description: "Gọi hỏi thăm rồi xin chuyển tiền gấp."), by: .anonymous)
            let patrol = CurrentAccount(id: UUID(), phone: "+84901000004", displayName: "Tuấn", kind: .staff, locale: "vi",
                                        grants: [Grant(role: .cyberPatrol, unitID: UUID().uuidString)])
            let phoneID = try #require(try await ScamIndicator.query(on: app.db).filter(\.$value == rejectedFirst.indicators[0].indicator.value).first()?.id)
            // The account is not in the database: decisions record who, so make one.
            let account = Account(phone: patrol.phone, displayName: patrol.displayName, passwordHash: "x", kind: .staff)
            account.id = patrol.id
            try await account.create(on: app.db)
            _ = try await registry.decide(phoneID, .reject(note: "Số của người nhà, không phải lừa đảo."), by: patrol)

            let warning = "Tài khoản nhận tiền của nhóm lừa đảo đầu tư tiền ảo, đã có nhiều nạn nhân."
            let file = """
                kind,value,bank,status,reports,warning
                phone,0912.000.111,,verified,7,"Số giả danh công an, đòi chuyển tiền ""phục vụ điều tra""."
                bank_account,0123 4567 89,Vietcombank,verified,3,"\(warning)"
                website,https://www.Dau-Tu-Sieu-Loi.com/dang-ky?fbclid=1,,reported,2,
                social,https://www.facebook.com/dautu.sieuloi,,reported,1,
                email,Ho.Tro@Gmail.com,,reported,1,
                phone,0933444555,,verified,9,Số này đã bị nhiều người phản ánh là lừa đảo.
                fax,123,,reported,1,
                phone,0912000111,,verified,1,ngắn
                bank_account,12-34,ACB,reported,1,

                """
            let first = try await ScamImport.run(text: file, source: "import:test", gate: app.writeGate)
            #expect(first.imported == 6)
            #expect(first.rejected.map(\.line) == [8, 9, 10], "\(first.rejected)")
            #expect(first.rejected[0].reason.hasPrefix("kind:"))
            let snapshot = try await ScamIndicator.query(on: app.db).sort(\.$value).all().map { "\($0.kind):\($0.value):\($0.status.rawValue):\($0.reportCount)" }
            let again = try await ScamImport.run(text: file, source: "import:test", gate: app.writeGate)
            #expect(again.imported == 6)
            #expect(try await ScamIndicator.query(on: app.db).sort(\.$value).all().map { "\($0.kind):\($0.value):\($0.status.rawValue):\($0.reportCount)" } == snapshot,
                    "importing the same file again changes nothing")
            #expect(snapshot.contains("phone:+84933444555:rejected:9"), "the patrol's rejection stands; the count takes the larger: \(snapshot)")
            #expect(snapshot.contains("bank_account:VCB:0123456789:verified:3"), "\(snapshot)")

            let account0 = try await registry.lookup("VCB 0123456789", now: Date().addingTimeInterval(5))
            #expect(account0.verdict == .verified && account0.warning == warning)
            #expect(try await registry.lookup("dau-tu-sieu-loi.com").verdict == .reported)
            #expect(try await registry.lookup("0933 444 555").verdict == .notFound, "rejected indicators are not reported to the public")
        }
    }

    @Test("The index reads a registry of many pages whole, and a later read picks up a row stamped before the last read but written after it")
    func pagedIndex() async throws {
        try await withTestApp { app in
            let now = Date()
            let rows = try (0..<2_500).map { index in
                ScamImport.Row(indicator: try IndicatorRules.normalise(kind: .phone, raw: "09" + String(format: "%08d", index)).get(),
                               status: index % 2 == 0 ? .verified : .reported, reports: 1, warning: index % 2 == 0 ? Self.warning : nil)
            }
            // Every row has the same time: pages must not depend on telling times apart.
            try await ScamImport.upsert(rows, source: "test", at: now, on: app.db.requireSQL())
            let index = ScamLookupIndex()
            try await index.refresh(on: app.db, now: now, force: true, pageSize: 1_000)
            #expect(index.count == 2_500)
            #expect(index.entry(.phone, "+84900002498")?.entry.status == .verified)

            // A transaction that stamped its row a moment before the newest one seen commits only now.
            let late = try IndicatorRules.normalise(kind: .phone, raw: "0977 000 001").get()
            _ = try await ScamRegistry.upsert(late, source: "test", reports: 1, at: now.addingTimeInterval(-1), on: app.db.requireSQL())
            try await index.refresh(on: app.db, now: now.addingTimeInterval(3), pageSize: 1_000)
            #expect(index.entry(.phone, late.value)?.entry.status == .reported && index.count == 2_501)
        }
    }

    @Test("The demo registry holds every kind of indicator, verified ones with warnings, one rejected, one merged, and a number reported twice; seeding again adds nothing")
    func demoRegistry() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let registry = ScamRegistry(db: app.db, app: app)
            #expect(try await DemoScams.seed(registry, on: app.db) == DemoScams.cases.count + 2)
            #expect(try await DemoScams.seed(registry, on: app.db) == 0)
            let all = try await ScamIndicator.query(on: app.db).all()
            #expect(Set(all.map(\.kind)) == Set(IndicatorKind.allCases.map(\.rawValue)))
            #expect(Set(all.map(\.status)) == Set(ScamStatus.allCases))
            #expect(all.filter { $0.status == .verified }.allSatisfy { ($0.warningVI ?? "").count >= 20 })
            #expect(all.first { $0.value == "+84867123456" }?.reportCount == 3, "reported twice, and a merged number's report")
            let harmful = try await HarmfulReport.query(on: app.db).all().map(\.status)
            #expect(Set(harmful) == [.removed, .takedownRequested, .received])
            let answer = try await registry.lookup("0866.999.000")
            #expect(answer.verdict == .verified && answer.reports == 3, "the merged number answers as the one it joined")
            #expect(try await AuditLog.verify(on: app.db).isIntact)
        }
    }

    @Test("Merging a second number into a verified one: its reports move over, its lookups answer verified with the warning, and it cannot be decided or merged again")
    func merge() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let citizen = try await TipAPITests.bearer(app, "0988000001")
            let patrol = try await TipAPITests.bearer(app, TipAPITests.cyberPatrol)
            for (number, story) in [("0901 234 567", "Số này xưng nhân viên điện lực, đòi tiền cắt điện."), ("0907 654 321", "Cùng giọng người đó gọi lại bằng số khác, đòi tiền.")] {
                _ = try await TipAPITests.json(app, .POST, "/api/v1/scam-reports", headers: citizen,
                                               body: ["indicators": [["value": number]], "description": story], expect: .created, as: ReportCreated.self)
            }
            let list = try await TipAPITests.json(app, .GET, "/api/v1/scam-indicators?kind=phone", headers: patrol, expect: .ok, as: IndicatorList.self)
            let first = try #require(list.items.first { $0.indicator.value == "+84901234567" })
            let second = try #require(list.items.first { $0.indicator.value == "+84907654321" })
            _ = try await TipAPITests.json(app, .POST, "/api/v1/scam-indicators/\(first.id)/decision", headers: patrol,
                                           body: ["decision": "verify", "warning": Self.warning], expect: .ok, as: Indicator.self)
            let refused = try await TipAPITests.json(app, .POST, "/api/v1/scam-indicators/\(second.id)/merge", headers: patrol,
                                                     body: ["into": second.id, "note": "Cùng một người."], expect: .badRequest, as: ErrorBody.self)
            #expect(refused.error.fields?.first?.field == "into")
            let merged = try await TipAPITests.json(app, .POST, "/api/v1/scam-indicators/\(second.id)/merge", headers: patrol,
                                                    body: ["into": first.id, "note": "Cùng giọng nói, cùng kịch bản điện lực."], expect: .ok, as: Indicator.self)
            #expect(merged.status == "merged")

            let answer = try await Self.lookup(app, "0907.654.321")
            #expect(answer.verdict == "verified" && answer.warning == Self.warning && answer.reports == 2, "\(answer)")
            let target = try #require(try await ScamIndicator.find(UUID(uuidString: first.id), on: app.db))
            #expect(target.reportCount == 2)
            let links = try await app.db.requireSQL().raw("SELECT COUNT(*) AS n FROM scam_report_indicators WHERE indicator_id = \(bind: target.requireID())").first()
            #expect(try links?.decode(column: "n", as: Int.self) == 2, "both reports now name the kept number")
            _ = try await TipAPITests.json(app, .POST, "/api/v1/scam-indicators/\(second.id)/decision", headers: patrol,
                                           body: ["decision": "reject", "note": "Thử bác bỏ số đã gộp."], expect: .badRequest, as: ErrorBody.self)

            // A new report of the merged number counts on the kept one, and its lookups stay verified.
            let again = try await TipAPITests.json(app, .POST, "/api/v1/scam-reports", headers: citizen,
                body: ["indicators": [["value": "0907654321"]], "description": "Số này lại gọi, vẫn kịch bản điện lực."], expect: .created, as: ReportCreated.self)
            #expect(again.indicators.first?.status == "verified" && again.indicators.first?.reports == 3)
            let after = try await Self.lookup(app, "0907 654 321")
            #expect(after.verdict == "verified" && after.reports == 3, "\(after)")
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "scam.merge").count() == 1)
        }
    }
    @Test("Numbers, accounts and sites named in fraud tips join the registry as reported, once per tip, through the outbox; other categories add nothing")
    func tipIndicatorsJoinTheQueue() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let text = "Có người gọi từ số 0935.111.222 bảo chuyển tiền vào tài khoản Vietcombank 0071 0009 88877 và vào trang http://www.nhan-qua-tet.vn/xac-nhan"
            _ = try await TipAPITests.submit(app, ["category": "fraud", "commune": "24133", "description": text])
            _ = try await TipAPITests.submit(app, ["category": "fraud", "commune": "24133", "description": "Lại là số 0935 111 222 gọi đòi mã OTP."])
            _ = try await TipAPITests.submit(app, ["category": "theft", "commune": "24133", "description": "Mất xe máy, kẻ gian gọi số 0935999888 đòi chuộc."])
            #expect(try await ScamIndicator.query(on: app.db).count() == 0, "nothing before the outbox runs")
            try await Outbox.drain(app: app)
            let rows = try await ScamIndicator.query(on: app.db).all()
            let byValue = Dictionary(uniqueKeysWithValues: rows.map { ($0.value, $0) })
            #expect(byValue["+84935111222"]?.reportCount == 2 && byValue["+84935111222"]?.source == "tip" && byValue["+84935111222"]?.status == .reported)
            #expect(rows.contains { $0.kind == "bank_account" } && rows.contains { $0.kind == "website" && $0.value.contains("nhan-qua-tet.vn") })
            #expect(byValue["+84935999888"] == nil, "a theft tip does not feed the registry")
            try await Outbox.drain(app: app)
            #expect(try await ScamIndicator.query(on: app.db).all().first { $0.value == "+84935111222" }?.reportCount == 2, "each tip counts once")
            let answer = try await ScamRegistry(db: app.db, app: app).lookup("0935 111 222")
            #expect(answer.verdict == .reported && answer.reports == 2)
        }
    }
}
