import BinhYenCore
import Fluent
import Vapor

/// The live duty desk: urgent tips that nobody has acknowledged yet, in the officer's units. The
/// page works without JavaScript (a list with an acknowledge button); with it, new tips appear
/// within a second over a WebSocket, with a sound, and a reconnecting page fetches the list again.
struct DutyDeskController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let desk = routes.grouped("console", "duty").grouped(StaffOnlyMiddleware())
        desk.get(use: page)
        desk.get("feed", use: feed)
        desk.post(":id", "acknowledge", use: acknowledge)
        desk.webSocket("live", maxFrameSize: .init(integerLiteral: 4096), shouldUpgrade: Self.sameOrigin, onUpgrade: Self.live)
    }

    struct Item: Content {
        var id: String
        var reference: String
        var category: String
        var commune: String
        var createdAt: Date
        var createdAtText: String
    }

    struct Page: Encodable {
        var page: PageMeta
        var items: [Item]
        var acknowledged: String?
    }

    /// Open urgent tips not yet acknowledged, newest first.
    static func items(_ req: Request) async throws -> [Item] {
        let account = try req.auth.require(CurrentAccount.self)
        var filter = TipService.InboxFilter()
        filter.status = .received
        filter.urgentOnly = true
        filter.limit = 200
        let tips = try await req.tips.inbox(for: account, filter: filter)
        let context = try await TipListContext.load(for: tips, on: req.db)
        let vi = req.language == .vi
        return tips.map { tip in
            let category = context.categories[tip.categoryCode]
            return Item(id: tip.id?.uuidString ?? "", reference: tip.reference, category: (vi ? category?.nameVI : category?.nameEN) ?? tip.categoryCode,
                        commune: context.areas[tip.$area.id]?.name ?? "", createdAt: tip.createdAt, createdAtText: DisplayTime.string(tip.createdAt))
        }
    }

    @Sendable func page(req: Request) async throws -> View {
        try await req.view.render("console/duty", Page(page: req.pageMeta(titleKey: "dutyTitle"), items: try await Self.items(req),
                                                       acknowledged: req.query[String.self, at: "acknowledged"]))
    }

    /// What a reconnecting desk fetches to catch up.
    @Sendable func feed(req: Request) async throws -> [Item] {
        try await Self.items(req)
    }

    @Sendable func acknowledge(req: Request) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        guard let id = req.parameters.get("id", as: UUID.self), let tip = try await req.tips.visibleTip(id: id, for: account) else { throw Abort(.notFound) }
        let wantsJSON = req.headers.accept.contains { $0.mediaType == .json }
        do {
            if tip.status == .received {
                try await req.tips.changeStatus(of: tip, to: .acknowledged, reason: nil, by: account)
            }
        } catch is TipService.NotFound {
            throw Abort(.forbidden)
        }
        if wantsJSON {
            return try await ["status": tip.status.rawValue].encodeResponse(for: req)
        }
        return req.redirect(to: "/console/duty?acknowledged=\(tip.reference)")
    }

    /// A page from another site must not open a socket with the officer's cookie.
    @Sendable static func sameOrigin(req: Request) async throws -> HTTPHeaders? {
        guard let origin = req.headers.first(name: .origin), let host = req.headers.first(name: .host),
              let url = URL(string: origin), url.host.map({ host == $0 || host.hasPrefix($0 + ":") }) == true
        else { return nil }
        return [:]
    }

    @Sendable static func live(req: Request, ws: WebSocket) async {
        guard let account = req.auth.get(CurrentAccount.self) else {
            try? await ws.close(code: .policyViolation)
            return
        }
        let units = Set(TipService.units(of: account, allowing: .readTips))
        let hub = req.application.liveHub
        let id = await hub.subscribe(units: units) { [weak ws] text in
            guard let ws, !ws.isClosed else { return }
            try? await ws.send(text)
        }
        ws.onClose.whenComplete { _ in
            Task { await hub.unsubscribe(id) }
        }
        // Keeps idle connections alive through proxies.
        ws.pingInterval = .seconds(25)
    }
}
