import OpenAPIVapor
import Vapor

/// Mounts everything; no logic here.
func routes(_ app: Application) throws {
    try app.register(collection: OperationsController())

    let web = app.grouped(app.sessions.middleware, WebAccountMiddleware(), CSRFMiddleware())
    try web.register(collection: HomeController())
    try web.register(collection: AuthController())
    try web.register(collection: UnitDirectoryController())
    try web.register(collection: ConsoleController())
    try web.register(collection: TipController())
    try web.register(collection: ConsoleTipsController())
    try web.register(collection: DutyDeskController())
    try web.register(collection: ScamController())
    try web.register(collection: ConsoleScamsController())
    try web.register(collection: HarmfulController())
    try web.register(collection: ConsoleHarmfulController())
    try web.register(collection: CommunityController())
    try web.register(collection: ConsoleCommunityController())
    try web.register(collection: ProceduresController())
    try web.register(collection: QuestionsController())
    try web.register(collection: DossiersController())
    try web.register(collection: ConsoleInboxController())
    try web.register(collection: ConsoleChannelsController())
    try web.register(collection: SiteMessagesController())
    try web.register(collection: ConsoleStatsController())
    try web.register(collection: ConsoleUnitsController())

    // Anonymous tips: no session middleware, so no cookie is read or set for these routes.
    try app.register(collection: TipController.Anonymous())
    try app.register(collection: ScamController.Anonymous())
    try app.register(collection: HarmfulController.Anonymous())
    // Channel webhooks: verified by signature or secret, no session.
    try app.register(collection: ChannelWebhookController())
    // Feeds for readers and other systems: public, no session.
    try app.register(collection: SyndicationController())

    let api = app.grouped(APIBodyLimitMiddleware(), FeedMiddleware(), KeptResponseMiddleware(), APIRequestContext.Middleware())
    let transport = VaporTransport(routesBuilder: api)
    // Compact JSON, keys in declaration order: pretty-printing or sorting keys costs CPU that
    // clients do not need (a feed page is twenty objects).
    try APIHandler().registerHandlers(on: transport, serverURL: URL(string: "/api/v1")!,
                                      configuration: .init(dateTranscoder: APIDateTranscoder(), jsonEncodingOptions: []))
}
