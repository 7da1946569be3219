import BinhYenCore
import Fluent
import Vapor

/// The officer's tip inbox and tip page in the console. Forms post back and redirect; a refused
/// form shows the tip again with the reason next to the field.
struct ConsoleTipsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let tips = routes.grouped("console", "tips").grouped(StaffOnlyMiddleware())
        tips.get(use: inbox)
        tips.get(":id", use: show)
        tips.post(":id", "status", use: changeStatus)
        tips.post(":id", "messages", use: addMessage)
        tips.post(":id", "valuable", use: setValuable)
        tips.post(":id", "assign", use: assign)
        tips.post(":id", "transfer", use: transfer)
        tips.post(":id", "dispatch", use: dispatch)
        tips.post(":id", "dispatch", "status", use: advanceDispatch)
        tips.post(":id", "outcome", use: recordOutcome)
        tips.post(":id", "merge", use: merge)
        tips.get(":id", "attachments", ":attachment", use: attachment)
    }

    struct Row: Encodable {
        var id: String
        var reference: String
        var category: String
        var status: String
        var statusLabel: String
        var urgent: Bool
        var valuable: Bool
        var anonymous: Bool
        var overdue: Bool
        var commune: String
        var unit: String
        var createdAt: String
    }

    struct InboxPage: Encodable {
        var page: PageMeta
        var rows: [Row]
        var statuses: [TipController.Option]
        var categories: [TipController.Option]
        var urgent: Bool
        var overdue: Bool
        var unit: String
        var error: String?
    }

    struct RouteView: Encodable {
        var code: String
        var name: String
        var reason: String
    }

    struct DispatchView: Encodable {
        struct Step: Encodable {
            var label: String
            var at: String
        }
        var team: String
        var unit: String
        var statusLabel: String
        var steps: [Step]
        var next: [TipController.Option]
        var outcome: DispatchOutcome?
    }

    struct FileRow: Encodable {
        var url: String
        var label: String
        var keepsMetadata: Bool
    }

    /// A number, account or site found in a fraud tip, with where it stands in the scam registry.
    struct IndicatorRow: Encodable {
        var display: String
        var kind: String
        var status: String
        var verified: Bool
    }

    struct DetailPage: Encodable {
        var page: PageMeta
        var tip: TipView
        var indicators: [IndicatorRow]
        var files: [FileRow]
        var dispatch: DispatchView?
        var canDispatch: Bool
        var duplicateOf: TipController.Choice?
        var duplicates: [TipController.Choice]
        var routes: [RouteView]
        var citizen: String?
        var assignee: String?
        var statuses: [TipController.Option]
        var reasons: [TipController.Option]
        var canHandle: Bool
        var notice: String?
        var errors: [String: String]
        var values: [String: String]
    }

    @Sendable func inbox(req: Request) async throws -> View {
        let account = try req.auth.require(CurrentAccount.self)
        let vi = req.language == .vi
        var filter = TipService.InboxFilter()
        filter.status = req.query[String.self, at: "status"].flatMap(TipStatus.init(rawValue:))
        filter.categoryCode = req.query[String.self, at: "category"].flatMap { $0.isEmpty ? nil : $0 }
        filter.urgentOnly = req.query[String.self, at: "urgent"] != nil
        filter.overdueOnly = req.query[String.self, at: "overdue"] != nil
        filter.limit = 100
        let unitCode = (req.query[String.self, at: "unit"] ?? "").trimmingCharacters(in: .whitespaces)
        var error: String?
        if !unitCode.isEmpty {
            if let unit = try await UnitDirectory.find(code: unitCode, on: req.db) { filter.unitID = unit.id } else {
                error = req.message("Không có đơn vị với mã này.", "There is no unit with this code.")
            }
        }
        let tips = error == nil ? try await req.tips.inbox(for: account, filter: filter) : []
        let context = try await TipListContext.load(for: tips, on: req.db)
        let now = Date()
        let rows = tips.map { tip in
            let category = context.categories[tip.categoryCode]
            return Row(id: tip.id?.uuidString ?? "", reference: tip.reference, category: (vi ? category?.nameVI : category?.nameEN) ?? tip.categoryCode,
                       status: tip.status.rawValue, statusLabel: vi ? tip.status.labelVI : tip.status.labelEN,
                       urgent: tip.urgent, valuable: tip.valuable, anonymous: tip.anonymous,
                       overdue: TipDeadlines.isOverdue(status: tip.status, acknowledgeBy: tip.ackDueAt, closeBy: tip.closeDueAt, now: now),
                       commune: context.areas[tip.$area.id]?.name ?? "", unit: context.units[tip.$unit.id]?.code ?? "",
                       createdAt: DisplayTime.string(tip.createdAt))
        }
        let categories = try await req.tips.categories().map {
            TipController.Option(value: $0.code, label: vi ? $0.nameVI : $0.nameEN, selected: $0.code == filter.categoryCode)
        }
        return try await req.view.render("console/tips", InboxPage(
            page: req.pageMeta(titleKey: "inboxTitle"), rows: rows,
            statuses: Self.statusOptions(vi: vi, selected: filter.status), categories: categories,
            urgent: filter.urgentOnly, overdue: filter.overdueOnly, unit: unitCode, error: error))
    }

    @Sendable func show(req: Request) async throws -> Response {
        try await detail(req, notice: req.query[String.self, at: "done"] == nil ? nil : req.language.texts["tipDone"], errors: [:], values: [:], status: .ok)
    }

    struct StatusForm: Content { var status: String?; var reason: String? }
    struct MessageForm: Content { var body: String?; var internalNote: String? }
    struct ValuableForm: Content { var valuable: String? }
    struct AssignForm: Content { var phone: String? }
    struct TransferForm: Content { var unit: String?; var reason: String? }

    @Sendable func changeStatus(req: Request) async throws -> Response {
        let form = try req.content.decode(StatusForm.self)
        return try await act(req, values: ["status": form.status ?? "", "reason": form.reason ?? ""]) { tip, account in
            guard let status = form.status.flatMap(TipStatus.init(rawValue:)) else {
                throw ValidationFailure(issues: [FieldIssue(field: "status", code: "required", messageVI: "Hãy chọn trạng thái.", messageEN: "Choose a status.")])
            }
            let reason = form.reason.flatMap { $0.isEmpty ? nil : TipClosingReason(rawValue: $0) }
            try await req.tips.changeStatus(of: tip, to: status, reason: reason, by: account)
        }
    }

    @Sendable func addMessage(req: Request) async throws -> Response {
        let form = try req.content.decode(MessageForm.self)
        return try await act(req, values: ["body": form.body ?? ""]) { tip, account in
            _ = try await req.tips.reply(form.body ?? "", to: tip, by: account, internalNote: form.internalNote != nil)
        }
    }

    @Sendable func setValuable(req: Request) async throws -> Response {
        let form = try req.content.decode(ValuableForm.self)
        return try await act(req, values: [:]) { tip, account in
            try await req.tips.setValuable(tip, form.valuable == "1", by: account)
        }
    }

    @Sendable func assign(req: Request) async throws -> Response {
        let form = try req.content.decode(AssignForm.self)
        return try await act(req, values: ["assignee": form.phone ?? ""]) { tip, account in
            try await req.tips.assign(tip, toPhone: form.phone ?? "", by: account)
        }
    }

    @Sendable func transfer(req: Request) async throws -> Response {
        let form = try req.content.decode(TransferForm.self)
        return try await act(req, values: ["unit": form.unit ?? "", "transferReason": form.reason ?? ""]) { tip, account in
            do {
                try await req.tips.transfer(tip, toUnitCode: form.unit ?? "", reason: form.reason ?? "", by: account)
            } catch let failure as ValidationFailure {
                // The transfer form's reason field is called transferReason on the page.
                throw ValidationFailure(issues: failure.issues.map { var issue = $0; if issue.field == "reason" { issue.field = "transferReason" }; return issue })
            }
        }
    }

    struct MergeForm: Content { var into: String? }

    @Sendable func merge(req: Request) async throws -> Response {
        let form = try req.content.decode(MergeForm.self)
        return try await act(req, values: ["into": form.into ?? ""]) { tip, account in
            _ = try await req.tips.merge(tip, into: form.into ?? "", by: account)
        }
    }

    struct DispatchForm: Content { var team: String?; var unit: String? }
    struct DispatchStatusForm: Content { var status: String? }
    struct OutcomeForm: Content { var peopleHeld: String?; var vehiclesSeized: String?; var weaponsSeized: String?; var otherItems: String?; var summary: String? }

    @Sendable func dispatch(req: Request) async throws -> Response {
        let form = try req.content.decode(DispatchForm.self)
        return try await act(req, values: ["team": form.team ?? "", "dispatchUnit": form.unit ?? ""]) { tip, account in
            do {
                _ = try await req.tips.dispatch(tip, team: form.team ?? "", unitCode: form.unit, by: account)
            } catch let failure as ValidationFailure {
                throw ValidationFailure(issues: failure.issues.map { var issue = $0; if issue.field == "unit" { issue.field = "dispatchUnit" }; return issue })
            }
        }
    }

    @Sendable func advanceDispatch(req: Request) async throws -> Response {
        let form = try req.content.decode(DispatchStatusForm.self)
        return try await act(req, values: [:]) { tip, account in
            guard let status = form.status.flatMap(DispatchStatus.init(rawValue:)) else {
                throw ValidationFailure(issues: [FieldIssue(field: "dispatchStatus", code: "required", messageVI: "Hãy chọn bước tiếp theo.", messageEN: "Choose the next step.")])
            }
            do {
                try await req.tips.advanceDispatch(of: tip, to: status, by: account)
            } catch let failure as ValidationFailure {
                throw ValidationFailure(issues: failure.issues.map { var issue = $0; issue.field = "dispatchStatus"; return issue })
            }
        }
    }

    @Sendable func recordOutcome(req: Request) async throws -> Response {
        let form = try req.content.decode(OutcomeForm.self)
        let values = ["people_held": form.peopleHeld ?? "", "vehicles_seized": form.vehiclesSeized ?? "", "weapons_seized": form.weaponsSeized ?? "",
                      "other_items": form.otherItems ?? "", "summary": form.summary ?? ""]
        return try await act(req, values: values) { tip, account in
            var issues: [FieldIssue] = []
            func count(_ field: String) -> Int {
                let raw = (values[field] ?? "").trimmingCharacters(in: .whitespaces)
                if raw.isEmpty { return 0 }
                guard let number = Int(raw) else {
                    issues.append(FieldIssue(field: field, code: "number", messageVI: "Nhập một số nguyên.", messageEN: "Enter a whole number."))
                    return 0
                }
                return number
            }
            let outcome = DispatchOutcome(peopleHeld: count("people_held"), vehiclesSeized: count("vehicles_seized"), weaponsSeized: count("weapons_seized"),
                                          otherItems: form.otherItems ?? "", summary: form.summary ?? "")
            guard issues.isEmpty else { throw ValidationFailure(issues: issues + DispatchOutcome.validate(outcome).1.filter { $0.field == "summary" }) }
            try await req.tips.recordOutcome(of: tip, outcome, by: account)
        }
    }

    /// Runs one officer action on the tip in the path; redirects back on success.
    private func act(_ req: Request, values: [String: String], _ body: (Tip, CurrentAccount) async throws -> Void) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        guard let id = req.parameters.get("id", as: UUID.self), let tip = try await req.tips.visibleTip(id: id, for: account) else { throw Abort(.notFound) }
        do {
            try await body(tip, account)
        } catch let failure as ValidationFailure {
            return try await detail(req, notice: nil, errors: req.fieldErrors(failure.issues), values: values, status: .unprocessableEntity)
        } catch is TipService.NotFound {
            throw Abort(.forbidden)
        }
        return req.redirect(to: "/console/tips/\(id.uuidString)?done=1")
    }

    private func detail(_ req: Request, notice: String?, errors: [String: String], values: [String: String], status: HTTPStatus) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        guard let id = req.parameters.get("id", as: UUID.self), let tip = try await req.tips.tip(id: id, for: account) else { throw Abort(.notFound) }
        let vi = req.language == .vi
        let context = try await TipListContext.load(for: [tip], on: req.db)
        let view = try await TipView.make(tip, context: context, service: req.tips, forStaff: true, req: req)
        let routes = try await TipService.routes(of: tip, on: req.db).map { route in
            RouteView(code: route.unit.code, name: route.unit.name, reason: Self.reasonLabel(route.reason, vi: vi))
        }
        let people = try await Account.query(on: req.db).filter(\.$id ~~ [tip.$assignee.id, tip.$citizen.id].compactMap { $0 }).all()
        func person(_ id: UUID?) -> String? {
            guard let id, let account = people.first(where: { $0.id == id }) else { return nil }
            return "\(account.displayName) · \(account.phone)"
        }
        let next = TipStatus.allCases.filter { tip.status.canMove(to: $0) }
        let dispatch = try await req.tips.dispatchRecord(of: tip).map { record -> DispatchView in
            let stamps: [(DispatchStatus, Date?)] = [(.assigned, record.assignedAt), (.acknowledged, record.acknowledgedAt), (.enRoute, record.enRouteAt),
                                                     (.onSite, record.onSiteAt), (.closed, record.closedAt)]
            return DispatchView(
                team: record.team, unit: record.unit.name, statusLabel: vi ? record.status.labelVI : record.status.labelEN,
                steps: stamps.compactMap { status, at in at.map { .init(label: vi ? status.labelVI : status.labelEN, at: DisplayTime.string($0)) } },
                next: DispatchStatus.allCases.filter { record.status.canMove(to: $0) }.map { TipController.Option(value: $0.rawValue, label: vi ? $0.labelVI : $0.labelEN, selected: false) },
                outcome: record.outcome)
        }
        let mayDispatch = try await req.tips.may(account, .dispatchRapidResponse, on: tip)
        let files = try await req.tips.attachments(of: tip).map { file in
            FileRow(url: "/console/tips/\(id.uuidString)/attachments/\(file.id?.uuidString ?? "")",
                    label: "\(vi ? file.kind.labelVI : file.kind.labelEN) · \(max(1, file.byteCount / 1024)) KB",
                    keepsMetadata: !file.metadataRemoved)
        }
        let page = DetailPage(
            page: req.pageMeta(titleKey: "inboxTitle"), tip: view,
            indicators: try await ScamRegistry.indicators(in: tip, on: req.db).map {
                IndicatorRow(display: $0.display, kind: vi ? $0.kind.labelVI : $0.kind.labelEN,
                             status: $0.status.flatMap { req.language.texts["scamStatus_" + $0.rawValue] } ?? (req.language.texts["scamNotInRegistry"] ?? ""),
                             verified: $0.status == .verified)
            },
            files: files, dispatch: dispatch,
            canDispatch: dispatch == nil && !view.isClosed && mayDispatch,
            duplicateOf: try await tip.$duplicateOf.get(on: req.db).map { TipController.Choice(code: $0.id?.uuidString ?? "", label: $0.reference) },
            duplicates: try await req.tips.duplicates(of: tip).map { TipController.Choice(code: $0.id?.uuidString ?? "", label: $0.reference) },
            routes: routes,
            citizen: tip.anonymous ? nil : person(tip.$citizen.id), assignee: person(tip.$assignee.id),
            statuses: next.map { TipController.Option(value: $0.rawValue, label: vi ? $0.labelVI : $0.labelEN, selected: values["status"] == $0.rawValue) },
            reasons: TipClosingReason.allCases.map { TipController.Option(value: $0.rawValue, label: vi ? $0.labelVI : $0.labelEN, selected: values["reason"] == $0.rawValue) },
            canHandle: try await req.tips.may(account, .handleTips, on: tip),
            notice: notice, errors: errors, values: values)
        return try await req.view.render("console/tip", page).encodeResponse(status: status, for: req)
    }

    /// One attachment, decrypted for an officer who may read the tip (audited). Served so that a
    /// browser never runs it: fixed type, no sniffing, a sandbox, and PDFs only as downloads.
    @Sendable func attachment(req: Request) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        guard let id = req.parameters.get("id", as: UUID.self), let attachmentID = req.parameters.get("attachment", as: UUID.self),
              let tip = try await req.tips.visibleTip(id: id, for: account),
              let (row, data) = try await req.tips.attachment(attachmentID, of: tip, for: account)
        else { throw Abort(.notFound) }
        return EvidenceFiles.response(row.kind, data: data, name: "\(tip.reference)-\(attachmentID.uuidString.prefix(8))")
    }

    static func statusOptions(vi: Bool, selected: TipStatus?) -> [TipController.Option] {
        TipStatus.allCases.map { TipController.Option(value: $0.rawValue, label: vi ? $0.labelVI : $0.labelEN, selected: $0 == selected) }
    }

    static func reasonLabel(_ reason: TipUnit.Reason, vi: Bool) -> String {
        switch reason {
        case .commune: vi ? "Công an xã, phường nơi xảy ra" : "Police of the commune"
        case .fallback: vi ? "Đơn vị cấp trên (xã chưa có đơn vị)" : "Unit above (no commune unit)"
        case .rule: vi ? "Theo quy tắc phân loại" : "Routing rule"
        case .transfer: vi ? "Được chuyển đến" : "Transferred"
        case .escalation: vi ? "Chuyển lên do quá hạn" : "Escalated when overdue"
        }
    }
}
