import BinhYenCore
import Fluent
import Foundation

/// Tips in every state for the demo province, told as they would happen: a night of urgent
/// calls, a fraud ring, a gambling den, a false alarm, and the story of the kindergarten.
enum DemoTips {
    struct Seeded: Sendable {
        var count: Int
        /// An anonymous tip's receipt, printed so a newcomer can try the follow-up page.
        var sampleReceipt: String?
    }

    static func seed(_ service: TipService, on db: any Database, now: Date = Date()) async throws -> Seeded {
        guard try await Tip.query(on: db).count() == 0 else { return Seeded(count: 0, sampleReceipt: nil) }
        func staff(_ phone: String) async throws -> CurrentAccount {
            let e164 = try PhoneNumber(parsing: phone).e164
            guard let account = try await Account.query(on: db).filter(\.$phone == e164).first(),
                  let current = try await CurrentAccount.load(accountID: try account.requireID(), on: db)
            else { throw CommandFailure("demo account \(phone) is missing") }
            return current
        }
        let commander = try await staff("0901000002")
        let officer = try await staff("0901000003")
        let patrol = try await staff("0901000004")
        let citizen = try await staff("0988000001")
        let hour: TimeInterval = 3600
        var count = 0

        func submit(_ category: String, _ text: String, commune: String = "24133", address: String? = nil, now happeningNow: Bool = false,
                    by submitter: TipService.Submitter = .anonymous, hoursAgo: Double) async throws -> TipService.Submitted {
            count += 1
            return try await service.submit(TipDraft(categoryCode: category, description: text, communeCode: commune, address: address,
                                                     occurredAt: now.addingTimeInterval(-hoursAgo * hour - 600), happeningNow: happeningNow),
                                            by: submitter, now: now.addingTimeInterval(-hoursAgo * hour))
        }
        func at(_ hoursAgo: Double) -> Date { now.addingTimeInterval(-hoursAgo * hour) }

        // The kindergarten, last night: dispatched, and closed with its outcome.
        let story = try await submit("weapons", """
            Khoảng 20 thanh niên đi xe máy, mang theo dao, mã tấu tụ tập trước cổng trường mầm non Hoa Hồng, la hét và có dấu hiệu hẹn đánh nhau.
            """, address: "Trước cổng trường mầm non Hoa Hồng, đường Y Wang", now: true, hoursAgo: 20)
        try await service.changeStatus(of: story.tip, to: .acknowledged, reason: nil, by: commander, now: at(19.98))
        _ = try await service.dispatch(story.tip, team: "Tổ công tác Cảnh sát cơ động số 2 và Công an phường, 14 cán bộ", unitCode: "CA66-PK02", by: commander, now: at(19.97))
        try await service.advanceDispatch(of: story.tip, to: .acknowledged, by: commander, now: at(19.96))
        try await service.advanceDispatch(of: story.tip, to: .enRoute, by: commander, now: at(19.95))
        try await service.advanceDispatch(of: story.tip, to: .onSite, by: commander, now: at(19.85))
        _ = try await service.reply("Lực lượng đã có mặt. Cảm ơn bạn đã báo tin kịp thời.", to: story.tip, by: officer, internalNote: false, now: at(19.8))
        try await service.recordOutcome(of: story.tip, DispatchOutcome(
            peopleHeld: 21, vehiclesSeized: 7, weaponsSeized: 4, otherItems: "4 mã tấu, 2 tuýp sắt",
            summary: "Giải tán nhóm tụ tập, đưa 21 đối tượng về trụ sở làm việc, thu giữ 7 xe máy và 4 mã tấu. Không có người bị thương."),
            by: commander, now: at(18))
        try await service.setValuable(story.tip, true, by: commander, now: at(18))
        try await service.changeStatus(of: story.tip, to: .closed, reason: .handled, by: commander, now: at(17.5))

        // A second call about the same gathering, merged into the first.
        let duplicate = try await submit("weapons", "Có nhóm thanh niên cầm hung khí trước trường mầm non trên đường Y Wang.", now: true, hoursAgo: 19.99)
        _ = try await service.merge(duplicate.tip, into: story.tip.reference, by: officer, now: at(19.9))

        // Urgent and waiting on the duty desk right now.
        _ = try await submit("public_order", "Đang có ẩu đả giữa hai nhóm khách tại quán nhậu đầu chợ, có người cầm chai bia.", address: "Chợ trung tâm", now: true, hoursAgo: 0.05)

        // Waiting, anonymous: its receipt is printed by the demo.
        let theft = try await submit("theft", "Xe máy Wave màu đỏ bị lấy trộm trước nhà số 45 đường Lê Duẩn khoảng 22 giờ.", address: "45 Lê Duẩn", hoursAgo: 2)

        // Named, acknowledged, with a reply and the citizen's answer.
        let drugs = try await submit("drugs", "Một nhóm thanh niên thường tụ tập sử dụng ma tuý ở bãi đất trống sau khu dân cư.", by: .citizen(citizen.id), hoursAgo: 30)
        try await service.changeStatus(of: drugs.tip, to: .acknowledged, reason: nil, by: officer, now: at(29))
        _ = try await service.reply("Công an phường đã tiếp nhận. Anh cho biết thường vào khung giờ nào?", to: drugs.tip, by: officer, internalNote: false, now: at(29))
        _ = try await service.addCitizenMessage("Thường sau 22 giờ, có 4-5 người đi 2 xe máy.", to: drugs.tip, by: .citizen(citizen.id), now: at(28))

        // Fraud: also with the cyber unit, being verified.
        let fraud = try await submit("fraud", "Có người gọi số 0867 123 456 tự xưng công an, yêu cầu chuyển 50 triệu đồng để 'xác minh tài khoản'.", hoursAgo: 50)
        try await service.changeStatus(of: fraud.tip, to: .verifying, reason: nil, by: patrol, now: at(48))
        _ = try await service.reply("Đối chiếu với 3 tin báo cùng số điện thoại trong tháng.", to: fraud.tip, by: patrol, internalNote: true, now: at(48))

        // Dispatched, team on the way.
        let gambling = try await submit("gambling", "Sới bạc hoạt động mỗi tối trong nhà kho cuối hẻm 78, có người canh cửa.", address: "Hẻm 78 Nguyễn Tất Thành", hoursAgo: 6)
        _ = try await service.dispatch(gambling.tip, team: "Tổ hình sự Công an phường, 5 cán bộ", unitCode: nil, by: commander, now: at(1))
        try await service.advanceDispatch(of: gambling.tip, to: .enRoute, by: commander, now: at(0.5))

        // Closed as a false report.
        let falseAlarm = try await submit("robbery", "Nghe nói có cướp giật ở ngã tư nhưng không rõ thời gian.", hoursAgo: 80)
        try await service.changeStatus(of: falseAlarm.tip, to: .closed, reason: .falseReport, by: officer, now: at(70))

        // Overdue: never acknowledged (the deadline job escalates it).
        _ = try await submit("traffic", "Xe tải chở vật liệu xây dựng thường xuyên chạy quá tốc độ qua khu trường học giờ tan học.", hoursAgo: 40)

        // Gia Lai has its own.
        _ = try await submit("black_credit", "Nhóm cho vay nặng lãi dán quảng cáo và đến nhà đòi nợ, đe doạ gia đình tôi.", commune: "21583", hoursAgo: 10)

        return Seeded(count: count, sampleReceipt: theft.receipt)
    }
}
