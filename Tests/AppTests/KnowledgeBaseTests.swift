@testable import App
import BinhYenCore
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite("Procedures knowledge base: shipped articles, search as citizens type, editing with history")
struct KnowledgeBaseTests {
    /// What citizens type, and the article that must come back among the first three.
    static let queries: [(String, String)] = [
        ("cccd lần đầu", "can-cuoc-cap-lan-dau"),
        ("lam cccd lan dau", "can-cuoc-cap-lan-dau"),
        ("làm căn cước cho con 14 tuổi", "can-cuoc-cap-lan-dau"),
        ("doi cccd 25 tuoi", "can-cuoc-cap-doi"),
        ("đổi căn cước khi đủ 40 tuổi", "can-cuoc-cap-doi"),
        ("đổi cmnd sang thẻ căn cước", "can-cuoc-cap-doi"),
        ("mat can cuoc", "can-cuoc-cap-lai"),
        ("làm lại CCCD bị mất", "can-cuoc-cap-lai"),
        ("CCCD BỊ MẤT", "can-cuoc-cap-lai"),
        ("sai ngay sinh tren can cuoc", "can-cuoc-dieu-chinh-thong-tin"),
        ("sửa thông tin trên căn cước", "can-cuoc-dieu-chinh-thong-tin"),
        ("dinh danh muc 2", "dinh-danh-dien-tu-muc-2"),
        ("kich hoat vneid muc 2", "dinh-danh-dien-tu-muc-2"),
        ("tài khoản định danh điện tử", "dinh-danh-dien-tu-muc-2"),
        ("nhap ho khau", "dang-ky-thuong-tru"),
        ("đăng ký thường trú", "dang-ky-thuong-tru"),
        ("dang ki thuong tru", "dang-ky-thuong-tru"),
        ("cat khau", "xoa-dang-ky-thuong-tru"),
        ("xóa đăng ký thường trú", "xoa-dang-ky-thuong-tru"),
        ("làm KT3", "dang-ky-tam-tru"),
        ("dang ky tam tru cho nguoi thue tro", "dang-ky-tam-tru"),
        ("gia hạn tạm trú", "gia-han-tam-tru"),
        ("tam tru het han gia han", "gia-han-tam-tru"),
        ("khai bao tam vang", "khai-bao-tam-vang"),
        ("đi làm ăn xa khai báo tạm vắng", "khai-bao-tam-vang"),
        ("thong bao luu tru cho khach", "thong-bao-luu-tru"),
        ("khach o qua dem", "thong-bao-luu-tru"),
        ("tách hộ", "tach-ho"),
        ("tach ho khau", "tach-ho"),
        ("giấy xác nhận cư trú CT07", "xac-nhan-thong-tin-cu-tru"),
        ("xac nhan thong tin cu tru", "xac-nhan-thong-tin-cu-tru"),
        ("làm passport", "ho-chieu-pho-thong"),
        ("cap ho chieu pho thong", "ho-chieu-pho-thong"),
        ("dang ky xe may moi mua", "dang-ky-xe"),
        ("đăng ký xe ô tô lần đầu", "dang-ky-xe"),
        ("sang ten xe", "sang-ten-xe"),
        ("mua xe cũ sang tên", "sang-ten-xe"),
        ("doi gplx", "doi-giay-phep-lai-xe"),
        ("đổi bằng lái xe", "doi-giay-phep-lai-xe"),
        ("giấy chứng nhận an ninh trật tự kinh doanh karaoke", "giay-chung-nhan-an-ninh-trat-tu"),
        ("dang ky mau con dau", "dang-ky-mau-con-dau"),
        ("khắc dấu công ty", "dang-ky-mau-con-dau"),
        ("to giac toi pham", "to-giac-toi-pham"),
        // typos, NFD input, words run together, reordered words
        ("can cuox lan dau", "can-cuoc-cap-lan-dau"),
        ("dinh dnah dien tu", "dinh-danh-dien-tu-muc-2"),
        ("ho chieuu pho thong", "ho-chieu-pho-thong"),
        ("thuong truu dang ky", "dang-ky-thuong-tru"),
        ("tạm trú gia hạn".decomposedStringWithCanonicalMapping, "gia-han-tam-tru"),
        ("căn cước bị mất".decomposedStringWithCanonicalMapping, "can-cuoc-cap-lai"),
        ("thongbao luu tru", "thong-bao-luu-tru"),
        ("tru tam dang ky", "dang-ky-tam-tru"),
        ("vang tam khai bao", "khai-bao-tam-vang"),
    ]

    @Test("Every query as citizens type it finds the right article among the first three")
    func citizensQueries() async throws {
        #expect(Self.queries.count >= 40)
        try await withTestApp { app in
            let added = try await KnowledgeBase.installShipped(resourcesDirectory: app.directory.resourcesDirectory, app: app)
            #expect(added == 20)
            let knowledge = KnowledgeBase(db: app.db, app: app)
            var misses: [String] = []
            var notFirst: [String] = []
            for (query, slug) in Self.queries {
                let hits = try await knowledge.search(query, limit: 3)
                if !hits.contains(where: { $0.kind == .procedure && $0.slug == slug }) {
                    misses.append("\(query) → \(hits.map(\.slug)) (wanted \(slug))")
                } else if hits.first?.slug != slug {
                    notFirst.append("\(query) → \(hits.map(\.slug))")
                }
            }
            #expect(misses.isEmpty, "\(misses.count) missed:\n\(misses.joined(separator: "\n"))")
            // Most queries name one procedure plainly; that one should come first.
            #expect(notFirst.count * 10 <= Self.queries.count, "not first:\n\(notFirst.joined(separator: "\n"))")
        }
    }

    @Test("Shipped articles install once; an edited article is not overwritten by a second install")
    func installIsIdempotent() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            #expect(try await KnowledgeBase.installShipped(resourcesDirectory: app.directory.resourcesDirectory, app: app) == 20)
            let knowledge = KnowledgeBase(db: app.db, app: app)
            let article = try #require(try await knowledge.article(slug: "tach-ho"))
            var content = article.content
            content.fee = "Miễn phí khi nộp trực tuyến (thử nghiệm)."
            let editor = try #require(try await Account.query(on: app.db).first()?.id)
            _ = try await knowledge.update(slug: "tach-ho", content: content, note: "phí mới", expectedRevision: 1, by: editor)
            #expect(try await KnowledgeBase.installShipped(resourcesDirectory: app.directory.resourcesDirectory, app: app) == 0)
            #expect(try await knowledge.article(slug: "tach-ho")?.fee == "Miễn phí khi nộp trực tuyến (thử nghiệm).")
            #expect(try await Procedure.query(on: app.db).count() == 20)
        }
    }

    @Test("Answers given before BinhYen are imported under their articles in batches and found by search; one bad line and nothing is written")
    func importAnswers() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            try await KnowledgeBase.installShipped(resourcesDirectory: app.directory.resourcesDirectory, app: app)
            let knowledge = KnowledgeBase(db: app.db, app: app)
            let unit = try #require(try await UnitDirectory.find(code: "CA24133", on: app.db)?.id)
            let good = (1...25).map { KnowledgeBase.FAQDraft(procedure: "tach-ho", question: "Con trai tôi số \($0) lấy vợ, tách hộ khẩu thế nào?",
                                                              answer: "Nộp hồ sơ tách hộ tại công an phường, cần chỗ ở hợp pháp.") }
            let bad = [KnowledgeBase.FAQDraft(procedure: "khong-co", question: "Hỏi gì đó về thủ tục?", answer: "Trả lời đủ dài."),
                       KnowledgeBase.FAQDraft(procedure: "tach-ho", question: "Hỏi", answer: "Trả lời đủ dài.")]
            do {
                _ = try await knowledge.importFAQs(good + bad, unitID: unit, by: nil, batch: 10)
                Issue.record("a bad line was accepted")
            } catch let failure as ValidationFailure {
                #expect(failure.issues.map(\.field) == ["26.procedure", "27.question"])
            }
            #expect(try await FAQ.query(on: app.db).count() == 0, "nothing is written when a line is wrong")
            // A search before the import is remembered; the import makes it read the index again.
            #expect(try await knowledge.search("con trai lay vo tach ho khau", limit: 20).allSatisfy { $0.kind == .procedure })
            #expect(try await knowledge.importFAQs(good, unitID: unit, by: nil, batch: 10) == 25)
            let article = try #require(try await knowledge.article(slug: "tach-ho"))
            #expect(try await knowledge.faqs(of: article).count == 25)
            let hits = try await knowledge.search("con trai lay vo tach ho khau", limit: 20)
            #expect(hits.filter { $0.kind == .faq }.count == KnowledgeBase.faqsPerArticle, "imported answers are found, a few per article")
            #expect(hits.contains { $0.kind == .procedure && $0.slug == "tach-ho" })
        }
    }

    @Test("An edit keeps the earlier wording, is found by search at once, and a stale or invalid edit changes nothing")
    func editing() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            try await KnowledgeBase.installShipped(resourcesDirectory: app.directory.resourcesDirectory, app: app)
            let knowledge = KnowledgeBase(db: app.db, app: app)
            let editor = try #require(try await Account.query(on: app.db).first()?.id)
            let before = try #require(try await knowledge.article(slug: "tach-ho"))
            #expect(try await knowledge.search("zyxwvu tách hộ").first?.slug == "tach-ho")
            var content = before.content
            content.keywords.append("zyxwvu")
            let saved = try await knowledge.update(slug: "tach-ho", content: content, note: "thêm từ khoá", expectedRevision: 1, by: editor)
            #expect(saved.revision == 2)
            let found = try await knowledge.search("zyxwvu")
            #expect(found.first?.slug == "tach-ho")
            #expect(found.first?.matched == ["zyxwvu"])
            let revisions = try await knowledge.revisions(of: saved)
            #expect(revisions.map(\.revision) == [2, 1])
            let first = try JSONDecoder().decode(ProcedureContent.self, from: Data(revisions[1].content.utf8))
            #expect(first == before.content)

            await #expect(throws: KnowledgeBase.Failure.stale(current: 2)) {
                _ = try await knowledge.update(slug: "tach-ho", content: before.content, note: "", expectedRevision: 1, by: editor)
            }
            var empty = content
            empty.title = "  "
            empty.steps = []
            do {
                _ = try await knowledge.update(slug: "tach-ho", content: empty, note: "", expectedRevision: 2, by: editor)
                Issue.record("an empty title was accepted")
            } catch let failure as ValidationFailure {
                #expect(Set(failure.issues.map(\.field)) == ["title", "steps"])
            }
            #expect(try await knowledge.article(slug: "tach-ho")?.revision == 2)
        }
    }

    @Test("The API lists articles, returns one with its answers, and searches with the matched words marked")
    func api() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            try await KnowledgeBase.installShipped(resourcesDirectory: app.directory.resourcesDirectory, app: app)
            let knowledge = KnowledgeBase(db: app.db, app: app)
            let article = try #require(try await knowledge.article(slug: "ho-chieu-pho-thong"))
            let unit = try #require(try await Unit.query(on: app.db).first()?.id)
            _ = try await knowledge.publishFAQ(procedureID: try article.requireID(), question: "Con tôi 10 tuổi có làm hộ chiếu riêng được không?",
                                               answer: "Được. Trẻ dưới 14 tuổi làm hộ chiếu qua cha, mẹ hoặc người giám hộ.", unitID: unit, by: nil)

            struct Segment: Decodable { var text: String; var matched: Bool }
            struct Hit: Decodable { var kind: String; var slug: String; var title: [Segment]; var excerpt: [Segment]; var matched: [String]; var faqId: String? }
            struct Hits: Decodable { var items: [Hit] }
            try await app.testing().test(.GET, "/api/v1/procedures/search?q=lam%20passport%20cho%20tre%20em") { res async throws in
                let hits = try res.content.decode(Hits.self).items
                #expect(hits.first?.slug == "ho-chieu-pho-thong")
                #expect(hits.contains { $0.kind == "faq" && $0.faqId != nil && $0.title.contains { $0.matched && $0.text == "hộ" } })
                #expect(hits.first?.matched.contains("passport") == true)
            }
            // Asked again, the same search is answered with the bytes kept from the first time, until an answer is published.
            let query = "q=lam%20passport%20cho%20tre%20em"
            #expect(app.knowledgeCache.response(for: query) != nil)
            _ = try await knowledge.publishFAQ(procedureID: try article.requireID(), question: "Làm hộ chiếu cho trẻ em cần giấy khai sinh không?",
                                               answer: "Cần bản sao giấy khai sinh nếu trẻ chưa có mã định danh cá nhân.", unitID: unit, by: nil)
            #expect(app.knowledgeCache.response(for: query) == nil)
            try await app.testing().test(.GET, "/api/v1/procedures/search?" + query) { res async throws in
                #expect(try res.content.decode(Hits.self).items.filter { $0.kind == "faq" }.count == 2, "the new answer is found at once")
            }
            struct Article: Decodable { var slug: String; var title: String; var steps: [String]; var faqs: [FAQ]; struct FAQ: Decodable { var question: String } }
            try await app.testing().test(.GET, "/api/v1/procedures/ho-chieu-pho-thong") { res async throws in
                let body = try res.content.decode(Article.self)
                #expect(body.title == article.title)
                #expect(!body.steps.isEmpty)
                #expect(body.faqs.map(\.question) == ["Làm hộ chiếu cho trẻ em cần giấy khai sinh không?", "Con tôi 10 tuổi có làm hộ chiếu riêng được không?"])
            }
            try await app.testing().test(.GET, "/api/v1/procedures") { res async throws in
                let body = try res.content.decode(Summaries.self)
                #expect(body.items.count == 20)
                #expect(body.items.first?.title.hasPrefix("C") == true, "Vietnamese order starts with C (Cấp…): \(body.items.first?.title ?? "")")
            }
            typealias ErrorBody = ScamRegistryTests.ErrorBody
            try await app.testing().test(.GET, "/api/v1/procedures/search?q=%20%20") { res async throws in
                #expect(res.status == .badRequest)
                #expect(try res.content.decode(ErrorBody.self).error.fields?.first?.field == "q")
            }
            try await app.testing().test(.GET, "/api/v1/procedures/search?q=" + String(repeating: "a", count: 201)) { res async throws in
                #expect(res.status == .badRequest)
                #expect(try res.content.decode(ErrorBody.self).error.fields?.first?.code == "length")
            }
            try await app.testing().test(.GET, "/api/v1/procedures/khong-co") { res async throws in
                #expect(res.status == .notFound)
                #expect(try res.content.decode(ErrorBody.self).error.code == "procedure_not_found")
            }
        }
    }

    struct Summaries: Decodable {
        var items: [Item]
        struct Item: Decodable { var slug: String; var title: String }
    }
}
