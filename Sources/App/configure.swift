import BinhYenAPI
import BinhYenCore
import Fluent
import SQLKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Leaf
import NIOConcurrencyHelpers
import OpenAPIVapor
import Vapor

/// The one composition root: storage, sessions, views, middleware, routes, commands.
public func configure(_ app: Application, config: AppConfig) async throws {
    app.binhyenConfig = config

    // SQLite runs its statements on this pool; a statement waiting for another connection's write
    // lock holds a thread, so keep enough that the lock holder always gets one.
    app.threadPool = NIOThreadPool(numberOfThreads: 16)

    switch config.storage {
    case .sqlite(let path):
        try FileManager.default.createDirectory(atPath: config.dataDirectory, withIntermediateDirectories: true)
        app.databases.use(.sqlite(.file(path)), as: .sqlite)
        // WAL lets readers work while a write commits; the mode is stored in the file.
        _ = try await (app.db as? any SQLDatabase)?.raw("PRAGMA journal_mode=WAL").all()
    case .postgres(let url):
        app.databases.use(try .postgres(url: url), as: .psql)
    }

    app.registerMigrations()
    app.tipVault = TipVault(masterKey: try TipVault.masterKey(config: config, logger: app.logger))
    guard let database = app.databases.configuration() else { preconditionFailure("the database is configured above") }
    let gate = WriteGate(configuration: database, threadPool: app.threadPool, eventLoopGroup: app.eventLoopGroup, logger: app.logger)
    app.writeGate = gate
    app.lifecycle.use(gate)
    app.liveHub = LiveHub()
    app.tipReferenceData = TipReferenceData()
    app.scamLookupIndex = ScamLookupIndex(answerLimit: config.lookupAnswers)
    app.feedCache = FeedCache(encode: FeedJSON.post)
    app.statsCache = config.statsSeconds > 0 ? StatsCache(seconds: config.statsSeconds) : nil
    app.bearerCache = config.tokenSeconds > 0 ? BearerCache(seconds: config.tokenSeconds) : nil
    app.knowledgeCache = KnowledgeCache(resultLimit: config.searchResults)
    app.zaloPacer = SendPacer()
    app.channelDeliveryPass = NIOLockedValueBox(false)
    app.channelVerifiers = NIOLockedValueBox([:])
    app.chatMenu = try JSONDecoder().decode(ChatMenu.self, from: Data(contentsOf: URL(fileURLWithPath: app.directory.resourcesDirectory + "Channels/menu.json")))
    app.rankingConfig = try JSONDecoder().decode(CommendationRanking.Config.self, from: Data(contentsOf: URL(fileURLWithPath: app.directory.resourcesDirectory + "Statistics/ranking.json")))
    // Channel APIs must answer promptly: a hung send would hold up the delivery queue.
    app.http.client.configuration.timeout = .init(connect: .seconds(5), read: .seconds(15))
    app.lookupThrottle = RequestThrottle(perMinute: config.lookupsPerMinute, burst: max(1, min(config.lookupsPerMinute, 10)))
    if config.backgroundJobs {
        let jobs = BackgroundJobs()
        app.backgroundJobs = jobs
        app.lifecycle.use(jobs)
    }
    app.decoyPasswordHash = try await app.binhyenPasswords.hash([UInt8].random(count: 16).base64String())

    app.sessions.use(.fluent)
    app.sessions.configure(cookieName: "binhyen_session") { id in
        HTTPCookies.Value(string: id.string, maxAge: 30 * 24 * 3600, path: "/", isSecure: config.secureCookies, isHTTPOnly: true, sameSite: .lax)
    }

    app.views.use(.leaf)
    app.leaf.cache.isEnabled = app.environment.isRelease
    app.routes.defaultMaxBodySize = "64kb"

    // Last registered, so the first to stop: the requests under way finish before anything closes.
    let inFlight = InFlightRequests()
    app.lifecycle.use(inFlight)
    app.inFlightRequests = inFlight

    // Vapor's own request figures (`http_requests_total`…) would repeat on /metrics what the
    // product counts itself per route (`binhyen_http_*`, `RequestMetricsMiddleware`), at a cost on
    // every request.
    app.http.server.configuration.reportMetrics = false
    app.middleware = .init()
    app.middleware.use(InFlightRequests.Middleware(requests: inFlight))
    app.middleware.use(RequestMetricsMiddleware(registry: app.metricsRegistry))
    app.middleware.use(ErrorPageMiddleware())
    app.middleware.use(StaticFilesMiddleware(publicDirectory: app.directory.publicDirectory))

    try routes(app)

    let serve = await app.servers.asyncCommand
    app.asyncCommands.use(GuardedServeCommand(inner: serve), as: "serve", isDefault: true)
    app.asyncCommands.use(DemoCommand(serve: serve), as: "demo")
    app.asyncCommands.use(ImportUnitsCommand(), as: "import-units")
    app.asyncCommands.use(ImportProceduresCommand(), as: "import-procedures")
    app.asyncCommands.use(ImportFAQsCommand(), as: "import-faqs")
    app.asyncCommands.use(CreateAdminCommand(), as: "create-admin")
    app.asyncCommands.use(CreateProvinceUnitsCommand(), as: "create-province-units")
    app.asyncCommands.use(AuditCommand(), as: "audit")
    app.asyncCommands.use(StatsCommand(), as: "stats")
    app.asyncCommands.use(ScamImportCommand(), as: "scam-import")
    app.asyncCommands.use(ScaleDemoCommand(), as: "scale-demo")
    app.asyncCommands.use(ScaleStatsCommand(), as: "scale-stats")
    app.asyncCommands.use(LinkChannelCommand(), as: "link-channel")
}

extension Application.Sessions {
    func configure(cookieName: String, factory: @escaping @Sendable (SessionID) -> HTTPCookies.Value) {
        configuration = SessionsConfiguration(cookieName: cookieName, cookieFactory: factory)
    }
}
