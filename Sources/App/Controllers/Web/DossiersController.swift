import BinhYenCore
import Fluent
import Vapor

/// Dossiers on the web: a citizen files one for a procedure and follows its steps; officers move
/// it along from the console and see how many were received and settled, by procedure and unit.
struct DossiersController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("dossiers", "new", use: newDossier)
        routes.post("dossiers", use: file)
        routes.get("dossiers", "mine", use: mine)
        routes.get("dossiers", ":id", use: show)
        routes.post("dossiers", ":id", "supplement", use: supplement)
        let console = routes.grouped("console").grouped(StaffOnlyMiddleware())
        console.get("dossiers", use: inbox)
        console.get("dossiers", ":id", use: consoleDossier)
        console.post("dossiers", ":id", "steps", use: advance)
    }

    struct Item: Encodable {
        var id: String
        var reference: String
        var procedureSlug: String
        var procedureTitle: String
        var unitName: String
        var status: String
        var statusLabel: String
        var note: String
        var appointment: String?
        var appointmentPlace: String?
        var createdAt: String
        var updatedAt: String
    }

    struct StepItem: Encodable {
        var status: String
        var label: String
        var message: String
        var appointment: String?
        var appointmentPlace: String?
        var byCitizen: Bool
        var time: String
    }

    static func label(_ status: DossierStatus, _ req: Request) -> String {
        req.message(status.labelVI, status.labelEN)
    }

    static func items(_ dossiers: [Dossier], _ req: Request) async throws -> [Item] {
        let names = try await DossierNames.read(dossiers, on: req.db)
        return dossiers.map { d in
            Item(id: d.id?.uuidString ?? "", reference: d.reference, procedureSlug: names.procedure(d)?.slug ?? "",
                 procedureTitle: names.procedure(d)?.title ?? "", unitName: names.unit(d)?.name ?? "", status: d.status.rawValue,
                 statusLabel: label(d.status, req), note: d.note, appointment: d.appointmentAt.map(DisplayTime.string),
                 appointmentPlace: d.appointmentPlace, createdAt: DisplayTime.string(d.createdAt), updatedAt: DisplayTime.string(d.updatedAt))
        }
    }

    static func steps(_ steps: [DossierStep], _ req: Request) -> [StepItem] {
        steps.map {
            StepItem(status: $0.status.rawValue, label: label($0.status, req), message: $0.message, appointment: $0.appointmentAt.map(DisplayTime.string),
                     appointmentPlace: $0.appointmentPlace, byCitizen: $0.byCitizen, time: DisplayTime.string($0.createdAt))
        }
    }

    // MARK: the citizen's side

    struct FileView: Encodable {
        var page: PageMeta
        var values: [String: String]
        var errors: [String: String]
        var communeChoices: [TipController.Choice]
        var procedures: [QuestionsController.Option]
    }

    struct FileForm: Content {
        var procedure: String?
        var commune: String?
        var communeCode: String?
        var note: String?
    }

    @Sendable func newDossier(req: Request) async throws -> Response {
        guard req.auth.get(CurrentAccount.self) != nil else { return req.redirect(to: "/login?next=/dossiers/new") }
        let procedure = (try? req.query.get(String.self, at: "procedure")) ?? ""
        return try await filePage(req, values: ["procedure": procedure], errors: [:], choices: [], status: .ok)
    }

    private func filePage(_ req: Request, values: [String: String], errors: [String: String], choices: [TipController.Choice],
                          status: HTTPStatus) async throws -> Response {
        let view = FileView(page: req.pageMeta(titleKey: "dossierFileTitle"), values: values, errors: errors, communeChoices: choices,
                            procedures: try await QuestionsController.options(req, selected: values["procedure"]))
        return try await req.view.render("dossiers/new", view).encodeResponse(status: status, for: req)
    }

    @Sendable func file(req: Request) async throws -> Response {
        guard let account = req.auth.get(CurrentAccount.self) else { return req.redirect(to: "/login?next=/dossiers/new") }
        let form = try req.content.decode(FileForm.self)
        let values = ["procedure": form.procedure ?? "", "commune": form.commune ?? "", "note": form.note ?? ""]
        let (communeCode, choices, communeError) = try await TipController.commune(req, typed: form.commune, chosen: form.communeCode)
        if let communeError {
            return try await filePage(req, values: values, errors: ["commune": communeError], choices: choices, status: .unprocessableEntity)
        }
        do {
            let dossier = try await req.dossiers.file(.init(procedureSlug: form.procedure ?? "", communeCode: communeCode, note: form.note ?? ""),
                                                      by: account.id)
            return req.redirect(to: "/dossiers/\(dossier.id?.uuidString ?? "")?sent=1")
        } catch let failure as ValidationFailure {
            return try await filePage(req, values: values, errors: req.fieldErrors(failure.issues), choices: [], status: .unprocessableEntity)
        }
    }

    struct MineView: Encodable {
        var page: PageMeta
        var dossiers: [Item]
    }

    @Sendable func mine(req: Request) async throws -> Response {
        guard let account = req.auth.get(CurrentAccount.self) else { return req.redirect(to: "/login?next=/dossiers/mine") }
        let dossiers = try await Self.items(try await req.dossiers.dossiers(ofApplicant: account.id), req)
        return try await req.view.render("dossiers/mine", MineView(page: req.pageMeta(titleKey: "dossierMineTitle"), dossiers: dossiers))
            .encodeResponse(for: req)
    }

    struct ShowView: Encodable {
        var page: PageMeta
        var dossier: Item
        var steps: [StepItem]
        var sent: Bool
        var canSupplement: Bool
        var values: [String: String]
        var errors: [String: String]
    }

    private func showPage(_ req: Request, _ record: DossierService.Record, values: [String: String], errors: [String: String],
                          status: HTTPStatus) async throws -> Response {
        var meta = req.pageMeta(titleKey: "dossierMineTitle")
        meta.title = record.dossier.reference
        let view = ShowView(page: meta, dossier: try await Self.items([record.dossier], req)[0], steps: Self.steps(record.steps, req),
                            sent: (try? req.query.get(String.self, at: "sent")) != nil,
                            canSupplement: !record.dossier.status.citizenSteps.isEmpty, values: values, errors: errors)
        return try await req.view.render("dossiers/show", view).encodeResponse(status: status, for: req)
    }

    private func own(_ req: Request) async throws -> (UUID, DossierService.Record)? {
        guard let account = req.auth.get(CurrentAccount.self) else { return nil }
        guard let id = req.parameters.get("id", as: UUID.self), let record = try await req.dossiers.record(id: id, applicant: account.id) else {
            throw Abort(.notFound)
        }
        return (account.id, record)
    }

    @Sendable func show(req: Request) async throws -> Response {
        guard let (_, record) = try await own(req) else { return req.redirect(to: "/login?next=\(req.url.path)") }
        return try await showPage(req, record, values: [:], errors: [:], status: .ok)
    }

    struct SupplementForm: Content {
        var message: String?
    }

    @Sendable func supplement(req: Request) async throws -> Response {
        guard let (applicant, record) = try await own(req) else { return req.redirect(to: "/login?next=/dossiers/mine") }
        let form = try req.content.decode(SupplementForm.self)
        let id = try record.dossier.requireID()
        do {
            _ = try await req.dossiers.supplement(id, message: form.message ?? "", by: applicant)
        } catch DossierService.Failure.stepNotAllowed(let vi, let en) {
            let fresh = try await req.dossiers.record(id: id, applicant: applicant) ?? record
            return try await showPage(req, fresh, values: [:], errors: ["status": req.message(vi, en)], status: .conflict)
        } catch let failure as ValidationFailure {
            return try await showPage(req, record, values: ["message": form.message ?? ""], errors: req.fieldErrors(failure.issues),
                                      status: .unprocessableEntity)
        }
        return req.redirect(to: "/dossiers/\(id.uuidString)")
    }

    // MARK: the officers' side

    struct TallyRow: Encodable {
        var procedureTitle: String
        var unitName: String
        var received: Int
        var settled: Int
        var refused: Int
    }

    struct InboxView: Encodable {
        var page: PageMeta
        var dossiers: [Item]
        var statuses: [QuestionsController.Option]
        var from: String
        var to: String
        var tally: [TallyRow]
        var errors: [String: String]
    }

    @Sendable func inbox(req: Request) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        let chosen = (try? req.query.get(String.self, at: "status")).flatMap(DossierStatus.init(rawValue:))
        let dossiers = try await Self.items(try await req.dossiers.inbox(for: account, status: chosen), req)
        // The tally covers this month unless the officer names the days.
        let month = DayRange.monthToDate(Date())
        let from = (try? req.query.get(String.self, at: "from")) ?? month.from
        let to = (try? req.query.get(String.self, at: "to")) ?? month.to
        let (range, issues) = DayRange.parse(from: from, to: to)
        var tally: [DossierService.Tally] = []
        if let range { tally = try await req.dossiers.tally(for: account, from: range.lowerBound, to: range.upperBound) }
        let view = InboxView(page: req.pageMeta(titleKey: "dossierInboxTitle"), dossiers: dossiers,
                             statuses: DossierStatus.allCases.map { .init(slug: $0.rawValue, title: Self.label($0, req), selected: $0 == chosen) },
                             from: from, to: to,
                             tally: tally.map { .init(procedureTitle: $0.procedureTitle, unitName: $0.unitName, received: $0.received, settled: $0.settled, refused: $0.refused) },
                             errors: req.fieldErrors(issues))
        return try await req.view.render("dossiers/inbox", view).encodeResponse(status: issues.isEmpty ? .ok : .unprocessableEntity, for: req)
    }

    struct ConsoleView: Encodable {
        var page: PageMeta
        var dossier: Item
        var steps: [StepItem]
        var nextSteps: [QuestionsController.Option]
        var values: [String: String]
        var errors: [String: String]
    }

    private func consolePage(_ req: Request, _ record: DossierService.Record, values: [String: String], errors: [String: String],
                             status: HTTPStatus) async throws -> Response {
        var meta = req.pageMeta(titleKey: "dossierInboxTitle")
        meta.title = record.dossier.reference
        let next = record.dossier.status.officerSteps.map { QuestionsController.Option(slug: $0.rawValue, title: Self.label($0, req), selected: $0.rawValue == values["status"]) }
        let view = ConsoleView(page: meta, dossier: try await Self.items([record.dossier], req)[0], steps: Self.steps(record.steps, req),
                               nextSteps: next, values: values, errors: errors)
        return try await req.view.render("dossiers/console", view).encodeResponse(status: status, for: req)
    }

    private func visible(_ req: Request) async throws -> (CurrentAccount, DossierService.Record) {
        let account = try req.auth.require(CurrentAccount.self)
        guard let id = req.parameters.get("id", as: UUID.self), let record = try await req.dossiers.record(id: id, for: account) else {
            throw Abort(.notFound)
        }
        return (account, record)
    }

    @Sendable func consoleDossier(req: Request) async throws -> Response {
        let (_, record) = try await visible(req)
        return try await consolePage(req, record, values: [:], errors: [:], status: .ok)
    }

    struct StepForm: Content {
        var status: String?
        var message: String?
        var appointmentAt: String?
        var appointmentPlace: String?
    }

    @Sendable func advance(req: Request) async throws -> Response {
        let (account, record) = try await visible(req)
        let form = try req.content.decode(StepForm.self)
        let id = try record.dossier.requireID()
        let values = ["status": form.status ?? "", "message": form.message ?? "", "appointmentAt": form.appointmentAt ?? "",
                      "appointmentPlace": form.appointmentPlace ?? ""]
        guard let status = form.status.flatMap(DossierStatus.init(rawValue:)) else {
            return try await consolePage(req, record, values: values,
                                         errors: ["status": req.message("Hãy chọn bước tiếp theo.", "Choose the next step.")], status: .unprocessableEntity)
        }
        let rawTime = (form.appointmentAt ?? "").trimmingCharacters(in: .whitespaces)
        let appointment = rawTime.isEmpty ? nil : DisplayTime.parseLocalInput(rawTime)
        if !rawTime.isEmpty, appointment == nil {
            return try await consolePage(req, record, values: values,
                                         errors: ["appointmentAt": req.message("Giờ hẹn không đúng dạng ngày giờ.", "The appointment time is not a date and time.")],
                                         status: .unprocessableEntity)
        }
        do {
            _ = try await req.dossiers.advance(id, DossierStepDraft(to: status, message: form.message ?? "", appointmentAt: appointment,
                                                                    appointmentPlace: form.appointmentPlace ?? ""), by: account)
        } catch DossierService.Failure.stepNotAllowed(let vi, let en) {
            let fresh = try await req.dossiers.record(id: id, for: account) ?? record
            return try await consolePage(req, fresh, values: [:], errors: ["status": req.message(vi, en)], status: .conflict)
        } catch let failure as ValidationFailure {
            return try await consolePage(req, record, values: values, errors: req.fieldErrors(failure.issues), status: .unprocessableEntity)
        }
        return req.redirect(to: "/console/dossiers/\(id.uuidString)")
    }
}
