@testable import App
import BinhYenCore
import Fluent
import Foundation
import Testing
import Vapor

@Suite("Harmful content online: reports and takedowns")
struct HarmfulContentTests {
    struct Report: Decodable {
        var id: String; var reference: String; var url: String; var host: String; var category: String
        var status: String; var note: String?; var takedownRequestedAt: String?; var resolvedAt: String?
    }
    struct ReportList: Decodable { var items: [Report] }

    @Test("A citizen reports a post → the patrol triages it, requests a takedown, the platform refuses, a second request succeeds: dates, audit and counts follow")
    func takedown() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let created = try await TipAPITests.json(app, .POST, "/api/v1/harmful-reports", body: [
                "url": "https://m.facebook.com/groups/tin-nong-24h/posts/991?fbclid=abc",
                "category": "false_information", "description": "Bài đăng bịa đặt tin công an bắt cóc trẻ em ở chợ, gây hoang mang.",
            ], expect: .created, as: Report.self)
            #expect(created.reference.hasPrefix("ND-") && created.status == "received")
            #expect(created.url == "facebook.com/groups/tin-nong-24h/posts/991", "tracking parameters and m. are dropped: \(created.url)")

            let patrol = try await TipAPITests.bearer(app, TipAPITests.cyberPatrol)
            let citizen = try await TipAPITests.bearer(app, "0988000001")
            _ = try await TipAPITests.json(app, .GET, "/api/v1/harmful-reports", headers: citizen, expect: .notFound, as: ScamRegistryTests.ErrorBody.self)
            let queue = try await TipAPITests.json(app, .GET, "/api/v1/harmful-reports?status=received", headers: patrol, expect: .ok, as: ReportList.self)
            #expect(queue.items.map(\.id) == [created.id])

            func step(_ status: String, note: String? = nil, expect: HTTPStatus = .ok) async throws -> Report? {
                var body: [String: any Sendable] = ["status": status]
                if let note { body["note"] = note }
                if expect == .ok {
                    return try await TipAPITests.json(app, .POST, "/api/v1/harmful-reports/\(created.id)/status", headers: patrol, body: body, expect: .ok, as: Report.self)
                }
                let refused = try await TipAPITests.json(app, .POST, "/api/v1/harmful-reports/\(created.id)/status", headers: patrol, body: body,
                                                         expect: expect, as: ScamRegistryTests.ErrorBody.self)
                #expect(refused.error.fields?.isEmpty == false)
                return nil
            }
            _ = try await step("removed", expect: .badRequest) // not requested yet
            _ = try await step("triaged")
            let requested = try #require(try await step("takedown_requested"))
            #expect(requested.takedownRequestedAt != nil && requested.resolvedAt == nil)
            _ = try await step("refused", expect: .badRequest) // a refusal needs the platform's reason
            let refused = try #require(try await step("refused", note: "Nền tảng trả lời bài viết không vi phạm tiêu chuẩn cộng đồng."))
            #expect(refused.resolvedAt != nil)
            let again = try #require(try await step("takedown_requested", note: "Gửi lại kèm văn bản xác minh của công an tỉnh."))
            #expect(again.resolvedAt == nil)
            let removed = try #require(try await step("removed"))
            #expect(removed.status == "removed" && removed.resolvedAt != nil)
            _ = try await step("triaged", expect: .badRequest)

            let actions = try await AuditEntry.query(on: app.db).filter(\.$subject == "harmful_report:" + created.id).sort(\.$seq).all().map(\.action)
            #expect(actions == ["harmful.report", "harmful.triaged", "harmful.takedown_requested", "harmful.refused", "harmful.takedown_requested", "harmful.removed"])
            let pa05 = try #require(try await UnitDirectory.find(code: "CA66-PA05", on: app.db)?.id)
            let day = InternetTime.vietnamDay(Date())
            let totals = try await Counters.totals(under: pa05, from: day, to: day, on: app.db)
            #expect(totals[.takedownsRequested] == 2 && totals[.takedownsRemoved] == 1)
        }
    }

    @Test("Bad reports name the field and store nothing: no address, an address without a domain, an unknown category, a one-word description")
    func badReports() async throws {
        try await withTestApp { app in
            let cases: [([String: any Sendable], String)] = [
                (["url": "", "category": "scam", "description": "Trang lừa đảo bán hàng giả."], "url"),
                (["url": "khong phai dia chi", "category": "scam", "description": "Trang lừa đảo bán hàng giả."], "url"),
                (["url": "https://tiktok.com/@abc/video/1", "category": "gossip", "description": "Video kích động bạo lực."], "category"),
                (["url": "https://tiktok.com/@abc/video/1", "category": "incitement", "description": "xấu"], "description"),
            ]
            for (body, field) in cases {
                let refused = try await TipAPITests.json(app, .POST, "/api/v1/harmful-reports", body: body, expect: .badRequest, as: ScamRegistryTests.ErrorBody.self)
                #expect(refused.error.fields?.contains { $0.field == field } == true, "\(field): \(refused)")
            }
            #expect(try await HarmfulReport.query(on: app.db).count() == 0)
        }
    }

    @Test("On the site, without JavaScript: a guest reports a post with a screenshot (no cookie, GPS removed) → the patrol sees it in the console, opens the screenshot, triages it, requests the takedown and records the removal; bad input says which field and stores nothing; others get 404")
    func webReportAndConsole() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            typealias Part = TipAttachmentTests.Part
            let before = try await HarmfulReport.query(on: app.db).count()
            let guest = WebClient(app)
            let form = try await guest.get("/harmful/report")
            #expect(form.body.contains(#"action="/harmful/report/anonymous""#) && form.body.contains(#"value="false_information""#))

            // Refused: no address, an unknown category, a PNG named .pdf. Every field says what is wrong; nothing is kept.
            let (refused, refusedPage) = try await TipAttachmentTests.post(app, "/harmful/report/anonymous", [
                Part(name: "url", bytes: []), Part(name: "category", bytes: Array("gossip".utf8)),
                Part(name: "description", bytes: Array("Bài đăng bịa đặt công an bắt nhầm người ở chợ.".utf8)),
                Part(name: "screenshots[]", filename: "anh.pdf", bytes: TipAttachmentTests.png),
            ])
            #expect(refused == .unprocessableEntity)
            for field in ["url", "category", "attachments"] {
                #expect(refusedPage.contains(#"data-field="\#(field)""#), "\(field) is named")
            }
            let (reportsAfter, filesAfter) = (try await HarmfulReport.query(on: app.db).count(), try await EvidenceFile.query(on: app.db).count())
            #expect(reportsAfter == before && filesAfter == 0, "nothing is stored")

            let (status, page) = try await TipAttachmentTests.post(app, "/harmful/report/anonymous", [
                Part(name: "url", bytes: Array("https://www.facebook.com/tin.nong.24h/posts/991?fbclid=abc".utf8)),
                Part(name: "category", bytes: Array("false_information".utf8)),
                Part(name: "description", bytes: Array("Bài đăng bịa đặt công an bắt nhầm người ở chợ, kêu gọi mọi người tụ tập phản đối.".utf8)),
                Part(name: "screenshots[]", filename: "IMG_9.JPG", bytes: TipAttachmentTests.phoneJPEG),
            ])
            #expect(status == .created, "\(page.prefix(300))")
            let report = try #require(try await HarmfulReport.query(on: app.db).sort(\.$createdAt, .descending).first())
            #expect(page.contains(report.reference) && report.reference.hasPrefix("ND-") && report.$citizen.id == nil)
            #expect(report.url == "facebook.com/tin.nong.24h/posts/991", "stored in canonical form: \(report.url)")
            let file = try #require(try await EvidenceFile.query(on: app.db).filter(\.$owner == "harmful_report:" + (try report.requireID()).uuidString).first())
            #expect(file.metadataRemoved)

            let patrol = try await TipWebTests.login(app, TipAPITests.cyberPatrol)
            let queue = try await patrol.get("/console/harmful")
            #expect(queue.body.contains(#"data-reference="\#(report.reference)""#) && queue.body.contains(#"data-testid="nav-harmful-queue""#))
            let link = "/console/scams/evidence/" + (try file.requireID()).uuidString
            #expect(queue.body.contains(link), "the queue links the screenshot")
            let image = try await patrol.get(link)
            #expect(image.status == .ok && !image.body.contains(String(decoding: TipAttachmentTests.gps, as: UTF8.self)), "the GPS tag is gone")

            let id = try report.requireID()
            let skipped = try await patrol.post("/console/harmful/\(id)/status", ["status": "removed"])
            #expect(skipped.status == .unprocessableEntity && skipped.text(after: #"data-field="status""#)?.isEmpty == false, "no removal before a request")
            for step in ["triaged", "takedown_requested", "removed"] {
                let moved = try await patrol.post("/console/harmful/\(id)/status", ["status": step])
                #expect(moved.status == .seeOther || moved.status == .found, "\(step): \(moved.status)")
            }
            let done = try #require(try await HarmfulReport.find(id, on: app.db))
            #expect(done.status == .removed && done.takedownRequestedAt != nil && done.resolvedAt != nil)
            let removedList = try await patrol.get("/console/harmful?status=removed")
            #expect(removedList.body.contains(#"data-reference="\#(report.reference)""#) && !removedList.body.contains(#"data-testid="harmful-advance""#),
                    "a removed report has no next step")

            let officer = try await TipWebTests.login(app, TipAPITests.communeOfficer)
            #expect(try await officer.get("/console/harmful").status == .notFound, "only the cyber patrol works the queue")
            #expect(try await officer.post("/console/harmful/\(id)/status", ["status": "dismissed", "note": "Không phải việc của xã."]).status == .notFound)
            #expect(try await HarmfulReport.find(id, on: app.db)?.status == .removed)
        }
    }
}
