import BinhYenCore
import Fluent
import Foundation
import Vapor

/// Half a year of ordinary days for the demo's statistics: tips and procedure questions in a
/// dozen communes of each demo province, handled by their officers, and, two months ago, the
/// merger of two Gia Lai communes. Everything goes through the services, so the counters are
/// what the records say and `stats rebuild` leaves them as they are.
enum DemoStatistics {
    static let days = 180
    static let communesPerProvince = 12

    static func seed(app: Application, now: Date = Date()) async throws {
        let db = app.db
        guard try await db.requireSQL().raw("SELECT id FROM unit_changes LIMIT 1").first() == nil else { return }
        let tips = TipService(db: db, app: app), questions = QuestionService(db: db, app: app)
        var random = SeededRandom(seed: 2026)
        let start = now.addingTimeInterval(-Double(days) * 86_400)
        let mergeDay = days - 60

        // A dozen communes of each province (by code), each with its area officer.
        var communes: [(unit: Unit, officer: CurrentAccount)] = []
        for province in DemoSeeder.provinceAreaCodes {
            guard let provinceUnit = try await UnitDirectory.find(code: ProvincePolice.provinceUnitCode(province), on: db) else { continue }
            let children = try await Unit.query(on: db).filter(\.$parent.$id == provinceUnit.requireID()).filter(\.$kind == .territorial)
                .filter(\.$validTo == nil).sort(\.$code).limit(communesPerProvince).all()
            for unit in children {
                let phone = "+84903" + unit.code.dropFirst(2) + "0"
                guard let account = try await Account.query(on: db).filter(\.$phone == phone).first(),
                      let officer = try await CurrentAccount.load(accountID: try account.requireID(), on: db) else { continue }
                communes.append((unit, officer))
            }
        }
        guard communes.count >= 2 else { return }
        let citizens = try await Account.query(on: db).filter(\.$kind == .citizen).limit(5).all().map { try $0.requireID() }
        let admins = try await Membership.query(on: db).filter(\.$role == .provinceAdmin).all()
        // Each province started with a pilot in three communes, and went province-wide two months later.
        for (index, commune) in communes.enumerated() {
            guard let province = commune.unit.$parent.id, let admin = admins.first(where: { $0.$unit.id == province }) else { continue }
            let pilot = index % communesPerProvince < 3 ? InternetTime.vietnamDay(start) : ""
            let wide = InternetTime.vietnamDay(start.addingTimeInterval(60 * 86_400))
            try await Rollout.set(commune.unit.requireID(), pilotFrom: pilot, wideFrom: wide, by: admin.$account.id, now: start, gate: app.writeGate)
            // Each commune's residents, a plausible figure drawn from its code (the province's is their sum).
            let population = 9_000 + (Int(commune.unit.code.filter(\.isNumber)) ?? 0) * 7_919 % 45_000 / 100 * 100
            try await Population.set(commune.unit.requireID(), String(population), by: admin.$account.id, now: start, gate: app.writeGate)
            if index % communesPerProvince == 0 {
                try await Rollout.set(province, pilotFrom: InternetTime.vietnamDay(start), wideFrom: wide, by: admin.$account.id, now: start, gate: app.writeGate)
            }
        }
        // The last two Gia Lai communes merge.
        let merged = communes[communes.count - 1], successor = communes[communes.count - 2]
        let categories = ["theft", "traffic", "public_order", "gambling", "fraud", "drugs"]
        let texts = ["Có người lạ lảng vảng quanh các nhà trong xóm vào ban đêm.", "Xe tải chạy quá tốc độ qua cổng trường vào giờ tan học.",
                     "Nhóm thanh niên tụ tập gây ồn ào, đánh nhau ở quán nước đầu thôn.", "Có sới bạc trong nhà kho cuối hẻm, tối nào cũng đông người.",
                     "Nhận cuộc gọi tự xưng công an yêu cầu chuyển tiền để xác minh.", "Nghi có người mua bán chất cấm ở khu nhà trọ gần chợ."]
        let askTexts = ["Xin hỏi làm lại căn cước khi bị mất cần giấy tờ gì ạ?", "Đăng ký tạm trú cho người thuê trọ làm ở đâu ạ?",
                        "Con tôi đủ 14 tuổi, làm căn cước lần đầu thế nào ạ?"]
        var mergedDone = false

        for day in 0..<days {
            let morning = start.addingTimeInterval(Double(day) * 86_400)
            if day == mergeDay, let admin = admins.first(where: { $0.$unit.id == successor.unit.$parent.id }),
               let account = try await CurrentAccount.load(accountID: admin.$account.id, on: db) {
                let effective = InternetTime.vietnamDay(morning)
                try await Reorganisation(db: db, app: app).apply(.init(kind: .merge, unitCode: merged.unit.code, targetCode: successor.unit.code, effective: effective,
                                                                     reason: "Quyết định số 218/QĐ-CAT sắp xếp công an cấp xã (dữ liệu trình diễn)"),
                                                                by: account, now: morning.addingTimeInterval(8 * 3600))
                mergedDone = true
            }
            for (index, commune) in communes.enumerated() {
                if mergedDone, index == communes.count - 1 { continue }
                // About one tip every four days, and a question a week, at varying hours.
                guard random.next(upTo: 4) == 0, let area = try await commune.unit.$area.get(on: db)?.code else { continue }
                let at = morning.addingTimeInterval(Double(7 + random.next(upTo: 13)) * 3600 + Double(random.next(upTo: 3600)))
                let pick = random.next(upTo: categories.count)
                let submitter: TipService.Submitter = citizens.isEmpty || random.next(upTo: 2) == 0 ? .anonymous : .citizen(citizens[random.next(upTo: citizens.count)])
                let submitted = try await tips.submit(TipDraft(categoryCode: categories[pick], description: texts[pick], communeCode: area), by: submitter, now: at)
                let handler = commune.officer
                let recent = day > days - 3
                if random.next(upTo: 3) == 0 { try await tips.setValuable(submitted.tip, true, by: handler, now: at.addingTimeInterval(3600)) }
                if !recent {
                    let reason: TipClosingReason = [.handled, .handled, .handled, .notActionable, .transferred][random.next(upTo: 5)]
                    try await tips.changeStatus(of: submitted.tip, to: .closed, reason: reason, by: handler, now: at.addingTimeInterval(Double(2 + random.next(upTo: 40)) * 3600))
                }
                if random.next(upTo: 2) == 0, let asker = citizens.first {
                    let question = try await questions.ask(.init(communeCode: area, text: askTexts[random.next(upTo: askTexts.count)]), by: asker, now: at)
                    if !recent {
                        _ = try await questions.answer(try question.requireID(), text: "Anh/chị mang căn cước và giấy tờ liên quan đến công an phường, xã; có thể nộp trực tuyến trên Cổng dịch vụ công.",
                                                       procedureSlug: nil, by: handler, now: at.addingTimeInterval(Double(1 + random.next(upTo: 30)) * 3600))
                    }
                }
            }
        }
    }
}

/// SplitMix64 (Steele, Lea and Flood, 2014): the whole state is one number, so the demo is the
/// same on every machine and a test's random history is replayed from its seed alone.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next(upTo bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }
}
