import BinhYenCore
import Vapor

/// "Message the police" on the site: a logged-in citizen writes to a page and reads the replies,
/// in the same inbox officers answer Zalo and Telegram from.
struct SiteMessagesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("pages", ":id", "message", use: show)
        routes.post("pages", ":id", "message", use: send)
    }

    struct Line: Encodable {
        var fromCitizen: Bool
        var text: String
        var time: String
    }

    struct ThreadView: Encodable {
        var page: PageMeta
        var id: String
        var name: String
        var hotline: String?
        var lines: [Line]
        var draft: String?
        var error: String?
        var notice: String?
    }

    struct Form: Content { var text: String? }

    @Sendable func show(req: Request) async throws -> Response {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.notFound) }
        guard req.auth.get(CurrentAccount.self) != nil else { return req.redirect(to: "/login?next=/pages/\(id.uuidString)/message") }
        return try await render(req, id, draft: nil, error: nil, notice: req.query[String.self, at: "sent"] != nil ? req.language.texts["siteMessageSent"] : nil, status: .ok)
    }

    @Sendable func send(req: Request) async throws -> Response {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.notFound) }
        guard let account = req.auth.get(CurrentAccount.self) else { return req.redirect(to: "/login?next=/pages/\(id.uuidString)/message") }
        let form = try req.content.decode(Form.self)
        do {
            try await req.channels.writeFromSite(form.text ?? "", to: id, by: account)
            return req.redirect(to: "/pages/\(id.uuidString)/message?sent=1")
        } catch is TipService.NotFound {
            throw Abort(.notFound)
        } catch let failure as ValidationFailure {
            let text = failure.issues.first.map { req.message($0.messageVI, $0.messageEN) }
            return try await render(req, id, draft: form.text, error: text, notice: nil, status: .unprocessableEntity)
        }
    }

    private func render(_ req: Request, _ id: UUID, draft: String?, error: String?, notice: String?, status: HTTPStatus) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        guard let page = try await Page.find(id, on: req.db) else { throw Abort(.notFound) }
        var lines: [Line] = []
        if let conversation = try await req.channels.siteConversation(page: id, citizen: account.id) {
            // Only what was sent to the citizen (a reply still waiting shows once it is delivered).
            lines = try await req.channels.messages(of: conversation).filter { $0.message.direction == .inbound || $0.message.status != .queued }.map {
                Line(fromCitizen: $0.message.direction == .inbound, text: $0.content.text, time: DisplayTime.string($0.message.createdAt))
            }
        }
        let view = ThreadView(page: req.pageMeta(titleKey: "siteMessageTitle"), id: id.uuidString, name: page.name, hotline: page.hotline,
                              lines: lines, draft: draft, error: error, notice: notice)
        return try await req.view.render("community/message", view).encodeResponse(status: status, for: req)
    }
}
