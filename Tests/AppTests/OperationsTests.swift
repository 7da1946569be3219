@testable import App
import BinhYenCore
import Fluent
import Foundation
import HTTPTypes
import OpenAPIRuntime
import Testing
import Vapor
import VaporTesting

@Suite("Health, readiness, metrics, the API document, the serve guard")
struct OperationsTests {
    @Test("healthz answers ok; readyz reports the database and migrations")
    func health() async throws {
        try await withTestApp { app in
            try await app.testing().test(.GET, "/healthz") { res async in
                #expect(res.body.string == "ok")
            }
            try await app.testing().test(.GET, "/readyz") { res async throws in
                #expect(res.status == .ok)
                let body = try res.content.decode(OperationsController.Readiness.self)
                #expect(body.status == "ready")
                #expect(body.pendingMigrations == 0)
            }
        }
    }

    @Test("/metrics counts requests by route pattern and status, in Prometheus text format")
    func metrics() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            for code in ["CA66", "CA52", "NOPE"] {
                try await app.testing().test(.GET, "/units/\(code)") { _ in }
            }
            try await app.testing().test(.GET, "/metrics") { res async in
                let text = res.body.string
                #expect(text.contains(#"binhyen_http_requests_total{method="GET",route="/units/:code",status="200"} 2"#))
                #expect(text.contains(#"binhyen_http_requests_total{method="GET",route="/units/:code",status="404"} 1"#))
                #expect(text.contains("# TYPE binhyen_http_request_duration_seconds histogram"))
                #expect(!text.contains("CA66"), "raw paths never become labels")
            }
        }
    }

    @Test("/openapi.yaml serves the contract the API is generated from")
    func openAPI() async throws {
        try await withTestApp { app in
            let file = try String(contentsOfFile: app.directory.workingDirectory + "Sources/BinhYenAPI/openapi.yaml", encoding: .utf8)
            try await app.testing().test(.GET, "/openapi.yaml") { res async in
                #expect(res.status == .ok)
                #expect(res.body.string == file)
                #expect(res.body.string.contains("operationId: createToken"))
            }
        }
    }

    @Test("serve refuses an unmigrated database and names the command that fixes it")
    func serveGuard() async throws {
        let app = try await Application.make(.testing)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("binhyen-guard-\(UUID().uuidString)").path
        do {
            try await configure(app, config: AppConfig(storage: .sqlite(path: folder + "/fresh.sqlite"), dataDirectory: folder, bcryptCost: 4))
            let pending = try await MigrationCheck.pending(app)
            #expect(pending.first?.contains("SessionRecord") == true, "every migration is pending, from the first: \(pending)")
            #expect(pending.contains("2026-11-23-03-create-tips") && pending.last == "2026-12-06-03-stamp-post-changes")
            let command = GuardedServeCommand(inner: await app.servers.asyncCommand)
            var context = CommandContext(console: Terminal(), input: CommandInput(arguments: ["binhyen", "serve"]))
            context.application = app
            do {
                var noFlags = CommandInput(arguments: ["serve"])
                try await command.run(using: context, signature: try ServeCommand.Signature(from: &noFlags))
                Issue.record("serve started on an unmigrated database")
            } catch let failure as CommandFailure {
                #expect(failure.description.contains("binhyen migrate"))
                #expect(failure.description.contains("chưa được khởi tạo"))
            }
            try await app.autoMigrate()
            #expect(try await MigrationCheck.pending(app).isEmpty)
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
        try? FileManager.default.removeItem(atPath: folder)
    }

    @Test("Assets are served from Public/; other paths never look there")
    func assets() async throws {
        try await withTestApp { app in
            try await app.testing().test(.GET, "/css/site.css") { res async in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("--red:"))
            }
            try await app.testing().test(.GET, "/site.css") { res async in
                #expect(res.status == .notFound)
                #expect(res.body.string.contains(#"data-testid="not-found""#), "the 404 page is the product's own")
            }
        }
    }

    @Test("The test lane runs on the engine it names")
    func engine() async throws {
        try await withTestApp { app in
            let dialect = try app.db.requireSQL().dialect.name
            #expect(dialect == (isPostgresLane ? "postgresql" : "sqlite"))
        }
    }

    @Test("Configuration errors are listed together")
    func configuration() throws {
        #expect(throws: ConfigurationError.self) { try AppConfig.fromEnvironment(["DATABASE_URL": "mysql://x"]) }
        do {
            _ = try AppConfig.fromEnvironment(["DATABASE_URL": "nonsense", "BINHYEN_BCRYPT_COST": "99", "BINHYEN_LOG_FORMAT": "xml"])
            Issue.record("accepted a bad configuration")
        } catch {
            #expect(error.problems.count == 3)
            #expect(error.problems.contains { $0.hasPrefix("DATABASE_URL") })
            #expect(error.problems.contains { $0.hasPrefix("BINHYEN_BCRYPT_COST") })
        }
        let defaults = try AppConfig.fromEnvironment([:])
        #expect(defaults.storage == .sqlite(path: "data/binhyen.sqlite"))
        #expect(defaults.tipKey == nil, "SQLite installs may generate their key under the data directory")
        let key = Data(repeating: 7, count: 32).base64EncodedString()
        let postgres = try AppConfig.fromEnvironment(["DATABASE_URL": "postgres://u:p@127.0.0.1:5432/binhyen", "BINHYEN_DATA_DIR": "/srv/by", "BINHYEN_TIP_KEY": key])
        #expect(postgres.storage == .postgres(url: "postgres://u:p@127.0.0.1:5432/binhyen"))
        #expect(postgres.dataDirectory == "/srv/by")
        #expect(postgres.tipKey == Data(repeating: 7, count: 32))
        #expect(defaults.searchResults == 10_000)
        #expect(try AppConfig.fromEnvironment(["BINHYEN_SEARCH_RESULTS": "0"]).searchResults == 0)
        #expect(throws: ConfigurationError.self) { try AppConfig.fromEnvironment(["BINHYEN_SEARCH_RESULTS": "many"]) }
        #expect(defaults.lookupAnswers == 100_000 && defaults.lookupsPerMinute == 30)
        #expect(try AppConfig.fromEnvironment(["BINHYEN_LOOKUP_ANSWERS": "0"]).lookupAnswers == 0)
        #expect(throws: ConfigurationError.self) { try AppConfig.fromEnvironment(["BINHYEN_LOOKUP_ANSWERS": "-1"]) }
        let custom = try AppConfig.fromEnvironment(["BINHYEN_TIP_ACK_URGENT_MINUTES": "5", "BINHYEN_TIP_CLOSE_MINUTES": "20160"])
        #expect(custom.tipDeadlines.acknowledgeUrgent == 300 && custom.tipDeadlines.closeNormal == 14 * 24 * 3600)
        #expect(custom.tipDeadlines.acknowledgeNormal == TipDeadlines.standard.acknowledgeNormal)
        for env in [["BINHYEN_TIP_ACK_MINUTES": "soon"], ["BINHYEN_TIP_ACK_URGENT_MINUTES": "0"], ["BINHYEN_TIP_CLOSE_URGENT_MINUTES": "5", "BINHYEN_TIP_ACK_URGENT_MINUTES": "10"]] {
            #expect(throws: ConfigurationError.self, "\(env)") { try AppConfig.fromEnvironment(env) }
        }
        // Several nodes share PostgreSQL, so none may invent its own tip key; a short key is refused.
        for env in [["DATABASE_URL": "postgres://u:p@127.0.0.1:5432/binhyen"], ["BINHYEN_TIP_KEY": "c2hvcnQ="]] {
            do {
                _ = try AppConfig.fromEnvironment(env)
                Issue.record("accepted \(env)")
            } catch {
                #expect(error.problems.count == 1 && error.problems[0].hasPrefix("BINHYEN_TIP_KEY"))
            }
        }
    }

    @Test("A server error is logged without the request's bearer token, query or body, which hold secrets and personal data")
    func errorLogRedacted() throws {
        let request = HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/api/v1/tips?token=q-secret",
                                  headerFields: [.authorization: "Bearer byt_header-secret"])
        let error = ServerError(operationID: "createTip", request: request, requestBody: .init("Số 0912345678 gọi tôi"),
                                requestMetadata: .init(), causeDescription: "User handler threw an error.", underlyingError: Abort(.internalServerError))
        #expect(String(describing: error).contains("byt_header-secret"), "the runtime's own description would leak it")
        let logged = ErrorPageMiddleware.logged(error)
        #expect(logged.hasPrefix("createTip POST /api/v1/tips: User handler threw an error."), "\(logged)")
        for secret in ["byt_header-secret", "q-secret", "0912345678"] {
            #expect(!logged.contains(secret), "\(secret) in \(logged)")
        }
    }

    @Test("A shutdown waits for the requests under way, counted from the first middleware to the response")
    func inFlightDrained() async throws {
        try await withTestApp { app in
            let requests = InFlightRequests()
            let (release, releaser) = AsyncStream<Void>.makeStream()
            struct Held: AsyncResponder {
                let release: AsyncStream<Void>
                func respond(to request: Request) async throws -> Response {
                    for await _ in release { break }
                    return Response(status: .ok, body: "done")
                }
            }
            let answer = Task {
                try await InFlightRequests.Middleware(requests: requests)
                    .respond(to: Request(application: app, on: app.eventLoopGroup.next()), chainingTo: Held(release: release))
            }
            while requests.count == 0 { try await Task.sleep(for: .milliseconds(5)) }
            #expect(await requests.drained(patience: .milliseconds(100)) == false, "the request is still running")
            releaser.yield()
            #expect(await requests.drained(patience: .seconds(10)))
            #expect(try await answer.value.body.string == "done" && requests.count == 0)
        }
    }
}
