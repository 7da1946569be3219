import BinhYenCore
import Fluent
import Foundation

/// The demo's scam registry: reports of every kind of indicator, some verified by the demo cyber
/// patrol with a warning, one rejected, one merged into another, the rest waiting in the queue.
enum DemoScams {
    struct Case {
        var indicators: [IndicatorInput]
        var story: String
        var moneyLost: Int64?
        /// The patrol's warning; nil leaves it waiting.
        var warning: String?
    }

    static let cases: [Case] = [
        Case(indicators: [IndicatorInput(value: "0867 123 456"), IndicatorInput(kind: "bank_account", value: "1903 5567 8899", bank: "Techcombank")],
             story: "Người gọi xưng cán bộ công an phường, nói tôi liên quan đường dây rửa tiền, bắt chuyển tiền vào tài khoản \"tạm giữ\" để xác minh.",
             moneyLost: 85_000_000,
             warning: "Giả danh công an gọi điện đe doạ, yêu cầu chuyển tiền để \"xác minh\". Công an không bao giờ làm việc qua điện thoại như vậy."),
        Case(indicators: [IndicatorInput(kind: "website", value: "https://www.vietcombank-hoantien.com/xac-thuc?utm_source=sms")],
             story: "Tin nhắn báo tài khoản bị khoá, dẫn tới trang giả ngân hàng đòi nhập mật khẩu và mã OTP.",
             moneyLost: 12_500_000,
             warning: "Trang web giả mạo ngân hàng để lấy mật khẩu và mã OTP. Không nhập thông tin vào trang này."),
        Case(indicators: [IndicatorInput(kind: "social", value: "https://www.facebook.com/tuyendung.viecnhe.luongcao")],
             story: "Trang tuyển cộng tác viên làm nhiệm vụ online, bắt nạp tiền trước rồi không trả.",
             moneyLost: 6_000_000,
             warning: "Lừa đảo \"làm nhiệm vụ online\": hứa hoa hồng cao, bắt nạp tiền trước rồi chiếm đoạt."),
        Case(indicators: [IndicatorInput(value: "+84 345 678 901"), IndicatorInput(kind: "email", value: "HoTro.QuaTang@gmail.com")],
             story: "Email báo trúng thưởng xe máy, yêu cầu đóng phí vận chuyển qua số điện thoại kèm theo.",
             moneyLost: nil, warning: nil),
        Case(indicators: [IndicatorInput(kind: "bank_account", value: "0071-0012-34567", bank: "VCB")],
             story: "Người bán hàng online nhận tiền đặt cọc điện thoại rồi chặn liên lạc.",
             moneyLost: 3_200_000, warning: nil),
        Case(indicators: [IndicatorInput(kind: "website", value: "dautu-vangso.net/dang-ky")],
             story: "Được mời vào nhóm đầu tư vàng, lãi 30% mỗi tuần, rút tiền thì bị đòi đóng thêm phí.",
             moneyLost: 150_000_000, warning: nil),
        Case(indicators: [IndicatorInput(value: "0912.222.333")],
             story: "Số lạ gọi nhiều lần hỏi tên chủ hộ, tôi nghi lừa đảo.",
             moneyLost: nil, warning: nil),
    ]

    /// Seeds once; returns how many reports were filed (0 when the registry already holds data).
    static func seed(_ registry: ScamRegistry, patrolPhone: String = "+84901000004", on db: any Database, now: Date = Date()) async throws -> Int {
        guard try await ScamIndicator.query(on: db).count() == 0 else { return 0 }
        guard let patrol = try await Account.query(on: db).filter(\.$phone == patrolPhone).first(),
              let account = try await CurrentAccount.load(accountID: try patrol.requireID(), on: db)
        else { return 0 }
        for (index, item) in cases.enumerated() {
            let at = now.addingTimeInterval(Double(index - cases.count) * 86_400)
            let reported = try await registry.report(ScamReportDraft(indicators: item.indicators, description: item.story, moneyLost: item.moneyLost),
                                                     by: .anonymous, now: at)
            if let warning = item.warning {
                for entry in reported.indicators {
                    guard let id = try await ScamIndicator.query(on: db).filter(\.$kind == entry.indicator.kind.rawValue)
                        .filter(\.$value == entry.indicator.value).first()?.id else { continue }
                    _ = try await registry.decide(id, .verify(warning: warning), by: account, now: at.addingTimeInterval(3600))
                }
            }
        }
        // A second report of the same number, and one the patrol found harmless.
        _ = try await registry.report(ScamReportDraft(indicators: [IndicatorInput(value: "84867123456")],
                                                      description: "Số này gọi tôi tự xưng công an, đòi chuyển tiền."), by: .anonymous, now: now)
        if let harmless = try await ScamIndicator.query(on: db).filter(\.$value == "+84912222333").first()?.id {
            _ = try await registry.decide(harmless, .reject(note: "Số của nhân viên điều tra dân số, đã xác minh."), by: account, now: now)
        }
        // The same caller from a second number: merged into the verified one.
        _ = try await registry.report(ScamReportDraft(indicators: [IndicatorInput(value: "0866 999 000")],
                                                      description: "Cùng giọng người xưng công an gọi lại bằng số khác, đòi chuyển tiền."), by: .anonymous, now: now)
        if let second = try await ScamIndicator.query(on: db).filter(\.$value == "+84866999000").first()?.id,
           let first = try await ScamIndicator.query(on: db).filter(\.$value == "+84867123456").first()?.id {
            _ = try await registry.merge(second, into: first, note: "Cùng kịch bản giả danh công an, cùng giọng nói.", by: account, now: now)
        }
        try await seedHarmful(HarmfulContentService(db: db, gate: registry.gate, store: registry.store), patrol: account, now: now)
        return cases.count + 2
    }

    /// Harmful-content reports: one taken down after a refusal, one awaiting the platform, one new.
    static func seedHarmful(_ service: HarmfulContentService, patrol: CurrentAccount, now: Date) async throws {
        let removed = try await service.report(HarmfulReportDraft(url: "https://www.facebook.com/groups/tinnong.daklak/posts/12345",
            categoryCode: "false_information", description: "Bài viết bịa đặt tin có kẻ bắt cóc trẻ em ở chợ Buôn Ma Thuột, gây hoang mang."),
            by: .anonymous, now: now.addingTimeInterval(-6 * 86_400))
        let removedID = try removed.requireID()
        _ = try await service.advance(removedID, to: .triaged, note: nil, by: patrol, now: now.addingTimeInterval(-6 * 86_400 + 3600))
        _ = try await service.advance(removedID, to: .takedownRequested, note: nil, by: patrol, now: now.addingTimeInterval(-6 * 86_400 + 7200))
        _ = try await service.advance(removedID, to: .refused, note: "Nền tảng trả lời chưa đủ căn cứ vi phạm.", by: patrol, now: now.addingTimeInterval(-5 * 86_400))
        _ = try await service.advance(removedID, to: .takedownRequested, note: "Gửi lại kèm kết quả xác minh của công an tỉnh.", by: patrol, now: now.addingTimeInterval(-4 * 86_400))
        _ = try await service.advance(removedID, to: .removed, note: nil, by: patrol, now: now.addingTimeInterval(-3 * 86_400))

        let waiting = try await service.report(HarmfulReportDraft(url: "https://www.tiktok.com/@kiemtien.online/video/7300000000001",
            categoryCode: "scam", description: "Video quảng cáo việc làm online, dụ người xem nạp tiền làm nhiệm vụ."),
            by: .anonymous, now: now.addingTimeInterval(-2 * 86_400))
        _ = try await service.advance(try waiting.requireID(), to: .triaged, note: nil, by: patrol, now: now.addingTimeInterval(-2 * 86_400 + 3600))
        _ = try await service.advance(try waiting.requireID(), to: .takedownRequested, note: nil, by: patrol, now: now.addingTimeInterval(-86_400))

        _ = try await service.report(HarmfulReportDraft(url: "https://www.youtube.com/watch?v=abc123XYZ&utm_source=zalo",
            categoryCode: "incitement", description: "Video kêu gọi tụ tập gây rối trước trụ sở uỷ ban xã."), by: .anonymous, now: now)
    }
}
