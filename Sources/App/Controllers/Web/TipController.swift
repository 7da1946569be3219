import BinhYenCore
import Fluent
import Vapor

/// The citizen's tip pages. Everything works without JavaScript: the commune is typed as text and,
/// when several match, chosen from a list on the next page.
struct TipController: RouteCollection {
    /// Routes that need the session (the form, named tips, "my tips").
    func boot(routes: any RoutesBuilder) throws {
        routes.get("tips", "new", use: newForm)
        routes.on(.POST, "tips", body: .collect(maxSize: ByteCount(value: Request.uploadBodyLimit)), use: submitNamed)
        routes.get("tips", "mine", use: mine)
        routes.get("tips", "mine", ":id", use: showMine)
        routes.post("tips", "mine", ":id", "messages", use: answerMine)
    }

    /// Routes for anonymous citizens, mounted without sessions: no cookie is read or set, and
    /// nothing about the sender is looked at.
    struct Anonymous: RouteCollection {
        func boot(routes: any RoutesBuilder) throws {
            routes.on(.POST, "tips", "anonymous", body: .collect(maxSize: ByteCount(value: Request.uploadBodyLimit)), use: submitAnonymous)
            routes.get("tips", "follow", use: followForm)
            routes.post("tips", "follow", use: follow)
            routes.post("tips", "follow", "messages", use: answer)
        }

        @Sendable func submitAnonymous(req: Request) async throws -> Response {
            try await TipController.submit(req, as: .anonymous)
        }

        @Sendable func followForm(req: Request) async throws -> Response {
            try await req.view.render("tips/follow", FollowPage(page: req.pageMeta(titleKey: "tipFollowTitle"), error: nil))
                .encodeResponse(for: req).privateNoStore()
        }

        struct ReceiptForm: Content {
            var receipt: String?
            var body: String?
        }

        @Sendable func follow(req: Request) async throws -> Response {
            let form = try req.content.decode(ReceiptForm.self)
            guard let tip = try await req.tips.tip(receipt: form.receipt ?? "") else { return try await wrongReceipt(req) }
            return try await statusPage(req, tip: tip, receipt: form.receipt ?? "", notice: nil, errors: [:], status: .ok)
        }

        @Sendable func answer(req: Request) async throws -> Response {
            let form = try req.content.decode(ReceiptForm.self)
            guard let tip = try await req.tips.tipForReceipt(form.receipt ?? "") else { return try await wrongReceipt(req) }
            do {
                _ = try await req.tips.addCitizenMessage(form.body ?? "", to: tip, by: .anonymous)
            } catch let failure as ValidationFailure {
                return try await statusPage(req, tip: tip, receipt: form.receipt ?? "", notice: nil, errors: req.fieldErrors(failure.issues), status: .unprocessableEntity)
            }
            return try await statusPage(req, tip: tip, receipt: form.receipt ?? "", notice: req.language.texts["tipMessageSent"], errors: [:], status: .ok)
        }

        private func wrongReceipt(_ req: Request) async throws -> Response {
            let error = req.message("Mã tra cứu không đúng. Hãy kiểm tra lại 16 chữ số.", "No tip has this receipt. Check the 16 digits.")
            return try await req.view.render("tips/follow", FollowPage(page: req.pageMeta(titleKey: "tipFollowTitle"), error: error))
                .encodeResponse(status: .notFound, for: req).privateNoStore()
        }

        private func statusPage(_ req: Request, tip: Tip, receipt: String, notice: String?, errors: [String: String], status: HTTPStatus) async throws -> Response {
            let context = try await TipListContext.load(for: [tip], on: req.db)
            let view = try await TipView.make(tip, context: context, service: req.tips, forStaff: false, req: req)
            let page = TipStatusPage(page: req.pageMeta(titleKey: "tipFollowTitle"), tip: view,
                                     receipt: TipReceipt.normalise(receipt) ?? "", answerAction: "/tips/follow/messages", notice: notice, errors: errors)
            return try await req.view.render("tips/status", page).encodeResponse(status: status, for: req).privateNoStore()
        }
    }

    struct Option: Encodable {
        var value: String
        var label: String
        var selected: Bool
    }

    struct Choice: Encodable {
        var code: String
        var label: String
    }

    struct FormPage: Encodable {
        var page: PageMeta
        var categories: [Option]
        var values: [String: String]
        var errors: [String: String]
        var formError: String?
        var communeChoices: [Choice]
        var loggedIn: Bool
    }

    struct ReceiptPage: Encodable {
        var page: PageMeta
        var receipt: String
        var reference: String
        var unit: String
    }

    struct FollowPage: Encodable {
        var page: PageMeta
        var error: String?
    }

    struct TipStatusPage: Encodable {
        var page: PageMeta
        var tip: TipView
        /// The digits, carried in a hidden field so the answer form works without a cookie.
        var receipt: String
        var answerAction: String
        var notice: String?
        var errors: [String: String]
    }

    struct MinePage: Encodable {
        var page: PageMeta
        var tips: [TipView]
    }

    struct TipForm: Content {
        var category: String?
        var description: String?
        var commune: String?
        var communeCode: String?
        var address: String?
        var occurredAt: String?
        var latitude: String?
        var longitude: String?
        var happeningNow: String?
        var attachments: [File]?
    }

    @Sendable func newForm(req: Request) async throws -> View {
        try await req.view.render("tips/new", Self.formPage(req, values: [:], errors: [:], choices: []))
    }

    @Sendable func submitNamed(req: Request) async throws -> Response {
        guard let account = req.auth.get(CurrentAccount.self) else { return req.redirect(to: "/login?next=/tips/new") }
        return try await Self.submit(req, as: .citizen(account.id))
    }

    /// Reads the form, resolves the commune, and either stores the tip or shows the form again
    /// with every problem next to its field.
    /// The commune a form names: the one picked among choices, or the only one matching the typed
    /// name. Several matches give choices to pick from; none gives an error. Empty input gives "".
    static func commune(_ req: Request, typed: String?, chosen: String?) async throws -> (code: String, choices: [Choice], error: String?) {
        if let chosen, !chosen.isEmpty { return (chosen, [], nil) }
        guard let typed, !typed.trimmingCharacters(in: .whitespaces).isEmpty else { return ("", [], nil) }
        let matches = try await AreaSearch.communes(matching: typed, on: req.db)
        if matches.count == 1 { return (matches[0].code, [], nil) }
        if matches.isEmpty {
            return ("", [], req.message("Không tìm thấy xã, phường này. Hãy gõ lại tên, có dấu hoặc không dấu.",
                                        "No commune or ward has this name. Type it again, with or without diacritics."))
        }
        return ("", matches.map { Choice(code: $0.code, label: "\($0.name), \($0.provinceName)") }, req.language.texts["tipCommuneChoose"])
    }

    static func submit(_ req: Request, as submitter: TipService.Submitter) async throws -> Response {
        let form = try req.content.decode(TipForm.self)
        var values = [
            "category": form.category ?? "", "description": form.description ?? "", "commune": form.commune ?? "",
            "address": form.address ?? "", "occurredAt": form.occurredAt ?? "", "latitude": form.latitude ?? "",
            "longitude": form.longitude ?? "", "happeningNow": form.happeningNow == nil ? "" : "on",
        ]
        var errors: [String: String] = [:]
        let (communeCode, choices, communeError) = try await Self.commune(req, typed: form.commune, chosen: form.communeCode)
        if let communeError { errors["commune"] = communeError }
        var latitude: Double?, longitude: Double?
        let rawLatitude = (form.latitude ?? "").trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".")
        let rawLongitude = (form.longitude ?? "").trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".")
        if !rawLatitude.isEmpty || !rawLongitude.isEmpty {
            latitude = Double(rawLatitude)
            longitude = Double(rawLongitude)
            if (!rawLatitude.isEmpty && latitude == nil) || (!rawLongitude.isEmpty && longitude == nil) {
                errors["location"] = req.message("Toạ độ phải là số, ví dụ 12.6675 và 108.0377.", "Coordinates must be numbers, e.g. 12.6675 and 108.0377.")
            }
        }
        var occurredAt: Date?
        if let raw = form.occurredAt?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            occurredAt = DisplayTime.parseLocalInput(raw)
            if occurredAt == nil {
                errors["occurred_at"] = req.message("Thời điểm không hợp lệ.", "The time is not valid.")
            }
        }
        // Files: checked by content and stripped of metadata before anything is stored.
        let (files, uploadError) = req.sanitizedUploads(form.attachments)
        if let uploadError { errors["attachments"] = uploadError }
        let draft = TipDraft(categoryCode: form.category ?? "", description: form.description ?? "",
                             communeCode: communeCode,
                             address: form.address, latitude: latitude, longitude: longitude, occurredAt: occurredAt,
                             happeningNow: form.happeningNow != nil)
        if errors.isEmpty {
            do {
                let submitted = try await req.tips.submit(draft, by: submitter, attachments: files)
                if let receipt = submitted.receipt {
                    let page = ReceiptPage(page: req.pageMeta(titleKey: "tipReceiptTitle"), receipt: TipReceipt.display(receipt),
                                           reference: submitted.tip.reference, unit: submitted.placement.routes.first?.name ?? "")
                    return try await req.view.render("tips/receipt", page).encodeResponse(status: .created, for: req).privateNoStore()
                }
                return req.redirect(to: "/tips/mine/\(try submitted.tip.requireID().uuidString)?sent=1")
            } catch let failure as ValidationFailure {
                errors = req.fieldErrors(failure.issues)
            }
        } else {
            // Show the other fields' problems too, in the same round.
            let categories = Set(try await req.tips.categories().map(\.code))
            for (field, text) in req.fieldErrors(TipRules.validate(draft, knownCategories: categories, now: Date()).1)
            where errors[field] == nil && field != "commune" {
                errors[field] = text
            }
        }
        if errors["commune"] != nil && choices.isEmpty { values["communeCode"] = "" }
        var page = try await formPage(req, values: values, errors: errors, choices: choices)
        page.formError = req.language.texts["formHasErrors"]
        return try await req.view.render("tips/new", page).encodeResponse(status: .unprocessableEntity, for: req)
    }

    static func formPage(_ req: Request, values: [String: String], errors: [String: String], choices: [Choice]) async throws -> FormPage {
        let vi = req.language == .vi
        let categories = try await req.tips.categories().map {
            Option(value: $0.code, label: vi ? $0.nameVI : $0.nameEN, selected: values["category"] == $0.code)
        }
        return FormPage(page: req.pageMeta(titleKey: "tipNewTitle"), categories: categories, values: values, errors: errors,
                        communeChoices: choices, loggedIn: req.auth.get(CurrentAccount.self) != nil)
    }

    @Sendable func mine(req: Request) async throws -> Response {
        guard let account = req.auth.get(CurrentAccount.self) else { return req.redirect(to: "/login?next=/tips/mine") }
        let tips = try await req.tips.tips(ofCitizen: account.id)
        let context = try await TipListContext.load(for: tips, on: req.db)
        var views: [TipView] = []
        for tip in tips {
            views.append(try await TipView.make(tip, context: context, service: req.tips, forStaff: false, req: req))
        }
        return try await req.view.render("tips/mine", MinePage(page: req.pageMeta(titleKey: "tipMineTitle"), tips: views)).encodeResponse(for: req)
    }

    @Sendable func showMine(req: Request) async throws -> Response {
        try await myTipPage(req, notice: req.query[String.self, at: "sent"] == nil ? nil : req.language.texts["tipMessageSent"], errors: [:], status: .ok)
    }

    struct AnswerForm: Content {
        var body: String?
    }

    @Sendable func answerMine(req: Request) async throws -> Response {
        guard let account = req.auth.get(CurrentAccount.self) else { return req.redirect(to: "/login") }
        guard let id = req.parameters.get("id", as: UUID.self), let tip = try await req.tips.tip(id: id, citizen: account.id) else { throw Abort(.notFound) }
        do {
            _ = try await req.tips.addCitizenMessage(try req.content.decode(AnswerForm.self).body ?? "", to: tip, by: .citizen(account.id))
        } catch let failure as ValidationFailure {
            return try await myTipPage(req, notice: nil, errors: req.fieldErrors(failure.issues), status: .unprocessableEntity)
        }
        return req.redirect(to: "/tips/mine/\(id.uuidString)?sent=1")
    }

    private func myTipPage(_ req: Request, notice: String?, errors: [String: String], status: HTTPStatus) async throws -> Response {
        guard let account = req.auth.get(CurrentAccount.self) else { return req.redirect(to: "/login?next=/tips/mine") }
        guard let id = req.parameters.get("id", as: UUID.self), let tip = try await req.tips.tip(id: id, citizen: account.id) else { throw Abort(.notFound) }
        let context = try await TipListContext.load(for: [tip], on: req.db)
        let view = try await TipView.make(tip, context: context, service: req.tips, forStaff: false, req: req)
        let page = TipStatusPage(page: req.pageMeta(titleKey: "tipMineTitle"), tip: view, receipt: "",
                                 answerAction: "/tips/mine/\(id.uuidString)/messages", notice: notice, errors: errors)
        return try await req.view.render("tips/status", page).encodeResponse(status: status, for: req)
    }
}
