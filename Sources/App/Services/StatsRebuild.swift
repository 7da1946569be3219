import BinhYenCore
import Fluent
import Foundation
import SQLKit

/// Recomputes every counter of `unit_daily_counts` from the raw records (tips, dispatches, posts,
/// follows, questions, dossiers, the registry, the audit log…), so that a counter that drifted —
/// a bug, a hand edit of the database, a restore — can be put right, and so that a test can prove
/// the live counters equal what the records say.
enum StatsRebuild {
    /// Counters added up in memory before they are written.
    struct Tally: Sendable {
        private(set) var values: [Counters.Key: Int64] = [:]

        mutating func add(_ metric: Metric, _ delta: Int64, unit: UUID, at date: Date) {
            guard delta != 0 else { return }
            values[Counters.Key(unit: unit, day: InternetTime.vietnamDay(date), metric: metric), default: 0] += delta
        }

        mutating func merge(_ other: Tally) {
            for (key, value) in other.values { values[key, default: 0] += value }
        }

        /// Without the counters that add up to nothing (a follow and an unfollow on one day).
        var nonZero: [Counters.Key: Int64] { values.filter { $0.value != 0 } }
    }
}

extension StatsRebuild {
    /// Whose a group or a page was at a moment: the unit it has now, and before each move of a
    /// reorganisation (`group.move`, `page.move` in the audit log) the unit it moved from.
    struct Owners: Sendable {
        private var moves: [UUID: [(ms: Int64, from: UUID)]] = [:]

        static func load(action: String, prefix: String, on sql: any SQLDatabase) async throws -> Owners {
            var owners = Owners()
            let decoder = JSONDecoder()
            for row in try await sql.raw("SELECT subject, at_ms, detail FROM audit_entries WHERE action = \(bind: action) ORDER BY seq").all() {
                let subject = try row.decode(column: "subject", as: String.self)
                guard subject.hasPrefix(prefix), let id = UUID(uuidString: String(subject.dropFirst(prefix.count))) else { continue }
                let detail = try decoder.decode([String: String].self, from: Data(try row.decode(column: "detail", as: String.self).utf8))
                guard let from = detail["from"].flatMap(UUID.init(uuidString:)) else { continue }
                owners.moves[id, default: []].append((try row.decode(column: "at_ms", as: Int64.self), from))
            }
            return owners
        }

        /// The owner at `date`: the unit the first later move took it from, or `current`.
        func unit(of id: UUID, current: UUID, at date: Date) -> UUID {
            guard let list = moves[id] else { return current }
            let ms = Int64((date.timeIntervalSince1970 * 1000).rounded())
            return list.first { $0.ms > ms }?.from ?? current
        }
    }
}

extension StatsRebuild {
    struct Outcome: Sendable {
        /// Counters written (those that are not zero).
        var counters: Int
        /// Counters whose stored value differed from the records (missing, extra or other).
        var corrected: Int
    }

    /// Every counter, recomputed from the records.
    static func tally(on db: any Database) async throws -> Tally {
        var tally = try await tips(on: db)
        tally.merge(try await community(on: db))
        tally.merge(try await services(on: db))
        return tally
    }

    /// The stored counters that are not zero.
    static func stored(on db: any Database) async throws -> [Counters.Key: Int64] {
        var out: [Counters.Key: Int64] = [:]
        for row in try await db.requireSQL().raw("SELECT unit_id, day, metric, value FROM unit_daily_counts WHERE value <> 0").all() {
            guard let metric = Metric(rawValue: try row.decode(column: "metric", as: String.self)) else { continue }
            out[Counters.Key(unit: try row.decode(column: "unit_id", as: UUID.self), day: try row.decode(column: "day", as: String.self), metric: metric)] =
                try row.decode(column: "value", as: Int64.self)
        }
        return out
    }

    /// Replaces the counters with those recomputed from the records, in one transaction of the
    /// write gate: events wait while it runs, so none is counted twice or lost. On PostgreSQL
    /// the table is also locked against other nodes' counters until it commits.
    static func run(gate: WriteGate, now: Date = Date()) async throws -> Outcome {
        try await gate.transaction { db in
            let sql = try db.requireSQL()
            if sql.dialect.name == "postgresql" {
                try await sql.raw("LOCK TABLE unit_daily_counts IN EXCLUSIVE MODE").run()
            }
            let rebuilt = try await tally(on: db).nonZero
            let stored = try await stored(on: db)
            let corrected = Set(rebuilt.keys).union(stored.keys).filter { rebuilt[$0] != stored[$0] }.count
            try await sql.raw("DELETE FROM unit_daily_counts").run()
            // The monthly sums follow the daily counters (triggers); start them afresh too.
            try await sql.raw("DELETE FROM unit_monthly_counts").run()
            try await Counters.upsert(rebuilt.sorted { ($0.key.unit.uuidString, $0.key.day, $0.key.metric.rawValue) < ($1.key.unit.uuidString, $1.key.day, $1.key.metric.rawValue) }
                .map { ($0.key, $0.value) }, on: sql)
            try await AuditLog.append(.system, "stats.rebuild", subject: "stats", detail: [
                "counters": String(rebuilt.count), "corrected": String(corrected),
            ], at: now, on: db)
            return Outcome(counters: rebuilt.count, corrected: corrected)
        }
    }
}
