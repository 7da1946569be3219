import BinhYenCore
import Crypto
import Fluent
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import SQLKit

/// Where an indicator stands in the registry.
enum ScamStatus: String, Codable, Sendable, CaseIterable {
    /// Reported by citizens (or found in tips, or imported), not yet checked by the cyber patrol.
    case reported
    case verified
    /// Checked and found not to be a scam: lookups answer "not found".
    case rejected
    /// Merged into another indicator, whose status lookups give.
    case merged
}

/// The public lookup's memory of the registry: for every indicator (by a 128-bit digest of its
/// kind and canonical value) its status and report count, and for every match key (the
/// registrable domain of a website, an account's digits without the bank…) how many indicators
/// under it are verified or reported. About 50 bytes an indicator, so a million fit in tens of
/// megabytes, and a lookup touches no database. Kept current by reading the rows changed since
/// the last read, at most `staleness` old, so every node converges within that time. Each read
/// takes the rows stamped from `overlap` before the previous read began, because a transaction
/// may commit a little after it stamped its rows (and clocks of nodes differ a little); reading a
/// row twice changes nothing.
///
/// It also keeps the API's encoded answers by query string (`KeptResponseMiddleware`): most
/// lookups repeat (the number in a scam going round is checked by thousands), and encoding an
/// answer costs more than finding it. Any change to what the index holds forgets them all.
final class ScamLookupIndex: KeptResponses {
    static let staleness: TimeInterval = 2
    static let overlap: TimeInterval = 10

    struct Key: Hashable, Sendable {
        var high: UInt64
        var low: UInt64

        init(_ text: String) {
            let digest = SHA256.hash(data: Data(text.utf8))
            var high: UInt64 = 0
            var low: UInt64 = 0
            for (index, byte) in digest.prefix(16).enumerated() {
                if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
            }
            self.high = high
            self.low = low
        }

        static func indicator(_ kind: IndicatorKind, _ value: String) -> Key { Key(kind.rawValue + "\u{1F}" + value) }
        static func match(_ kind: IndicatorKind, _ matchKey: String) -> Key { Key("m\u{1F}" + kind.rawValue + "\u{1F}" + matchKey) }
    }

    struct Entry: Sendable, Equatable {
        var status: ScamStatus
        var reports: Int32
        var match: Key
    }

    /// Indicators under one match key, by status.
    struct MatchTotals: Sendable, Equatable {
        var verified: Int32 = 0
        var reported: Int32 = 0
        var reports: Int32 = 0
    }

    /// One changed row, as the refresh reads it.
    struct Row: Sendable {
        var id: UUID
        var kind: IndicatorKind
        var value: String
        var matchKey: String
        var status: ScamStatus
        var reports: Int
        /// The patrol's warning, for a verified indicator.
        var warning: String?
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var matches: [Key: MatchTotals] = [:]
        /// Only verified indicators have one.
        var warnings: [Key: String] = [:]
        /// When the last complete read began (the next one starts `overlap` before it).
        var refreshedAt: Date?
        var refreshing = false
        /// Bumped by every change, so an answer encoded before it is not kept.
        var generation = 0
        var responses: KeptValues<String, ByteBuffer>
    }

    private let state: NIOLockedValueBox<State>
    /// Answers kept at most (BINHYEN_LOOKUP_ANSWERS).
    let answerLimit: Int

    /// Answers are kept while nothing changes, but not forever: a store full of stale queries
    /// gives its memory back.
    static let answerLifetime: Duration = .seconds(600)

    init(answerLimit: Int = 100_000) {
        self.answerLimit = answerLimit
        state = NIOLockedValueBox(State(responses: KeptValues(lifetime: Self.answerLifetime)))
    }

    var count: Int { state.withLockedValue { $0.entries.count } }
    /// Whether `refresh` would read the database now (nobody is reading it, and the last read is
    /// more than `staleness` old).
    var needsRefresh: Bool {
        state.withLockedValue { state in !state.refreshing && (state.refreshedAt.map { Date().timeIntervalSince($0) >= Self.staleness } ?? true) }
    }
    var isLoaded: Bool { state.withLockedValue { $0.refreshedAt != nil } }

    /// The indicator's entry and, when verified, its warning.
    func entry(_ kind: IndicatorKind, _ value: String) -> (entry: Entry, warning: String?)? {
        let key = Key.indicator(kind, value)
        return state.withLockedValue { state in state.entries[key].map { ($0, state.warnings[key]) } }
    }

    func totals(_ kind: IndicatorKind, matchKey: String) -> MatchTotals? {
        state.withLockedValue { $0.matches[.match(kind, matchKey)] }
    }

    /// Applies changed rows (from a refresh, or at once from this node's own writes). Rows read
    /// again unchanged (a refresh's overlap) change nothing, so the kept answers stay.
    func apply(_ rows: [Row]) {
        state.withLockedValue { state in
            var changed = false
            for row in rows {
                let key = Key.indicator(row.kind, row.value)
                let entry = Entry(status: row.status, reports: Int32(clamping: row.reports), match: .match(row.kind, row.matchKey))
                let warning = row.status == .verified ? row.warning : nil
                let old = state.entries[key]
                if old == entry, state.warnings[key] == warning { continue }
                if let old { Self.count(old, -1, in: &state.matches) }
                state.entries[key] = entry
                Self.count(entry, 1, in: &state.matches)
                state.warnings[key] = warning
                changed = true
            }
            if changed {
                state.generation += 1
                state.responses = KeptValues(lifetime: Self.answerLifetime)
            }
        }
    }

    // MARK: kept answers

    var generation: Int { state.withLockedValue { $0.generation } }

    func response(for query: String) -> ByteBuffer? {
        state.withLockedValue { $0.responses.value(for: query) }
    }

    func keep(response body: ByteBuffer, for query: String, generation: Int) {
        state.withLockedValue { state in
            if state.generation == generation, state.refreshedAt != nil { state.responses.keep(body, for: query, limit: answerLimit) }
        }
    }

    private static func count(_ entry: Entry, _ sign: Int32, in matches: inout [Key: MatchTotals]) {
        var totals = matches[entry.match] ?? MatchTotals()
        switch entry.status {
        case .verified: totals.verified += sign
        case .reported: totals.reported += sign
        case .rejected, .merged: break
        }
        if entry.status == .verified || entry.status == .reported { totals.reports += sign * entry.reports }
        matches[entry.match] = totals
    }

    /// Reads what changed since the last read when that was more than `staleness` ago (or
    /// `force`). One caller reads; the others go on with what the index holds. Returns whether
    /// this call read.
    @discardableResult
    func refresh(on db: any Database, now: Date = Date(), force: Bool = false, pageSize: Int = 20_000) async throws -> Bool {
        let claimed = state.withLockedValue { state -> Bool in
            guard !state.refreshing else { return false }
            if !force, let last = state.refreshedAt, now.timeIntervalSince(last) < Self.staleness { return false }
            state.refreshing = true
            return true
        }
        guard claimed else { return false }
        do {
            if let last = state.withLockedValue({ $0.refreshedAt }) {
                // What changed lately: a few rows, found through the index on updated_at.
                apply(try await Self.changes(since: last.addingTimeInterval(-Self.overlap), on: db))
            } else {
                // The first read: everything, in pages by id.
                var after: UUID?
                while true {
                    let rows = try await Self.page(after: after, limit: pageSize, on: db)
                    apply(rows)
                    after = rows.last?.id
                    if rows.count < pageSize { break }
                }
            }
            state.withLockedValue { state in
                state.refreshing = false
                state.refreshedAt = now
            }
        } catch {
            state.withLockedValue { $0.refreshing = false }
            throw error
        }
        return true
    }

    /// Every row, a page at a time in id order.
    static func page(after: UUID?, limit: Int, on db: any Database) async throws -> [Row] {
        let filter = after.map { SQLQueryString("WHERE a.id > \(bind: $0)") } ?? SQLQueryString("")
        return try await rows("SELECT \(unsafeRaw: columns) FROM \(unsafeRaw: from) \(filter) ORDER BY a.id LIMIT \(literal: limit)", on: try db.requireSQL())
    }

    /// Rows changed at or after `since`. Not paged: ordering by id would make the database walk
    /// the whole table in id order instead of using the index on updated_at.
    static func changes(since: Date, on db: any Database) async throws -> [Row] {
        try await rows("SELECT \(unsafeRaw: columns) FROM \(unsafeRaw: from) WHERE a.updated_at >= \(bind: since)", on: try db.requireSQL())
    }

    /// The rows a lookup of `indicator` needs, straight from the database (while the index loads).
    static func rows(for indicator: Indicator, on db: any Database) async throws -> [Row] {
        try await rows("""
            SELECT \(unsafeRaw: columns) FROM \(unsafeRaw: from)
            WHERE a.kind = \(bind: indicator.kind.rawValue) AND (a.value = \(bind: indicator.value) OR a.match_key = \(bind: indicator.matchKey))
            """, on: try db.requireSQL())
    }

    /// A merged indicator is read with the status, count and warning of the one it joined.
    private static let columns = """
        a.id, a.kind, a.value, a.match_key, COALESCE(b.status, a.status) AS status,
        COALESCE(b.report_count, a.report_count) AS report_count, COALESCE(b.warning_vi, a.warning_vi) AS warning_vi
        """
    private static let from = "scam_indicators a LEFT JOIN scam_indicators b ON b.id = a.merged_into"

    private static func rows(_ query: SQLQueryString, on sql: any SQLDatabase) async throws -> [Row] {
        try await sql.raw(query).all().compactMap { row in
            guard let kind = IndicatorKind(rawValue: try row.decode(column: "kind", as: String.self)),
                  let status = ScamStatus(rawValue: try row.decode(column: "status", as: String.self))
            else { return nil }
            return Row(id: try row.decode(column: "id", as: UUID.self), kind: kind, value: try row.decode(column: "value", as: String.self),
                       matchKey: try row.decode(column: "match_key", as: String.self), status: status,
                       reports: try row.decode(column: "report_count", as: Int.self), warning: try row.decode(column: "warning_vi", as: String?.self))
        }
    }
}
