import BinhYenCore
import Vapor

/// The cyber patrol's harmful-content queue in the console: reports by status, newest first, each
/// with its screenshots and a form for its next step (triage, takedown request, the platform's
/// answer, or dismissal with the reason). Others get "not found".
struct ConsoleHarmfulController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let harmful = routes.grouped("console", "harmful").grouped(StaffOnlyMiddleware())
        harmful.get(use: queue)
        harmful.post(":id", "status", use: advance)
    }

    struct Row: Encodable {
        var id: String
        var reference: String
        var url: String
        var category: String
        var description: String
        var status: String
        var note: String?
        var receivedAt: String
        var takedownRequestedAt: String?
        var resolvedAt: String?
        var screenshots: [String]
        var next: [TipController.Option]
    }

    struct QueuePage: Encodable {
        var page: PageMeta
        var statuses: [TipController.Option]
        var rows: [Row]
        var notice: String?
        var errorID: String?
        var error: String?
    }

    struct StepForm: Content {
        var status: String?
        var note: String?
    }

    @Sendable func queue(req: Request) async throws -> Response {
        let notice = req.query[String.self, at: "moved"] != nil ? req.language.texts["harmfulMoved"] : nil
        return try await page(req, notice: notice, errorID: nil, error: nil, status: .ok)
    }

    @Sendable func advance(req: Request) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.notFound) }
        let form = try req.content.decode(StepForm.self)
        guard let next = HarmfulStatus(rawValue: form.status ?? "") else {
            return try await page(req, notice: nil, errorID: id.uuidString,
                                  error: req.message("Vui lòng chọn bước tiếp theo.", "Please choose the next step."), status: .unprocessableEntity)
        }
        do {
            let report = try await req.harmful.advance(id, to: next, note: form.note, by: account)
            return req.redirect(to: "/console/harmful?status=\(report.status.rawValue)&moved=1")
        } catch is TipService.NotFound {
            throw Abort(.notFound)
        } catch let failure as ValidationFailure {
            let text = failure.issues.first.map { req.message($0.messageVI, $0.messageEN) }
            return try await page(req, notice: nil, errorID: id.uuidString, error: text, status: .unprocessableEntity)
        }
    }

    private func page(_ req: Request, notice: String?, errorID: String?, error: String?, status: HTTPStatus) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        let chosen = HarmfulStatus(rawValue: req.query[String.self, at: "status"] ?? "") ?? .received
        let reports: [HarmfulReport]
        do {
            reports = try await req.harmful.queue(status: chosen, limit: 100, for: account)
        } catch is TipService.NotFound {
            throw Abort(.notFound)
        }
        let screenshots = try await req.harmful.screenshots(of: reports, for: account)
        let names = Dictionary(uniqueKeysWithValues: try await req.harmful.categories().map { ($0.code, req.message($0.nameVI, $0.nameEN)) })
        let rows = reports.compactMap { report -> Row? in
            guard let id = report.id else { return nil }
            return Row(id: id.uuidString, reference: report.reference, url: report.url, category: names[report.categoryCode] ?? report.categoryCode,
                       description: report.description, status: req.message(report.status.labelVI, report.status.labelEN), note: report.note,
                       receivedAt: DisplayTime.string(report.createdAt), takedownRequestedAt: report.takedownRequestedAt.map(DisplayTime.string),
                       resolvedAt: report.resolvedAt.map(DisplayTime.string),
                       screenshots: (screenshots[id] ?? []).compactMap(EvidenceFiles.consoleLink),
                       next: HarmfulStatus.allCases.filter { report.status.next.contains($0) }.map {
                           TipController.Option(value: $0.rawValue, label: req.message($0.labelVI, $0.labelEN), selected: false)
                       })
        }
        let statuses = HarmfulStatus.allCases.map {
            TipController.Option(value: $0.rawValue, label: req.message($0.labelVI, $0.labelEN), selected: $0 == chosen)
        }
        let page = QueuePage(page: req.pageMeta(titleKey: "harmfulQueueTitle"), statuses: statuses, rows: rows, notice: notice,
                             errorID: errorID, error: error)
        return try await req.view.render("console/harmful", page).encodeResponse(status: status, for: req)
    }
}
