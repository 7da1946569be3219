import BinhYenCore
import Fluent
import Foundation

/// Rapid response: a commander sends a team for a tip, the team's progress is recorded, and the
/// operation ends with its outcome. One tip leads to at most one operation.
extension TipService {
    func dispatch(_ tip: Tip, team: String, unitCode: String?, by account: CurrentAccount, now: Date = Date()) async throws -> Dispatch {
        guard try await may(account, .dispatchRapidResponse, on: tip) else { throw NotFound() }
        let tipID = try tip.requireID()
        var issues: [FieldIssue] = []
        let cleanedTeam = TipRules.cleanText(team)
        if cleanedTeam.isEmpty || cleanedTeam.count > 300 {
            issues.append(FieldIssue(field: "team", code: "length", messageVI: "Ghi tổ công tác được giao (1 đến 300 ký tự).", messageEN: "Name the team sent (1 to 300 characters)."))
        }
        var responder = tip.$unit.id
        if let code = unitCode?.trimmingCharacters(in: .whitespaces), !code.isEmpty {
            if let unit = try await Unit.query(on: db).filter(\.$code == code).filter(\.$validTo == nil).first(), let id = unit.id {
                responder = id
            } else {
                issues.append(FieldIssue(field: "unit", code: "unknown", messageVI: "Không có đơn vị với mã này.", messageEN: "There is no unit with this code."))
            }
        }
        if tip.status == .closed {
            issues.append(FieldIssue(field: "team", code: "closed", messageVI: "Tin báo đã kết thúc.", messageEN: "The tip is closed."))
        }
        if try await Dispatch.query(on: db).filter(\.$tip.$id == tipID).first() != nil {
            issues.append(FieldIssue(field: "team", code: "exists", messageVI: "Tin báo này đã có lệnh điều động.", messageEN: "A team was already sent for this tip."))
        }
        guard issues.isEmpty else { throw ValidationFailure(issues: issues) }

        let unitID = responder
        let dispatch = Dispatch()
        dispatch.$tip.id = tipID
        dispatch.$unit.id = unitID
        dispatch.team = cleanedTeam
        dispatch.status = .assigned
        dispatch.$createdBy.id = account.id
        dispatch.assignedAt = now
        let previous = tip.status
        if tip.status < .dispatched {
            tip.status = .dispatched
            if tip.acknowledgedAt == nil { tip.acknowledgedAt = now }
        }
        tip.updatedAt = now
        let leavesDutyDesks = tip.urgent && previous == .received
        try await gate.transaction { db in
            try await Self.requireUnchangedStatus(tip, was: previous, on: db)
            try await dispatch.create(on: db)
            try await tip.save(on: db)
            try await Counters.add(.rapidResponses, 1, unit: unitID, at: now, on: db)
            try await AuditLog.append(.staff(account.id), "tip.dispatch", subject: Self.subject(tipID),
                                      detail: ["unit": unitID.uuidString, "from": previous.rawValue], at: now, on: db)
            if leavesDutyDesks {
                try await Self.announce(tip, kind: "acknowledged", topic: .liveTipAcknowledged, category: "", commune: "", at: now, on: db)
            }
        }
        if leavesDutyDesks { outboxWritten() }
        return dispatch
    }

    func dispatchRecord(of tip: Tip) async throws -> Dispatch? {
        try await Dispatch.query(on: db).filter(\.$tip.$id == (try tip.requireID())).with(\.$unit).first()
    }

    /// Records the team's progress; steps only move forward.
    func advanceDispatch(of tip: Tip, to next: DispatchStatus, by account: CurrentAccount, now: Date = Date()) async throws {
        guard try await may(account, .handleTips, on: tip) else { throw NotFound() }
        guard let dispatch = try await dispatchRecord(of: tip) else {
            throw ValidationFailure(issues: [FieldIssue(field: "status", code: "no_dispatch", messageVI: "Chưa có lệnh điều động.", messageEN: "No team was sent yet.")])
        }
        guard dispatch.status.canMove(to: next) else {
            throw ValidationFailure(issues: [FieldIssue(field: "status", code: "transition",
                messageVI: "Không thể chuyển từ \"\(dispatch.status.labelVI)\" sang \"\(next.labelVI)\".",
                messageEN: "A dispatch cannot go from \(dispatch.status.labelEN) to \(next.labelEN).")])
        }
        let previous = dispatch.status
        dispatch.status = next
        dispatch.stamp(next, at: now)
        let responder = dispatch.$unit.id
        let secondsToSite = Int(now.timeIntervalSince(tip.createdAt).rounded())
        try await gate.transaction { db in
            try await dispatch.save(on: db)
            try await AuditLog.append(.staff(account.id), "tip.dispatch.status", subject: Self.subject(try tip.requireID()),
                                      detail: ["from": previous.rawValue, "to": next.rawValue], at: now, on: db)
            if next == .onSite {
                try await Counters.add(.rapidResponsesOnSite, 1, unit: responder, at: now, on: db)
                try await Counters.add(.rapidResponseSecondsToSite, secondsToSite, unit: responder, at: now, on: db)
            }
        }
    }

    /// Records what the operation achieved; the operation is over. Closing the tip stays a
    /// separate decision (with its reason).
    func recordOutcome(of tip: Tip, _ outcome: DispatchOutcome, by account: CurrentAccount, now: Date = Date()) async throws {
        guard try await may(account, .handleTips, on: tip) else { throw NotFound() }
        let (clean, issues) = DispatchOutcome.validate(outcome)
        guard issues.isEmpty else { throw ValidationFailure(issues: issues) }
        guard let dispatch = try await dispatchRecord(of: tip) else {
            throw ValidationFailure(issues: [FieldIssue(field: "summary", code: "no_dispatch", messageVI: "Chưa có lệnh điều động.", messageEN: "No team was sent yet.")])
        }
        // Recording again corrects the figures: the counters move by the difference.
        let before = dispatch.outcome
        let responder = dispatch.$unit.id
        dispatch.peopleHeld = clean.peopleHeld
        dispatch.vehiclesSeized = clean.vehiclesSeized
        dispatch.weaponsSeized = clean.weaponsSeized
        dispatch.otherItems = clean.otherItems
        dispatch.summary = clean.summary
        dispatch.outcomeAt = now
        if dispatch.status != .closed {
            dispatch.status = .closed
            dispatch.closedAt = now
        }
        try await gate.transaction { db in
            try await dispatch.save(on: db)
            try await Counters.add(.incidentsHandled, before == nil ? 1 : 0, unit: responder, at: now, on: db)
            try await Counters.add(.peopleHeld, clean.peopleHeld - (before?.peopleHeld ?? 0), unit: responder, at: now, on: db)
            try await Counters.add(.vehiclesSeized, clean.vehiclesSeized - (before?.vehiclesSeized ?? 0), unit: responder, at: now, on: db)
            try await Counters.add(.weaponsSeized, clean.weaponsSeized - (before?.weaponsSeized ?? 0), unit: responder, at: now, on: db)
            try await AuditLog.append(.staff(account.id), "tip.outcome", subject: Self.subject(try tip.requireID()), detail: [
                "people_held": String(clean.peopleHeld), "vehicles_seized": String(clean.vehiclesSeized), "weapons_seized": String(clean.weaponsSeized),
            ], at: now, on: db)
        }
    }
}

/// Duplicates: two citizens report the same fight. The later tip is closed as a duplicate and
/// points to the one that is worked; its conversation stays where it is.
extension TipService {
    func merge(_ duplicate: Tip, into reference: String, by account: CurrentAccount, now: Date = Date()) async throws -> Tip {
        guard try await may(account, .handleTips, on: duplicate) else { throw NotFound() }
        let code = reference.trimmingCharacters(in: .whitespaces).uppercased()
        guard let target = try await Tip.query(on: db).filter(\.$reference == code).first(),
              try await may(account, .handleTips, on: target)
        else {
            throw ValidationFailure(issues: [FieldIssue(field: "into", code: "unknown", messageVI: "Không có tin báo với số hiệu này trong đơn vị của bạn.",
                                                        messageEN: "No tip with this reference in your units.")])
        }
        let targetID = try target.requireID()
        if targetID == duplicate.id || target.$duplicateOf.id != nil {
            throw ValidationFailure(issues: [FieldIssue(field: "into", code: "invalid", messageVI: "Không thể gộp vào chính nó hoặc vào một tin đã được gộp.",
                                                        messageEN: "A tip cannot be merged into itself or into a merged tip.")])
        }
        if duplicate.status == .closed {
            throw ValidationFailure(issues: [FieldIssue(field: "into", code: "closed", messageVI: "Tin báo đã kết thúc.", messageEN: "The tip is closed.")])
        }
        let previous = duplicate.status
        duplicate.status = .closed
        duplicate.closingReason = .duplicate
        duplicate.closedAt = now
        duplicate.$duplicateOf.id = targetID
        duplicate.updatedAt = now
        let leavesDutyDesks = duplicate.urgent && previous == .received
        try await gate.transaction { db in
            try await Self.requireUnchangedStatus(duplicate, was: previous, on: db)
            try await duplicate.save(on: db)
            try await Counters.add(.tipsClosedDuplicate, 1, unit: duplicate.$unit.id, at: now, on: db)
            try await AuditLog.append(.staff(account.id), "tip.merge", subject: Self.subject(try duplicate.requireID()),
                                      detail: ["into": targetID.uuidString, "from": previous.rawValue], at: now, on: db)
            if leavesDutyDesks {
                try await Self.announce(duplicate, kind: "acknowledged", topic: .liveTipAcknowledged, category: "", commune: "", at: now, on: db)
            }
        }
        if leavesDutyDesks { outboxWritten() }
        return target
    }

    /// Tips merged into this one.
    func duplicates(of tip: Tip) async throws -> [Tip] {
        try await Tip.query(on: db).filter(\.$duplicateOf.$id == (try tip.requireID())).sort(\.$createdAt).all()
    }
}
