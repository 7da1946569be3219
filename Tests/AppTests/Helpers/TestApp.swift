@testable import App
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Runs `body` against a fully configured app with its own, freshly migrated database: a SQLite
/// file in a temporary folder, or, when BINHYEN_TEST_POSTGRES_URL is set (the PostgreSQL lane),
/// a new database on that server. Tests never share a database, so they run in parallel.
func withTestApp(config adjust: (inout AppConfig) -> Void = { _ in }, _ body: (Application) async throws -> Void) async throws {
    let app = try await Application.make(.testing)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("binhyen-test-\(UUID().uuidString)").path
    var postgresDatabase: String?
    let admin = DatabaseID(string: "postgres-admin")
    do {
        let storage: AppConfig.Storage
        if let adminURL = ProcessInfo.processInfo.environment["BINHYEN_TEST_POSTGRES_URL"], !adminURL.isEmpty {
            let name = "binhyen_t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            app.databases.use(try .postgres(url: adminURL), as: admin, isDefault: false)
            try await (app.db(admin) as! any SQLDatabase).raw("CREATE DATABASE \(ident: name)").run()
            postgresDatabase = name
            var components = URLComponents(string: adminURL)!
            components.path = "/" + name
            storage = .postgres(url: components.string!)
        } else {
            storage = .sqlite(path: folder + "/test.sqlite")
        }
        var config = AppConfig(storage: storage, dataDirectory: folder, bcryptCost: 4, backgroundJobs: false)
        adjust(&config)
        try await configure(app, config: config)
        try await app.autoMigrate()
        try await body(app)
    } catch {
        await cleanUp(app, folder: folder, postgresDatabase: postgresDatabase, admin: admin)
        throw error
    }
    await cleanUp(app, folder: folder, postgresDatabase: postgresDatabase, admin: admin)
}

private func cleanUp(_ app: Application, folder: String, postgresDatabase: String?, admin: DatabaseID) async {
    if let name = postgresDatabase {
        // FORCE ends the app's own pooled connections to the database.
        _ = try? await (app.db(admin) as! any SQLDatabase).raw("DROP DATABASE IF EXISTS \(ident: name) WITH (FORCE)").run()
    }
    try? await app.asyncShutdown()
    try? FileManager.default.removeItem(atPath: folder)
}

var isPostgresLane: Bool {
    !(ProcessInfo.processInfo.environment["BINHYEN_TEST_POSTGRES_URL"] ?? "").isEmpty
}

extension Application {
    /// The current administrative areas and the demo province, as `binhyen demo` loads them.
    func loadDemo() async throws {
        _ = try await AreaImporter.importShipped(scheme: .current, resourcesDirectory: directory.resourcesDirectory, on: db)
        _ = try await DemoSeeder.seed(on: db, passwords: binhyenPasswords)
    }
}
