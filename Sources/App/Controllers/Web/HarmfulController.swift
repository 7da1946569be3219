import BinhYenCore
import Vapor

/// Reporting harmful content online on the citizen site: the address, what kind of content it is,
/// what it says, and screenshots. Like scam reports, the anonymous form has no session, so no
/// cookie is read or set; a logged-in citizen's report carries their account.
struct HarmfulController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("harmful", "report", use: form)
        routes.on(.POST, "harmful", "report", body: .collect(maxSize: ByteCount(value: Request.uploadBodyLimit)), use: reportNamed)
    }

    struct Anonymous: RouteCollection {
        func boot(routes: any RoutesBuilder) throws {
            routes.on(.POST, "harmful", "report", "anonymous", body: .collect(maxSize: ByteCount(value: Request.uploadBodyLimit)), use: report)
        }

        @Sendable func report(req: Request) async throws -> Response {
            try await HarmfulController.report(req, as: .anonymous)
        }
    }

    struct FormPage: Encodable {
        var page: PageMeta
        var categories: [TipController.Option]
        var values: [String: String]
        var errors: [String: String]
        var loggedIn: Bool
        var formError: String?
    }

    struct ReportedPage: Encodable {
        var page: PageMeta
        var reference: String
        var screenshots: Int
    }

    struct Form: Content {
        var url: String?
        var category: String?
        var description: String?
        var screenshots: [File]?
    }

    @Sendable func form(req: Request) async throws -> View {
        try await req.view.render("harmful/report", try await Self.formPage(req, values: [:], errors: [:]))
    }

    @Sendable func reportNamed(req: Request) async throws -> Response {
        guard let account = req.auth.get(CurrentAccount.self) else { return req.redirect(to: "/login?next=/harmful/report") }
        return try await Self.report(req, as: .citizen(account.id))
    }

    static func formPage(_ req: Request, values: [String: String], errors: [String: String]) async throws -> FormPage {
        let chosen = values["category"] ?? ""
        let categories = [TipController.Option(value: "", label: req.message("— Chọn —", "— Choose —"), selected: chosen.isEmpty)]
            + (try await req.harmful.categories()).map { TipController.Option(value: $0.code, label: req.message($0.nameVI, $0.nameEN), selected: $0.code == chosen) }
        return FormPage(page: req.pageMeta(titleKey: "harmfulReportTitle"), categories: categories, values: values, errors: errors,
                        loggedIn: req.auth.get(CurrentAccount.self) != nil)
    }

    static func report(_ req: Request, as submitter: TipService.Submitter) async throws -> Response {
        let form = try req.content.decode(Form.self)
        let values = ["url": form.url ?? "", "category": form.category ?? "", "description": form.description ?? ""]
        // Screenshots: checked by content and stripped of metadata before anything is stored.
        let (screenshots, uploadError) = req.sanitizedUploads(form.screenshots)
        let draft = HarmfulReportDraft(url: form.url ?? "", categoryCode: form.category ?? "", description: form.description ?? "")
        var errors: [String: String] = [:]
        if let uploadError {
            errors["attachments"] = uploadError
            // Say what else is wrong in the same answer, without storing anything.
            let known = Set(try await req.harmful.categories().map(\.code))
            errors.merge(req.fieldErrors(HarmfulContentRules.validate(draft, knownCategories: known).issues)) { first, _ in first }
        } else {
            do {
                let report = try await req.harmful.report(draft, by: submitter, screenshots: screenshots)
                let page = ReportedPage(page: req.pageMeta(titleKey: "harmfulReportedTitle"), reference: report.reference, screenshots: screenshots.count)
                return try await req.view.render("harmful/reported", page).encodeResponse(status: .created, for: req).privateNoStore()
            } catch let failure as ValidationFailure {
                errors = req.fieldErrors(failure.issues)
            }
        }
        var page = try await formPage(req, values: values, errors: errors)
        page.formError = req.language.texts["formHasErrors"]
        return try await req.view.render("harmful/report", page).encodeResponse(status: .unprocessableEntity, for: req)
    }
}
