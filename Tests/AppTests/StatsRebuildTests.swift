@testable import App
import BinhYenCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

/// `StatsRebuild` recomputes every counter of `unit_daily_counts` from the raw records. These tests
/// prove that what it recomputes is what the services counted live, after a long random history of
/// events through the real services, and that a rebuild repairs counters damaged by hand.
///
/// The history is driven by a seeded generator: a failure prints its seed, and
/// `BINHYEN_STATS_SEED=<seed> swift test --filter StatsRebuildTests` replays it
/// (`BINHYEN_STATS_STEPS` changes the length).
@Suite("Statistics rebuilt from the records")
struct StatsRebuildTests {
    static let defaultSeed: UInt64 = 20_260_302
    static let defaultSteps = 600
    /// 2026-03-02 21:00 in Vietnam (14:00 UTC): the first midnight comes three hours in.
    static let start = Date(timeIntervalSince1970: 1_772_460_000)

    static var seed: UInt64 {
        let text = ProcessInfo.processInfo.environment["BINHYEN_STATS_SEED"] ?? ""
        if let decimal = UInt64(text) { return decimal }
        if text.hasPrefix("0x"), let hex = UInt64(text.dropFirst(2), radix: 16) { return hex }
        return defaultSeed
    }

    static var steps: Int {
        Int(ProcessInfo.processInfo.environment["BINHYEN_STATS_STEPS"] ?? "").map { max(1, $0) } ?? defaultSteps
    }

    /// What a history of `defaultSteps` must have done at least, by kind, so the comparison cannot
    /// pass on a history that did (almost) nothing.
    static let required: [(label: String, minimum: Int)] = [
        ("tip.submit.named", 3), ("tip.submit.anonymous", 3), ("tip.status", 2), ("tip.transfer", 2), ("tip.merge", 1),
        ("tip.valuable", 2), ("tip.unvaluable", 1),
        ("tip.close.handled", 1), ("tip.close.transferred", 1), ("tip.close.not_actionable", 1), ("tip.close.duplicate", 1), ("tip.close.false_report", 1),
        ("tip.dispatch", 2), ("dispatch.on_site", 1), ("tip.outcome", 1), ("tip.outcome.again", 1), ("tip.escalate", 1),
        ("page.verify", 1), ("page.follow", 3), ("page.unfollow", 1),
        ("group.create", 3), ("group.join", 3), ("group.request", 1), ("group.approve", 1), ("group.remove", 1), ("group.ban", 1),
        ("group.leave", 1), ("group.handover", 1),
        ("post.publish", 5), ("post.schedule", 1), ("post.withdraw", 1), ("post.withdraw.scheduled", 1),
        ("post.react", 3), ("post.react.change", 1), ("post.unreact", 1), ("post.react.again", 1), ("post.comment", 2), ("post.share", 2),
        ("question.ask", 3), ("question.answer", 2), ("question.escalate", 1), ("question.faq", 1),
        ("dossier.file", 3), ("dossier.settled", 1), ("dossier.refused", 1),
        ("scam.report", 3), ("scam.verify", 1), ("scam.reject", 1), ("scam.verify.again", 1),
        ("harmful.report", 2), ("harmful.takedown_requested", 1), ("harmful.refused", 1), ("harmful.takedown_requested.again", 1), ("harmful.removed", 1),
    ]

    @Test("After a long random history of tips, rapid response, pages, groups, posts, questions, dossiers, scam and harmful-content reports over ten days and many Vietnamese midnights, the counters rebuilt from the records equal the live ones; damaged by hand, a rebuild puts exactly the damaged ones right and is audited")
    func randomHistory() async throws {
        let seed = Self.seed, steps = Self.steps
        print("StatsRebuildTests: seed \(seed), \(steps) steps (replay with BINHYEN_STATS_SEED=\(seed))")
        try await withTestApp { app in
            try await app.loadDemo()
            let history = try await RandomHistory.make(app: app, seed: seed, start: Self.start)
            try await history.run(steps: steps)
            print("StatsRebuildTests: \(history.summary)")

            // The history really did something of every kind, over many days and midnights.
            if steps >= Self.defaultSteps {
                for (label, minimum) in Self.required {
                    #expect(history.succeeded[label, default: 0] >= minimum, "seed \(seed): \(label) succeeded \(history.succeeded[label, default: 0]) times, wanted \(minimum); \(history.summary)")
                }
                #expect(history.totalSucceeded >= steps / 3, "seed \(seed): \(history.summary)")
                #expect(history.beforeMidnight >= 3, "seed \(seed): events in the last seconds before midnight: \(history.beforeMidnight)")
                #expect(history.clock.timeIntervalSince(Self.start) >= 7 * 86_400, "seed \(seed): the history ended at \(InternetTime.string(history.clock))")
            }

            // The live counters are what the records say.
            let live = try await StatsRebuild.stored(on: app.db)
            let rebuilt = try await StatsRebuild.tally(on: app.db).nonZero
            let differing = Self.differing(live, rebuilt)
            #expect(differing.isEmpty, "seed \(seed): \(Self.describe(differing, live: live, rebuilt: rebuilt, codes: history.unitCodes))")
            #expect(live.count == rebuilt.count, "seed \(seed)")
            #expect(try await Self.monthsDifferingFromDays(app) == 0, "seed \(seed): the monthly sums follow the daily counters")
            let metrics = Set(rebuilt.keys.map(\.metric))
            #expect(metrics.count >= (steps >= Self.defaultSteps ? 30 : 1), "seed \(seed): counters of only \(metrics.count) metrics; none of \(Metric.allCases.filter { !metrics.contains($0) }.map(\.rawValue))")
            #expect(Set(rebuilt.keys.map(\.day)).count >= (steps >= Self.defaultSteps ? 7 : 1), "seed \(seed): days \(Set(rebuilt.keys.map(\.day)).sorted())")

            // Damage five counters by hand: three lost, one changed, one that should not exist.
            let sql = try app.db.requireSQL()
            let keys = live.keys.sorted(by: Self.ordered)
            try #require(keys.count >= 5, "seed \(seed): only \(keys.count) counters")
            for key in [keys[0], keys[keys.count / 2], keys[keys.count - 1]] {
                try await sql.raw("""
                    DELETE FROM unit_daily_counts WHERE unit_id = \(bind: key.unit) AND day = \(bind: key.day) AND metric = \(bind: key.metric.rawValue)
                    """).run()
            }
            try await sql.raw("""
                UPDATE unit_daily_counts SET value = value + 7 WHERE unit_id = \(bind: keys[1].unit) AND day = \(bind: keys[1].day) AND metric = \(bind: keys[1].metric.rawValue)
                """).run()
            let bogus = Counters.Key(unit: try history.unitID("CA66"), day: "2001-01-01", metric: .tipsReceived)
            try await Counters.upsert([(bogus, 5)], on: sql)
            let damaged = try await StatsRebuild.stored(on: app.db)
            #expect(Self.differing(damaged, rebuilt).count == 5, "seed \(seed): the damage shows")
            #expect(try await Self.monthsDifferingFromDays(app) == 0, "seed \(seed): deletes and updates by hand move the monthly sums too")
            // Damage a monthly sum alone: the rebuild starts them afresh.
            try await sql.raw("UPDATE unit_monthly_counts SET value = value + 3 WHERE unit_id = \(bind: keys[2].unit) AND metric = \(bind: keys[2].metric.rawValue)").run()
            #expect(try await Self.monthsDifferingFromDays(app) > 0)

            let outcome = try await StatsRebuild.run(gate: app.writeGate, now: history.clock.addingTimeInterval(60))
            #expect(outcome.corrected == 5, "seed \(seed): \(outcome.corrected) corrected")
            #expect(outcome.counters == rebuilt.count)
            let repaired = try await StatsRebuild.stored(on: app.db)
            let stillDiffering = Self.differing(repaired, rebuilt)
            #expect(stillDiffering.isEmpty, "seed \(seed): after the rebuild \(Self.describe(stillDiffering, live: repaired, rebuilt: rebuilt, codes: history.unitCodes))")
            #expect(try await Self.monthsDifferingFromDays(app) == 0, "seed \(seed): the monthly sums after the rebuild")

            let entries = try await AuditEntry.query(on: app.db).filter(\.$action == "stats.rebuild").all()
            #expect(entries.count == 1)
            let entry = try #require(entries.first)
            #expect(entry.actorKind == "system" && entry.subject == "stats")
            let detail = try JSONDecoder().decode([String: String].self, from: Data(entry.detail.utf8))
            #expect(detail == ["counters": String(rebuilt.count), "corrected": "5"])

            // Run again: nothing left to correct, the same counters; the audit chain is whole.
            let again = try await StatsRebuild.run(gate: app.writeGate, now: history.clock.addingTimeInterval(120))
            #expect(again.corrected == 0 && again.counters == rebuilt.count)
            let unchanged = try await StatsRebuild.stored(on: app.db)
            #expect(Self.differing(unchanged, rebuilt).isEmpty)
            let audit = try await AuditLog.verify(on: app.db)
            #expect(audit.isIntact, "\(audit.problems)")
        }
    }

    @Test("A few events on one day: a rebuild leaves the province's totals for the day as they were, and, the counters wiped, brings the same totals back (the roll-up through the unit tree sums what the records say)")
    func provinceTotals() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            // 08:00 in Vietnam: the setup and every event below fall on the same Vietnamese day.
            let morning = Self.start.addingTimeInterval(11 * 3600)
            let world = try await RandomHistory.make(app: app, seed: Self.defaultSeed, start: morning)
            let people = world.people
            var minutes = 0.0
            func next() -> Date {
                minutes += 1
                return morning.addingTimeInterval(minutes * 60)
            }

            let tips = world.tipService
            let named = try await tips.submit(TipDraft(categoryCode: "theft", description: "Mất trộm xe máy trước chợ trung tâm.", communeCode: "24133"),
                                              by: .citizen(people.citizens[0].id), now: next())
            try await tips.changeStatus(of: named.tip, to: .closed, reason: .handled, by: people.wardCommander, now: next())
            let anonymous = try await tips.submit(TipDraft(categoryCode: "gambling", description: "Sới bạc hoạt động mỗi tối trong nhà kho cuối hẻm.", communeCode: "22015"),
                                                  by: .anonymous, now: next())
            try await tips.setValuable(anonymous.tip, true, by: people.dakLakDuty, now: next())

            let community = world.communityService
            let page = try #require(world.pagesOpened.first)
            for citizen in people.citizens.prefix(2) { try await community.follow(page.id, account: citizen.id, now: next()) }
            _ = try await community.verifyPage(page.id, by: people.dakLakAdmin, now: next())
            let group = try #require(world.groupsOpened.first)
            let code = try #require(try await CommunityGroup.find(group.id, on: app.db)?.inviteCode)
            _ = try await community.join(code: code, account: people.citizens[2].id, now: next())

            let posts = world.postService
            let post = try await posts.publish(PostDraft(title: "Cảnh báo lừa đảo qua điện thoại", body: "Không cung cấp mã OTP cho bất kỳ ai gọi đến.",
                                                         category: PostCategory.scamWarning.rawValue, priority: PostPriority.warning.rawValue),
                                               to: .init(audience: .none, groupID: nil, unitID: nil, pageID: page.id), by: people.wardOfficer, now: next())
            let postID = try post.requireID()
            _ = try await posts.react(postID, .thanks, by: people.citizens[0], now: next())
            _ = try await posts.comment(postID, body: "Cảm ơn công an phường.", by: people.citizens[1], now: next())
            _ = try await posts.share(postID, by: nil, now: next())

            let question = try await world.questionService.ask(.init(communeCode: "24133", text: "Xin hỏi đăng ký tạm trú cần giấy tờ gì ạ?"),
                                                               by: people.citizens[3].id, now: next())
            _ = try await world.questionService.answer(try question.requireID(), text: "Mang căn cước và giấy tờ chứng minh chỗ ở hợp pháp.",
                                                       procedureSlug: nil, by: people.wardOfficer, now: next())
            let dossier = try await world.dossierService.file(.init(procedureSlug: "can-cuoc-cap-lai", communeCode: "24133", note: "Mất thẻ ở chợ."),
                                                              by: people.citizens[4].id, now: next())
            _ = try await world.dossierService.advance(try dossier.requireID(), DossierStepDraft(to: .settled), by: people.wardOfficer, now: next())

            let report = try await world.harmfulService.report(HarmfulReportDraft(url: "https://facebook.com/groups/tin-nong-24h/posts/991", categoryCode: "false_information",
                                                                                  description: "Bài đăng bịa đặt tin bắt cóc trẻ em ở chợ."),
                                                               by: .anonymous, now: next())
            for status in [HarmfulStatus.triaged, .takedownRequested] {
                _ = try await world.harmfulService.advance(try report.requireID(), to: status, note: nil, by: people.patrol, now: next())
            }
            let scam = try await world.registry.report(ScamReportDraft(indicators: [IndicatorInput(value: "0977 555 999")],
                                                                       description: "Giả danh nhân viên ngân hàng đòi mã OTP để khoá thẻ."), by: .anonymous, now: next())
            let reported = try #require(scam.indicators.first)
            let indicator = try #require(try await ScamIndicator.query(on: app.db).filter(\.$value == reported.indicator.value).first())
            _ = try await world.registry.decide(try indicator.requireID(), .verify(warning: "Số giả danh ngân hàng đòi mã OTP. Không cung cấp mã cho ai."),
                                                by: people.patrol, now: next())

            let day = InternetTime.vietnamDay(morning)
            #expect(InternetTime.vietnamDay(next()) == day, "every event fell on one day")
            let dakLak = try world.unitID("CA66"), giaLai = try world.unitID("CA52")
            let before = try await Counters.totals(under: dakLak, from: day, to: day, on: app.db)
            let giaLaiBefore = try await Counters.totals(under: giaLai, from: day, to: day, on: app.db)
            #expect(before[.tipsReceived] == 2 && before[.tipsClosedHandled] == 1 && before[.tipsValuable] == 1, "\(before)")
            #expect(before[.followers] == 2 && before[.pagesVerified] == 1 && before[.groupsCreated] == 2 && before[.groupMembers] == 3, "\(before)")
            #expect(before[.postsScamWarning] == 1 && before[.reactions] == 1 && before[.comments] == 1 && before[.shares] == 1, "\(before)")
            #expect(before[.questionsReceived] == 1 && before[.questionsAnswered] == 1 && before[.dossiersReceived] == 1 && before[.dossiersSettled] == 1, "\(before)")
            #expect(before[.takedownsRequested] == 1 && before[.scamIndicatorsVerified] == 1, "\(before)")
            #expect(giaLaiBefore[.groupsCreated] == 1 && giaLaiBefore[.tipsReceived] == nil, "Quy Nhơn's group is Gia Lai's: \(giaLaiBefore)")

            let first = try await StatsRebuild.run(gate: app.writeGate, now: next())
            #expect(first.corrected == 0, "the live counters were right")
            #expect(try await Counters.totals(under: dakLak, from: day, to: day, on: app.db) == before)
            #expect(try await Counters.totals(under: giaLai, from: day, to: day, on: app.db) == giaLaiBefore)

            try await app.db.requireSQL().raw("DELETE FROM unit_daily_counts").run()
            #expect(try await Counters.totals(under: dakLak, from: day, to: day, on: app.db).isEmpty)
            let second = try await StatsRebuild.run(gate: app.writeGate, now: next())
            #expect(second.corrected == first.counters && second.counters == first.counters)
            #expect(try await Counters.totals(under: dakLak, from: day, to: day, on: app.db) == before)
            #expect(try await Counters.totals(under: giaLai, from: day, to: day, on: app.db) == giaLaiBefore)
        }
    }

    // MARK: comparing

    /// The counters whose values differ (missing on one side counts as differing), in a stable order.
    /// Monthly sums that are not what the daily counters add up to, and the other way round.
    static func monthsDifferingFromDays(_ app: Application) async throws -> Int {
        let months = "SELECT unit_id, metric, month, value FROM unit_monthly_counts WHERE value <> 0"
        let days = """
            SELECT unit_id, metric, substr(day, 1, 7) AS month, CAST(SUM(value) AS BIGINT) AS value FROM unit_daily_counts
            GROUP BY unit_id, metric, substr(day, 1, 7) HAVING SUM(value) <> 0
            """
        var count = 0
        for (a, b) in [(months, days), (days, months)] {
            count += try await app.db.requireSQL().raw("SELECT COUNT(*) AS n FROM (\(unsafeRaw: a) EXCEPT \(unsafeRaw: b)) x").first()?.decode(column: "n", as: Int.self) ?? -1
        }
        return count
    }

    static func differing(_ live: [Counters.Key: Int64], _ rebuilt: [Counters.Key: Int64]) -> [Counters.Key] {
        Set(live.keys).union(rebuilt.keys).filter { live[$0] != rebuilt[$0] }.sorted(by: ordered)
    }

    static func ordered(_ a: Counters.Key, _ b: Counters.Key) -> Bool {
        (a.metric.rawValue, a.day, a.unit.uuidString) < (b.metric.rawValue, b.day, b.unit.uuidString)
    }

    /// At most 20 differing counters: metric, day, unit, live and rebuilt values.
    static func describe(_ keys: [Counters.Key], live: [Counters.Key: Int64], rebuilt: [Counters.Key: Int64], codes: [UUID: String]) -> String {
        let lines = keys.prefix(20).map { key in
            "\(key.metric.rawValue) \(key.day) \(codes[key.unit] ?? key.unit.uuidString): live \(live[key].map { String($0) } ?? "none"), rebuilt \(rebuilt[key].map { String($0) } ?? "none")"
        }
        return "\(keys.count) counters differ\(keys.count > 20 ? " (the first 20)" : ""):\n" + lines.joined(separator: "\n")
    }
}

// MARK: - the history

/// Drives the real services (never SQL) with random events on a clock that only moves forward.
/// Every choice comes from the seeded generator and from lists kept here in creation order, never
/// from the order of database rows or of a `Set`, so the same seed makes the same history.
/// A step the services refuse (a random choice that does not fit) is expected and counted apart;
/// any other error fails the test with the seed and the step.
final class RandomHistory {
    let app: Application
    let seed: UInt64
    let people: People
    let unitCodes: [UUID: String]
    private let unitIDs: [String: UUID]
    private var rng: SeededRandom
    private(set) var clock: Date
    /// Successful steps by kind ("tip.close.handled", "post.react.again"…).
    private(set) var succeeded: [String: Int] = [:]
    /// Steps the services refused, by event.
    private(set) var refused: [String: Int] = [:]
    /// Steps with nothing to act on yet (no dispatched tip to advance…).
    private(set) var skipped = 0
    /// Events in the last two seconds before a Vietnamese midnight (the next one comes just after).
    private(set) var beforeMidnight = 0
    private var justBeforeMidnight = false

    /// Who acts. The two duty commanders are made for this test (a commander at each province
    /// unit reaches every unit below it); the rest are the demo's.
    struct People {
        var dakLakDuty: CurrentAccount
        var giaLaiDuty: CurrentAccount
        var dakLakAdmin: CurrentAccount
        var giaLaiAdmin: CurrentAccount
        var wardCommander: CurrentAccount
        var wardOfficer: CurrentAccount
        var wardAreaOfficer: CurrentAccount
        var wardUnitAdmin: CurrentAccount
        var tuyHoaOfficer: CurrentAccount
        var quyNhonOfficer: CurrentAccount
        var patrol: CurrentAccount
        var mobileCommander: CurrentAccount
        var citizens: [CurrentAccount]

        var staff: [CurrentAccount] {
            [dakLakDuty, giaLaiDuty, dakLakAdmin, giaLaiAdmin, wardCommander, wardOfficer, wardAreaOfficer, wardUnitAdmin,
             tuyHoaOfficer, quyNhonOfficer, patrol, mobileCommander]
        }

        /// Who reacts, comments and shares: citizens and two officers.
        var readers: [CurrentAccount] { citizens + [wardOfficer, dakLakDuty] }
    }

    struct TipRef {
        var id: UUID
        /// The duty commander of the tip's province, who may act on it.
        var steward: CurrentAccount
    }

    struct PageRef {
        var id: UUID
        var unit: UUID
        var steward: CurrentAccount
        var verifier: CurrentAccount
    }

    struct GroupRef {
        var id: UUID
        var unit: UUID
        var steward: CurrentAccount
        /// Officers who may run it (and take it over).
        var managers: [CurrentAccount]
    }

    struct PostRef {
        var id: UUID
        var author: CurrentAccount
        var publishAt: Date
    }

    struct Reaction: Equatable {
        var post: UUID
        /// Index in `people.readers`.
        var reader: Int
    }

    struct Owned {
        var id: UUID
        var owner: UUID
    }

    /// Nothing to act on yet: the step is skipped, not failed.
    struct NothingToDo: Error {}

    private var tipRefs: [TipRef] = []
    private var dispatched: [TipRef] = []
    private var outcomes: Set<UUID> = []
    private var closings = 0
    private var pages: [PageRef] = []
    private var verifiedPages: Set<UUID> = []
    private var follows: [(page: UUID, account: UUID)] = []
    private var groups: [GroupRef] = []
    /// Citizens who joined or asked to join each group, in that order.
    private var groupPeople: [UUID: [UUID]] = [:]
    /// Requests to join, as they were made (some since decided).
    private var requests: [(group: UUID, member: UUID)] = []
    private var postRefs: [PostRef] = []
    private var withdrawn: Set<UUID> = []
    private var published = 0
    private var reacted: [Reaction] = []
    private var takenBack: [Reaction] = []
    private var questionRefs: [Owned] = []
    private var answeredBy: [UUID: CurrentAccount] = [:]
    private var publishedFAQs: Set<UUID> = []
    private var dossierRefs: [Owned] = []
    private var everVerified: Set<UUID> = []
    private var harmfulIDs: [UUID] = []

    var tipService: TipService { TipService(db: app.db, app: app) }
    var communityService: CommunityService { CommunityService(db: app.db, app: app) }
    var postService: PostService { PostService(db: app.db, app: app) }
    var questionService: QuestionService { QuestionService(db: app.db, app: app) }
    var dossierService: DossierService { DossierService(db: app.db, app: app) }
    var registry: ScamRegistry { ScamRegistry(db: app.db, app: app) }
    var harmfulService: HarmfulContentService { HarmfulContentService(db: app.db, gate: app.writeGate, store: app.attachmentStore) }

    var totalSucceeded: Int { succeeded.values.reduce(0, +) }

    var summary: String {
        let done = succeeded.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        let refusals = refused.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return "seed \(seed), clock \(InternetTime.string(clock)); succeeded: \(done); refused: \(refusals); skipped \(skipped); before midnight \(beforeMidnight)"
    }

    private init(app: Application, seed: UInt64, start: Date, people: People, unitIDs: [String: UUID]) {
        self.app = app
        self.seed = seed
        self.people = people
        self.unitIDs = unitIDs
        var codes: [UUID: String] = [:]
        for (code, id) in unitIDs { codes[id] = code }
        unitCodes = codes
        rng = SeededRandom(seed: seed)
        // Whole seconds: the audit log keeps milliseconds, rows keep more.
        clock = Date(timeIntervalSince1970: start.timeIntervalSince1970.rounded(.down))
    }

    /// The demo's people, two duty commanders and eight citizens; the procedures; three pages and
    /// three groups (opened through the services, so they count like any other).
    static func make(app: Application, seed: UInt64, start: Date) async throws -> RandomHistory {
        var units: [String: UUID] = [:]
        for unit in try await Unit.query(on: app.db).all() { units[unit.code] = try unit.requireID() }
        let unitIDs = units
        func demo(_ phone: String) async throws -> CurrentAccount {
            let e164 = try PhoneNumber(parsing: phone).e164
            let id = try #require(try await Account.query(on: app.db).filter(\.$phone == e164).first()?.id, "demo account \(phone)")
            return try #require(try await CurrentAccount.load(accountID: id, on: app.db))
        }
        func made(_ phone: String, _ name: String, role: Role?, at code: String = "") async throws -> CurrentAccount {
            let account = Account(phone: phone, displayName: name, passwordHash: "x", kind: role == nil ? .citizen : .staff)
            try await account.create(on: app.db)
            if let role {
                try await Membership(accountID: try account.requireID(), unitID: try #require(unitIDs[code]), role: role).create(on: app.db)
            }
            return try #require(try await CurrentAccount.load(accountID: try account.requireID(), on: app.db))
        }
        var citizens = [try await demo("0988000001"), try await demo("0988000002")]
        for index in 0..<8 { citizens.append(try await made("+8498866000\(index)", "Cư dân thử \(index)", role: nil)) }
        let people = People(
            dakLakDuty: try await made("+84909660001", "Chỉ huy trực ban Đắk Lắk", role: .commander, at: "CA66"),
            giaLaiDuty: try await made("+84909520001", "Chỉ huy trực ban Gia Lai", role: .commander, at: "CA52"),
            dakLakAdmin: try await demo("0901000001"), giaLaiAdmin: try await demo("0902000001"),
            wardCommander: try await demo("0901000002"), wardOfficer: try await demo("0901000003"),
            wardAreaOfficer: try await demo("+84903241330"), wardUnitAdmin: try await demo("0901000006"),
            tuyHoaOfficer: try await demo("+84903220150"), quyNhonOfficer: try await demo("+84903215830"),
            patrol: try await demo("0901000004"), mobileCommander: try await demo("0901000005"),
            citizens: citizens)
        let history = RandomHistory(app: app, seed: seed, start: start, people: people, unitIDs: unitIDs)
        _ = try await KnowledgeBase.installShipped(resourcesDirectory: app.directory.resourcesDirectory, app: app)
        for (code, admin) in [("CA24133", people.wardUnitAdmin), ("CA66-PA05", people.dakLakAdmin), ("CA21583", people.giaLaiAdmin)] {
            try await history.addPage(at: code, by: admin)
            history.succeeded["page.open", default: 0] += 1
        }
        for (code, officer) in [("CA24133", people.wardOfficer), ("CA22015", people.tuyHoaOfficer), ("CA21583", people.quyNhonOfficer)] {
            try await history.addGroup(at: code, kind: "Tổ dân phố", name: "1", by: officer)
            history.succeeded["group.create", default: 0] += 1
        }
        return history
    }

    func unitID(_ code: String) throws -> UUID {
        try #require(unitIDs[code], "unit \(code)")
    }

    /// The pages and groups opened so far, the first three at the start (the ward's, then the
    /// cyber unit's page and Tuy Hoà's group, then Quy Nhơn's).
    var pagesOpened: [PageRef] { pages }
    var groupsOpened: [GroupRef] { groups }

    // MARK: running

    enum Event: String, CaseIterable {
        case submitNamedTip, submitAnonymousTip, changeTipStatus, closeTip, markValuable, transferTip, mergeTips
        case dispatchTeam, advanceTeam, recordOutcome, tipEscalation
        case openPage, verifyPage, follow, unfollow
        case createGroup, joinGroup, askToJoin, decideMember, leaveGroup, handOver
        case publishPost, schedulePost, withdrawPost, react, comment, share
        case askQuestion, answerQuestion, questionEscalation, publishFAQ
        case fileDossier, advanceDossier, supplementDossier
        case reportScam, decideScam
        case reportHarmful, advanceHarmful

        var weight: Int {
            switch self {
            case .submitNamedTip, .submitAnonymousTip: 5
            case .changeTipStatus, .markValuable, .dispatchTeam, .recordOutcome: 4
            case .closeTip: 6
            case .transferTip, .mergeTips, .tipEscalation: 3
            case .advanceTeam: 5
            case .openPage: 1
            case .verifyPage, .handOver, .questionEscalation, .publishFAQ, .supplementDossier: 2
            case .follow, .askQuestion, .answerQuestion: 5
            case .unfollow, .createGroup, .askToJoin, .leaveGroup, .schedulePost, .withdrawPost, .share, .reportHarmful: 3
            case .joinGroup, .decideMember, .advanceDossier, .decideScam, .advanceHarmful: 6
            case .publishPost: 7
            case .react: 8
            case .comment, .fileDossier, .reportScam: 4
            }
        }
    }

    func run(steps: Int) async throws {
        for step in 1...steps {
            advanceClock()
            let event = pickEvent()
            do {
                let label = try await perform(event)
                succeeded[label, default: 0] += 1
            } catch is NothingToDo {
                skipped += 1
            } catch let error where Self.isExpected(error) {
                refused[event.rawValue, default: 0] += 1
            } catch {
                Issue.record("seed \(seed), step \(step), \(event.rawValue) at \(InternetTime.string(clock)): unexpected \(String(reflecting: error))")
                throw error
            }
        }
    }

    /// What the services answer to a choice that does not fit: a refused field, "not found" for
    /// someone who may not see it, a step the flow does not allow.
    static func isExpected(_ error: any Error) -> Bool {
        error is ValidationFailure || error is TipService.NotFound || error is QuestionService.Failure
            || error is DossierService.Failure || error is KnowledgeBase.Failure
    }

    private func perform(_ event: Event) async throws -> String {
        switch event {
        case .submitNamedTip: return try await submitTip(anonymous: false)
        case .submitAnonymousTip: return try await submitTip(anonymous: true)
        case .changeTipStatus: return try await changeTipStatus()
        case .closeTip: return try await closeTip()
        case .markValuable: return try await markValuable()
        case .transferTip: return try await transferTip()
        case .mergeTips: return try await mergeTips()
        case .dispatchTeam: return try await dispatchTeam()
        case .advanceTeam: return try await advanceTeam()
        case .recordOutcome: return try await recordOutcome()
        case .tipEscalation: return try await runTipEscalation()
        case .openPage: return try await openPage()
        case .verifyPage: return try await verifyPage()
        case .follow: return try await follow()
        case .unfollow: return try await unfollow()
        case .createGroup: return try await createGroup()
        case .joinGroup: return try await joinGroup()
        case .askToJoin: return try await askToJoin()
        case .decideMember: return try await decideMember()
        case .leaveGroup: return try await leaveGroup()
        case .handOver: return try await handOverGroup()
        case .publishPost: return try await publishPost(scheduled: false)
        case .schedulePost: return try await publishPost(scheduled: true)
        case .withdrawPost: return try await withdrawPost()
        case .react: return try await react()
        case .comment: return try await comment()
        case .share: return try await share()
        case .askQuestion: return try await askQuestion()
        case .answerQuestion: return try await answerQuestion()
        case .questionEscalation: return try await runQuestionEscalation()
        case .publishFAQ: return try await publishFAQ()
        case .fileDossier: return try await fileDossier()
        case .advanceDossier: return try await advanceDossier()
        case .supplementDossier: return try await supplementDossier()
        case .reportScam: return try await reportScam()
        case .decideScam: return try await decideScam()
        case .reportHarmful: return try await reportHarmful()
        case .advanceHarmful: return try await advanceHarmful()
        }
    }

    private func pickEvent() -> Event {
        var ticket = roll(0...(Event.allCases.reduce(0) { $0 + $1.weight } - 1))
        for event in Event.allCases {
            if ticket < event.weight { return event }
            ticket -= event.weight
        }
        return .submitNamedTip
    }

    /// Moves the clock forward by one to 47 minutes (ten days over 600 steps). Near midnight,
    /// now and then, an event lands in the last two seconds of the Vietnamese day and the next one
    /// a few seconds into the next day.
    private func advanceClock() {
        let seconds = Int(clock.timeIntervalSince1970)
        let nextMidnight = seconds - (seconds + 7 * 3600) % 86_400 + 86_400
        if justBeforeMidnight {
            clock = clock.addingTimeInterval(Double(roll(2...5)))
            justBeforeMidnight = false
        } else if nextMidnight - seconds > 3, nextMidnight - seconds < 2 * 3600, chance(0.3) {
            clock = Date(timeIntervalSince1970: Double(nextMidnight - roll(1...2)))
            justBeforeMidnight = true
            beforeMidnight += 1
        } else {
            clock = clock.addingTimeInterval(Double(roll(60...2_800)))
        }
    }

    private func roll(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }

    private func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < probability }

    private func pick<T>(_ items: [T]) throws -> T {
        guard let item = items.randomElement(using: &rng) else { throw NothingToDo() }
        return item
    }

    /// Rows by id, to read the current state of the things kept in creation order here.
    private static func byID<M: Model>(_ rows: [M]) -> [UUID: M] where M.IDValue == UUID {
        var out: [UUID: M] = [:]
        for row in rows { if let id = row.id { out[id] = row } }
        return out
    }

    /// Mostly someone who may act; now and then anyone on the staff (refused when not allowed,
    /// and then nothing may be counted).
    private func usually(_ account: CurrentAccount, _ probability: Double = 0.85) throws -> CurrentAccount {
        try chance(probability) ? account : pick(people.staff)
    }

    private static func isGiaLai(_ code: String) -> Bool { code == "CA52" || code == "CA21583" }

    private func duty(_ code: String) -> CurrentAccount { Self.isGiaLai(code) ? people.giaLaiDuty : people.dakLakDuty }
}

// MARK: - tips and rapid response

extension RandomHistory {
    static let communes = ["24133", "24133", "22015", "22045", "21583"]
    static let tipCategories = ["black_credit", "theft", "robbery", "weapons", "drugs", "gambling", "fraud", "harmful_online", "traffic", "public_order", "other"]
    static let stories = [
        "Xe máy bị lấy trộm trước nhà lúc tối muộn.",
        "Nhóm thanh niên tụ tập gây mất trật tự trước quán nhậu.",
        "Có người lạ thường xuyên đứng canh đầu hẻm vào ban đêm.",
        "Sới bạc hoạt động trong nhà kho cuối hẻm, có người canh cửa.",
        "Xe tải chạy quá tốc độ qua khu trường học giờ tan học.",
    ]
    static let transferTargets = ["CA24133", "CA22015", "CA22045", "CA66-PA05", "CA66-PK02", "CA66-PC02", "CA21583", "CA66"]

    /// The tips kept here, as they are now, that `include` keeps.
    private func tipsNow(where include: (Tip) -> Bool) async throws -> [(ref: TipRef, tip: Tip)] {
        guard !tipRefs.isEmpty else { throw NothingToDo() }
        let now = Self.byID(try await Tip.query(on: app.db).all())
        var out: [(ref: TipRef, tip: Tip)] = []
        for ref in tipRefs {
            if let tip = now[ref.id], include(tip) { out.append((ref, tip)) }
        }
        return out
    }

    /// Named or anonymous, in several communes (one in twenty in a commune nobody knows: refused)
    /// and every category; some urgent; fraud tips name a number of the scam pool.
    func submitTip(anonymous: Bool) async throws -> String {
        var commune = "99999"
        if chance(0.95) { commune = try pick(Self.communes) }
        let category = try pick(Self.tipCategories)
        var text = try pick(Self.stories)
        if category == "fraud" {
            let phone = try pick(Self.scamPhones)
            text += " Số gọi đến: \(phone)."
        }
        var address: String?
        if chance(0.5) { address = "Số \(roll(1...200)) đường Y Wang" }
        let draft = TipDraft(categoryCode: category, description: text, communeCode: commune, address: address,
                             occurredAt: clock.addingTimeInterval(-Double(roll(0...7_200))), happeningNow: chance(0.15))
        var submitter = TipService.Submitter.anonymous
        if !anonymous { submitter = .citizen(try pick(people.citizens).id) }
        let submitted = try await tipService.submit(draft, by: submitter, now: clock)
        tipRefs.append(TipRef(id: try submitted.tip.requireID(), steward: commune == "21583" ? people.giaLaiDuty : people.dakLakDuty))
        return anonymous ? "tip.submit.anonymous" : "tip.submit.named"
    }

    private func tipActor(_ ref: TipRef) throws -> CurrentAccount { try usually(ref.steward, 0.8) }

    /// A step forward short of closing (now and then backwards: refused).
    func changeTipStatus() async throws -> String {
        let (ref, tip) = try pick(try await tipsNow { $0.status != .closed })
        let forward = TipStatus.allCases.filter { $0 > tip.status && $0 != .closed }
        var next = TipStatus.received
        if !forward.isEmpty, chance(0.9) { next = try pick(forward) }
        try await tipService.changeStatus(of: tip, to: next, reason: nil, by: tipActor(ref), now: clock)
        return "tip.status"
    }

    /// Closes an open tip, with every reason in turn.
    func closeTip() async throws -> String {
        let (ref, tip) = try pick(try await tipsNow { $0.status != .closed })
        let reason = TipClosingReason.allCases[closings % TipClosingReason.allCases.count]
        try await tipService.changeStatus(of: tip, to: .closed, reason: reason, by: tipActor(ref), now: clock)
        closings += 1
        return "tip.close." + reason.rawValue
    }

    /// Marks a tip valuable or takes the mark back (now and then sets what it already is).
    func markValuable() async throws -> String {
        let wanted = chance(0.4)
        var candidates = try await tipsNow { $0.valuable == wanted }
        if candidates.isEmpty { candidates = try await tipsNow { _ in true } }
        let (ref, tip) = try pick(candidates)
        let was = tip.valuable
        let valuable = chance(0.85) ? !was : was
        try await tipService.setValuable(tip, valuable, by: tipActor(ref), now: clock)
        if valuable == was { return "tip.valuable.unchanged" }
        return valuable ? "tip.valuable" : "tip.unvaluable"
    }

    /// Hands a tip (open or closed) to another unit, in the province or the other one.
    func transferTip() async throws -> String {
        let (ref, tip) = try pick(try await tipsNow { _ in true })
        try await tipService.transfer(tip, toUnitCode: pick(Self.transferTargets), reason: "Chuyển đơn vị có thẩm quyền xử lý.", by: tipActor(ref), now: clock)
        return "tip.transfer"
    }

    /// Merges an open tip into another as a duplicate.
    func mergeTips() async throws -> String {
        let (ref, duplicate) = try pick(try await tipsNow { $0.status != .closed })
        let (_, target) = try pick(try await tipsNow { _ in true })
        _ = try await tipService.merge(duplicate, into: target.reference, by: tipActor(ref), now: clock)
        return "tip.merge"
    }

    /// Sends a team (by the tip's unit or another), by a commander.
    func dispatchTeam() async throws -> String {
        let sent = Set(dispatched.map(\.id))
        let fresh = chance(0.9)
        let (ref, tip) = try pick(try await tipsNow { candidate in
            guard candidate.status != .closed, let id = candidate.id else { return false }
            return !fresh || !sent.contains(id)
        })
        var unitCode: String?
        if chance(0.5) { unitCode = try pick(["CA66-PK02", "CA24133", "CA22015", "CA21583"]) }
        var commander = ref.steward
        if chance(0.2) { commander = try pick([people.wardCommander, people.mobileCommander, people.wardOfficer, people.patrol]) }
        _ = try await tipService.dispatch(tip, team: "Tổ công tác số \(roll(1...9))", unitCode: unitCode, by: commander, now: clock)
        if !sent.contains(ref.id) { dispatched.append(ref) }
        return "tip.dispatch"
    }

    /// Moves a team forward, mostly to the scene (now and then backwards: refused).
    func advanceTeam() async throws -> String {
        let ref = try pick(dispatched)
        guard let tip = try await Tip.find(ref.id, on: app.db), let dispatch = try await tipService.dispatchRecord(of: tip) else { throw NothingToDo() }
        let later = DispatchStatus.allCases.filter { $0 > dispatch.status }
        var next = DispatchStatus.assigned
        if later.contains(.onSite), chance(0.7) {
            next = .onSite
        } else if !later.isEmpty, chance(0.9) {
            next = try pick(later)
        }
        try await tipService.advanceDispatch(of: tip, to: next, by: tipActor(ref), now: clock)
        return "dispatch." + next.rawValue
    }

    /// Records an operation's outcome, and records again with other figures.
    func recordOutcome() async throws -> String {
        let recorded = dispatched.filter { outcomes.contains($0.id) }
        let ref = try !recorded.isEmpty && chance(0.4) ? pick(recorded) : pick(dispatched)
        guard let tip = try await Tip.find(ref.id, on: app.db) else { throw NothingToDo() }
        let outcome = DispatchOutcome(peopleHeld: roll(0...4), vehiclesSeized: roll(0...3), weaponsSeized: roll(0...2),
                                      summary: "Kết quả xử lý của tổ công tác, lần ghi \(roll(1...9)).")
        try await tipService.recordOutcome(of: tip, outcome, by: tipActor(ref), now: clock)
        return outcomes.insert(ref.id).inserted ? "tip.outcome" : "tip.outcome.again"
    }

    /// The deadline job, at the current time: overdue tips climb one level.
    func runTipEscalation() async throws -> String {
        try await TipEscalation.run(app: app, now: clock) > 0 ? "tip.escalate" : "tip.escalate.none"
    }
}

// MARK: - pages and groups

extension RandomHistory {
    static let pageUnits = ["CA24133", "CA22015", "CA66-PA05", "CA21583", "CA66"]
    static let groupUnits = ["CA24133", "CA24133", "CA22015", "CA21583"]

    func addPage(at code: String, by admin: CurrentAccount) async throws {
        let unit = try unitID(code)
        let draft = CommunityService.PageDraft(name: "Trang thông tin số \(pages.count + 1)", area: "Địa bàn \(code)", hotline: nil,
                                               description: "Trang chính thức đăng tin của đơn vị.")
        let page = try await communityService.createPage(draft, unitID: unit, by: admin, now: clock)
        pages.append(PageRef(id: try page.requireID(), unit: unit, steward: duty(code),
                             verifier: Self.isGiaLai(code) ? people.giaLaiAdmin : people.dakLakAdmin))
    }

    func addGroup(at code: String, kind: String, name: String, by officer: CurrentAccount) async throws {
        let unit = try unitID(code)
        let group = try await communityService.createGroup(unitID: unit, placeKind: kind, placeName: name, by: officer, now: clock)
        groups.append(GroupRef(id: try group.requireID(), unit: unit, steward: duty(code), managers: managers(of: code)))
    }

    private func managers(of code: String) -> [CurrentAccount] {
        switch code {
        case "CA24133": [people.wardOfficer, people.wardCommander, people.wardAreaOfficer, people.dakLakDuty]
        case "CA21583": [people.quyNhonOfficer, people.giaLaiDuty]
        default: [people.tuyHoaOfficer, people.dakLakDuty]
        }
    }

    /// A province (or unit) admin opens a page for a unit.
    func openPage() async throws -> String {
        let code = try pick(Self.pageUnits)
        let admin = try usually(Self.isGiaLai(code) ? people.giaLaiAdmin : (code == "CA24133" && chance(0.5) ? people.wardUnitAdmin : people.dakLakAdmin))
        try await addPage(at: code, by: admin)
        return "page.open"
    }

    /// The province admin verifies a page (verified once: again changes nothing).
    func verifyPage() async throws -> String {
        let page = try pick(pages)
        _ = try await communityService.verifyPage(page.id, by: usually(page.verifier), now: clock)
        return verifiedPages.insert(page.id).inserted ? "page.verify" : "page.verify.again"
    }

    func follow() async throws -> String {
        let page = try pick(pages), citizen = try pick(people.citizens)
        try await communityService.follow(page.id, account: citizen.id, now: clock)
        follows.append((page.id, citizen.id))
        return "page.follow"
    }

    /// Mostly someone who follows; now and then someone who does not (changes nothing).
    func unfollow() async throws -> String {
        var page = try pick(pages).id, account = try pick(people.citizens).id
        if chance(0.75), !follows.isEmpty { (page, account) = try pick(follows) }
        try await communityService.unfollow(page, account: account, now: clock)
        return "page.unfollow"
    }

    /// An officer opens a group for a place (the same place twice: refused).
    func createGroup() async throws -> String {
        let code = try pick(Self.groupUnits)
        try await addGroup(at: code, kind: pick(GroupRules.suggestedPlaceKinds), name: String(roll(1...40)), by: usually(pick(managers(of: code))))
        return "group.create"
    }

    private func remember(_ account: UUID, in group: UUID) {
        if !(groupPeople[group] ?? []).contains(account) { groupPeople[group, default: []].append(account) }
    }

    /// A citizen joins by the invite code (now and then a wrong code: refused).
    func joinGroup() async throws -> String {
        let group = try pick(groups), citizen = try pick(people.citizens)
        guard let code = try await CommunityGroup.find(group.id, on: app.db)?.inviteCode else { throw NothingToDo() }
        let before = try await communityService.membership(group.id, account: citizen.id)
        _ = try await communityService.join(code: chance(0.05) ? "ZZZZ9999" : code, account: citizen.id, now: clock)
        remember(citizen.id, in: group.id)
        return before?.status == .active ? "group.join.unchanged" : "group.join"
    }

    func askToJoin() async throws -> String {
        let group = try pick(groups), citizen = try pick(people.citizens)
        let before = try await communityService.membership(group.id, account: citizen.id)
        _ = try await communityService.requestToJoin(group.id, account: citizen.id, now: clock)
        remember(citizen.id, in: group.id)
        guard before == nil || before?.status == .left else { return "group.request.unchanged" }
        requests.append((group.id, citizen.id))
        return "group.request"
    }

    /// The group's owner now, another officer who runs it, or (now and then) anyone on the staff.
    private func groupOfficer(_ group: GroupRef) async throws -> CurrentAccount {
        if chance(0.1) { return try pick(people.staff) }
        if chance(0.5), let owner = try await CommunityGroup.find(group.id, on: app.db)?.$owner.id,
           let account = try await CurrentAccount.load(accountID: owner, on: app.db) {
            return account
        }
        return try pick(group.managers)
    }

    /// Approves, removes, bans, lets back or names a deputy, mostly what fits the member's standing.
    func decideMember() async throws -> String {
        // Often someone who asked to join, so that some requests are approved.
        var choice: (group: GroupRef, member: UUID)?
        if chance(0.4), !requests.isEmpty {
            let request = try pick(requests)
            if let asked = groups.first(where: { $0.id == request.group }) { choice = (asked, request.member) }
        }
        if choice == nil {
            let group = try pick(groups)
            let member = try pick(groupPeople[group.id] ?? [])
            choice = (group, member)
        }
        guard let picked = choice else { throw NothingToDo() }
        let (group, member) = picked
        let before = try await communityService.membership(group.id, account: member)
        var decision = try pick(CommunityService.MemberDecision.allCases)
        if chance(0.85) {
            switch before?.status {
            case .pending?: decision = chance(0.8) ? .approve : .ban
            case .active?: decision = try pick([CommunityService.MemberDecision.remove, .remove, .ban, .makeDeputy, .makeMember])
            case .banned?: decision = .unban
            default: break
            }
        }
        let after = try await communityService.decide(group.id, member: member, decision, by: groupOfficer(group), now: clock)
        return after == before ? "group.\(decision.rawValue).unchanged" : "group.\(decision.rawValue)"
    }

    func leaveGroup() async throws -> String {
        let group = try pick(groups)
        let member = try pick(groupPeople[group.id] ?? [])
        let before = try await communityService.membership(group.id, account: member)
        try await communityService.leave(group.id, account: member, now: clock)
        return before?.status == .active || before?.status == .pending ? "group.leave" : "group.leave.unchanged"
    }

    /// Hands a group to another officer of its unit, by its owner or an officer who runs it.
    func handOverGroup() async throws -> String {
        let group = try pick(groups)
        guard let owner = try await CommunityGroup.find(group.id, on: app.db)?.$owner.id,
              let current = try await CurrentAccount.load(accountID: owner, on: app.db) else { throw NothingToDo() }
        var successor = try pick(group.managers.filter { $0.id != owner })
        if chance(0.1) { successor = try pick(people.staff) }
        let by = try chance(0.7) ? current : pick(group.managers)
        _ = try await communityService.handOver(group.id, to: successor.id, by: by, now: clock)
        return successor.id == owner ? "group.handover.unchanged" : "group.handover"
    }
}

// MARK: - posts and what readers do with them

extension RandomHistory {
    /// Publishes to a page, a group, a unit's groups or a province, every category in turn, at
    /// once or scheduled up to two days ahead (across midnights).
    func publishPost(scheduled: Bool) async throws -> String {
        let usual: CurrentAccount
        let target: PostService.Target
        switch roll(0...3) {
        case 0:
            let page = try pick(pages)
            usual = page.steward
            target = .init(audience: .none, groupID: nil, unitID: nil, pageID: page.id)
        case 1:
            let group = try pick(groups)
            usual = try pick(group.managers + [group.steward])
            target = .init(audience: .group, groupID: group.id, unitID: nil, pageID: nil)
        case 2:
            let group = try pick(groups)
            usual = group.steward
            target = .init(audience: .unitGroups, groupID: nil, unitID: group.unit, pageID: nil)
        default:
            let giaLai = chance(0.3)
            usual = giaLai ? people.giaLaiAdmin : people.dakLakAdmin
            target = .init(audience: .subtree, groupID: nil, unitID: try unitID(giaLai ? "CA52" : "CA66"), pageID: nil)
        }
        let publisher = try usually(usual)
        let category = PostCategory.allCases[published % PostCategory.allCases.count]
        let priority = try pick(PostPriority.allCases)
        let publishAt = scheduled ? clock.addingTimeInterval(Double(roll(1_800...2 * 86_400))) : nil
        let number = postRefs.count + 1
        let draft = PostDraft(title: "Thông báo số \(number)", body: "Nội dung thông báo số \(number) gửi bà con trong địa bàn.",
                              category: category.rawValue, priority: priority.rawValue, publishAt: publishAt)
        let post = try await postService.publish(draft, to: target, by: publisher, now: clock)
        published += 1
        postRefs.append(PostRef(id: try post.requireID(), author: publisher, publishAt: post.publishAt))
        return scheduled ? "post.schedule" : "post.publish"
    }

    /// Withdraws a post; mostly one still waiting for its time (it then never counts).
    func withdrawPost() async throws -> String {
        let open = postRefs.filter { !withdrawn.contains($0.id) }
        let waiting = open.filter { $0.publishAt > clock }
        let post = try !waiting.isEmpty && chance(0.6) ? pick(waiting) : pick(open)
        _ = try await postService.withdraw(post.id, notice: "Bài viết được thu hồi để cập nhật thông tin mới.", by: usually(post.author), now: clock)
        withdrawn.insert(post.id)
        return post.publishAt > clock ? "post.withdraw.scheduled" : "post.withdraw"
    }

    /// Reacts, changes the kind, takes it back, reacts again (readers who may not read the post,
    /// and withdrawn posts: refused).
    func react() async throws -> String {
        let mode = roll(0...9)
        if mode < 2, !reacted.isEmpty {
            let pair = try pick(reacted)
            _ = try await postService.react(pair.post, pick(ReactionKind.allCases), by: people.readers[pair.reader], now: clock)
            return "post.react.change"
        }
        if mode < 4, !reacted.isEmpty {
            let pair = try pick(reacted)
            _ = try await postService.react(pair.post, nil, by: people.readers[pair.reader], now: clock)
            reacted.removeAll { $0 == pair }
            takenBack.append(pair)
            return "post.unreact"
        }
        var pair = Reaction(post: try pick(postRefs).id, reader: roll(0...(people.readers.count - 1)))
        if mode < 7, !takenBack.isEmpty { pair = try pick(takenBack) }
        _ = try await postService.react(pair.post, pick(ReactionKind.allCases), by: people.readers[pair.reader], now: clock)
        if reacted.contains(pair) { return "post.react.change" }
        reacted.append(pair)
        if takenBack.contains(pair) {
            takenBack.removeAll { $0 == pair }
            return "post.react.again"
        }
        return "post.react"
    }

    func comment() async throws -> String {
        let post = try pick(postRefs)
        _ = try await postService.comment(post.id, body: "Cảm ơn công an, bà con đã nắm được thông tin.", by: pick(people.readers), now: clock)
        return "post.comment"
    }

    /// A share link, by a reader or someone not logged in.
    func share() async throws -> String {
        let post = try pick(postRefs)
        var reader: CurrentAccount?
        if chance(0.7) { reader = try pick(people.readers) }
        _ = try await postService.share(post.id, by: reader, now: clock)
        return "post.share"
    }
}

// MARK: - questions, answers and dossiers

extension RandomHistory {
    static let procedureSlugs = ["can-cuoc-cap-lai", "dang-ky-tam-tru", "dang-ky-thuong-tru", "khai-bao-tam-vang"]

    private var answerers: [CurrentAccount] {
        [people.dakLakDuty, people.dakLakDuty, people.giaLaiDuty, people.wardOfficer, people.wardCommander, people.tuyHoaOfficer, people.quyNhonOfficer]
    }

    /// A citizen asks their commune's police, or a unit they chose (one in twenty names neither: refused).
    func askQuestion() async throws -> String {
        let asker = try pick(people.citizens)
        let topic = try pick(["đăng ký tạm trú", "cấp lại căn cước", "khai báo tạm vắng"])
        var draft = QuestionService.Draft(text: "Xin hỏi thủ tục \(topic) cần những giấy tờ gì ạ?")
        switch roll(0...19) {
        case 0: break
        case 1...3: draft.unitCode = try pick(["CA66-PV01", "CA22015", "CA66"])
        default: draft.communeCode = try pick(Self.communes)
        }
        if chance(0.3) { draft.procedureSlug = try pick(Self.procedureSlugs) }
        let question = try await questionService.ask(draft, by: asker.id, now: clock)
        questionRefs.append(Owned(id: try question.requireID(), owner: asker.id))
        return "question.ask"
    }

    /// An officer answers a waiting question (an officer of another area: not found).
    func answerQuestion() async throws -> String {
        let now = Self.byID(try await Question.query(on: app.db).all())
        let waiting = questionRefs.filter { now[$0.id]?.status == .received }
        let question = try pick(waiting)
        let officer = try pick(answerers)
        var slug: String?
        if chance(0.5) { slug = try pick(Self.procedureSlugs) }
        _ = try await questionService.answer(question.id, text: "Bạn mang căn cước đến bộ phận một cửa của công an xã, phường để được hướng dẫn.",
                                             procedureSlug: slug, by: officer, now: clock)
        answeredBy[question.id] = officer
        return "question.answer"
    }

    /// The deadline job, at the current time: late questions alert, then climb to the parent unit.
    func runQuestionEscalation() async throws -> String {
        try await QuestionEscalation.run(app: app, now: clock) > 0 ? "question.escalate" : "question.escalate.none"
    }

    /// The officer who answered publishes the answer as a public FAQ (twice: refused).
    func publishFAQ() async throws -> String {
        let answered = questionRefs.compactMap { ref in answeredBy[ref.id].map { (id: ref.id, officer: $0) } }
        let fresh = answered.filter { !publishedFAQs.contains($0.id) }
        let (id, officer) = try !fresh.isEmpty && chance(0.9) ? pick(fresh) : pick(answered)
        _ = try await questionService.publish(id, question: "Thủ tục này cần những giấy tờ gì?", answer: "Mang căn cước đến bộ phận một cửa.",
                                              procedureSlug: pick(Self.procedureSlugs), by: officer, now: clock)
        publishedFAQs.insert(id)
        return "question.faq"
    }

    func fileDossier() async throws -> String {
        let applicant = try pick(people.citizens)
        let slug = try pick(Self.procedureSlugs)
        var draft = DossierService.Draft(procedureSlug: slug, note: "Nộp hồ sơ trực tuyến.")
        if chance(0.95) { draft.communeCode = try pick(Self.communes) }
        let dossier = try await dossierService.file(draft, by: applicant.id, now: clock)
        dossierRefs.append(Owned(id: try dossier.requireID(), owner: applicant.id))
        return "dossier.file"
    }

    /// An officer takes a step, mostly one the flow allows from where the dossier stands; settled
    /// and refused end it.
    func advanceDossier() async throws -> String {
        let now = Self.byID(try await Dossier.query(on: app.db).all())
        var open: [(id: UUID, status: DossierStatus)] = []
        for ref in dossierRefs {
            if let dossier = now[ref.id], !dossier.status.isFinal { open.append((ref.id, dossier.status)) }
        }
        let (id, status) = try pick(open)
        var to = try pick(DossierStatus.allCases)
        let endings = status.officerSteps.filter(\.isFinal)
        if !endings.isEmpty, chance(0.4) {
            to = try pick(endings)
        } else if !status.officerSteps.isEmpty, chance(0.85) {
            to = try pick(status.officerSteps)
        }
        var step = DossierStepDraft(to: to)
        if to == .needsDocuments || to == .refused, chance(0.9) { step.message = "Cần bổ sung giấy xác nhận nơi cư trú." }
        if to == .appointmentSet {
            step.appointmentAt = clock.addingTimeInterval(Double(roll(3_600...3 * 86_400)))
            step.appointmentPlace = "Bộ phận một cửa công an phường"
        }
        _ = try await dossierService.advance(id, step, by: pick(answerers), now: clock)
        return "dossier." + to.rawValue
    }

    /// The citizen says the missing documents were supplied.
    func supplementDossier() async throws -> String {
        let now = Self.byID(try await Dossier.query(on: app.db).all())
        let asked = dossierRefs.filter { now[$0.id]?.status == .needsDocuments }
        let dossier = try pick(asked)
        _ = try await dossierService.supplement(dossier.id, message: "Đã nộp giấy xác nhận qua VNeID.", by: dossier.owner, now: clock)
        return "dossier.supplement"
    }
}

// MARK: - the scam registry and harmful content

extension RandomHistory {
    static let scamPhones = (0..<12).map { "0977 555 \(100 + $0)" }
    static let scamSites = (0..<4).map { "https://dautu-sieuloi-\($0).com/dang-ky" }
    static let harmfulURLs = (0..<8).map { "https://facebook.com/groups/tin-nong-24h/posts/\(900 + $0)" }

    /// A citizen (or someone anonymous) reports numbers and sites from a small pool, so reports
    /// pile up on the same indicators.
    func reportScam() async throws -> String {
        var inputs = [IndicatorInput(value: try pick(Self.scamPhones))]
        if chance(0.3) { inputs.append(IndicatorInput(value: try pick(Self.scamSites))) }
        var submitter = TipService.Submitter.anonymous
        if chance(0.5) { submitter = .citizen(try pick(people.citizens).id) }
        _ = try await registry.report(ScamReportDraft(indicators: inputs, description: "Kẻ gian gọi điện giả danh nhân viên ngân hàng đòi mã OTP."),
                                      by: submitter, now: clock)
        return "scam.report"
    }

    /// The patrol verifies, rejects, and verifies again after a rejection (only the first
    /// verification counts).
    func decideScam() async throws -> String {
        let all = try await ScamIndicator.query(on: app.db).filter(\.$status != .merged).sort(\.$kind).sort(\.$value).all()
        let rejectedAfterVerified = all.filter { indicator in
            guard indicator.status == .rejected, let id = indicator.id else { return false }
            return everVerified.contains(id)
        }
        let verified = all.filter { $0.status == .verified }
        let verify = ScamRegistry.Decision.verify(warning: "Số giả danh ngân hàng đòi mã OTP. Không cung cấp mã cho bất kỳ ai.")
        let reject = ScamRegistry.Decision.reject(note: "Số của cửa hàng, không phải lừa đảo.")
        let indicator: ScamIndicator
        var decision = verify
        switch roll(0...9) {
        case 0...3 where !rejectedAfterVerified.isEmpty:
            indicator = try pick(rejectedAfterVerified)
        case 4...5 where !verified.isEmpty:
            indicator = try pick(verified)
            decision = reject
        default:
            indicator = try pick(all)
            if chance(0.4) { decision = reject }
        }
        let id = try indicator.requireID()
        let was = indicator.status
        _ = try await registry.decide(id, decision, by: usually(people.patrol, 0.9), now: clock)
        guard case .verify = decision else { return "scam.reject" }
        let first = everVerified.insert(id).inserted
        if was == .verified { return "scam.verify.unchanged" }
        return first ? "scam.verify" : "scam.verify.again"
    }

    func reportHarmful() async throws -> String {
        let draft = try HarmfulReportDraft(url: pick(Self.harmfulURLs), categoryCode: pick(["false_information", "scam", "incitement"]),
                                           description: "Bài đăng bịa đặt tin công an bắt cóc trẻ em, gây hoang mang.")
        let report = try await harmfulService.report(draft, by: .anonymous, now: clock)
        harmfulIDs.append(try report.requireID())
        return "harmful.report"
    }

    /// The patrol moves a report on, mostly the one furthest along, so requests are refused, made
    /// again and acted on (steps the flow does not allow, and refusals without a reason: refused).
    func advanceHarmful() async throws -> String {
        let now = Self.byID(try await HarmfulReport.query(on: app.db).all())
        var open: [(id: UUID, status: HarmfulStatus)] = []
        for id in harmfulIDs {
            if let report = now[id], !report.status.next.isEmpty { open.append((id, report.status)) }
        }
        func stage(_ status: HarmfulStatus) -> Int {
            switch status {
            case .refused: 3
            case .takedownRequested: 2
            case .triaged: 1
            default: 0
            }
        }
        var report = try pick(open)
        if chance(0.6), let furthest = open.max(by: { stage($0.status) < stage($1.status) }) { report = furthest }
        var next = try pick(HarmfulStatus.allCases)
        if chance(0.9) {
            switch report.status {
            case .received: next = chance(0.85) ? .triaged : .dismissed
            case .triaged: next = chance(0.85) ? .takedownRequested : .dismissed
            case .takedownRequested: next = chance(0.6) ? .refused : .removed
            case .refused: next = chance(0.8) ? .takedownRequested : .dismissed
            default: break
            }
        }
        var note: String?
        if next == .refused || next == .dismissed {
            if chance(0.9) { note = "Nền tảng trả lời nội dung không vi phạm tiêu chuẩn cộng đồng." }
        } else if chance(0.3) {
            note = "Gửi kèm văn bản xác minh của công an tỉnh."
        }
        _ = try await harmfulService.advance(report.id, to: next, note: note, by: usually(people.patrol, 0.9), now: clock)
        return next == .takedownRequested && report.status == .refused ? "harmful.takedown_requested.again" : "harmful." + next.rawValue
    }
}
