import BinhYenAPI
import BinhYenCore
import Fluent
import OpenAPIRuntime
import Foundation
import Vapor

/// Tips in the JSON API: citizens send and follow them, officers work them.
extension APIHandler {
    func listTipCategories(_ input: Operations.ListTipCategories.Input) async throws -> Operations.ListTipCategories.Output {
        let req = try APIRequestContext.current()
        let categories = try await req.tips.categories()
        return .ok(.init(body: .json(.init(items: categories.map(Self.category)))))
    }

    func createTip(_ input: Operations.CreateTip.Input) async throws -> Operations.CreateTip.Output {
        let req = try APIRequestContext.current()
        guard case .json(let body) = input.body else { return .badRequest(.init(body: .json(Self.badRequest))) }
        var submitter = TipService.Submitter.anonymous
        if req.headers.bearerAuthorization != nil {
            // A token that does not work is an error, not a silent switch to anonymous.
            guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
            if body.anonymous != true { submitter = .citizen(account.id) }
        }
        let draft = TipDraft(categoryCode: body.category, description: body.description, communeCode: body.commune, address: body.address,
                             latitude: body.latitude, longitude: body.longitude, occurredAt: body.occurredAt, happeningNow: body.happeningNow ?? false)
        do {
            let submitted = try await req.tips.submit(draft, by: submitter)
            if case .citizen = submitter {
                req.logger.info("tip received", metadata: ["tip": .string(submitted.tip.reference)])
            }
            let category = try await req.tips.categories().first { $0.code == submitted.tip.categoryCode }
            return .created(.init(body: .json(.init(receipt: submitted.receipt,
                                                    tip: Self.newTip(submitted, category: category, showID: submitter != .anonymous)))))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        }
    }

    func followAnonymousTip(_ input: Operations.FollowAnonymousTip.Input) async throws -> Operations.FollowAnonymousTip.Output {
        let req = try APIRequestContext.current()
        guard case .json(let body) = input.body else { return .badRequest(.init(body: .json(Self.badRequest))) }
        guard let tip = try await req.tips.tip(receipt: body.receipt) else { return .notFound(.init(body: .json(Self.receiptNotFound))) }
        return .ok(.init(body: .json(try await Self.citizenTip(tip, showID: false, service: req.tips, on: req.db))))
    }

    func addAnonymousTipMessage(_ input: Operations.AddAnonymousTipMessage.Input) async throws -> Operations.AddAnonymousTipMessage.Output {
        let req = try APIRequestContext.current()
        guard case .json(let body) = input.body else { return .badRequest(.init(body: .json(Self.badRequest))) }
        guard let tip = try await req.tips.tipForReceipt(body.receipt) else { return .notFound(.init(body: .json(Self.receiptNotFound))) }
        do {
            let message = try await req.tips.addCitizenMessage(body.body, to: tip, by: .anonymous)
            return .created(.init(body: .json(Self.message(message, text: body.body))))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        }
    }

    func listMyTips(_ input: Operations.ListMyTips.Input) async throws -> Operations.ListMyTips.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        var items: [Schemas.CitizenTip] = []
        for tip in try await req.tips.tips(ofCitizen: account.id) {
            items.append(try await Self.citizenTip(tip, showID: true, withMessages: false, service: req.tips, on: req.db))
        }
        return .ok(.init(body: .json(.init(items: items))))
    }

    func getMyTip(_ input: Operations.GetMyTip.Input) async throws -> Operations.GetMyTip.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard let id = UUID(uuidString: input.path.id), let tip = try await req.tips.tip(id: id, citizen: account.id) else {
            return .notFound(.init(body: .json(Self.tipNotFound)))
        }
        return .ok(.init(body: .json(try await Self.citizenTip(tip, showID: true, service: req.tips, on: req.db))))
    }

    func addMyTipMessage(_ input: Operations.AddMyTipMessage.Input) async throws -> Operations.AddMyTipMessage.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard case .json(let body) = input.body else { return .badRequest(.init(body: .json(Self.badRequest))) }
        guard let id = UUID(uuidString: input.path.id), let tip = try await req.tips.tip(id: id, citizen: account.id) else {
            return .notFound(.init(body: .json(Self.tipNotFound)))
        }
        do {
            let message = try await req.tips.addCitizenMessage(body.body, to: tip, by: .citizen(account.id))
            return .created(.init(body: .json(Self.message(message, text: body.body))))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        }
    }

    // MARK: officers

    func listTips(_ input: Operations.ListTips.Input) async throws -> Operations.ListTips.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        var filter = TipService.InboxFilter()
        filter.status = input.query.status.flatMap { TipStatus(rawValue: $0.rawValue) }
        filter.categoryCode = input.query.category
        filter.urgentOnly = input.query.urgent ?? false
        filter.overdueOnly = input.query.overdue ?? false
        filter.limit = input.query.limit ?? 50
        var issues: [FieldIssue] = []
        if !(1...200).contains(filter.limit) {
            issues.append(FieldIssue(field: "limit", code: "range", messageVI: "limit phải từ 1 đến 200.", messageEN: "limit must be from 1 to 200."))
        }
        if let code = input.query.unit {
            if let unit = try await UnitDirectory.find(code: code, on: req.db) { filter.unitID = unit.id } else {
                issues.append(FieldIssue(field: "unit", code: "unknown", messageVI: "Không có đơn vị với mã này.", messageEN: "There is no unit with this code."))
            }
        }
        guard issues.isEmpty else { return .badRequest(.init(body: .json(Self.validationError(issues)))) }
        let tips = try await req.tips.inbox(for: account, filter: filter)
        let context = try await TipListContext.load(for: tips, on: req.db)
        return .ok(.init(body: .json(.init(items: tips.map { Self.summary($0, context) }))))
    }

    func getTip(_ input: Operations.GetTip.Input) async throws -> Operations.GetTip.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard let id = UUID(uuidString: input.path.id), let tip = try await req.tips.tip(id: id, for: account) else {
            return .notFound(.init(body: .json(Self.tipNotFound)))
        }
        return .ok(.init(body: .json(try await Self.officerTip(tip, service: req.tips, on: req.db))))
    }

    func addTipMessage(_ input: Operations.AddTipMessage.Input) async throws -> Operations.AddTipMessage.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard case .json(let body) = input.body else { return .badRequest(.init(body: .json(Self.badRequest))) }
        guard let tip = try await officerTip(input.path.id, account, req) else { return .notFound(.init(body: .json(Self.tipNotFound))) }
        do {
            let message = try await req.tips.reply(body.body, to: tip, by: account, internalNote: body._internal ?? false)
            var shown = Self.message(message, text: body.body)
            shown.author = account.displayName
            return .created(.init(body: .json(shown)))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        } catch is TipService.NotFound {
            return .notFound(.init(body: .json(Self.tipNotFound)))
        }
    }

    func changeTipStatus(_ input: Operations.ChangeTipStatus.Input) async throws -> Operations.ChangeTipStatus.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard case .json(let body) = input.body else { return .badRequest(.init(body: .json(Self.badRequest))) }
        guard let tip = try await officerTip(input.path.id, account, req) else { return .notFound(.init(body: .json(Self.tipNotFound))) }
        guard let status = TipStatus(rawValue: body.status.rawValue) else { return .badRequest(.init(body: .json(Self.badRequest))) }
        do {
            try await req.tips.changeStatus(of: tip, to: status, reason: body.reason.flatMap { TipClosingReason(rawValue: $0.rawValue) }, by: account)
            return .ok(.init(body: .json(try await Self.officerTip(tip, service: req.tips, on: req.db))))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        } catch is TipService.NotFound {
            return .notFound(.init(body: .json(Self.tipNotFound)))
        }
    }

    func markTipValuable(_ input: Operations.MarkTipValuable.Input) async throws -> Operations.MarkTipValuable.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard case .json(let body) = input.body else { return .badRequest(.init(body: .json(Self.badRequest))) }
        guard let tip = try await officerTip(input.path.id, account, req) else { return .notFound(.init(body: .json(Self.tipNotFound))) }
        do {
            try await req.tips.setValuable(tip, body.valuable, by: account)
        } catch is TipService.NotFound {
            return .notFound(.init(body: .json(Self.tipNotFound)))
        }
        return .ok(.init(body: .json(try await Self.officerTip(tip, service: req.tips, on: req.db))))
    }

    func assignTip(_ input: Operations.AssignTip.Input) async throws -> Operations.AssignTip.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard case .json(let body) = input.body else { return .badRequest(.init(body: .json(Self.badRequest))) }
        guard let tip = try await officerTip(input.path.id, account, req) else { return .notFound(.init(body: .json(Self.tipNotFound))) }
        do {
            try await req.tips.assign(tip, toPhone: body.phone, by: account)
            return .ok(.init(body: .json(try await Self.officerTip(tip, service: req.tips, on: req.db))))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        } catch is TipService.NotFound {
            return .notFound(.init(body: .json(Self.tipNotFound)))
        }
    }

    func transferTip(_ input: Operations.TransferTip.Input) async throws -> Operations.TransferTip.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard case .json(let body) = input.body else { return .badRequest(.init(body: .json(Self.badRequest))) }
        guard let tip = try await officerTip(input.path.id, account, req) else { return .notFound(.init(body: .json(Self.tipNotFound))) }
        do {
            try await req.tips.transfer(tip, toUnitCode: body.unit, reason: body.reason, by: account)
            return .ok(.init(body: .json(try await Self.officerTip(tip, service: req.tips, on: req.db))))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        } catch is TipService.NotFound {
            return .notFound(.init(body: .json(Self.tipNotFound)))
        }
    }

    func dispatchTip(_ input: Operations.DispatchTip.Input) async throws -> Operations.DispatchTip.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard case .json(let body) = input.body else { return .badRequest(.init(body: .json(Self.badRequest))) }
        guard let tip = try await officerTip(input.path.id, account, req) else { return .notFound(.init(body: .json(Self.tipNotFound))) }
        do {
            _ = try await req.tips.dispatch(tip, team: body.team, unitCode: body.unit, by: account)
            return .created(.init(body: .json(try await Self.officerTip(tip, service: req.tips, on: req.db))))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        } catch is TipService.NotFound {
            return .notFound(.init(body: .json(Self.tipNotFound)))
        }
    }

    func advanceTipDispatch(_ input: Operations.AdvanceTipDispatch.Input) async throws -> Operations.AdvanceTipDispatch.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard case .json(let body) = input.body, let status = DispatchStatus(rawValue: body.status.rawValue) else { return .badRequest(.init(body: .json(Self.badRequest))) }
        guard let tip = try await officerTip(input.path.id, account, req) else { return .notFound(.init(body: .json(Self.tipNotFound))) }
        do {
            try await req.tips.advanceDispatch(of: tip, to: status, by: account)
            return .ok(.init(body: .json(try await Self.officerTip(tip, service: req.tips, on: req.db))))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        } catch is TipService.NotFound {
            return .notFound(.init(body: .json(Self.tipNotFound)))
        }
    }

    func recordTipOutcome(_ input: Operations.RecordTipOutcome.Input) async throws -> Operations.RecordTipOutcome.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard case .json(let body) = input.body else { return .badRequest(.init(body: .json(Self.badRequest))) }
        guard let tip = try await officerTip(input.path.id, account, req) else { return .notFound(.init(body: .json(Self.tipNotFound))) }
        do {
            try await req.tips.recordOutcome(of: tip, DispatchOutcome(peopleHeld: body.peopleHeld, vehiclesSeized: body.vehiclesSeized,
                                                                      weaponsSeized: body.weaponsSeized, otherItems: body.otherItems ?? "", summary: body.summary), by: account)
            return .ok(.init(body: .json(try await Self.officerTip(tip, service: req.tips, on: req.db))))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        } catch is TipService.NotFound {
            return .notFound(.init(body: .json(Self.tipNotFound)))
        }
    }

    func mergeTip(_ input: Operations.MergeTip.Input) async throws -> Operations.MergeTip.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard case .json(let body) = input.body else { return .badRequest(.init(body: .json(Self.badRequest))) }
        guard let tip = try await officerTip(input.path.id, account, req) else { return .notFound(.init(body: .json(Self.tipNotFound))) }
        do {
            _ = try await req.tips.merge(tip, into: body.into, by: account)
            return .ok(.init(body: .json(try await Self.officerTip(tip, service: req.tips, on: req.db))))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        } catch is TipService.NotFound {
            return .notFound(.init(body: .json(Self.tipNotFound)))
        }
    }

    // MARK: attachments

    func addAnonymousTipAttachment(_ input: Operations.AddAnonymousTipAttachment.Input) async throws -> Operations.AddAnonymousTipAttachment.Output {
        let req = try APIRequestContext.current()
        guard let tip = try await req.tips.tipForReceipt(input.headers.xTipReceipt) else { return .notFound(.init(body: .json(Self.receiptNotFound))) }
        guard case .binary(let body) = input.body else { return .badRequest(.init(body: .json(Self.badRequest))) }
        do {
            let stored = try await Self.attach(body, name: input.query.filename, to: tip, by: .anonymous, req)
            return .created(.init(body: .json(stored)))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        }
    }

    func addMyTipAttachment(_ input: Operations.AddMyTipAttachment.Input) async throws -> Operations.AddMyTipAttachment.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard let id = UUID(uuidString: input.path.id), let tip = try await req.tips.tip(id: id, citizen: account.id) else {
            return .notFound(.init(body: .json(Self.tipNotFound)))
        }
        guard case .binary(let body) = input.body else { return .badRequest(.init(body: .json(Self.badRequest))) }
        do {
            let stored = try await Self.attach(body, name: input.query.filename, to: tip, by: .citizen(account.id), req)
            return .created(.init(body: .json(stored)))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        }
    }

    func getTipAttachment(_ input: Operations.GetTipAttachment.Input) async throws -> Operations.GetTipAttachment.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard let tip = try await officerTip(input.path.id, account, req), let attachmentID = UUID(uuidString: input.path.attachmentId),
              let (row, data) = try await req.tips.attachment(attachmentID, of: tip, for: account)
        else { return .notFound(.init(body: .json(Self.tipNotFound))) }
        let body = HTTPBody(data)
        switch row.kind {
        case .jpeg: return .ok(.init(body: .jpeg(body)))
        case .png: return .ok(.init(body: .png(body)))
        case .pdf: return .ok(.init(body: .pdf(body)))
        }
    }

    /// Reads the upload (the body limit middleware already bounded it), cleans it and stores it.
    private static func attach(_ body: HTTPBody, name: String?, to tip: Tip, by actor: AuditActor, _ req: Request) async throws -> Schemas.Attachment {
        let data = try await Data(collecting: body, upTo: APIBodyLimitMiddleware.uploadLimit)
        switch AttachmentRules.sanitize(data, declaredName: name, field: "file") {
        case .failure(let issue):
            throw ValidationFailure(issues: [issue])
        case .success(let file):
            guard let stored = try await req.tips.attach([file], to: tip, by: actor).first else { throw Abort(.internalServerError) }
            return attachment(stored)
        }
    }

    static func attachment(_ row: TipAttachment) -> Schemas.Attachment {
        .init(id: row.id?.uuidString ?? "", kind: .init(rawValue: row.kind.rawValue) ?? .jpeg, byteCount: row.byteCount, metadataRemoved: row.metadataRemoved)
    }

    // MARK: mapping

    /// The tip an action is about, if the account may read it (the action itself is audited).
    private func officerTip(_ rawID: String, _ account: CurrentAccount, _ req: Request) async throws -> Tip? {
        guard let id = UUID(uuidString: rawID) else { return nil }
        return try await req.tips.visibleTip(id: id, for: account)
    }

    static let badRequest = error("bad_request", "Yêu cầu không hợp lệ.", "The request is not valid.")
    static let tipNotFound = error("tip_not_found", "Không tìm thấy tin báo.", "No such tip.")
    static let receiptNotFound = error("receipt_not_found", "Mã tra cứu không đúng. Hãy kiểm tra lại 16 chữ số.",
                                       "No tip has this receipt. Check the 16 digits.")

    static func category(_ category: TipCategoryInfo) -> Schemas.TipCategory {
        .init(code: category.code, name: category.nameVI, nameEn: category.nameEN, urgent: category.urgent)
    }

    static func message(_ message: TipMessage, text: String) -> Schemas.TipMessage {
        .init(id: message.id?.uuidString ?? "", kind: .init(rawValue: message.kind.rawValue) ?? .citizen,
              body: TipRules.cleanText(text), createdAt: message.createdAt)
    }

    static func citizenTip(_ tip: Tip, showID: Bool, withMessages: Bool = true, includeNotes: Bool = false,
                           service: TipService, on db: any Database) async throws -> Schemas.CitizenTip {
        let context = try await TipListContext.load(for: [tip], on: db)
        let content = try service.content(of: tip)
        let messages = withMessages ? try await service.messages(of: tip, includeNotes: includeNotes) : []
        return .init(
            id: showID ? tip.id?.uuidString : nil,
            reference: tip.reference,
            category: context.category(tip.categoryCode),
            status: .init(rawValue: tip.status.rawValue) ?? .received,
            statusLabel: tip.status.labelVI, statusLabelEn: tip.status.labelEN,
            closingReason: tip.closingReason.flatMap { .init(rawValue: $0.rawValue) },
            urgent: tip.urgent,
            commune: context.area(tip.$area.id),
            unit: context.unit(tip.$unit.id),
            description: content.description, address: content.address, latitude: content.latitude, longitude: content.longitude,
            occurredAt: tip.occurredAt, createdAt: tip.createdAt, updatedAt: tip.updatedAt,
            messages: messages.map { .init(id: $0.id.uuidString, kind: .init(rawValue: $0.kind.rawValue) ?? .citizen,
                                           author: $0.authorName, body: $0.body, createdAt: $0.at) },
            attachments: withMessages ? try await service.attachments(of: tip).map(attachment) : nil)
    }

    /// The answer to a submission, from what the submission already knows (no reading back).
    static func newTip(_ submitted: TipService.Submitted, category: TipCategoryInfo?, showID: Bool) -> Schemas.CitizenTip {
        let tip = submitted.tip
        let owner = submitted.placement.routes.first
        return .init(
            id: showID ? tip.id?.uuidString : nil, reference: tip.reference,
            category: .init(code: tip.categoryCode, name: category?.nameVI ?? tip.categoryCode, nameEn: category?.nameEN ?? tip.categoryCode, urgent: category?.urgent ?? false),
            status: .received, statusLabel: tip.status.labelVI, statusLabelEn: tip.status.labelEN, closingReason: nil, urgent: tip.urgent,
            commune: .init(code: submitted.placement.areaCode, name: submitted.placement.areaName, _type: submitted.placement.areaType),
            unit: .init(code: owner?.code ?? "", name: owner?.name ?? ""),
            description: submitted.content.description, address: submitted.content.address,
            latitude: submitted.content.latitude, longitude: submitted.content.longitude,
            occurredAt: tip.occurredAt, createdAt: tip.createdAt, updatedAt: tip.updatedAt, messages: [],
            attachments: submitted.attachments.map(attachment))
    }

    static func summary(_ tip: Tip, _ context: TipListContext, now: Date = Date()) -> Schemas.TipSummary {
        .init(
            id: tip.id?.uuidString ?? "", reference: tip.reference, category: context.category(tip.categoryCode),
            status: .init(rawValue: tip.status.rawValue) ?? .received, urgent: tip.urgent, valuable: tip.valuable, anonymous: tip.anonymous,
            commune: context.area(tip.$area.id), unit: context.unit(tip.$unit.id), createdAt: tip.createdAt,
            acknowledgeBy: tip.ackDueAt, closeBy: tip.closeDueAt,
            overdue: TipDeadlines.isOverdue(status: tip.status, acknowledgeBy: tip.ackDueAt, closeBy: tip.closeDueAt, now: now))
    }

    static func officerTip(_ tip: Tip, service: TipService, on db: any Database) async throws -> Schemas.OfficerTip {
        let context = try await TipListContext.load(for: [tip], on: db)
        let routes = try await TipService.routes(of: tip, on: db)
        let people = try await Account.query(on: db).filter(\.$id ~~ [tip.$assignee.id, tip.$citizen.id].compactMap { $0 }).all()
        func person(_ id: UUID?) -> Schemas.Person? {
            people.first { $0.id == id && id != nil }.map { .init(name: $0.displayName, phone: $0.phone) }
        }
        return .init(
            summary: summary(tip, context),
            tip: try await citizenTip(tip, showID: true, includeNotes: true, service: service, on: db),
            closingReason: tip.closingReason.flatMap { .init(rawValue: $0.rawValue) },
            assignee: person(tip.$assignee.id),
            citizen: tip.anonymous ? nil : person(tip.$citizen.id),
            routes: routes.map { .init(unit: .init(code: $0.unit.code, name: $0.unit.name), reason: .init(rawValue: $0.reason.rawValue) ?? .commune) },
            dispatch: try await service.dispatchRecord(of: tip).map(Self.dispatch),
            duplicateOf: try await tip.$duplicateOf.get(on: db)?.reference,
            duplicates: try await service.duplicates(of: tip).map(\.reference),
            indicators: try await ScamRegistry.indicators(in: tip, on: db).map {
                .init(indicator: .init(kind: .init(rawValue: $0.kind.rawValue) ?? .phone, value: $0.value, display: $0.display),
                      status: .init(rawValue: $0.status?.rawValue ?? "not_in_registry") ?? .notInRegistry, reports: $0.reports)
            })
    }

    static func dispatch(_ dispatch: Dispatch) -> Schemas.Dispatch {
        .init(
            unit: .init(code: dispatch.unit.code, name: dispatch.unit.name), team: dispatch.team,
            status: .init(rawValue: dispatch.status.rawValue) ?? .assigned, statusLabel: dispatch.status.labelVI,
            assignedAt: dispatch.assignedAt, acknowledgedAt: dispatch.acknowledgedAt, enRouteAt: dispatch.enRouteAt,
            onSiteAt: dispatch.onSiteAt, closedAt: dispatch.closedAt,
            outcome: dispatch.outcome.map { .init(peopleHeld: $0.peopleHeld, vehiclesSeized: $0.vehiclesSeized, weaponsSeized: $0.weaponsSeized,
                                                  otherItems: $0.otherItems, summary: $0.summary) })
    }
}

/// Names a list of tips refers to (categories, communes, units), loaded in three queries.
struct TipListContext: Sendable {
    var categories: [String: TipCategory]
    var areas: [UUID: AdminArea]
    var units: [UUID: Unit]

    static func load(for tips: [Tip], on db: any Database) async throws -> TipListContext {
        let categories = try await TipCategory.query(on: db).all()
        let areaIDs = Array(Set(tips.map { $0.$area.id }))
        let unitIDs = Array(Set(tips.map { $0.$unit.id }))
        let areas = areaIDs.isEmpty ? [] : try await AdminArea.query(on: db).filter(\.$id ~~ areaIDs).all()
        let units = unitIDs.isEmpty ? [] : try await Unit.query(on: db).filter(\.$id ~~ unitIDs).all()
        return TipListContext(
            categories: Dictionary(categories.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a }),
            areas: Dictionary(areas.compactMap { a in a.id.map { ($0, a) } }, uniquingKeysWith: { a, _ in a }),
            units: Dictionary(units.compactMap { u in u.id.map { ($0, u) } }, uniquingKeysWith: { a, _ in a }))
    }

    func category(_ code: String) -> Components.Schemas.TipCategory {
        let found = categories[code]
        return .init(code: code, name: found?.nameVI ?? code, nameEn: found?.nameEN ?? code, urgent: found?.urgent ?? false)
    }

    func area(_ id: UUID) -> Components.Schemas.Area {
        let found = areas[id]
        return .init(code: found?.code ?? "", name: found?.name ?? "", _type: found?.type ?? "")
    }

    func unit(_ id: UUID) -> Components.Schemas.UnitRef {
        let found = units[id]
        return .init(code: found?.code ?? "", name: found?.name ?? "")
    }
}
