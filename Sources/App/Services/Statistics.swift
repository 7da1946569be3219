import BinhYenCore
import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// The figures the province reports, each made from the counters of `Metric` in one stated way.
enum StatLine: String, CaseIterable, Sendable {
    case pagesVerified = "pages"
    case followers
    case groups
    case groupMembers = "members"
    case posts
    case interactions
    case tipsReceived = "tips"
    case tipsValuable = "valuable"
    case tipsClosed = "closed"
    case incidentsHandled = "incidents"
    case peopleHeld = "held"
    case vehiclesSeized = "vehicles"
    case weaponsSeized = "weapons"
    case rapidResponses = "rapid"
    case minutesToSite = "minutes_to_site"
    case questionsReceived = "questions"
    case questionsAnswered = "answered"
    case medianHoursToAnswer = "median_hours"
    case dossiersReceived = "dossiers"
    case dossiersSettled = "settled"
    case scamIndicatorsVerified = "scams"
    case takedownsRequested = "takedowns"
    case takedownsRemoved = "removed"
    case overdue

    enum Kind {
        /// The sum over the period.
        case flow([Metric])
        /// What there is at the end of the period: every change up to its last day.
        case level(Metric)
        /// `numerator ÷ denominator ÷ divisor` over the period.
        case average(numerator: Metric, denominator: Metric, divisor: Double)
        /// Read from the questions themselves.
        case medianAnswer
    }

    var kind: Kind {
        switch self {
        case .pagesVerified: .level(.pagesVerified)
        case .followers: .level(.followers)
        case .groups: .level(.groupsCreated)
        case .groupMembers: .level(.groupMembers)
        case .posts: .flow(PostCategory.allCases.map(Metric.posts))
        case .interactions: .flow([.reactions, .comments, .shares])
        case .tipsReceived: .flow([.tipsReceived])
        case .tipsValuable: .flow([.tipsValuable])
        case .tipsClosed: .flow(TipClosingReason.allCases.map(Metric.closed))
        case .incidentsHandled: .flow([.incidentsHandled])
        case .peopleHeld: .flow([.peopleHeld])
        case .vehiclesSeized: .flow([.vehiclesSeized])
        case .weaponsSeized: .flow([.weaponsSeized])
        case .rapidResponses: .flow([.rapidResponses])
        case .minutesToSite: .average(numerator: .rapidResponseSecondsToSite, denominator: .rapidResponsesOnSite, divisor: 60)
        case .questionsReceived: .flow([.questionsReceived])
        case .questionsAnswered: .flow([.questionsAnswered])
        case .medianHoursToAnswer: .medianAnswer
        case .dossiersReceived: .flow([.dossiersReceived])
        case .dossiersSettled: .flow([.dossiersSettled])
        case .scamIndicatorsVerified: .flow([.scamIndicatorsVerified])
        case .takedownsRequested: .flow([.takedownsRequested])
        case .takedownsRemoved: .flow([.takedownsRemoved])
        case .overdue: .flow([.tipsEscalated, .questionsEscalated])
        }
    }

    /// The counters the line is made of.
    var metrics: [Metric] {
        switch kind {
        case .flow(let metrics): metrics
        case .level(let metric): [metric]
        case .average(let numerator, let denominator, _): [numerator, denominator]
        case .medianAnswer: [.questionsAnswerSeconds]
        }
    }

    /// Lines that make sense as a daily chart.
    var charted: Bool {
        switch kind {
        case .flow, .level: true
        case .average, .medianAnswer: false
        }
    }

    var labelVI: String {
        switch self {
        case .pagesVerified: "Trang chính thức đã xác minh"
        case .followers: "Người quan tâm trang"
        case .groups: "Nhóm thôn, tổ dân phố"
        case .groupMembers: "Thành viên nhóm"
        case .posts: "Bài viết đã đăng"
        case .interactions: "Lượt tương tác (cảm xúc, bình luận, chia sẻ)"
        case .tipsReceived: "Tin báo nhận được"
        case .tipsValuable: "Tin báo có giá trị"
        case .tipsClosed: "Tin báo đã kết thúc"
        case .incidentsHandled: "Vụ việc đã xử lý"
        case .peopleHeld: "Đối tượng bị tạm giữ"
        case .vehiclesSeized: "Phương tiện thu giữ"
        case .weaponsSeized: "Hung khí, vũ khí thu giữ"
        case .rapidResponses: "Lần điều động phản ứng nhanh"
        case .minutesToSite: "Số phút trung bình đến hiện trường"
        case .questionsReceived: "Câu hỏi thủ tục nhận được"
        case .questionsAnswered: "Câu hỏi đã trả lời"
        case .medianHoursToAnswer: "Trung vị số giờ trả lời"
        case .dossiersReceived: "Hồ sơ thủ tục tiếp nhận"
        case .dossiersSettled: "Hồ sơ đã giải quyết"
        case .scamIndicatorsVerified: "Dấu hiệu lừa đảo đã xác minh"
        case .takedownsRequested: "Yêu cầu gỡ nội dung xấu độc"
        case .takedownsRemoved: "Nội dung xấu độc đã gỡ"
        case .overdue: "Việc quá hạn bị chuyển lên"
        }
    }

    var labelEN: String {
        switch self {
        case .pagesVerified: "Verified official pages"
        case .followers: "Page followers"
        case .groups: "Neighbourhood groups"
        case .groupMembers: "Group members"
        case .posts: "Posts published"
        case .interactions: "Interactions (reactions, comments, shares)"
        case .tipsReceived: "Tips received"
        case .tipsValuable: "Valuable tips"
        case .tipsClosed: "Tips closed"
        case .incidentsHandled: "Incidents handled"
        case .peopleHeld: "People held"
        case .vehiclesSeized: "Vehicles seized"
        case .weaponsSeized: "Weapons seized"
        case .rapidResponses: "Rapid responses"
        case .minutesToSite: "Average minutes to the scene"
        case .questionsReceived: "Procedure questions received"
        case .questionsAnswered: "Questions answered"
        case .medianHoursToAnswer: "Median hours to answer"
        case .dossiersReceived: "Dossiers received"
        case .dossiersSettled: "Dossiers settled"
        case .scamIndicatorsVerified: "Scam indicators verified"
        case .takedownsRequested: "Takedown requests"
        case .takedownsRemoved: "Harmful content removed"
        case .overdue: "Overdue items escalated"
        }
    }

    /// How the line is made, in words, followed by the definitions of its counters.
    var definitionVI: String {
        let how: String = switch kind {
        case .flow(let metrics) where metrics.count > 1: "Tổng trong kỳ của các chỉ số dưới đây."
        case .flow: "Tổng trong kỳ."
        case .level: "Số có đến hết ngày cuối kỳ (cộng mọi thay đổi từ trước tới ngày đó); kèm số tăng giảm trong kỳ."
        case .average: "Tổng số giây đến hiện trường trong kỳ chia cho số lần có mặt, đổi ra phút."
        case .medianAnswer: "Trung vị thời gian từ lúc hỏi đến lúc trả lời của các câu hỏi được trả lời trong kỳ, đổi ra giờ."
        }
        return how + " " + Array(Set(metrics.map(\.definitionVI))).sorted().joined(separator: " ")
    }
}

/// Reads the counters over the unit tree for the dashboard, the reports and the ranking.
struct Statistics {
    let db: any Database
    /// Figures already read, kept for a while (the dashboard's); nil reads every time.
    var cache: StatsCache? = nil

    /// A period of whole days in Vietnam, both ends included, as "yyyy-MM-dd".
    struct Period: Sendable, Equatable {
        var from: String
        var to: String
        /// The period compared with, when it is not the same number of days just before (a
        /// calendar month is compared with the month before).
        var comparedFrom: String? = nil
        var comparedTo: String? = nil

        /// The period compared with: as set, else the same number of days just before.
        var previous: Period {
            if let comparedFrom, let comparedTo { return Period(from: comparedFrom, to: comparedTo) }
            guard let start = InternetTime.vietnamDayStart(from), let end = InternetTime.vietnamDayStart(to) else { return self }
            let days = end.timeIntervalSince(start) + 86_400
            return Period(from: InternetTime.vietnamDay(start.addingTimeInterval(-days)), to: InternetTime.vietnamDay(start.addingTimeInterval(-86_400)))
        }

        /// A calendar month ("yyyy-MM", years 2000–2199), compared with the month before.
        static func month(_ text: String) -> Period? {
            guard text.count == 7, let year = Int(text.prefix(4)), let month = Int(text.suffix(2)), text.dropFirst(4).first == "-",
                  (2000...2199).contains(year), (1...12).contains(month) else { return nil }
            func first(_ year: Int, _ month: Int) -> Date? {
                InternetTime.vietnamDayStart(InternetTime.pad(year, 4) + "-" + InternetTime.pad(month, 2) + "-01")
            }
            let (nextYear, nextMonth) = month == 12 ? (year + 1, 1) : (year, month + 1)
            let (lastYear, lastMonth) = month == 1 ? (year - 1, 12) : (year, month - 1)
            guard let start = first(year, month), let next = first(nextYear, nextMonth), let before = first(lastYear, lastMonth) else { return nil }
            return Period(from: InternetTime.vietnamDay(start), to: InternetTime.vietnamDay(next.addingTimeInterval(-86_400)),
                          comparedFrom: InternetTime.vietnamDay(before), comparedTo: InternetTime.vietnamDay(start.addingTimeInterval(-86_400)))
        }

        /// The whole calendar months inside the period ("yyyy-MM", first and last) and the days
        /// outside them (at most one range at each end), so that sums read a month's total
        /// instead of its days wherever they can.
        var parts: (months: ClosedRange<String>?, days: [ClosedRange<String>]) {
            guard let start = InternetTime.vietnamDayStart(from), let end = InternetTime.vietnamDayStart(to), start <= end else { return (nil, []) }
            func month(_ day: String) -> String { String(day.prefix(7)) }
            func shift(_ month: String, by months: Int) -> String {
                let index = (Int(month.prefix(4)) ?? 0) * 12 + (Int(month.suffix(2)) ?? 1) - 1 + months
                return InternetTime.pad(index / 12, 4) + "-" + InternetTime.pad(index % 12 + 1, 2)
            }
            let first = from.hasSuffix("-01") ? month(from) : shift(month(from), by: 1)
            let last = InternetTime.vietnamDay(end.addingTimeInterval(86_400)).hasSuffix("-01") ? month(to) : shift(month(to), by: -1)
            guard first <= last else { return (nil, [from...to]) }
            var days: [ClosedRange<String>] = []
            if from < first + "-01", let firstDay = InternetTime.vietnamDayStart(first + "-01") {
                days.append(from...InternetTime.vietnamDay(firstDay.addingTimeInterval(-86_400)))
            }
            let after = shift(last, by: 1) + "-01"
            if after <= to { days.append(after...to) }
            return (first...last, days)
        }

        var days: [String] {
            guard var day = InternetTime.vietnamDayStart(from), let end = InternetTime.vietnamDayStart(to) else { return [] }
            var out: [String] = []
            while day <= end {
                out.append(InternetTime.vietnamDay(day))
                day = day.addingTimeInterval(86_400)
            }
            return out
        }
    }

    /// A unit's subtree over a period: sums of the period, levels at its end.
    struct Figures: Sendable, Equatable {
        var sums: [Metric: Int64] = [:]
        var levels: [Metric: Int64] = [:]
        var medianAnswerSeconds: Int?
        /// The residents of the subtree's areas, where they were entered (`Population`).
        var population: Int64?

        func value(_ line: StatLine) -> Double? {
            switch line.kind {
            case .flow(let metrics): return Double(metrics.reduce(0) { $0 + (sums[$1] ?? 0) })
            case .level(let metric): return Double(levels[metric] ?? 0)
            case .average(let numerator, let denominator, let divisor):
                let bottom = sums[denominator] ?? 0
                return bottom > 0 ? Double(sums[numerator] ?? 0) / Double(bottom) / divisor : nil
            case .medianAnswer: return medianAnswerSeconds.map { Double($0) / 3600 }
            }
        }

        enum RateBase { case residents, members }

        /// A flow line per 1,000 residents or per 1,000 group members (at the period's end); nil
        /// for other lines and where there is no one to divide by.
        func perThousand(_ line: StatLine, of base: RateBase) -> Double? {
            guard case .flow = line.kind, let value = value(line) else { return nil }
            let size = base == .residents ? (population ?? 0) : (levels[.groupMembers] ?? 0)
            return size > 0 ? value * 1_000 / Double(size) : nil
        }

        /// The change over the period of a level line.
        func change(_ line: StatLine) -> Int64? {
            guard case .level(let metric) = line.kind else { return nil }
            return sums[metric] ?? 0
        }

        /// Figures by metric name for the ranking, with `statistics.on_time`: tips and questions
        /// received less those escalated as overdue.
        var rankingFigures: [String: Double] {
            var out = Dictionary(uniqueKeysWithValues: sums.map { ($0.key.rawValue, Double($0.value)) })
            for (metric, value) in levels { out[metric.rawValue] = Double(value) }
            let received = (sums[.tipsReceived] ?? 0) + (sums[.questionsReceived] ?? 0)
            out["statistics.on_time"] = Double(max(0, received - (sums[.tipsEscalated] ?? 0) - (sums[.questionsEscalated] ?? 0)))
            return out
        }
    }

    static let levelMetrics: [Metric] = StatLine.allCases.compactMap { if case .level(let metric) = $0.kind { metric } else { nil } }

    /// Figures of each unit's subtree, in two indexed statements whatever the number of units.
    /// (`CROSS JOIN` keeps SQLite reading the subtree first, then each unit's counters by index;
    /// PostgreSQL plans it as any join.)
    func figures(of units: [UUID], over period: Period) async throws -> [UUID: Figures] {
        guard !units.isEmpty else { return [:] }
        guard let cache else { return try await readFigures(of: units, over: period) }
        return try await cache.value("f|\(period.from)|\(period.to)|" + units.map(\.uuidString).joined(separator: ",")) {
            try await readFigures(of: units, over: period)
        }
    }

    private func readFigures(of units: [UUID], over period: Period) async throws -> [UUID: Figures] {
        let sql = try db.requireSQL()
        let ids = SQLGroupExpression(units.map { SQLBind($0) })
        var out: [UUID: Figures] = Dictionary(uniqueKeysWithValues: units.map { ($0, Figures()) })
        // The period's sums: whole months from the monthly sums, the days around them from the daily counters.
        let parts = period.parts
        var selects: [SQLQueryString] = parts.days.map { days in
            """
            SELECT c.ancestor_id AS unit_id, d.metric, CAST(SUM(d.value) AS BIGINT) AS total FROM unit_closure c CROSS JOIN unit_daily_counts d
            WHERE c.ancestor_id IN \(ids) AND d.unit_id = c.descendant_id AND d.day >= \(bind: days.lowerBound) AND d.day <= \(bind: days.upperBound)
            GROUP BY c.ancestor_id, d.metric
            """
        }
        if let months = parts.months {
            selects.append("""
                SELECT c.ancestor_id AS unit_id, m.metric, CAST(SUM(m.value) AS BIGINT) AS total FROM unit_closure c CROSS JOIN unit_monthly_counts m
                WHERE c.ancestor_id IN \(ids) AND m.unit_id = c.descendant_id AND m.month >= \(bind: months.lowerBound) AND m.month <= \(bind: months.upperBound)
                GROUP BY c.ancestor_id, m.metric
                """)
        }
        for row in selects.isEmpty ? [] : try await sql.raw(selects.joined(separator: " UNION ALL ")).all() {
            guard let metric = Metric(rawValue: try row.decode(column: "metric", as: String.self)) else { continue }
            let total = try row.decode(column: "total", as: Int64.self)
            if total != 0 { out[try row.decode(column: "unit_id", as: UUID.self)]?.sums[metric, default: 0] += total }
        }
        for row in try await totals(Self.levelMetrics, under: ids, through: period.to) {
            guard let metric = Metric(rawValue: try row.decode(column: "metric", as: String.self)) else { continue }
            let unit = try row.decode(column: "unit_id", as: UUID.self)
            out[unit]?.levels[metric, default: 0] += try row.decode(column: "total", as: Int64.self)
        }
        for row in try await sql.raw("""
            SELECT c.ancestor_id AS unit_id, CAST(SUM(p.population) AS BIGINT) AS total FROM unit_closure c CROSS JOIN unit_populations p
            JOIN units u ON u.id = p.unit_id
            WHERE c.ancestor_id IN \(ids) AND p.unit_id = c.descendant_id AND u.valid_to IS NULL GROUP BY c.ancestor_id
            """).all() {
            out[try row.decode(column: "unit_id", as: UUID.self)]?.population = try row.decode(column: "total", as: Int64.self)
        }
        return out
    }

    /// What `metrics` add up to under each of `ancestors` from the first day through `day`: the
    /// months before `day`'s from the monthly sums, the rest from the daily counters. Rows of
    /// `unit_id`, `metric`, `total`; a unit and metric may come twice (add them).
    private func totals(_ metrics: [Metric], under ancestors: SQLGroupExpression, through day: String) async throws -> [any SQLRow] {
        let month = String(day.prefix(7)), names = SQLGroupExpression(metrics.map { SQLBind($0.rawValue) })
        return try await db.requireSQL().raw("""
            SELECT c.ancestor_id AS unit_id, m.metric, CAST(SUM(m.value) AS BIGINT) AS total FROM unit_closure c CROSS JOIN unit_monthly_counts m
            WHERE c.ancestor_id IN \(ancestors) AND m.unit_id = c.descendant_id AND m.metric IN \(names) AND m.month < \(bind: month)
            GROUP BY c.ancestor_id, m.metric
            UNION ALL
            SELECT c.ancestor_id AS unit_id, d.metric, CAST(SUM(d.value) AS BIGINT) AS total FROM unit_closure c CROSS JOIN unit_daily_counts d
            WHERE c.ancestor_id IN \(ancestors) AND d.unit_id = c.descendant_id AND d.metric IN \(names)
                AND d.day >= \(bind: month + "-01") AND d.day <= \(bind: day)
            GROUP BY c.ancestor_id, d.metric
            """).all()
    }

    /// One unit's figures, with the median time to answer read from its questions.
    func figures(of unit: UUID, over period: Period) async throws -> Figures {
        guard let cache else { return try await readFigures(of: unit, over: period) }
        return try await cache.value("u|\(period.from)|\(period.to)|\(unit)") { try await readFigures(of: unit, over: period) }
    }

    private func readFigures(of unit: UUID, over period: Period) async throws -> Figures {
        var figures = try await readFigures(of: [unit], over: period)[unit] ?? Figures()
        figures.medianAnswerSeconds = try await medianAnswerSeconds(under: unit, over: period)
        return figures
    }

    func medianAnswerSeconds(under unit: UUID, over period: Period) async throws -> Int? {
        guard let start = InternetTime.vietnamDayStart(period.from), let end = InternetTime.vietnamDayStart(period.to) else { return nil }
        let rows = try await db.requireSQL().raw("""
            SELECT q.answer_seconds FROM unit_closure c JOIN questions q ON q.unit_id = c.descendant_id
            WHERE c.ancestor_id = \(bind: unit) AND q.answered_at >= \(bind: start) AND q.answered_at < \(bind: end.addingTimeInterval(86_400))
                AND q.answer_seconds IS NOT NULL
            """).all()
        return median(try rows.map { try $0.decode(column: "answer_seconds", as: Int.self) })
    }

    /// A line's value on each day of the period (a level line: what there was at the end of
    /// each day).
    func series(_ line: StatLine, under unit: UUID, over period: Period) async throws -> [(day: String, value: Int64)] {
        guard let cache else { return try await readSeries(line, under: unit, over: period) }
        return try await cache.value("s|\(line.rawValue)|\(period.from)|\(period.to)|\(unit)") {
            try await readSeries(line, under: unit, over: period).map { DayValue(day: $0.day, value: $0.value) }
        }.map { ($0.day, $0.value) }
    }

    private struct DayValue: Sendable {
        var day: String
        var value: Int64
    }

    private func readSeries(_ line: StatLine, under unit: UUID, over period: Period) async throws -> [(day: String, value: Int64)] {
        let metrics = line.metrics
        let sql = try db.requireSQL()
        let rows = try await sql.raw("""
            SELECT d.day, CAST(SUM(d.value) AS BIGINT) AS total FROM unit_closure c CROSS JOIN unit_daily_counts d
            WHERE c.ancestor_id = \(bind: unit) AND d.unit_id = c.descendant_id
                AND d.metric IN \(SQLGroupExpression(metrics.map { SQLBind($0.rawValue) })) AND d.day >= \(bind: period.from) AND d.day <= \(bind: period.to)
            GROUP BY d.day
            """).all()
        var byDay: [String: Int64] = [:]
        for row in rows { byDay[try row.decode(column: "day", as: String.self)] = try row.decode(column: "total", as: Int64.self) }
        var running: Int64 = 0
        if case .level = line.kind, let start = InternetTime.vietnamDayStart(period.from) {
            // What there was before the first day.
            for row in try await totals([metrics[0]], under: SQLGroupExpression([SQLBind(unit)]), through: InternetTime.vietnamDay(start.addingTimeInterval(-86_400))) {
                running += try row.decode(column: "total", as: Int64.self)
            }
        }
        return period.days.map { day in
            if case .level = line.kind {
                running += byDay[day] ?? 0
                return (day, running)
            }
            return (day, byDay[day] ?? 0)
        }
    }
}

extension Statistics {
    /// A unit below another as it was on a past day.
    struct PastUnit: Sendable, Equatable {
        var id: UUID
        var code: String
        var name: String
        /// The unit and everything that was below it that day.
        var subtree: Set<UUID>
    }

    /// The units directly below `unit` at the end of `day`, with their names then: today's tree
    /// with every change that took effect after that day undone, newest first. A unit closed by
    /// then (merged, split) counts in its successor's subtree, as it hung there. Only units in
    /// `unit`'s subtree today are read, so the past never shows what the reader may not see now.
    func children(of unit: UUID, asOf day: String) async throws -> [PastUnit] {
        guard let start = InternetTime.vietnamDayStart(day) else { return [] }
        let end = start.addingTimeInterval(86_400)
        let sql = try db.requireSQL()
        let visible = Set(try await UnitTree.subtree(of: unit, on: db).map(\.id))
        var parent: [UUID: UUID] = [:], name: [UUID: String] = [:], code: [UUID: String] = [:]
        var existed = Set<UUID>(), closed = Set<UUID>()
        for row in try await sql.raw("SELECT id, code, name, parent_id, valid_from, valid_to FROM units").all() {
            let id = try row.decode(column: "id", as: UUID.self)
            code[id] = try row.decode(column: "code", as: String.self)
            name[id] = try row.decode(column: "name", as: String.self)
            parent[id] = try row.decode(column: "parent_id", as: UUID?.self)
            let from = try row.decode(column: "valid_from", as: Date.self), to = try row.decode(column: "valid_to", as: Date?.self)
            guard from < end else { continue }
            if let to, to < end { closed.insert(id) } else { existed.insert(id) }
        }
        for row in try await sql.raw("""
            SELECT unit_id, old_name, old_parent_id FROM unit_changes WHERE effective_at >= \(bind: end) ORDER BY effective_at DESC, created_at DESC
            """).all() {
            let id = try row.decode(column: "unit_id", as: UUID.self)
            name[id] = try row.decode(column: "old_name", as: String.self)
            parent[id] = try row.decode(column: "old_parent_id", as: UUID?.self)
        }
        var below: [UUID: [UUID]] = [:]
        for id in existed.union(closed) { if let up = parent[id] { below[up, default: []].append(id) } }
        func subtree(_ id: UUID) -> Set<UUID> {
            var out: Set<UUID> = [id], stack = [id]
            while let next = stack.popLast() {
                for child in below[next] ?? [] where out.insert(child).inserted { stack.append(child) }
            }
            return out.intersection(visible)
        }
        let units = (below[unit] ?? []).filter { existed.contains($0) && visible.contains($0) }
            .map { PastUnit(id: $0, code: code[$0] ?? "", name: name[$0] ?? "", subtree: subtree($0)) }
        return UnitDirectory.inVietnameseOrder(units, name: \.name)
    }

    /// Sums of the period for units as they were (each over its past subtree); levels at the end.
    func figures(of units: [PastUnit], over period: Period) async throws -> [UUID: Figures] {
        let all = units.reduce(into: Set<UUID>()) { $0.formUnion($1.subtree) }
        guard !all.isEmpty else { return [:] }
        let ids = SQLGroupExpression(all.map { SQLBind($0) })
        let rows = try await db.requireSQL().raw("""
            SELECT unit_id, metric, CAST(SUM(CASE WHEN day >= \(bind: period.from) THEN value ELSE 0 END) AS BIGINT) AS sum_value,
                CAST(SUM(value) AS BIGINT) AS level_value
            FROM unit_daily_counts WHERE unit_id IN \(ids) AND day <= \(bind: period.to)
                AND (day >= \(bind: period.from) OR metric IN \(SQLGroupExpression(Self.levelMetrics.map { SQLBind($0.rawValue) })))
            GROUP BY unit_id, metric
            """).all()
        var byUnit: [UUID: [(Metric, Int64, Int64)]] = [:]
        for row in rows {
            guard let metric = Metric(rawValue: try row.decode(column: "metric", as: String.self)) else { continue }
            byUnit[try row.decode(column: "unit_id", as: UUID.self), default: []].append(
                (metric, try row.decode(column: "sum_value", as: Int64.self), try row.decode(column: "level_value", as: Int64.self)))
        }
        let populations = try await Population.of(Array(all), on: db)
        var out: [UUID: Figures] = [:]
        for unit in units {
            var figures = Figures()
            for member in unit.subtree {
                for (metric, sum, level) in byUnit[member] ?? [] {
                    if sum != 0 { figures.sums[metric, default: 0] += sum }
                    if Self.levelMetrics.contains(metric) { figures.levels[metric, default: 0] += level }
                }
                if let population = populations[member] { figures.population = (figures.population ?? 0) + population }
            }
            out[unit.id] = figures
        }
        return out
    }
}

/// The dashboard's figures, kept so that a province's staff opening it together do not each read
/// months of counters; a reorganisation forgets them at once. Everything kept expires at the end
/// of the same `lifetime`-long window, so an answer made from kept figures (the API's) is never
/// older than `lifetime` either.
final class StatsCache: Sendable {
    private struct State {
        var kept: KeptValues<String, any Sendable>
        /// Reads under way: a request that needs the same figures waits for them instead of
        /// reading them again (a dashboard opened by many at once reads once).
        var reading: [String: (id: UUID, task: Task<any Sendable, any Error>)] = [:]
        /// Bumped by `reset`: a read begun before it is handed to its waiters but not kept.
        var generation = 0
    }

    /// At most this many sets of figures are kept (a province's is a few hundred kilobytes).
    static let limit = 500
    private let state: NIOLockedValueBox<State>
    let lifetime: Duration

    init(seconds: Int) {
        lifetime = .seconds(seconds)
        state = NIOLockedValueBox(State(kept: KeptValues(lifetime: .seconds(seconds), windowed: true)))
    }

    private enum Lookup {
        case kept(any Sendable)
        case reading(id: UUID, task: Task<any Sendable, any Error>, generation: Int)
    }

    func value<T: Sendable>(_ key: String, read: @escaping @Sendable () async throws -> T) async throws -> T {
        let lookup = state.withLockedValue { state -> Lookup in
            if let value = state.kept.value(for: key) { return .kept(value) }
            if let running = state.reading[key] { return .reading(id: running.id, task: running.task, generation: state.generation) }
            let running = (id: UUID(), task: Task<any Sendable, any Error> { try await read() })
            state.reading[key] = running
            return .reading(id: running.id, task: running.task, generation: state.generation)
        }
        switch lookup {
        case .kept(let value):
            if let typed = value as? T { return typed }
            return try await read()
        case .reading(let id, let task, let generation):
            let result: Result<any Sendable, any Error>
            do { result = .success(try await task.value) } catch { result = .failure(error) }
            state.withLockedValue { state in
                if state.reading[key]?.id == id { state.reading[key] = nil }
                if case .success(let value) = result, state.generation == generation { state.kept.keep(value, for: key, limit: Self.limit) }
            }
            guard let typed = try result.get() as? T else { return try await read() }
            return typed
        }
    }

    var generation: Int { state.withLockedValue { $0.generation } }

    /// What is kept under `key`, without reading it.
    func kept(_ key: String) -> (any Sendable)? {
        state.withLockedValue { $0.kept.value(for: key) }
    }

    /// Keeps `value` unless the cache was reset since `generation` was read.
    func keep(_ value: any Sendable, for key: String, generation: Int) {
        state.withLockedValue { state in
            if state.generation == generation { state.kept.keep(value, for: key, limit: Self.limit) }
        }
    }

    func reset() {
        state.withLockedValue { state in
            state.kept = KeptValues(lifetime: lifetime, windowed: true)
            state.reading = [:]
            state.generation += 1
        }
    }
}

/// The statistics API's encoded answers, kept beside the figures they were made of and as long.
struct StatsAnswers: KeptResponses {
    let cache: StatsCache
    let path: String

    var generation: Int { cache.generation }

    func response(for query: String) -> ByteBuffer? {
        cache.kept("a|\(path)?\(query)") as? ByteBuffer
    }

    func keep(response body: ByteBuffer, for query: String, generation: Int) {
        cache.keep(body, for: "a|\(path)?\(query)", generation: generation)
    }
}

extension Statistics {
    /// The unit with this code when `account` may read its statistics; nil for an unknown unit and
    /// for one above or beside the reader's (both answered "not found"). The unit and its ancestry
    /// are kept with the figures.
    static func readableUnit(code: String, by account: CurrentAccount, on db: any Database, cache: StatsCache?) async throws -> UnitSummary? {
        guard !account.grants.isEmpty, !code.isEmpty, code.count <= 40 else { return nil }
        struct Found: Sendable {
            var unit: UnitSummary?
            var ancestry: Set<String>
        }
        let read: @Sendable () async throws -> Found = {
            guard let unit = try await UnitDirectory.summary(code: code, on: db) else { return Found(unit: nil, ancestry: []) }
            return Found(unit: unit, ancestry: Set(try await UnitTree.ancestry(of: unit.id, on: db).map(\.uuidString)))
        }
        let found = if let cache { try await cache.value("unit|" + code, read: read) } else { try await read() }
        guard let unit = found.unit, Policy.allows(account.grants, .readStatistics, onUnitWithAncestry: found.ancestry) else { return nil }
        return unit
    }
}

extension Application {
    private struct StatsCacheKey: StorageKey { typealias Value = StatsCache }

    var statsCache: StatsCache? {
        get { storage[StatsCacheKey.self] }
        set { storage[StatsCacheKey.self] = newValue }
    }
}
