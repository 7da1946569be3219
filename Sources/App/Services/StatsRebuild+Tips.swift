import BinhYenCore
import Fluent
import Foundation
import SQLKit

extension StatsRebuild {
    /// Tips and rapid response, from `tips`, `dispatches` and the tips' audit entries.
    ///
    /// A tip's counters go to the unit that owned it at the time. Only a transfer changes the owner,
    /// and its entry names the unit it left, so walking a tip's entries backwards from today's owner
    /// gives the owner at every step, the first one included (who received it). Entries are taken in
    /// sequence order, never by time: callers may pass any `now`. Valuable marks and outcomes are
    /// replayed, since the live counters move by the difference on each recording and the row keeps
    /// only the last. Times come from the rows where they are kept (microseconds), else from the
    /// entry (milliseconds). Read 500 tips at a time, with their dispatches and entries.
    static func tips(on db: any Database) async throws -> Tally {
        let sql = try db.requireSQL()
        let actions = ["tip.transfer", "tip.valuable", "tip.status", "tip.merge", "tip.escalate", "tip.outcome"]
        var tally = Tally()
        var after: UUID?
        while true {
            var query: SQLQueryString = "SELECT id, unit_id, created_at, closed_at FROM tips"
            if let after { query += " WHERE id > \(bind: after)" }
            query += " ORDER BY id LIMIT 500"
            let tips = try await sql.raw(query).all()
            guard let last = tips.last else { break }
            after = try last.decode(column: "id", as: UUID.self)
            let ids = try tips.map { try $0.decode(column: "id", as: UUID.self) }

            var dispatches: [UUID: TipDispatchRow] = [:]
            for row in try await sql.raw("""
                SELECT tip_id, unit_id, assigned_at, on_site_at, outcome_at FROM dispatches WHERE tip_id IN (\(binds: ids))
                """).all() {
                dispatches[try row.decode(column: "tip_id", as: UUID.self)] = TipDispatchRow(
                    unit: try row.decode(column: "unit_id", as: UUID.self), assignedAt: try row.decode(column: "assigned_at", as: Date.self),
                    onSiteAt: try row.decode(column: "on_site_at", as: Date?.self), outcomeAt: try row.decode(column: "outcome_at", as: Date?.self))
            }
            var entries: [String: [TipEntryRow]] = [:]
            for row in try await sql.raw("""
                SELECT subject, seq, at_ms, action, detail FROM audit_entries
                WHERE subject IN (\(binds: ids.map { TipService.subject($0) })) AND action IN (\(binds: actions))
                ORDER BY subject, seq
                """).all() {
                entries[try row.decode(column: "subject", as: String.self), default: []].append(TipEntryRow(
                    atMilliseconds: try row.decode(column: "at_ms", as: Int64.self), action: try row.decode(column: "action", as: String.self),
                    detail: try row.decode(column: "detail", as: String.self)))
            }

            for (row, id) in zip(tips, ids) {
                let log = entries[TipService.subject(id)] ?? []
                let createdAt = try row.decode(column: "created_at", as: Date.self)
                let closedAt = try row.decode(column: "closed_at", as: Date?.self)
                let dispatch = dispatches[id]

                // Backwards from today's owner: the owner when each entry was written.
                var owner = try row.decode(column: "unit_id", as: UUID.self)
                var owners = [UUID](repeating: owner, count: log.count)
                for index in log.indices.reversed() {
                    owners[index] = owner
                    if log[index].action == "tip.transfer", let from = try log[index].fields()["from"].flatMap(UUID.init(uuidString:)) {
                        owner = from
                    }
                }
                tally.add(.tipsReceived, 1, unit: owner, at: createdAt)

                var valuable = false
                var outcome: (people: Int64, vehicles: Int64, weapons: Int64)?
                let lastOutcome = log.lastIndex { $0.action == "tip.outcome" }
                for (index, entry) in log.enumerated() {
                    let unit = owners[index]
                    switch entry.action {
                    case "tip.valuable":
                        let marked = try entry.fields()["valuable"] == "true"
                        if marked != valuable { tally.add(.tipsValuable, marked ? 1 : -1, unit: unit, at: entry.at) }
                        valuable = marked
                    case "tip.status":
                        // A closed tip never moves again, so `closed_at` is this closing's time.
                        let fields = try entry.fields()
                        if fields["to"] == TipStatus.closed.rawValue, let reason = fields["reason"].flatMap(TipClosingReason.init(rawValue:)) {
                            tally.add(Metric.closed(reason), 1, unit: unit, at: closedAt ?? entry.at)
                        }
                    case "tip.merge":
                        tally.add(.tipsClosedDuplicate, 1, unit: unit, at: closedAt ?? entry.at)
                    case "tip.escalate":
                        tally.add(.tipsEscalated, 1, unit: unit, at: entry.at)
                    case "tip.outcome":
                        // Counted for the responding unit; `outcome_at` is the last recording's time.
                        guard let dispatch else { break }
                        let at = index == lastOutcome ? dispatch.outcomeAt ?? entry.at : entry.at
                        let fields = try entry.fields()
                        let recorded = (people: Int64(fields["people_held"] ?? "") ?? 0, vehicles: Int64(fields["vehicles_seized"] ?? "") ?? 0,
                                   weapons: Int64(fields["weapons_seized"] ?? "") ?? 0)
                        if outcome == nil { tally.add(.incidentsHandled, 1, unit: dispatch.unit, at: at) }
                        tally.add(.peopleHeld, recorded.people - (outcome?.people ?? 0), unit: dispatch.unit, at: at)
                        tally.add(.vehiclesSeized, recorded.vehicles - (outcome?.vehicles ?? 0), unit: dispatch.unit, at: at)
                        tally.add(.weaponsSeized, recorded.weapons - (outcome?.weapons ?? 0), unit: dispatch.unit, at: at)
                        outcome = recorded
                    default:
                        break
                    }
                }

                if let dispatch {
                    // Steps only move forward, so `assigned_at` and `on_site_at` are each written once.
                    tally.add(.rapidResponses, 1, unit: dispatch.unit, at: dispatch.assignedAt)
                    if let onSite = dispatch.onSiteAt {
                        tally.add(.rapidResponsesOnSite, 1, unit: dispatch.unit, at: onSite)
                        tally.add(.rapidResponseSecondsToSite, Int64(onSite.timeIntervalSince(createdAt).rounded()), unit: dispatch.unit, at: onSite)
                    }
                }
            }
            if tips.count < 500 { break }
        }
        return tally
    }
}

/// What the tip counters need of a dispatch.
private struct TipDispatchRow {
    var unit: UUID
    var assignedAt: Date
    var onSiteAt: Date?
    var outcomeAt: Date?
}

/// One audit entry of a tip, in sequence order.
private struct TipEntryRow {
    var atMilliseconds: Int64
    var action: String
    var detail: String

    /// Rounded to the millisecond when written, so the day differs from the live one only for a
    /// moment in the last half millisecond before midnight.
    var at: Date { Date(timeIntervalSince1970: Double(atMilliseconds) / 1000) }

    /// The detail is canonical JSON of strings (`AuditLog.canonical`).
    func fields() throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: Data(detail.utf8))
    }
}
