import BinhYenCore
import Fluent
import Foundation
import Vapor

/// Unanswered questions climb like overdue tips: when the answer is late the unit's commanders are
/// told; when it is late by as long again, the question moves to the parent unit, whose
/// commanders are told. Runs in the background, never on a request.
enum QuestionEscalation {
    /// Escalates every overdue question one level; returns how many changed.
    static func run(app: Application, now: Date = Date()) async throws -> Int {
        let overdue = try await Question.query(on: app.db)
            .filter(\.$status == .received).filter(\.$escalationLevel < 2).filter(\.$dueAt < now)
            .sort(\.$dueAt).limit(500).all()
        var changed = 0
        for question in overdue {
            let id = try question.requireID()
            let allowed = question.dueAt.timeIntervalSince(question.createdAt)
            if question.escalationLevel == 1 && now < question.dueAt.addingTimeInterval(allowed) { continue }
            var target = question.$unit.id
            if question.escalationLevel == 1 {
                guard let parent = try await Unit.find(target, on: app.db)?.$parent.id else { continue }
                target = parent
            }
            let unitID = target
            let escalated = try await app.writeGate.transaction { db -> Bool in
                // Re-read inside the gate: an answer given meanwhile, or another node, wins.
                guard let fresh = try await Question.find(id, on: db), fresh.status == .received,
                      fresh.escalationLevel == question.escalationLevel else { return false }
                fresh.escalationLevel += 1
                fresh.$unit.id = unitID
                try await fresh.save(on: db)
                try await Counters.add(.questionsEscalated, 1, unit: question.$unit.id, at: now, on: db)
                try await notifyCommanders(of: unitID, fresh, on: db, now: now)
                // The unit it was overdue at, which the escalation counts for: once the question has
                // moved up, nothing else records the unit that received it (see `StatsRebuild`).
                try await AuditLog.append(.system, "question.escalate", subject: QuestionService.subject(fresh),
                                          detail: ["level": String(fresh.escalationLevel), "unit": question.$unit.id.uuidString], at: now, on: db)
                return true
            }
            if escalated { changed += 1 }
        }
        return changed
    }

    private static func notifyCommanders(of unitID: UUID, _ question: Question, on db: any Database, now: Date) async throws {
        let commanders = try await Membership.query(on: db).filter(\.$unit.$id == unitID).filter(\.$role == .commander).all()
        for membership in commanders {
            let first = question.escalationLevel == 1
            try await InAppNotification(
                account: membership.$account.id, kind: "question.escalation",
                titleVI: first ? "Câu hỏi \(question.reference) của người dân quá hạn chưa trả lời"
                    : "Câu hỏi \(question.reference) quá hạn ở đơn vị cấp dưới, chuyển lên đơn vị",
                titleEN: first ? "Citizen's question \(question.reference) is overdue"
                    : "Question \(question.reference) was overdue below and now comes to your unit",
                link: "/console/questions/\(question.id?.uuidString ?? "")",
                dedupeKey: "question.escalation:\(question.id?.uuidString ?? ""):\(question.escalationLevel)", at: now
            ).create(on: db)
        }
    }
}
