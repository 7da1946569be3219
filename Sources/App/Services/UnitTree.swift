import Fluent
import SQLKit
import Foundation

/// Reads and writes the unit tree's closure table.
enum UnitTree {
    /// Saves a new unit and its closure rows. Call inside a transaction.
    static func insert(_ unit: Unit, on db: any Database) async throws {
        try await unit.create(on: db)
        let id = try unit.requireID()
        let sql = try db.requireSQL()
        try await sql.insert(into: "unit_closure")
            .columns("ancestor_id", "descendant_id", "depth")
            .values(SQLBind(id), SQLBind(id), SQLLiteral.numeric("0"))
            .run()
        if let parentID = unit.$parent.id {
            try await sql.raw("""
                INSERT INTO unit_closure (ancestor_id, descendant_id, depth)
                SELECT ancestor_id, \(bind: id), depth + 1 FROM unit_closure WHERE descendant_id = \(bind: parentID)
                """).run()
        }
    }

    /// The unit and everything below it, nearest first (one indexed query).
    static func subtree(of id: UUID, maxDepth: Int? = nil, on db: any Database) async throws -> [(id: UUID, depth: Int)] {
        let sql = try db.requireSQL()
        let depthLimit = maxDepth ?? Int(Int32.max)
        return try await sql.raw("""
            SELECT descendant_id, depth FROM unit_closure
            WHERE ancestor_id = \(bind: id) AND depth <= \(bind: depthLimit)
            ORDER BY depth
            """).all().map { row in
            (try row.decode(column: "descendant_id", as: UUID.self), try row.decode(column: "depth", as: Int.self))
        }
    }

    /// The unit itself and every unit above it (one indexed query). This is what the
    /// authorisation policy needs to decide whether a grant reaches the unit.
    static func ancestry(of id: UUID, on db: any Database) async throws -> [UUID] {
        let sql = try db.requireSQL()
        return try await sql.raw("""
            SELECT ancestor_id FROM unit_closure WHERE descendant_id = \(bind: id) ORDER BY depth
            """).all().map { try $0.decode(column: "ancestor_id", as: UUID.self) }
    }
}
