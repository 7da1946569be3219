import Fluent
import SQLKit

/// Every (ancestor, descendant) pair of the unit tree, with the distance between them, so that
/// "this unit and everything below it" and "this unit and everything above it" are one indexed
/// query each.
struct CreateUnitClosure: AsyncMigration {
    var name: String { "2026-11-22-04-create-unit-closure" }

    func prepare(on database: any Database) async throws {
        let sql = try database.requireSQL()
        try await sql.create(table: "unit_closure")
            .column("ancestor_id", type: .custom(SQLRaw(database.uuidColumnType)), .notNull, .references("units", "id"))
            .column("descendant_id", type: .custom(SQLRaw(database.uuidColumnType)), .notNull, .references("units", "id"))
            .column("depth", type: .int, .notNull)
            .primaryKey(["ancestor_id", "descendant_id"])
            .run()
        try await database.sqlIndex(on: "unit_closure", name: "unit_closure_descendant", columns: ["descendant_id", "depth"])
    }

    func revert(on database: any Database) async throws {
        try await database.requireSQL().drop(table: "unit_closure").run()
    }
}
