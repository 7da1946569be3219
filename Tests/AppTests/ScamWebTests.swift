@testable import App
import BinhYenCore
import Fluent
import Foundation
import Testing
import Vapor

@Suite("Scam pages, without JavaScript")
struct ScamWebTests {
    static func check(_ web: WebClient, _ q: String) async throws -> WebClient.Page {
        try await web.get("/scams?q=" + (q.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? q))
    }

    @Test("A guest reports a number anonymously (no cookie) → the check page says reported → the patrol verifies in the console → the check page shows the warning")
    func reportVerifyCheck() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let guest = WebClient(app)
            let before = try await Self.check(guest, "0987.654.321")
            #expect(before.body.contains(#"data-verdict="not_found""#) && before.body.contains("KHÔNG có nghĩa là an toàn"))

            let form = try await guest.get("/scams/report")
            #expect(form.body.contains(#"action="/scams/report/anonymous""#))
            let refused = try await guest.post("/scams/report/anonymous", ["kind0": "bank_account", "value0": "12", "description": "ngắn"], omitCSRF: true)
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.text(after: #"data-field="indicator0""#)?.isEmpty == false, "the account row says what is wrong")
            #expect(refused.text(after: #"data-field="description""#)?.isEmpty == false)
            #expect(try await ScamIndicator.query(on: app.db).count() == 0, "nothing is stored")

            let sent = try await guest.post("/scams/report/anonymous", [
                "kind0": "", "value0": "0987.654.321", "value1": "https://www.Nhan-Qua-Ngay.vn/?fbclid=9",
                "description": "Kẻ gian gọi điện báo trúng thưởng, bắt đóng phí 2 triệu qua tài khoản.", "moneyLost": "2.000.000",
            ], omitCSRF: true)
            #expect(sent.status == .created, "\(sent.body.prefix(300))")
            #expect(sent.text(after: #"data-testid="scam-reference""#)?.hasPrefix("LD-") == true)
            #expect(sent.headers[.setCookie].isEmpty && guest.cookies.isEmpty, "an anonymous report sets no cookie")
            let reported = try await Self.check(guest, "+84 987 654 321")
            #expect(reported.body.contains(#"data-verdict="reported""#))

            let patrol = try await TipWebTests.login(app, TipAPITests.cyberPatrol)
            let queue = try await patrol.get("/console/scams")
            #expect(queue.body.contains(#"data-value="+84987654321""#) && queue.body.contains(#"data-value="nhan-qua-ngay.vn""#))
            let id = try #require(try await ScamIndicator.query(on: app.db).filter(\.$value == "+84987654321").first()?.id)
            let short = try await patrol.post("/console/scams/\(id)/decision", ["decision": "verify", "warning": "lừa"])
            #expect(short.status == .unprocessableEntity && short.text(after: #"data-field="decision""#)?.isEmpty == false)
            let warning = "Giả danh nhà mạng báo trúng thưởng để thu phí. Không chuyển tiền cho số này."
            let done = try await patrol.post("/console/scams/\(id)/decision", ["decision": "verify", "warning": warning])
            #expect(done.status == .seeOther || done.status == .found)

            let verified = try await Self.check(guest, "0987654321")
            #expect(verified.body.contains(#"data-verdict="verified""#) && verified.body.contains(warning))

            #expect(queue.body.contains(#"data-testid="nav-scam-queue""#), "the patrol's menu links its queue")
            let officer = try await TipWebTests.login(app, TipAPITests.communeOfficer)
            #expect(try await officer.get("/console/scams").status == .notFound, "only the cyber patrol works the registry")
            #expect(try await officer.get("/console").body.contains(#"data-testid="nav-scam-queue""#) == false, "and only its menu shows the queue")
        }
    }

    @Test("The check page names the problem with what was typed, and the limit per address answers 429")
    func checkErrors() async throws {
        try await withTestApp { app in
            let guest = WebClient(app)
            let control = try await Self.check(guest, "0912\u{0001}345")
            #expect(control.status == .badRequest && control.text(after: #"data-testid="scam-error""#)?.isEmpty == false)
            app.lookupThrottle = RequestThrottle(perMinute: 1, burst: 1)
            _ = try await Self.check(guest, "0912345678")
            let limited = try await Self.check(guest, "0912345678")
            #expect(limited.status == .tooManyRequests && limited.headers.first(name: .retryAfter) != nil)
        }
    }

    @Test("The patrol exports what it verified as CSV that imports back unchanged elsewhere, and as a STIX 2.1 bundle; others get 404")
    func exports() async throws {
        var csv = ""
        try await withTestApp { app in
            try await app.loadDemo()
            _ = try await DemoScams.seed(ScamRegistry(db: app.db, app: app), on: app.db)
            let patrol = try await TipWebTests.login(app, TipAPITests.cyberPatrol)
            let file = try await patrol.get("/console/scams/verified.csv")
            #expect(file.status == .ok && file.headers.contentType?.subType == "csv")
            csv = file.body
            let verified = try await ScamIndicator.query(on: app.db).filter(\.$status == .verified).count()
            #expect(csv.split(separator: "\n").count == verified + 1 && verified >= 4)

            let stix = try await patrol.get("/console/scams/verified.stix.json")
            let bundle = try #require(try JSONSerialization.jsonObject(with: Data(stix.body.utf8)) as? [String: Any])
            #expect(bundle["type"] as? String == "bundle" && (bundle["id"] as? String)?.hasPrefix("bundle--") == true)
            let objects = try #require(bundle["objects"] as? [[String: Any]])
            let indicators = objects.filter { $0["type"] as? String == "indicator" }
            #expect(indicators.count == verified)
            for object in indicators {
                let id = object["id"] as? String ?? ""
                #expect(id.hasPrefix("indicator--") && UUID(uuidString: String(id.dropFirst("indicator--".count))) != nil)
                #expect(object["spec_version"] as? String == "2.1" && object["pattern_type"] as? String == "stix")
                let pattern = object["pattern"] as? String ?? ""
                #expect(pattern.hasPrefix("[") && pattern.hasSuffix("]"), "\(pattern)")
                #expect((object["valid_from"] as? String)?.hasSuffix("Z") == true)
            }
            #expect(indicators.contains { ($0["pattern"] as? String) == "[x-binhyen-phone-number:value = '+84867123456']" })
            #expect(indicators.contains { ($0["pattern"] as? String)?.hasPrefix("[user-account:account_type = 'facebook'") == true })

            let officer = try await TipWebTests.login(app, TipAPITests.communeOfficer)
            #expect(try await officer.get("/console/scams/verified.csv").status == .notFound)
        }
        // Another agency's installation reads the file back: the same verified indicators.
        try await withTestApp { app in
            let report = try await ScamImport.run(text: csv, source: "import:test", gate: app.writeGate)
            #expect(report.rejected.isEmpty, "\(report.rejected)")
            let imported = try await ScamIndicator.query(on: app.db).all()
            #expect(imported.allSatisfy { $0.status == .verified && ($0.warningVI ?? "").count >= 20 })
            #expect(imported.contains { $0.value == "+84867123456" && $0.reportCount == 3 })
            #expect(imported.contains { $0.kind == "bank_account" && $0.value == "TCB:190355678899" }, "\(imported.map(\.value))")
        }
    }

    @Test("A screenshot goes with an anonymous report: its GPS tag is removed, it is stored encrypted, the patrol opens it from the queue, nobody else can; a PNG named .pdf is refused")
    func screenshots() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            typealias Part = TipAttachmentTests.Part
            let fields = [Part(name: "value0", bytes: Array("0966 777 888".utf8)),
                          Part(name: "description", bytes: Array("Ảnh chụp tin nhắn đòi chuyển tiền nhận thưởng.".utf8))]
            let (refused, refusedPage) = try await TipAttachmentTests.post(app, "/scams/report/anonymous",
                                                                          fields + [Part(name: "screenshots[]", filename: "bienlai.pdf", bytes: TipAttachmentTests.png)])
            #expect(refused == .unprocessableEntity && refusedPage.contains(#"data-field="attachments""#))
            #expect(try await EvidenceFile.query(on: app.db).count() == 0, "nothing is stored")
            #expect(try await ScamIndicator.query(on: app.db).count() == 0)

            let (status, page) = try await TipAttachmentTests.post(app, "/scams/report/anonymous",
                                                                   fields + [Part(name: "screenshots[]", filename: "IMG_1.JPG", bytes: TipAttachmentTests.phoneJPEG)])
            #expect(status == .created, "\(page.prefix(300))")
            let file = try #require(try await EvidenceFile.query(on: app.db).first())
            let onDisk = try #require(FileManager.default.contents(atPath: app.attachmentStore.path(try file.requireID())))
            #expect(onDisk.prefix(2) != Data([0xFF, 0xD8]), "the file is not stored as a plain JPEG")
            #expect(onDisk.range(of: Data(TipAttachmentTests.gps)) == nil)

            let patrol = try await TipWebTests.login(app, TipAPITests.cyberPatrol)
            let queue = try await patrol.get("/console/scams")
            let link = "/console/scams/evidence/" + (try file.requireID()).uuidString
            #expect(queue.body.contains(link), "the queue links the screenshot")
            let image = try await patrol.get(link)
            #expect(image.status == .ok && image.headers.contentType?.subType == "jpeg" && image.headers.first(name: "Content-Security-Policy")?.contains("sandbox") == true)
            #expect(!image.body.isEmpty && !image.body.contains(String(decoding: TipAttachmentTests.gps, as: UTF8.self)), "the GPS tag is gone")
            let officer = try await TipWebTests.login(app, TipAPITests.communeOfficer)
            #expect(try await officer.get(link).status == .notFound)
        }
    }

    @Test("The patrol's own evidence goes with its decision: cleaned, kept under the indicator, linked in the queue and counted in the audit; a mislabelled file refuses the decision and changes nothing")
    func decisionEvidence() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            typealias Part = TipAttachmentTests.Part
            _ = try await WebClient(app).post("/scams/report/anonymous", [
                "value0": "0977 222 444", "description": "Gọi điện xưng là công an, đòi chuyển tiền để xoá tên khỏi vụ án.",
            ], omitCSRF: true)
            let id = try #require(try await ScamIndicator.query(on: app.db).filter(\.$value == "+84977222444").first()?.id)
            let patrol = try await TipWebTests.login(app, TipAPITests.cyberPatrol)
            _ = try await patrol.get("/console/scams")
            let warning = "Giả danh công an gọi điện đòi chuyển tiền. Công an không bao giờ làm việc qua điện thoại."

            let refused = try await patrol.post("/console/scams/\(id)/decision", ["decision": "verify", "warning": warning],
                                                files: [Part(name: "evidence[]", filename: "xac-minh.pdf", bytes: TipAttachmentTests.png)])
            #expect(refused.status == .unprocessableEntity && refused.text(after: #"data-field="decision""#)?.isEmpty == false)
            #expect(try await ScamIndicator.find(id, on: app.db)?.status == .reported, "the decision did not happen")
            #expect(try await EvidenceFile.query(on: app.db).count() == 0)

            let done = try await patrol.post("/console/scams/\(id)/decision", ["decision": "verify", "warning": warning],
                                             files: [Part(name: "evidence[]", filename: "ngan-hang.jpg", bytes: TipAttachmentTests.phoneJPEG)])
            #expect(done.status == .seeOther || done.status == .found, "\(done.status) \(done.body.prefix(200))")
            let file = try #require(try await EvidenceFile.query(on: app.db).filter(\.$owner == ScamRegistry.decisionOwner(id)).first())
            let status = try await ScamIndicator.find(id, on: app.db)?.status
            #expect(file.metadataRemoved && status == .verified)
            let queue = try await patrol.get("/console/scams?status=verified")
            let link = "/console/scams/evidence/" + (try file.requireID()).uuidString
            #expect(queue.body.contains(#"data-testid="scam-decision-evidence""#) && queue.body.contains(link))
            #expect(try await patrol.get(link).status == .ok)
            let audit = try #require(try await AuditEntry.query(on: app.db).filter(\.$action == "scam.verified").first())
            #expect(audit.detail.contains(#""files":"1""#), "\(audit.detail)")
        }
    }
}
