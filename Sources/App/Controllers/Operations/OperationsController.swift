import Fluent
import Prometheus
import SQLKit
import Vapor

/// Liveness, readiness, metrics and the API contract.
struct OperationsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("healthz", use: health)
        routes.get("readyz", use: ready)
        routes.get("metrics", use: metrics)
        routes.get("openapi.yaml", use: openAPIDocument)
    }

    /// The process is up and serving; touches nothing else.
    @Sendable func health(req: Request) async throws -> String {
        "ok"
    }

    struct Readiness: Content {
        var status: String
        var database: String
        var pendingMigrations: Int
    }

    /// Ready when the database answers and every migration has run.
    @Sendable func ready(req: Request) async throws -> Response {
        var readiness = Readiness(status: "ready", database: "ok", pendingMigrations: 0)
        var status = HTTPStatus.ok
        do {
            _ = try await req.db.requireSQL().raw("SELECT 1 AS one").first()
            readiness.pendingMigrations = try await MigrationCheck.pending(req.application).count
            if readiness.pendingMigrations > 0 {
                readiness.status = "migrations_pending"
                status = .serviceUnavailable
            }
        } catch {
            req.logger.warning("readiness check failed", metadata: ["error": .string(String(describing: error))])
            readiness = Readiness(status: "database_unavailable", database: "error", pendingMigrations: -1)
            status = .serviceUnavailable
        }
        return try await readiness.encodeResponse(status: status, for: req)
    }

    @Sendable func metrics(req: Request) async throws -> Response {
        let text = req.application.metricsRegistry.emitToString()
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "plain", parameters: ["version": "0.0.4", "charset": "utf-8"])
        return Response(status: .ok, headers: headers, body: .init(string: text))
    }

    @Sendable func openAPIDocument(req: Request) async throws -> Response {
        let path = req.application.directory.workingDirectory + "openapi.yaml"
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "application", subType: "yaml", parameters: ["charset": "utf-8"])
        return try await req.fileio.asyncStreamFile(at: path, mediaType: headers.contentType)
    }
}

enum MigrationCheck {
    /// Migrations registered but not yet applied to the database.
    static func pending(_ app: Application) async throws -> [String] {
        // On a new database the migration log table itself does not exist yet.
        try await app.migrator.setupIfNeeded().get()
        return try await app.migrator.previewPrepareBatch().get().map { $0.0.name }
    }
}
