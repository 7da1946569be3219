@testable import App
import BinhYenCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

/// Merging, splitting, renaming and moving units: what moves, what the statistics say after, for
/// the current structure and as it was.
struct ReorganisationTests {
    /// A small history in Tuy Hoà (CA22015) and Buôn Ma Thuột (CA24133), both under Đắk Lắk
    /// (CA66), on 2026-11-10, made through the services so the counters can be rebuilt.
    struct World {
        let app: Application
        var units: [String: UUID] = [:]
        var admin: CurrentAccount
        var tuyHoaOfficer: CurrentAccount
        var citizens: [CurrentAccount]
        var openTip: UUID
        var closedTip: UUID
        var page: UUID
        var group: UUID
        var minute = 0.0
        static let day = Date(timeIntervalSince1970: 1_794_279_600) // 2026-11-10 10:00 in Vietnam

        mutating func next() -> Date {
            minute += 1
            return Self.day.addingTimeInterval(minute * 60)
        }

        static func make(_ app: Application) async throws -> World {
            try await app.loadDemo()
            var units: [String: UUID] = [:]
            for unit in try await Unit.query(on: app.db).all() { units[unit.code] = try unit.requireID() }
            func account(_ phone: String) async throws -> CurrentAccount {
                let e164 = try PhoneNumber(parsing: phone).e164
                let id = try #require(try await Account.query(on: app.db).filter(\.$phone == e164).first()?.id)
                return try #require(try await CurrentAccount.load(accountID: id, on: app.db))
            }
            let admin = try await account("0901000001"), officer = try await account("+84903220150")
            let citizens = [try await account("0988000001"), try await account("0988000002")]
            let tips = TipService(db: app.db, app: app), community = CommunityService(db: app.db, app: app)
            var clock = 0.0
            func at() -> Date { clock += 1; return day.addingTimeInterval(clock * 60) }
            let open = try await tips.submit(TipDraft(categoryCode: "theft", description: "Mất trộm xe máy trước chợ Tuy Hoà tối qua.", communeCode: "22015"),
                                             by: .citizen(citizens[0].id), now: at())
            let closed = try await tips.submit(TipDraft(categoryCode: "gambling", description: "Sới bạc mỗi tối trong kho cuối hẻm 12.", communeCode: "22015"),
                                               by: .anonymous, now: at())
            try await tips.changeStatus(of: closed.tip, to: .closed, reason: .handled, by: officer, now: at())
            _ = try await tips.submit(TipDraft(categoryCode: "theft", description: "Bị giật túi xách trên đường Lê Duẩn.", communeCode: "24133"),
                                      by: .citizen(citizens[1].id), now: at())
            let page = try await community.createPage(.init(name: "Công an phường Tuy Hoà", area: "Phường Tuy Hoà", hotline: nil, description: "Trang chính thức."),
                                                      unitID: try #require(units["CA22015"]), by: admin, now: at())
            _ = try await community.verifyPage(try page.requireID(), by: admin, now: at())
            for citizen in citizens { _ = try await community.follow(try page.requireID(), account: citizen.id, now: at()) }
            let group = try await community.createGroup(unitID: try #require(units["CA22015"]), placeKind: "Khu phố", placeName: "1", by: officer, now: at())
            _ = try await community.join(code: group.inviteCode, account: citizens[0].id, now: at())
            return World(app: app, units: units, admin: admin, tuyHoaOfficer: officer, citizens: citizens, openTip: try open.tip.requireID(),
                         closedTip: try closed.tip.requireID(), page: try page.requireID(), group: try group.requireID(), minute: clock)
        }

        func unit(_ code: String) throws -> UUID { try #require(units[code]) }
    }

    static let november = Statistics.Period(from: "2026-11-01", to: "2026-11-30")
    static let applied = Date(timeIntervalSince1970: 1_796_180_400) // 2026-12-02 10:00 in Vietnam

    func figures(_ code: String, _ world: World) async throws -> Statistics.Figures {
        let unit = try #require(try await UnitDirectory.find(code: code, on: world.app.db)).requireID()
        return try await Statistics(db: world.app.db).figures(of: unit, over: Self.november)
    }

    @Test("A merge moves groups, pages, open tips and officers to the successor, keeps every province total, counts the merged unit's history under its successor, and the past structure still shows it")
    func merge() async throws {
        try await withTestApp { app in
            var world = try await World.make(app)
            let province = try await figures("CA66", world), tuyHoa = try await figures("CA22015", world), ward = try await figures("CA24133", world)
            #expect(tuyHoa.value(.tipsReceived) == 2 && ward.value(.tipsReceived) == 1)
            #expect(tuyHoa.value(.followers) == 2 && tuyHoa.value(.groupMembers) == 2 && tuyHoa.value(.pagesVerified) == 1)

            let request = Reorganisation.Request(kind: .merge, unitCode: "CA22015", targetCode: "CA24133", effective: "2026-12-01",
                                                 reason: "Quyết định số 123/QĐ-CAT về sắp xếp công an cấp xã")
            let plan = try await app.reorganisation(request, by: world.admin)
            // The plan lists what moves: the group, the page, the open tip (not the closed one) and the commune's officer.
            #expect(Set(plan.items.map(\.kind)) == [.group, .page, .tip, .officer])
            #expect(plan.items.filter { $0.kind == .tip }.map(\.id) == [world.openTip])
            #expect(plan.items.contains { $0.kind == .officer && $0.label == world.tuyHoaOfficer.displayName && $0.role == .officer })
            try await Reorganisation(db: app.db, app: app).apply(request, by: world.admin, now: Self.applied)

            // Every province total is unchanged; the ward now counts Tuy Hoà's history with its own.
            let provinceAfter = try await figures("CA66", world), wardAfter = try await figures("CA24133", world)
            #expect(provinceAfter == province)
            // Residents are a figure of today: the closed unit's population no longer counts, the successor's does.
            try await Population.set(try world.unit("CA22015"), "30.000", by: world.admin.id, gate: app.writeGate)
            try await Population.set(try world.unit("CA24133"), "42.000", by: world.admin.id, gate: app.writeGate)
            let provinceResidents = try await figures("CA66", world).population, wardResidents = try await figures("CA24133", world).population
            #expect(provinceResidents == 42_000 && wardResidents == 42_000)
            for line in StatLine.allCases where line != .medianHoursToAnswer && line != .minutesToSite {
                #expect(wardAfter.value(line) == (ward.value(line) ?? 0) + (tuyHoa.value(line) ?? 0), "\(line)")
            }
            let stats = Statistics(db: app.db)
            let current = try await UnitDirectory.children(of: try world.unit("CA66"), on: app.db)
            #expect(!current.contains { $0.code == "CA22015" } && current.contains { $0.code == "CA24133" })
            // As it was on 30 November: Tuy Hoà is there, with its own figures.
            let past = try await stats.children(of: try world.unit("CA66"), asOf: "2026-11-30")
            let pastTuyHoa = try #require(past.first { $0.code == "CA22015" })
            #expect(try await stats.figures(of: [pastTuyHoa], over: Self.november)[pastTuyHoa.id] == tuyHoa)
            #expect(try await stats.children(of: try world.unit("CA66"), asOf: "2026-12-01").contains { $0.code == "CA22015" } == false)

            // What moved, and what did not.
            let wardID = try world.unit("CA24133")
            #expect(try await CommunityGroup.find(world.group, on: app.db)?.$unit.id == wardID)
            #expect(try await App.Page.find(world.page, on: app.db)?.$unit.id == wardID)
            #expect(try await Tip.find(world.openTip, on: app.db)?.$unit.id == wardID)
            #expect(try await Tip.find(world.closedTip, on: app.db)?.$unit.id == (try world.unit("CA22015")))
            let officer = try #require(try await CurrentAccount.load(accountID: world.tuyHoaOfficer.id, on: app.db))
            #expect(officer.grants.map(\.unitID) == [wardID.uuidString])
            let closedUnit = try #require(try await Unit.find(try world.unit("CA22015"), on: app.db))
            #expect(closedUnit.$successor.id == wardID && closedUnit.validTo == InternetTime.vietnamDayStart("2026-12-01"))

            // A tip from Tuy Hoà's area now goes to the ward; events after the merge count there; the
            // counters still rebuild to what was counted live.
            let tips = TipService(db: app.db, app: app), community = CommunityService(db: app.db, app: app)
            let after = Self.applied.addingTimeInterval(600)
            let routed = try await tips.submit(TipDraft(categoryCode: "theft", description: "Mất trộm điện thoại ở bến xe Tuy Hoà.", communeCode: "22015"),
                                               by: .anonymous, now: after)
            let routedTo = try await Unit.find(routed.tip.$unit.id, on: app.db)?.code
            #expect(routedTo == "CA24133")
            _ = try await community.unfollow(world.page, account: world.citizens[1].id, now: after)
            _ = world.next()
            let december = try await stats.figures(of: wardID, over: .init(from: "2026-12-01", to: "2026-12-31"))
            #expect(december.value(.tipsReceived) == 1 && december.change(.followers) == -1)
            let stored = try await StatsRebuild.stored(on: app.db), rebuilt = try await StatsRebuild.tally(on: app.db).nonZero
            #expect(stored == rebuilt)

            // The change is logged with its basis and audited.
            let logged = try await app.db.requireSQL().raw("SELECT kind, reason FROM unit_changes").all()
            #expect(logged.count == 1)
            #expect(try logged.first?.decode(column: "reason", as: String.self) == "Quyết định số 123/QĐ-CAT về sắp xếp công an cấp xã")
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "unit.reorganise").count() == 1)
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "tip.transfer").count() == 1)
        }
    }

    @Test("A split: the first new unit takes the area and the history, the items go as assigned; a rename keeps the old name findable and shown for the past; a move takes the history to the new parent")
    func splitRenameMove() async throws {
        try await withTestApp { app in
            let world = try await World.make(app)
            let province = try await figures("CA66", world), tuyHoa = try await figures("CA22015", world)
            let reorganise = Reorganisation(db: app.db, app: app)
            let split = Reorganisation.Request(kind: .split, unitCode: "CA22015", newUnits: [.init(code: "CA22015-A", name: "Công an phường Tuy Hoà"),
                                                                                            .init(code: "CA22015-B", name: "Công an phường Phú Lâm")],
                                               effective: "2026-12-01", reason: "Quyết định số 45/QĐ-CAT chia tách")
            // A group keeps its counted history with the first new unit: sending it to the second is refused, and nothing changes.
            await #expect(throws: ValidationFailure.self) {
                try await reorganise.apply(split, assignments: [world.group: "CA22015-B"], by: world.admin, now: Self.applied)
            }
            #expect(try await UnitDirectory.find(code: "CA22015-A", on: app.db) == nil)
            try await reorganise.apply(split, assignments: [world.openTip: "CA22015-B"], by: world.admin, now: Self.applied)
            let first = try #require(try await UnitDirectory.find(code: "CA22015-A", on: app.db)), second = try #require(try await UnitDirectory.find(code: "CA22015-B", on: app.db))
            #expect(try await Tip.find(world.openTip, on: app.db)?.$unit.id == second.id)
            #expect(try await CommunityGroup.find(world.group, on: app.db)?.$unit.id == first.id)
            #expect(try await App.Page.find(world.page, on: app.db)?.$unit.id == first.id)
            #expect(try await figures("CA22015-A", world) == tuyHoa)
            #expect(try await figures("CA66", world) == province)
            let routed = try await TipService(db: app.db, app: app).submit(TipDraft(categoryCode: "theft", description: "Mất xe đạp trước cổng trường.", communeCode: "22015"),
                                                                          by: .anonymous, now: Self.applied.addingTimeInterval(60))
            #expect(routed.tip.$unit.id == first.id)

            // Rename the ward: the new name everywhere now, the old one still found by search and shown for the past.
            try await reorganise.apply(.init(kind: .rename, unitCode: "CA24133", newName: "Công an phường Buôn Ma Thuột mới", effective: "2026-12-02",
                                             reason: "Quyết định số 46/QĐ-CAT đổi tên"), by: world.admin, now: Self.applied)
            #expect(try await UnitDirectory.find(code: "CA24133", on: app.db)?.name == "Công an phường Buôn Ma Thuột mới")
            #expect(try await UnitDirectory.search("Buon Ma Thuot", limit: 5, on: app.db).contains { $0.code == "CA24133" })
            let past = try await Statistics(db: app.db).children(of: try world.unit("CA66"), asOf: "2026-12-01")
            #expect(past.first { $0.code == "CA24133" }?.name == "Công an phường Buôn Ma Thuột")

            // Move the new Tuy Hoà unit under the ward: Tuy Hoà's history (it hangs under CA22015-A) now counts under the
            // ward in the current structure, and the province's totals do not change.
            try await reorganise.apply(.init(kind: .move, unitCode: "CA22015-A", targetCode: "CA24133", effective: "2026-12-02", reason: "Điều chỉnh theo Nghị quyết 202"),
                                       by: world.admin, now: Self.applied)
            #expect(try await figures("CA24133", world).value(.tipsReceived) == 3)
            #expect(try await figures("CA66", world) == province)
            #expect(try await UnitDirectory.children(of: try world.unit("CA24133"), on: app.db).map(\.code) == ["CA22015-A"])
            let before = try await Statistics(db: app.db).children(of: try world.unit("CA66"), asOf: "2026-11-30")
            #expect(before.contains { $0.code == "CA22015" })
        }
    }

    @Test("Bad requests are refused with the field and the reason, and change nothing; only province admins reach the screens")
    func refusals() async throws {
        try await withTestApp { app in
            let world = try await World.make(app)
            let reorganise = Reorganisation(db: app.db, app: app)
            func issues(_ request: Reorganisation.Request) async throws -> [String: String] {
                do {
                    _ = try await reorganise.plan(request, by: world.admin, now: Self.applied)
                    return [:]
                } catch let failure as ValidationFailure {
                    return Dictionary(failure.issues.map { ($0.field, $0.messageVI) }) { $0 + " " + $1 }
                }
            }
            #expect(try await issues(.init(kind: .merge, unitCode: "CA22015", targetCode: "CA22015", effective: "2026-12-01", reason: "Quyết định 1"))["target"]
                    == "Không thể chuyển hay sáp nhập một đơn vị vào chính nó hoặc đơn vị cấp dưới của nó.")
            #expect(try await issues(.init(kind: .move, unitCode: "CA22015", targetCode: "CA52", effective: "2026-12-01", reason: "Quyết định 1"))["target"]
                    == "Bạn không có quyền sắp xếp đơn vị này.")
            #expect(try await issues(.init(kind: .merge, unitCode: "CA66", targetCode: "CA52", effective: "2026-12-01", reason: "Quyết định 1"))["unit"]?
                .hasPrefix("Đơn vị còn") == true)
            #expect(try await issues(.init(kind: .merge, unitCode: "CA22015", targetCode: "CA24133", effective: "2027-01-01", reason: "Quyết định 1"))["effective"]
                    == "Ngày hiệu lực không được sau hôm nay: thay đổi có hiệu lực ngay khi xác nhận.")
            #expect(try await issues(.init(kind: .merge, unitCode: "CA22015", targetCode: "CA24133", effective: "2026-12-01", reason: ""))["reason"] != nil)
            #expect(try await issues(.init(kind: .rename, unitCode: "CA22015", newName: "ab", effective: "2026-12-01", reason: "Quyết định 1"))["newName"] != nil)
            #expect(try await issues(.init(kind: .split, unitCode: "CA22015", newUnits: [.init(code: "CA24133", name: "Trùng mã"), .init(code: "x y", name: "Tên")],
                                           effective: "2026-12-01", reason: "Quyết định 1"))["newUnits"] == "Mã CA24133 đã có đơn vị dùng. Mã đơn vị mới thứ 2 chỉ gồm chữ in hoa, số và dấu gạch, 2 đến 40 ký tự.")
            #expect(try await issues(.init(kind: .merge, unitCode: "NOPE", targetCode: "CA24133", effective: "2026-12-01", reason: "Quyết định 1"))["unit"]
                    == "Không có đơn vị đang hoạt động với mã này.")
            #expect(try await app.db.requireSQL().raw("SELECT COUNT(*) AS n FROM unit_changes").first()?.decode(column: "n", as: Int.self) == 0)
            #expect(try await Unit.find(try world.unit("CA22015"), on: app.db)?.validTo == nil)

            // Changes take effect in order: none before one already recorded for the unit.
            try await reorganise.apply(.init(kind: .rename, unitCode: "CA24121", newName: "Công an xã mới", effective: "2026-12-01",
                                             reason: "Quyết định 2"), by: world.admin, now: Self.applied)
            #expect(try await issues(.init(kind: .rename, unitCode: "CA24121", newName: "Công an xã cũ", effective: "2026-11-30", reason: "Quyết định 3"))["effective"]
                    == "Đơn vị đã có thay đổi hiệu lực từ 2026-12-01; ngày hiệu lực không được sớm hơn.")

            // In the console: a commander does not reach it; the admin gets the fields named, then the plan, then the change.
            let commander = try await TipWebTests.login(app, "0901 000 002")
            #expect(try await commander.get("/console/units/reorganise").status == .notFound)
            let admin = try await TipWebTests.login(app, "0901 000 001")
            try await admin.get("/console/units/reorganise")
            let bad = try await admin.post("/console/units/reorganise/plan", ["kind": "merge", "unit": "CA22015", "target": "", "effective": "2026-12-01", "reason": ""])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.text(after: #"data-field="target""#) == "Không có đơn vị đang hoạt động với mã này.")
            #expect(bad.text(after: #"data-field="reason""#)?.hasPrefix("Ghi căn cứ") == true)
            let today = InternetTime.vietnamDay(Date())
            let plan = try await admin.post("/console/units/reorganise/plan", ["kind": "merge", "unit": "CA22015", "target": "CA24133", "effective": today,
                                                                               "reason": "Quyết định số 123/QĐ-CAT"])
            #expect(plan.status == .ok)
            #expect(plan.text(after: #"data-testid="plan-summary""#)?.hasPrefix("Sáp nhập vào đơn vị khác: Công an phường Tuy Hoà → Công an phường Buôn Ma Thuột") == true)
            #expect(plan.body.contains("<td>Nhóm</td><td>Nhóm khu phố 1</td><td>Công an phường Buôn Ma Thuột</td>"))
            #expect(plan.body.contains("<td>Cán bộ</td><td>Nguyễn Văn An (Cán bộ / cảnh sát khu vực)</td>"))
            #expect(try await Unit.find(try world.unit("CA22015"), on: app.db)?.validTo == nil)
            let done = try await admin.post("/console/units/reorganise/apply", ["kind": "merge", "unit": "CA22015", "target": "CA24133", "effective": today,
                                                                                "reason": "Quyết định số 123/QĐ-CAT"])
            #expect(done.location == "/console/units/changes?done=1")
            let changes = try await admin.get("/console/units/changes?done=1")
            #expect(changes.body.contains("data-testid=\"unit-change-notice\""))
            #expect(changes.body.contains("Công an phường Tuy Hoà → Công an phường Buôn Ma Thuột"))
        }
    }
}

extension Application {
    func reorganisation(_ request: Reorganisation.Request, by account: CurrentAccount) async throws -> Reorganisation.Plan {
        try await Reorganisation(db: db, app: self).plan(request, by: account, now: ReorganisationTests.applied)
    }
}
