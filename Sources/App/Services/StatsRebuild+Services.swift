import BinhYenCore
import Fluent
import Foundation
import SQLKit

extension StatsRebuild {
    /// Questions, dossiers, the scam registry and harmful content, from the records:
    /// - questions received: `questions.created_at`, for the unit that received the question. That
    ///   is today's unit unless the question was escalated. Each `question.escalate` entry names the
    ///   unit where the question was overdue, which is the receiving unit: the first escalation
    ///   keeps the unit and the second moves the question up;
    /// - questions escalated: those entries;
    /// - answered and seconds to answer: `answered_at` and `answer_seconds`, for today's unit. A
    ///   question is answered once, and an answered question never moves;
    /// - public answers: `faqs` made from a question (`source_question_id`), with their unit and
    ///   `published_at`;
    /// - dossiers: `created_at`, and `closed_at` of the settled and refused ones. Both are final,
    ///   and a dossier never changes unit;
    /// - scam indicators verified: only the first `scam.verified` entry of an indicator counts, and
    ///   only when the indicator was not already verified (by an import) and the officer had a unit.
    ///   Imports count nothing;
    /// - takedowns requested and removed: the `harmful.takedown_requested` and `harmful.removed`
    ///   entries that name the officer's unit. A request sent again after a refusal has its own entry.
    /// The log's times are rounded to the millisecond. So the day differs from the live one only
    /// for an event in the last half millisecond before midnight.
    static func services(on db: any Database) async throws -> Tally {
        let sql = try db.requireSQL()
        var tally = Tally()
        let decoder = JSONDecoder()
        let escalate = "question.escalate", verified = "scam." + ScamStatus.verified.rawValue
        let requested = "harmful." + HarmfulStatus.takedownRequested.rawValue, removed = "harmful." + HarmfulStatus.removed.rawValue

        // The log is read in any order; `seq` tells which entry came first.
        var receivedBy: [UUID: (seq: Int64, unit: UUID)] = [:]
        var firstVerification: [String: (seq: Int64, at: Date, unit: UUID?)] = [:]
        for row in try await sql.raw("""
            SELECT seq, action, subject, at_ms, detail FROM audit_entries WHERE action IN (\(binds: [escalate, verified, requested, removed]))
            """).all() {
            let seq = try row.decode(column: "seq", as: Int64.self)
            let action = try row.decode(column: "action", as: String.self)
            let subject = try row.decode(column: "subject", as: String.self)
            let at = Date(timeIntervalSince1970: Double(try row.decode(column: "at_ms", as: Int64.self)) / 1000)
            // The detail is canonical JSON of strings (`AuditLog.canonical`).
            let detail = try decoder.decode([String: String].self, from: Data(try row.decode(column: "detail", as: String.self).utf8))
            let unit = detail["unit"].flatMap(UUID.init(uuidString:))
            switch action {
            case escalate:
                guard let unit else { continue }
                tally.add(.questionsEscalated, 1, unit: unit, at: at)
                if subject.hasPrefix("question:"), let question = UUID(uuidString: String(subject.dropFirst("question:".count))),
                   receivedBy[question].map({ seq < $0.seq }) ?? true {
                    receivedBy[question] = (seq, unit)
                }
            case verified:
                if firstVerification[subject].map({ seq < $0.seq }) ?? true {
                    firstVerification[subject] = (seq, at, detail["was"] == ScamStatus.verified.rawValue ? nil : unit)
                }
            case requested:
                if let unit { tally.add(.takedownsRequested, 1, unit: unit, at: at) }
            case removed:
                if let unit { tally.add(.takedownsRemoved, 1, unit: unit, at: at) }
            default:
                break
            }
        }
        for first in firstVerification.values {
            if let unit = first.unit { tally.add(.scamIndicatorsVerified, 1, unit: unit, at: first.at) }
        }

        for row in try await sql.raw("SELECT id, unit_id, created_at, answered_at, answer_seconds FROM questions").all() {
            let unit = try row.decode(column: "unit_id", as: UUID.self)
            let received = receivedBy[try row.decode(column: "id", as: UUID.self)]?.unit ?? unit
            tally.add(.questionsReceived, 1, unit: received, at: try row.decode(column: "created_at", as: Date.self))
            guard let answeredAt = try row.decode(column: "answered_at", as: Date?.self) else { continue }
            tally.add(.questionsAnswered, 1, unit: unit, at: answeredAt)
            tally.add(.questionsAnswerSeconds, Int64(try row.decode(column: "answer_seconds", as: Int?.self) ?? 0), unit: unit, at: answeredAt)
        }

        for row in try await sql.raw("SELECT unit_id, published_at FROM faqs WHERE source_question_id IS NOT NULL").all() {
            tally.add(.faqsPublished, 1, unit: try row.decode(column: "unit_id", as: UUID.self), at: try row.decode(column: "published_at", as: Date.self))
        }

        for row in try await sql.raw("SELECT unit_id, status, created_at, closed_at FROM dossiers").all() {
            let unit = try row.decode(column: "unit_id", as: UUID.self)
            tally.add(.dossiersReceived, 1, unit: unit, at: try row.decode(column: "created_at", as: Date.self))
            guard let closedAt = try row.decode(column: "closed_at", as: Date?.self) else { continue }
            switch DossierStatus(rawValue: try row.decode(column: "status", as: String.self)) {
            case .settled: tally.add(.dossiersSettled, 1, unit: unit, at: closedAt)
            case .refused: tally.add(.dossiersRefused, 1, unit: unit, at: closedAt)
            default: break
            }
        }
        return tally
    }
}
