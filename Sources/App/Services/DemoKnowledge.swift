import BinhYenCore
import Fluent
import Foundation
import Vapor

/// The demo's questions and dossiers: citizens of Phường Buôn Ma Thuột ask about procedures over
/// the last weeks; most are answered (several published as public Q&A under their articles), some
/// wait, one of them past its deadline; their dossiers stand at every step. Run after `DemoSeeder`
/// and the shipped knowledge base; a second run adds nothing.
enum DemoKnowledge {
    /// (asker's phone, question, article, answer or nil when still waiting, published as Q&A)
    static let questions: [(String, String, String, String?, Bool)] = [
        ("0988000001", "Cháu nhà tôi vừa tròn 14 tuổi, đi làm căn cước lần đầu có cần mang giấy khai sinh không?", "can-cuoc-cap-lan-dau",
         "Cháu cần có mặt để chụp ảnh, lấy vân tay; thông tin đã có trong Cơ sở dữ liệu quốc gia về dân cư nên thường không phải mang giấy khai sinh. Nếu thông tin sai, mang giấy tờ chứng minh để điều chỉnh.", true),
        ("0988000002", "Tôi đánh rơi thẻ căn cước ở chợ, làm lại mất bao lâu và có phải nộp tiền không?", "can-cuoc-cap-lai",
         "Bạn có thể nộp trên VNeID hoặc tại công an phường. Cấp lại do mất phải nộp lệ phí theo quy định; thẻ được trả trong khoảng 7 ngày làm việc.", true),
        ("0988000001", "Mẹ tôi 60 tuổi, thẻ căn cước công dân cũ còn hạn, có bắt buộc đổi không?", "can-cuoc-cap-doi",
         "Khi đủ 60 tuổi thì cần cấp đổi trong thời hạn quy định; bà có thể đến công an phường, cán bộ sẽ hướng dẫn và đăng ký lịch nếu bà đi lại khó khăn.", true),
        ("0988000002", "Đăng ký tạm trú cho người thuê trọ thì chủ nhà hay người thuê phải đi làm?", "dang-ky-tam-tru",
         "Người thuê trọ là người đăng ký tạm trú; chủ nhà cần đồng ý cho ở nhờ, ở thuê (có thể xác nhận trực tuyến). Nộp trên VNeID hoặc Cổng dịch vụ công là nhanh nhất.", true),
        ("0988000001", "Tôi đi làm ở Bình Dương 6 tháng, có phải khai báo tạm vắng không?", "khai-bao-tam-vang",
         "Nếu bạn là người thuộc diện phải khai báo thì cần khai; người đi làm ăn xa bình thường thì đăng ký tạm trú ở nơi mới là đủ. Hãy nhắn lại nếu bạn đang chấp hành án hoặc bị quản lý theo quyết định.", false),
        ("0988000002", "Nhà tôi có khách ở lại qua đêm thì báo lưu trú cách nào?", "thong-bao-luu-tru",
         "Chủ nhà báo lưu trú qua ứng dụng VNeID, Cổng dịch vụ công, điện thoại hoặc trực tiếp cho công an phường trước 23 giờ.", true),
        ("0988000001", "Xin hỏi làm giấy xác nhận thông tin cư trú để nộp hồ sơ xin việc ở đâu?", "xac-nhan-thong-tin-cu-tru",
         "Bạn yêu cầu trên VNeID hoặc Cổng dịch vụ công, hoặc đến công an phường; thông thường có kết quả trong ngày làm việc.", false),
        ("0988000002", "Tôi mua lại xe máy cũ của người quen, giờ sang tên thì cần giấy tờ gì?", "sang-ten-xe", nil, false),
        ("0988000001", "Bằng lái xe của tôi sắp hết hạn, đổi ở đâu ạ?", "doi-giay-phep-lai-xe", nil, false),
    ]

    @discardableResult
    static func seed(app: Application, now: Date = Date()) async throws -> Int {
        let db = app.db
        guard let officerID = try await Account.query(on: db).filter(\.$phone == "+84901000003").first()?.id,
              let officer = try await CurrentAccount.load(accountID: officerID, on: db) else { return 0 }
        return try await seedQuestions(app: app, officer: officer, now: now) + (try await seedDossiers(app: app, officer: officer, now: now))
    }

    static func seedQuestions(app: Application, officer: CurrentAccount, now: Date) async throws -> Int {
        let db = app.db
        guard try await Question.query(on: db).count() == 0 else { return 0 }
        let service = QuestionService(db: db, app: app)
        var count = 0
        for (index, item) in questions.enumerated() {
            guard let asker = try await Account.query(on: db).filter(\.$phone == (try PhoneNumber(parsing: item.0).e164)).first()?.id else { continue }
            // Spread over the last three weeks; the last question is past its deadline.
            let asked = now.addingTimeInterval(-Double(questions.count - index) * 2.2 * 86_400)
            let question = try await service.ask(.init(communeCode: "24133", procedureSlug: item.2, text: item.1), by: asker, now: asked)
            count += 1
            guard let answer = item.3, let id = question.id else { continue }
            _ = try await service.answer(id, text: answer, procedureSlug: item.2, by: officer, now: asked.addingTimeInterval(Double(5 + index * 7) * 3600))
            if item.4 {
                _ = try await service.publish(id, question: item.1, answer: answer, procedureSlug: item.2, by: officer,
                                              now: asked.addingTimeInterval(Double(6 + index * 7) * 3600))
            }
        }
        return count
    }

    /// (applicant's phone, article, note, the officer's steps after filing)
    static let dossiers: [(String, String, String, [DossierStepDraft])] = [
        ("0988000001", "can-cuoc-cap-doi", "Thẻ cũ hết hạn khi tôi đủ 25 tuổi.", []),
        ("0988000002", "dang-ky-thuong-tru", "Nhập khẩu về nhà bố mẹ chồng.", [
            DossierStepDraft(to: .needsDocuments, message: "Cần thêm văn bản đồng ý cho nhập thường trú của chủ hộ (ký tên, ghi rõ ngày)."),
        ]),
        ("0988000001", "ho-chieu-pho-thong", "", [
            DossierStepDraft(to: .appointmentSet, message: "Mời anh đến chụp ảnh, lấy vân tay.",
                             appointmentPlace: "Công an phường Buôn Ma Thuột, bộ phận một cửa"),
        ]),
        ("0988000002", "can-cuoc-cap-lai", "Mất thẻ ở chợ.", [
            DossierStepDraft(to: .readyForPickup, message: "Thẻ đã về, mời chị mang giấy hẹn đến nhận trong giờ hành chính."),
        ]),
        ("0988000001", "xac-nhan-thong-tin-cu-tru", "Để nộp hồ sơ xin việc.", [
            DossierStepDraft(to: .settled, message: "Đã cấp giấy xác nhận, anh tải bản điện tử trên VNeID."),
        ]),
        ("0988000002", "tach-ho", "", [
            DossierStepDraft(to: .refused, message: "Chỗ ở hợp pháp chưa đủ diện tích tối thiểu theo quy định của tỉnh nên chưa tách hộ được."),
        ]),
    ]

    /// Each dossier is filed some days ago and its steps taken an hour apart after that.
    static func seedDossiers(app: Application, officer: CurrentAccount, now: Date) async throws -> Int {
        guard try await Dossier.query(on: app.db).count() == 0 else { return 0 }
        let service = DossierService(db: app.db, app: app)
        var count = 0
        for (index, item) in dossiers.enumerated() {
            guard let applicant = try await Account.query(on: app.db).filter(\.$phone == (try PhoneNumber(parsing: item.0).e164)).first()?.id else { continue }
            let filed = now.addingTimeInterval(-Double(dossiers.count - index) * 86_400)
            let dossier = try await service.file(.init(procedureSlug: item.1, communeCode: "24133", note: item.2), by: applicant, now: filed)
            for (offset, step) in item.3.enumerated() {
                var step = step
                // The appointment is three days after the demo is loaded.
                if step.to == .appointmentSet { step.appointmentAt = now.addingTimeInterval(3 * 86_400) }
                _ = try await service.advance(try dossier.requireID(), step, by: officer, now: filed.addingTimeInterval(Double(offset + 1) * 3_600))
            }
            count += 1
        }
        return count
    }
}
