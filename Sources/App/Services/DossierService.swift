import BinhYenCore
import Fluent
import Foundation
import SQLKit
import Vapor

/// Citizens' dossiers for procedures: filed on the web or through the API at the commune's police
/// (or a chosen unit), moved by its officers through the steps in `DossierFlow`, each step kept
/// and told to the citizen. Every change is audited and counted in the same transaction.
struct DossierService: Sendable {
    let db: any Database
    let app: Application

    init(db: any Database, app: Application) {
        self.db = db
        self.app = app
    }

    static let noteLength = 0...2_000

    enum Failure: Error, Equatable {
        case notFound
        /// The step cannot be taken from where the dossier stands (or it is closed); why, for the citizen or officer.
        case stepNotAllowed(vi: String, en: String)
    }

    struct Draft: Sendable {
        var procedureSlug: String
        var communeCode: String?
        var unitCode: String?
        var note: String
        var channel = "web"
    }

    /// A dossier with its steps, oldest first.
    struct Record: Sendable {
        var dossier: Dossier
        var steps: [DossierStep]
    }

    // MARK: the citizen's side

    func file(_ draft: Draft, by applicant: UUID, now: Date = Date()) async throws -> Dossier {
        var issues: [FieldIssue] = []
        let note = VietnameseText.clean(draft.note)
        if !Self.noteLength.contains(note.count) {
            issues.append(FieldIssue(field: "note", code: "length", messageVI: "Ghi chú tối đa \(Self.noteLength.upperBound) ký tự.",
                                     messageEN: "The note has at most \(Self.noteLength.upperBound) characters."))
        }
        let procedure = draft.procedureSlug.isEmpty ? nil : try await Procedure.query(on: db).filter(\.$slug == draft.procedureSlug).first()
        if procedure == nil {
            issues.append(FieldIssue(field: "procedure", code: draft.procedureSlug.isEmpty ? "required" : "unknown",
                                     messageVI: "Hãy chọn thủ tục bạn nộp hồ sơ.", messageEN: "Choose the procedure the dossier is for."))
        }
        let (unitID, areaID, routing) = try await QuestionService.destination(communeCode: draft.communeCode, unitCode: draft.unitCode, app: app, on: db)
        issues += routing
        guard issues.isEmpty, let unitID, let procedure else { throw ValidationFailure(issues: issues) }
        let dossier = Dossier()
        dossier.id = UUID.timeOrdered(at: now)
        dossier.reference = TipService.newReference(prefix: "HS")
        dossier.$applicant.id = applicant
        dossier.$procedure.id = try procedure.requireID()
        dossier.$unit.id = unitID
        dossier.$area.id = areaID
        dossier.note = note
        dossier.status = .received
        dossier.channel = draft.channel
        dossier.createdAt = now
        dossier.updatedAt = now
        let step = Self.step(of: dossier, from: nil, DossierStepDraft(to: .received, message: note), actor: applicant, byCitizen: true, at: now)
        try await app.writeGate.transaction { db in
            try await dossier.create(on: db)
            try await step.create(on: db)
            try await Counters.add(.dossiersReceived, 1, unit: unitID, at: now, on: db)
            try await AuditLog.append(.citizen(applicant), "dossier.file", subject: Self.subject(dossier), at: now, on: db)
        }
        return dossier
    }

    func dossiers(ofApplicant applicant: UUID, limit: Int = 100) async throws -> [Dossier] {
        try await Dossier.query(on: db).filter(\.$applicant.$id == applicant).sort(\.$createdAt, .descending).limit(limit).all()
    }

    func dossier(id: UUID, applicant: UUID) async throws -> Dossier? {
        try await Dossier.query(on: db).filter(\.$id == id).filter(\.$applicant.$id == applicant).first()
    }

    func record(id: UUID, applicant: UUID) async throws -> Record? {
        guard let dossier = try await dossier(id: id, applicant: applicant) else { return nil }
        return Record(dossier: dossier, steps: try await steps(of: id))
    }

    /// The citizen says the missing documents were supplied; the dossier is received again.
    func supplement(_ id: UUID, message: String, by applicant: UUID, now: Date = Date()) async throws -> Dossier {
        guard try await dossier(id: id, applicant: applicant) != nil else { throw Failure.notFound }
        return try await move(id, DossierStepDraft(to: .received, message: VietnameseText.clean(message)), actor: applicant, as: .citizen, audit: .citizen(applicant), now: now)
    }

    // MARK: the officers' side

    /// Dossiers at units in the subtrees where the account handles dossiers: open ones first (the
    /// longest untouched on top), then the settled and refused, newest first.
    func inbox(for account: CurrentAccount, status: DossierStatus? = nil, limit: Int = 100) async throws -> [Dossier] {
        let units = TipService.units(of: account, allowing: .handleDossiers)
        guard !units.isEmpty else { return [] }
        var query = Dossier.query(on: db).filter(.sql(embed: """
            \(ident: "dossiers").\(ident: "unit_id") IN (SELECT descendant_id FROM unit_closure WHERE ancestor_id IN (\(binds: units)))
            """))
        if let status { query = query.filter(\.$status == status) }
        let rows = try await query.sort(\.$updatedAt, .descending).limit(limit).all()
        return rows.filter { !$0.status.isFinal }.sorted { $0.updatedAt < $1.updatedAt } + rows.filter(\.status.isFinal)
    }

    /// The dossier if the account may handle it (its unit is in one of their subtrees).
    func dossier(id: UUID, for account: CurrentAccount) async throws -> Dossier? {
        guard let dossier = try await Dossier.find(id, on: db) else { return nil }
        let ancestry = Set(try await UnitTree.ancestry(of: dossier.$unit.id, on: db).map(\.uuidString))
        return Policy.allows(account.grants, .handleDossiers, onUnitWithAncestry: ancestry) ? dossier : nil
    }

    func record(id: UUID, for account: CurrentAccount) async throws -> Record? {
        guard let dossier = try await dossier(id: id, for: account) else { return nil }
        return Record(dossier: dossier, steps: try await steps(of: id))
    }

    /// An officer's step; the citizen is notified in the same transaction.
    func advance(_ id: UUID, _ draft: DossierStepDraft, by account: CurrentAccount, now: Date = Date()) async throws -> Dossier {
        guard try await dossier(id: id, for: account) != nil else { throw Failure.notFound }
        var draft = draft
        draft.message = VietnameseText.clean(draft.message)
        draft.appointmentPlace = VietnameseText.clean(draft.appointmentPlace)
        return try await move(id, draft, actor: account.id, as: .officer, audit: .staff(account.id), now: now)
    }

    /// Dossiers received and settled by procedure and unit, over the subtrees the account handles,
    /// for the days `from` to `to` (Vietnam time, inclusive): read from the dossiers themselves.
    struct Tally: Sendable, Equatable {
        var procedureSlug: String
        var procedureTitle: String
        var unitCode: String
        var unitName: String
        var received: Int
        var settled: Int
        var refused: Int
    }

    func tally(for account: CurrentAccount, from: Date, to: Date) async throws -> [Tally] {
        let units = TipService.units(of: account, allowing: .handleDossiers)
        guard !units.isEmpty else { return [] }
        let sql = try db.requireSQL()
        let rows = try await sql.raw("""
            SELECT p.slug, p.title, u.code, u.name,
                   SUM(CASE WHEN d.created_at >= \(bind: from) AND d.created_at < \(bind: to) THEN 1 ELSE 0 END) AS received,
                   SUM(CASE WHEN d.status = 'settled' AND d.closed_at >= \(bind: from) AND d.closed_at < \(bind: to) THEN 1 ELSE 0 END) AS settled,
                   SUM(CASE WHEN d.status = 'refused' AND d.closed_at >= \(bind: from) AND d.closed_at < \(bind: to) THEN 1 ELSE 0 END) AS refused
            FROM dossiers d JOIN procedures p ON p.id = d.procedure_id JOIN units u ON u.id = d.unit_id
            WHERE d.unit_id IN (SELECT descendant_id FROM unit_closure WHERE ancestor_id IN (\(binds: units)))
              AND ((d.created_at >= \(bind: from) AND d.created_at < \(bind: to)) OR (d.closed_at >= \(bind: from) AND d.closed_at < \(bind: to)))
            GROUP BY p.slug, p.title, u.code, u.name
            """).all()
        return try rows.map { row in
            Tally(procedureSlug: try row.decode(column: "slug", as: String.self), procedureTitle: try row.decode(column: "title", as: String.self),
                  unitCode: try row.decode(column: "code", as: String.self), unitName: try row.decode(column: "name", as: String.self),
                  received: try row.decode(column: "received", as: Int.self), settled: try row.decode(column: "settled", as: Int.self),
                  refused: try row.decode(column: "refused", as: Int.self))
        }.sorted { ($0.unitCode, $0.procedureSlug) < ($1.unitCode, $1.procedureSlug) }
    }

    // MARK: shared

    func steps(of id: UUID) async throws -> [DossierStep] {
        try await DossierStep.query(on: db).filter(\.$dossier.$id == id).sort(\.$createdAt).sort(\.$id).all()
    }

    /// Takes one step after checking it against the dossier as it is now, inside the write.
    private func move(_ id: UUID, _ draft: DossierStepDraft, actor: UUID, as role: DossierFlow.Actor, audit: AuditActor,
                      now: Date) async throws -> Dossier {
        try await app.writeGate.transaction { db in
            guard let dossier = try await Dossier.find(id, on: db) else { throw Failure.notFound }
            let problems = DossierFlow.problems(from: dossier.status, draft, by: role, now: now)
            if let refusal = problems.first(where: { $0.field == "status" }) { throw Failure.stepNotAllowed(vi: refusal.vi, en: refusal.en) }
            guard problems.isEmpty else {
                throw ValidationFailure(issues: problems.map { FieldIssue(field: $0.field, code: "invalid", messageVI: $0.vi, messageEN: $0.en) })
            }
            let from = dossier.status
            let step = Self.step(of: dossier, from: from, draft, actor: actor, byCitizen: role == .citizen, at: now)
            dossier.status = draft.to
            dossier.updatedAt = now
            dossier.appointmentAt = draft.to == .appointmentSet ? draft.appointmentAt : nil
            dossier.appointmentPlace = draft.to == .appointmentSet ? draft.appointmentPlace : nil
            if draft.to.isFinal { dossier.closedAt = now }
            try await dossier.save(on: db)
            try await step.create(on: db)
            if draft.to == .settled { try await Counters.add(.dossiersSettled, 1, unit: dossier.$unit.id, at: now, on: db) }
            if draft.to == .refused { try await Counters.add(.dossiersRefused, 1, unit: dossier.$unit.id, at: now, on: db) }
            if role == .officer {
                try await InAppNotification(account: dossier.$applicant.id, kind: "dossier.step",
                                            titleVI: "Hồ sơ \(dossier.reference): \(draft.to.labelVI)",
                                            titleEN: "Dossier \(dossier.reference): \(draft.to.labelEN)",
                                            link: "/dossiers/\(id.uuidString)", dedupeKey: "dossier.step:\(try step.requireID().uuidString)", at: now)
                    .create(on: db)
            }
            try await AuditLog.append(audit, "dossier.\(draft.to.rawValue)", subject: Self.subject(dossier), at: now, on: db)
            return dossier
        }
    }

    private static func step(of dossier: Dossier, from: DossierStatus?, _ draft: DossierStepDraft, actor: UUID, byCitizen: Bool, at now: Date) -> DossierStep {
        let step = DossierStep()
        step.id = UUID.timeOrdered(at: now)
        step.$dossier.id = dossier.id!
        step.fromStatus = from
        step.status = draft.to
        step.message = draft.message
        step.appointmentAt = draft.to == .appointmentSet ? draft.appointmentAt : nil
        step.appointmentPlace = draft.to == .appointmentSet ? draft.appointmentPlace : nil
        step.$actor.id = actor
        step.byCitizen = byCitizen
        step.createdAt = now
        return step
    }

    static func subject(_ dossier: Dossier) -> String {
        "dossier:\(dossier.id?.uuidString ?? "")"
    }
}

extension Request {
    var dossiers: DossierService { DossierService(db: db, app: application) }
}
