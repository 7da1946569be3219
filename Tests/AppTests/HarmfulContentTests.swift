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
}
