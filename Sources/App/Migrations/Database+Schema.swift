import Fluent
import SQLKit
import Vapor

extension Database {
    func requireSQL() throws -> any SQLDatabase {
        guard let sql = self as? any SQLDatabase else {
            throw Abort(.internalServerError, reason: "BinhYen needs an SQL database")
        }
        return sql
    }

    /// The column type Fluent uses for `.uuid` on this engine, for tables built with SQLKit.
    var uuidColumnType: String {
        (self as? any SQLDatabase)?.dialect.name == "postgresql" ? "UUID" : "BLOB"
    }

    func sqlIndex(on table: String, name: String, columns: [String]) async throws {
        var builder = try requireSQL().create(index: name).on(table)
        for column in columns { builder = builder.column(column) }
        try await builder.run()
    }
}
