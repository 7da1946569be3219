import BinhYenCore
import Fluent
import Foundation
import SQLKit
import Vapor

/// Overdue tips climb: first the commanders of the owning unit are alerted, then, if the tip is
/// still overdue after the same time again, the parent unit is brought in (it receives the tip in
/// its inbox) and its commanders are alerted. Runs in the background, never on a request.
enum TipEscalation {
    /// Escalates every overdue tip one level; returns how many changed.
    static func run(app: Application, now: Date = Date()) async throws -> Int {
        let db = app.db
        let open = try await Tip.query(on: db)
            .filter(\.$status != .closed).filter(\.$escalationLevel < 2)
            .group(.or) { $0.filter(\.$closeDueAt < now).group(.and) { $0.filter(\.$status == .received).filter(\.$ackDueAt < now) } }
            .limit(500).all()
        var changed = 0
        for tip in open {
            let tipID = try tip.requireID()
            // Level 2 only after the tip stayed overdue as long again as it was allowed.
            let due = tip.status == .received ? tip.ackDueAt : tip.closeDueAt
            let allowed = due.timeIntervalSince(tip.createdAt)
            if tip.escalationLevel == 1 && now < due.addingTimeInterval(allowed) { continue }
            let level = tip.escalationLevel + 1
            var target = tip.$unit.id
            if level == 2 {
                guard let parent = try await Unit.find(target, on: db)?.$parent.id else { continue }
                target = parent
            }
            let unitID = target
            try await app.writeGate.transaction { db in
                // Re-read inside the gate: a concurrent acknowledgement or another node wins.
                guard let fresh = try await Tip.find(tipID, on: db), fresh.escalationLevel == level - 1, fresh.status != .closed else { return }
                fresh.escalationLevel = level
                try await fresh.save(on: db)
                try await Counters.add(.tipsEscalated, 1, unit: fresh.$unit.id, at: now, on: db)
                if level == 2, try await TipUnit.query(on: db).filter(\.$tip.$id == tipID).filter(\.$unit.$id == unitID).first() == nil {
                    try await TipUnit(tipID: tipID, unitID: unitID, reason: .escalation, at: now).create(on: db)
                }
                try await Outbox.enqueue(.tipEscalation, EscalationPayload(tipID: tipID, reference: fresh.reference, level: level, unitID: unitID), at: now, on: db)
                try await AuditLog.append(.system, "tip.escalate", subject: TipService.subject(tipID), detail: ["level": String(level)], at: now, on: db)
            }
            changed += 1
        }
        return changed
    }

    /// Delivery of an escalation: one notification per commander of the unit (once per level).
    static func notify(_ payload: EscalationPayload, on db: any Database, now: Date) async throws {
        let commanders = try await Membership.query(on: db).filter(\.$unit.$id == payload.unitID).filter(\.$role == .commander).all()
        let dedupe = "tip.escalation:\(payload.tipID.uuidString):\(payload.level)"
        for membership in commanders {
            let accountID = membership.$account.id
            if try await InAppNotification.query(on: db).filter(\.$account.$id == accountID).filter(\.$dedupeKey == dedupe).first() != nil { continue }
            let first = payload.level == 1
            try await InAppNotification(
                account: accountID, kind: "tip.escalation",
                titleVI: first ? "Tin báo \(payload.reference) quá hạn xử lý" : "Tin báo \(payload.reference) của đơn vị cấp dưới quá hạn, chuyển lên đơn vị",
                titleEN: first ? "Tip \(payload.reference) is overdue" : "Tip \(payload.reference) is overdue at a unit below; escalated to your unit",
                link: "/console/tips/\(payload.tipID.uuidString)", dedupeKey: dedupe, at: now
            ).create(on: db)
        }
    }
}
