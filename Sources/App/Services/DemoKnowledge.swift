import BinhYenCore
import Fluent
import Foundation
import Vapor

/// The demo's questions: citizens of Phường Buôn Ma Thuột ask about procedures over the last
/// weeks; most are answered (several published as public Q&A under their articles), some wait,
/// one of them past its deadline. Run after `DemoSeeder` and the shipped knowledge base; a second
/// run adds nothing.
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
        guard try await Question.query(on: db).count() == 0 else { return 0 }
        guard let officerID = try await Account.query(on: db).filter(\.$phone == "+84901000003").first()?.id,
              let officer = try await CurrentAccount.load(accountID: officerID, on: db) else { return 0 }
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
}
