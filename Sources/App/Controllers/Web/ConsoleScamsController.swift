import BinhYenCore
import Fluent
import Vapor

/// The cyber patrol's queue in the console: indicators by status, most reported first, each with a
/// form to verify it (with the warning lookups will show) or reject it (with the reason).
struct ConsoleScamsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let scams = routes.grouped("console", "scams").grouped(StaffOnlyMiddleware())
        scams.get(use: queue)
        scams.on(.POST, ":id", "decision", body: .collect(maxSize: ByteCount(value: Request.uploadBodyLimit)), use: decide)
        scams.post(":id", "warning-post", use: publishWarning)
        scams.get("verified.csv", use: exportCSV)
        scams.get("verified.stix.json", use: exportSTIX)
        scams.get("evidence", ":file", use: evidence)
    }

    /// The patrol downloads what it verified, for another agency (CSV reads back with scam-import).
    @Sendable func exportCSV(req: Request) async throws -> Response {
        try requirePatrol(req)
        let response = Response(status: .ok, body: .init(string: try await ScamExport.csv(on: req.db)))
        response.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        response.headers.contentDisposition = .init(.attachment, filename: "binhyen-scams-verified.csv")
        return response
    }

    @Sendable func exportSTIX(req: Request) async throws -> Response {
        try requirePatrol(req)
        let response = Response(status: .ok, body: .init(data: try await ScamExport.stix(on: req.db)))
        response.headers.contentType = .json
        response.headers.contentDisposition = .init(.attachment, filename: "binhyen-scams-verified.stix.json")
        return response
    }

    /// A screenshot from a report, for the patrol only.
    @Sendable func evidence(req: Request) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        guard let id = req.parameters.get("file", as: UUID.self) else { throw Abort(.notFound) }
        do {
            let (row, data) = try await req.scams.evidenceFile(id, for: account)
            return EvidenceFiles.response(row.kind, data: data, name: "bang-chung-" + id.uuidString.prefix(8))
        } catch is TipService.NotFound {
            throw Abort(.notFound)
        }
    }

    private func requirePatrol(_ req: Request) throws {
        let account = try req.auth.require(CurrentAccount.self)
        guard Policy.allowsSomewhere(account.grants, .verifyScamIndicators) else { throw Abort(.notFound) }
    }

    struct Row: Encodable {
        var id: String
        var kind: String
        var display: String
        var value: String
        var reports: Int
        var warning: String?
        var note: String?
        var evidence: [String]
        /// The patrol's own evidence for its decisions.
        var decisionEvidence: [String]
        /// Verified: its warning can be published as a post.
        var verified: Bool
    }

    struct QueuePage: Encodable {
        var page: PageMeta
        var status: String
        var statuses: [TipController.Option]
        var rows: [Row]
        var notice: String?
        var errorID: String?
        var error: String?
    }

    struct DecisionForm: Content {
        var decision: String?
        var warning: String?
        var note: String?
        var evidence: [File]?
    }

    @Sendable func queue(req: Request) async throws -> Response {
        try await page(req, notice: req.query[String.self, at: "done"].map { _ in req.language.texts["scamDecided"] ?? "" }, errorID: nil, error: nil, status: .ok)
    }

    @Sendable func decide(req: Request) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.notFound) }
        let form = try req.content.decode(DecisionForm.self)
        let decision: ScamRegistry.Decision = form.decision == "reject" ? .reject(note: form.note ?? "") : .verify(warning: form.warning ?? "")
        let (evidence, uploadError) = req.sanitizedUploads(form.evidence)
        if let uploadError { return try await page(req, notice: nil, errorID: id.uuidString, error: uploadError, status: .unprocessableEntity) }
        do {
            _ = try await req.scams.decide(id, decision, by: account, evidence: evidence)
        } catch is TipService.NotFound {
            throw Abort(.notFound)
        } catch let failure as ValidationFailure {
            let text = failure.issues.first.map { req.message($0.messageVI, $0.messageEN) }
            return try await page(req, notice: nil, errorID: id.uuidString, error: text, status: .unprocessableEntity)
        }
        return req.redirect(to: "/console/scams?done=1")
    }

    /// The verified warning, as a public post on the patrol's page, in one step.
    @Sendable func publishWarning(req: Request) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.notFound) }
        do {
            let post = try await req.scams.publishWarning(id, pageID: nil, by: account)
            return req.redirect(to: "/posts/\(try post.requireID().uuidString)")
        } catch is TipService.NotFound {
            throw Abort(.notFound)
        } catch let failure as ValidationFailure {
            let text = failure.issues.first.map { req.message($0.messageVI, $0.messageEN) }
            return try await page(req, notice: nil, errorID: id.uuidString, error: text, status: .unprocessableEntity)
        }
    }

    private func page(_ req: Request, notice: String?, errorID: String?, error: String?, status: HTTPStatus) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        let chosen = ScamStatus(rawValue: req.query[String.self, at: "status"] ?? "") ?? .reported
        let found: [ScamIndicator]
        do {
            found = try await req.scams.queue(status: chosen, kind: nil, limit: 100, for: account)
        } catch is TipService.NotFound {
            throw Abort(.notFound)
        }
        let evidence = try await req.scams.evidence(of: found.compactMap(\.id), for: account)
        let decisionEvidence = try await req.scams.decisionEvidence(of: found.compactMap(\.id), for: account)
        let rows = found.compactMap { row -> Row? in
            guard let id = row.id, let kind = IndicatorKind(rawValue: row.kind) else { return nil }
            return Row(id: id.uuidString, kind: req.message(kind.labelVI, kind.labelEN), display: row.display, value: row.value,
                       reports: row.reportCount, warning: row.warningVI, note: row.decisionNote,
                       evidence: (evidence[id] ?? []).compactMap(EvidenceFiles.consoleLink),
                       decisionEvidence: (decisionEvidence[id] ?? []).compactMap(EvidenceFiles.consoleLink),
                       verified: row.status == .verified)
        }
        let statuses = ScamStatus.allCases.map {
            TipController.Option(value: $0.rawValue, label: req.language.texts["scamStatus_" + $0.rawValue] ?? $0.rawValue, selected: $0 == chosen)
        }
        let page = QueuePage(page: req.pageMeta(titleKey: "scamQueueTitle"), status: chosen.rawValue, statuses: statuses, rows: rows,
                             notice: notice, errorID: errorID, error: error)
        return try await req.view.render("console/scams", page).encodeResponse(status: status, for: req)
    }
}
