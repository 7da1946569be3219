import BinhYenCore
import Fluent
import Vapor

/// Linking a page to a Zalo Official Account or a Telegram bot, for those who may link channel
/// accounts at the page's unit (province admins). Secrets are written, never shown again: the
/// page lists each linked account with its state (and the error when Zalo refused a token refresh).
struct ConsoleChannelsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let channels = routes.grouped("console", "pages", ":id", "channels").grouped(StaffOnlyMiddleware())
        channels.get(use: show)
        channels.post(":kind", use: link)
    }

    struct Linked: Encodable {
        var kind: String
        var externalID: String
        var active: Bool
        var lastError: String?
        var updatedAt: String
    }

    struct ChannelsView: Encodable {
        var page: PageMeta
        var id: String
        var name: String
        var linked: [Linked]
        var webhookZalo: String
        var webhookTelegram: String
        var kind: String?
        var values: [String: String]
        var errors: [String: String]
        var notice: String?
    }

    struct LinkForm: Content {
        var externalID: String?
        var appID: String?
        var oaSecretKey: String?
        var appSecret: String?
        var accessToken: String?
        var refreshToken: String?
        var botToken: String?
        var webhookSecret: String?
    }

    @Sendable func show(req: Request) async throws -> Response {
        try await render(req, kind: nil, values: [:], errors: [:], notice: req.query[String.self, at: "linked"] != nil ? req.language.texts["channelLinked"] : nil, status: .ok)
    }

    @Sendable func link(req: Request) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        let page = try await allowedPage(req, account)
        guard let kind = ChannelKind(rawValue: req.parameters.get("kind") ?? ""), kind != .web else { throw Abort(.notFound) }
        let form = try req.content.decode(LinkForm.self)
        func clean(_ value: String?) -> String? { value?.trimmingCharacters(in: .whitespacesAndNewlines) }
        let link: ChannelService.Link
        switch kind {
        case .zalo:
            link = .init(kind: .zalo, pageID: try page.requireID(), externalID: clean(form.externalID) ?? "", appID: clean(form.appID),
                         secrets: ChannelSecrets(oaSecretKey: clean(form.oaSecretKey), appSecret: clean(form.appSecret),
                                                 accessToken: clean(form.accessToken), refreshToken: clean(form.refreshToken)),
                         // A token from Zalo's API explorer lasts 25 hours; refreshed an hour before.
                         tokenExpiresAt: Date().addingTimeInterval(90_000))
        case .telegram, .web:
            let token = clean(form.botToken) ?? ""
            link = .init(kind: .telegram, pageID: try page.requireID(), externalID: String(token.prefix { $0 != ":" }), appID: nil,
                         secrets: ChannelSecrets(botToken: token, webhookSecret: clean(form.webhookSecret)))
        }
        do {
            try await req.channels.link(link, by: .staff(account.id))
            return req.redirect(to: "/console/pages/\(try page.requireID().uuidString)/channels?linked=1")
        } catch let failure as ValidationFailure {
            // Only what is not secret is written back into the form.
            let values = ["externalID": form.externalID ?? "", "appID": form.appID ?? ""]
            return try await render(req, kind: kind.rawValue, values: values, errors: req.fieldErrors(failure.issues), notice: nil, status: .unprocessableEntity)
        }
    }

    private func allowedPage(_ req: Request, _ account: CurrentAccount) async throws -> Page {
        guard let id = req.parameters.get("id", as: UUID.self), let page = try await Page.find(id, on: req.db),
              try await account.may(.linkChannelAccounts, atUnit: page.$unit.id, on: req.db) else { throw Abort(.notFound) }
        return page
    }

    private func render(_ req: Request, kind: String?, values: [String: String], errors: [String: String], notice: String?, status: HTTPStatus) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        let page = try await allowedPage(req, account)
        let linked = try await ChannelAccount.query(on: req.db).filter(\.$page.$id == page.requireID()).sort(\.$createdAt).all().map {
            Linked(kind: $0.kind.rawValue.capitalized, externalID: $0.externalID, active: $0.status == .active, lastError: $0.lastError,
                   updatedAt: DisplayTime.string($0.updatedAt))
        }
        let view = ChannelsView(page: req.pageMeta(titleKey: "channelLinkTitle"), id: try page.requireID().uuidString, name: page.name, linked: linked,
                                webhookZalo: "/channels/zalo/webhook", webhookTelegram: "/channels/telegram/webhook",
                                kind: kind, values: values, errors: errors, notice: notice)
        return try await req.view.render("console/channels", view).encodeResponse(status: status, for: req)
    }
}
