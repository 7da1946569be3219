import BinhYenAPI
import BinhYenCore
import Fluent
import Foundation
import Vapor

/// Dossiers for procedures: citizens file and follow them; officers move them step by step.
extension APIHandler {
    func fileDossier(_ input: Operations.FileDossier.Input) async throws -> Operations.FileDossier.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard case .json(let body) = input.body else { return .badRequest(.init(body: .json(Self.validationError([])))) }
        do {
            let dossier = try await req.dossiers.file(.init(procedureSlug: body.procedureSlug, communeCode: body.communeCode, unitCode: body.unitCode,
                                                            note: body.note ?? "", channel: "api"), by: account.id)
            let record = DossierService.Record(dossier: dossier, steps: try await req.dossiers.steps(of: try dossier.requireID()))
            return .created(.init(body: .json(try await Self.dossierView(record, officer: false, on: req.db))))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        }
    }

    func listDossiers(_ input: Operations.ListDossiers.Input) async throws -> Operations.ListDossiers.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        let status = input.query.status.flatMap { DossierStatus(rawValue: $0.rawValue) }
        let dossiers = try await req.dossiers.inbox(for: account, status: status)
        return .ok(.init(body: .json(.init(items: try await Self.dossierViews(dossiers, on: req.db)))))
    }

    func listMyDossiers(_ input: Operations.ListMyDossiers.Input) async throws -> Operations.ListMyDossiers.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        let dossiers = try await req.dossiers.dossiers(ofApplicant: account.id)
        return .ok(.init(body: .json(.init(items: try await Self.dossierViews(dossiers, on: req.db)))))
    }

    func getDossier(_ input: Operations.GetDossier.Input) async throws -> Operations.GetDossier.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard let id = UUID(uuidString: input.path.id) else { return .notFound(.init(body: .json(Self.dossierNotFound))) }
        if let own = try await req.dossiers.record(id: id, applicant: account.id) {
            return .ok(.init(body: .json(try await Self.dossierView(own, officer: false, on: req.db))))
        }
        guard let record = try await req.dossiers.record(id: id, for: account) else { return .notFound(.init(body: .json(Self.dossierNotFound))) }
        return .ok(.init(body: .json(try await Self.dossierView(record, officer: true, on: req.db))))
    }

    func advanceDossier(_ input: Operations.AdvanceDossier.Input) async throws -> Operations.AdvanceDossier.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard let id = UUID(uuidString: input.path.id) else { return .notFound(.init(body: .json(Self.dossierNotFound))) }
        guard case .json(let body) = input.body, let status = DossierStatus(rawValue: body.status.rawValue) else {
            return .badRequest(.init(body: .json(Self.validationError([]))))
        }
        do {
            _ = try await req.dossiers.advance(id, DossierStepDraft(to: status, message: body.message ?? "", appointmentAt: body.appointmentAt,
                                                                    appointmentPlace: body.appointmentPlace ?? ""), by: account)
        } catch DossierService.Failure.notFound {
            return .notFound(.init(body: .json(Self.dossierNotFound)))
        } catch DossierService.Failure.stepNotAllowed(let vi, let en) {
            return .conflict(.init(body: .json(Self.error("dossier_step_not_allowed", vi, en))))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        }
        guard let record = try await req.dossiers.record(id: id, for: account) else { return .notFound(.init(body: .json(Self.dossierNotFound))) }
        return .ok(.init(body: .json(try await Self.dossierView(record, officer: true, on: req.db))))
    }

    func supplementDossier(_ input: Operations.SupplementDossier.Input) async throws -> Operations.SupplementDossier.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard let id = UUID(uuidString: input.path.id) else { return .notFound(.init(body: .json(Self.dossierNotFound))) }
        guard case .json(let body) = input.body else { return .badRequest(.init(body: .json(Self.validationError([])))) }
        do {
            _ = try await req.dossiers.supplement(id, message: body.message, by: account.id)
        } catch DossierService.Failure.notFound {
            return .notFound(.init(body: .json(Self.dossierNotFound)))
        } catch DossierService.Failure.stepNotAllowed(let vi, let en) {
            return .conflict(.init(body: .json(Self.error("dossier_step_not_allowed", vi, en))))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        }
        guard let record = try await req.dossiers.record(id: id, applicant: account.id) else { return .notFound(.init(body: .json(Self.dossierNotFound))) }
        return .ok(.init(body: .json(try await Self.dossierView(record, officer: false, on: req.db))))
    }

    func summariseDossiers(_ input: Operations.SummariseDossiers.Input) async throws -> Operations.SummariseDossiers.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        let (range, issues) = DayRange.parse(from: input.query.from, to: input.query.to)
        guard let range else { return .badRequest(.init(body: .json(Self.validationError(issues)))) }
        let rows = try await req.dossiers.tally(for: account, from: range.lowerBound, to: range.upperBound)
        return .ok(.init(body: .json(.init(from: input.query.from, to: input.query.to, items: rows.map {
            .init(procedureSlug: $0.procedureSlug, procedureTitle: $0.procedureTitle, unitCode: $0.unitCode, unitName: $0.unitName,
                  received: $0.received, settled: $0.settled, refused: $0.refused)
        }))))
    }

    /// Dossiers as lists show them (no steps), with their units' and procedures' names read in two queries.
    static func dossierViews(_ dossiers: [Dossier], on db: any Database) async throws -> [Schemas.DossierView] {
        let names = try await DossierNames.read(dossiers, on: db)
        return dossiers.map { d in
            .init(id: d.id?.uuidString ?? "", reference: d.reference, procedureSlug: names.procedure(d)?.slug ?? "",
                  procedureTitle: names.procedure(d)?.title ?? "", unitCode: names.unit(d)?.code ?? "", unitName: names.unit(d)?.name ?? "",
                  status: Self.apiStatus(d.status), note: d.note, appointmentAt: d.appointmentAt, appointmentPlace: d.appointmentPlace,
                  createdAt: d.createdAt, updatedAt: d.updatedAt, closedAt: d.closedAt)
        }
    }

    static func dossierView(_ record: DossierService.Record, officer: Bool, on db: any Database) async throws -> Schemas.DossierView {
        var view = try await dossierViews([record.dossier], on: db)[0]
        view.steps = record.steps.map { step in
            .init(fromStatus: step.fromStatus.map(apiStatus), status: apiStatus(step.status), message: step.message, appointmentAt: step.appointmentAt,
                  appointmentPlace: step.appointmentPlace, byCitizen: step.byCitizen, createdAt: step.createdAt)
        }
        if officer { view.nextSteps = record.dossier.status.officerSteps.map(apiStatus) }
        return view
    }

    static func apiStatus(_ status: DossierStatus) -> Schemas.DossierStatus {
        Schemas.DossierStatus(rawValue: status.rawValue)!
    }

    static let dossierNotFound = error("dossier_not_found", "Không tìm thấy hồ sơ.", "There is no such dossier.")
}

/// The names of dossiers' units and procedures, read in two queries.
struct DossierNames {
    var units: [UUID: Unit]
    var procedures: [UUID: Procedure]

    static func read(_ dossiers: [Dossier], on db: any Database) async throws -> DossierNames {
        let unitIDs = Array(Set(dossiers.map { $0.$unit.id }))
        let procedureIDs = Array(Set(dossiers.map { $0.$procedure.id }))
        let units = unitIDs.isEmpty ? [] : try await Unit.query(on: db).filter(\.$id ~~ unitIDs).all()
        let procedures = procedureIDs.isEmpty ? [] : try await Procedure.query(on: db).filter(\.$id ~~ procedureIDs).all()
        return DossierNames(units: Dictionary(uniqueKeysWithValues: units.compactMap { u in u.id.map { ($0, u) } }),
                            procedures: Dictionary(uniqueKeysWithValues: procedures.compactMap { p in p.id.map { ($0, p) } }))
    }

    func unit(_ dossier: Dossier) -> Unit? { units[dossier.$unit.id] }
    func procedure(_ dossier: Dossier) -> Procedure? { procedures[dossier.$procedure.id] }
}
