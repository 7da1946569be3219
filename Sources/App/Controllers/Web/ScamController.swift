import BinhYenCore
import Fluent
import Vapor

/// The scam pages of the citizen site: look a number up, report a scam. Anonymous routes have no
/// session, so no cookie is read or set; a logged-in citizen's report carries their account.
struct ScamController: RouteCollection {
    /// Routes that need the session (the form knows who is logged in; named reports).
    func boot(routes: any RoutesBuilder) throws {
        routes.get("scams", "report", use: reportForm)
        routes.on(.POST, "scams", "report", body: .collect(maxSize: ByteCount(value: Request.uploadBodyLimit)), use: reportNamed)
    }

    struct Anonymous: RouteCollection {
        func boot(routes: any RoutesBuilder) throws {
            routes.get("scams", use: check)
            routes.on(.POST, "scams", "report", "anonymous", body: .collect(maxSize: ByteCount(value: Request.uploadBodyLimit)), use: reportAnonymous)
        }

        @Sendable func check(req: Request) async throws -> Response {
            let query = req.query[String.self, at: "q"] ?? ""
            var page = CheckPage(page: req.pageMeta(titleKey: "scamCheckTitle"), query: query, result: nil, error: nil)
            guard !query.isEmpty else { return try await req.view.render("scams/check", page).encodeResponse(for: req) }
            if let wait = req.lookupWait() {
                page.error = req.message("Bạn tra cứu quá nhiều lần. Vui lòng thử lại sau \(wait) giây.", "Too many lookups. Try again in \(wait) seconds.")
                let response = try await req.view.render("scams/check", page).encodeResponse(status: .tooManyRequests, for: req)
                response.headers.replaceOrAdd(name: .retryAfter, value: String(wait))
                return response
            }
            do {
                let answer = try await req.scams.lookup(query)
                let (vi, en) = ScamLookupText.message(answer)
                page.result = .init(verdict: answer.verdict.rawValue, display: answer.indicator.display,
                                    kind: req.message(answer.indicator.kind.labelVI, answer.indicator.kind.labelEN),
                                    message: req.message(vi, en), warning: answer.warning, reports: answer.reports)
                return try await req.view.render("scams/check", page).encodeResponse(for: req)
            } catch let failure as ValidationFailure {
                page.error = failure.issues.first.map { req.message($0.messageVI, $0.messageEN) }
                return try await req.view.render("scams/check", page).encodeResponse(status: .badRequest, for: req)
            }
        }

        @Sendable func reportAnonymous(req: Request) async throws -> Response {
            try await ScamController.report(req, as: .anonymous)
        }
    }

    struct CheckPage: Encodable {
        struct Result: Encodable {
            var verdict: String
            var display: String
            var kind: String
            var message: String
            var warning: String?
            var reports: Int
        }
        var page: PageMeta
        var query: String
        var result: Result?
        var error: String?
    }

    struct ReportPage: Encodable {
        var page: PageMeta
        var kinds: [TipController.Option]
        var values: [String: String]
        var errors: [String: String]
        var loggedIn: Bool
        var formError: String?
    }

    struct ReportedPage: Encodable {
        struct Row: Encodable {
            var display: String
            var kind: String
            var status: String
        }
        var page: PageMeta
        var reference: String
        var rows: [Row]
    }

    struct ReportForm: Content {
        var kind0: String?, value0: String?, bank0: String?
        var kind1: String?, value1: String?, bank1: String?
        var kind2: String?, value2: String?, bank2: String?
        var description: String?
        var moneyLost: String?
        var occurredAt: String?
        var screenshots: [File]?
    }

    /// Three indicator rows on the form; the API takes up to ten.
    static let rows = 3

    @Sendable func reportForm(req: Request) async throws -> View {
        try await req.view.render("scams/report", Self.reportPage(req, values: [:], errors: [:]))
    }

    @Sendable func reportNamed(req: Request) async throws -> Response {
        guard let account = req.auth.get(CurrentAccount.self) else { return req.redirect(to: "/login?next=/scams/report") }
        return try await Self.report(req, as: .citizen(account.id))
    }

    static func reportPage(_ req: Request, values: [String: String], errors: [String: String]) -> ReportPage {
        var values = values
        var kinds = [TipController.Option(value: "", label: req.message("Tự nhận biết", "Recognise it"), selected: false)]
        kinds += IndicatorKind.allCases.map { TipController.Option(value: $0.rawValue, label: req.message($0.labelVI, $0.labelEN), selected: false) }
        for index in 0..<rows where values["kind\(index)"] == nil { values["kind\(index)"] = "" }
        return ReportPage(page: req.pageMeta(titleKey: "scamReportTitle"), kinds: kinds, values: values, errors: errors,
                          loggedIn: req.auth.get(CurrentAccount.self) != nil)
    }

    static func report(_ req: Request, as submitter: TipService.Submitter) async throws -> Response {
        let form = try req.content.decode(ReportForm.self)
        let entered = [(form.kind0, form.value0, form.bank0), (form.kind1, form.value1, form.bank1), (form.kind2, form.value2, form.bank2)]
        var values: [String: String] = ["description": form.description ?? "", "moneyLost": form.moneyLost ?? "", "occurredAt": form.occurredAt ?? ""]
        var inputs: [IndicatorInput] = []
        var rowOfInput: [Int] = []
        for (index, (kind, value, bank)) in entered.enumerated() {
            values["kind\(index)"] = kind ?? ""
            values["value\(index)"] = value ?? ""
            values["bank\(index)"] = bank ?? ""
            guard let value, !value.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            inputs.append(IndicatorInput(kind: kind, value: value, bank: bank?.isEmpty == false ? bank : nil))
            rowOfInput.append(index)
        }
        var errors: [String: String] = [:]
        var moneyLost: Int64?
        let money = (form.moneyLost ?? "").filter { !" .,đ".contains($0) }
        if !money.isEmpty {
            moneyLost = Int64(money)
            if moneyLost == nil { errors["moneyLost"] = req.message("Số tiền chỉ gồm chữ số, ví dụ 5.000.000.", "The amount is digits only, e.g. 5000000.") }
        }
        var occurredAt: Date?
        if let raw = form.occurredAt?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            occurredAt = DisplayTime.parseLocalInput(raw)
            if occurredAt == nil { errors["occurredAt"] = req.message("Thời điểm không hợp lệ.", "The time is not valid.") }
        }
        // Screenshots: checked by content and stripped of metadata before anything is stored.
        let (screenshots, uploadError) = req.sanitizedUploads(form.screenshots)
        if let uploadError { errors["attachments"] = uploadError }
        let draft = ScamReportDraft(indicators: inputs, description: form.description ?? "", moneyLost: moneyLost, occurredAt: occurredAt)
        if errors.isEmpty {
            do {
                let reported = try await req.scams.report(draft, by: submitter, screenshots: screenshots)
                let rows = reported.indicators.map {
                    ReportedPage.Row(display: $0.indicator.display, kind: req.message($0.indicator.kind.labelVI, $0.indicator.kind.labelEN),
                                     status: req.language.texts["scamStatus_" + $0.status.rawValue] ?? $0.status.rawValue)
                }
                let page = ReportedPage(page: req.pageMeta(titleKey: "scamReportedTitle"), reference: reported.reference, rows: rows)
                return try await req.view.render("scams/reported", page).encodeResponse(status: .created, for: req).privateNoStore()
            } catch let failure as ValidationFailure {
                errors = fieldErrors(req, failure.issues, rows: rowOfInput)
            }
        } else {
            for (field, text) in fieldErrors(req, ScamReportRules.validate(draft, now: Date()).issues, rows: rowOfInput) where errors[field] == nil {
                errors[field] = text
            }
        }
        var page = reportPage(req, values: values, errors: errors)
        page.formError = req.language.texts["formHasErrors"]
        return try await req.view.render("scams/report", page).encodeResponse(status: .unprocessableEntity, for: req)
    }

    /// "indicators[1].value" becomes "indicator2" (the form row it came from), so the message
    /// shows next to that row.
    static func fieldErrors(_ req: Request, _ issues: [FieldIssue], rows: [Int]) -> [String: String] {
        var renamed = issues
        for index in renamed.indices where renamed[index].field.hasPrefix("indicators[") {
            let digits = renamed[index].field.dropFirst("indicators[".count).prefix { $0.isNumber }
            let row = Int(digits).flatMap { $0 < rows.count ? rows[$0] : nil } ?? 0
            renamed[index].field = "indicator\(row)"
        }
        return req.fieldErrors(renamed)
    }
}
