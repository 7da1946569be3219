import BinhYenCore
import Fluent
import Foundation
import SQLKit

/// What screens and the API show of a unit. Built from one joined row, never from the models.
struct UnitSummary: Sendable, Equatable {
    var id: UUID
    var code: String
    var name: String
    var kind: Unit.Kind
    var levelCode: String
    var levelNameVI: String
    var levelNameEN: String
    var areaCode: String?
    var areaName: String?
    var areaType: String?
    var parentCode: String?
    var parentName: String?
    var hotline: String?
}

/// Queries over units that the web pages, the API and the tests share.
enum UnitDirectory {
    static let maxQueryLength = 200
    /// How many rows the database may hand to the ranking; the folded tokens already narrow it.
    static let candidateLimit = 1000

    /// Accent-insensitive search over current units; best match first.
    static func search(_ query: String, limit: Int, on db: any Database) async throws -> [UnitSummary] {
        let prepared = UnitSearch.Query(query)
        let tokens = Array(VietnameseText.tokens(query).prefix(8))
        guard !tokens.isEmpty else { return [] }
        // Tokens are folded to letters and digits, so they carry no LIKE wildcards.
        let conditions: [any SQLExpression] = [SQLRaw("u.valid_to IS NULL")] + tokens.map { token in
            SQLQueryString("u.search_text LIKE \(bind: "%" + token + "%")")
        }
        let candidates = try await rows(where: SQLList(conditions, separator: SQLRaw(" AND ")), limit: candidateLimit, on: db)
        return candidates
            .compactMap { row in
                UnitSearch.score(prepared, name: row.summary.name, searchText: row.searchText)
                    .map { (summary: row.summary, score: $0, key: VietnameseText.fold(row.summary.name)) }
            }
            .sorted { $0.score != $1.score ? $0.score > $1.score : ($0.key, $0.summary.name) < ($1.key, $1.summary.name) }
            .prefix(limit)
            .map(\.summary)
    }

    /// Units with no parent (the province police), in Vietnamese order.
    static func roots(limit: Int, on db: any Database) async throws -> [UnitSummary] {
        let units = try await rows(where: SQLRaw("u.parent_id IS NULL AND u.valid_to IS NULL"), on: db).map(\.summary)
        return Array(inVietnameseOrder(units, name: \.name).prefix(limit))
    }

    static func find(code: String, on db: any Database) async throws -> Unit? {
        try await Unit.query(on: db).filter(\.$code == code).first()
    }

    static func summary(code: String, on db: any Database) async throws -> UnitSummary? {
        try await rows(where: SQLQueryString("u.code = \(bind: code)"), on: db).first?.summary
    }

    static func summary(id: UUID, on db: any Database) async throws -> UnitSummary? {
        try await rows(where: SQLQueryString("u.id = \(bind: id)"), on: db).first?.summary
    }

    static func summaries(ids: [UUID], on db: any Database) async throws -> [UUID: UnitSummary] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await rows(where: SQLQueryString("u.id IN \(SQLGroupExpression(ids.map { SQLBind($0) }))"), on: db)
        return Dictionary(rows.map { ($0.summary.id, $0.summary) }) { first, _ in first }
    }

    static func children(of id: UUID, on db: any Database) async throws -> [UnitSummary] {
        let units = try await rows(where: SQLQueryString("u.parent_id = \(bind: id) AND u.valid_to IS NULL"), on: db).map(\.summary)
        return inVietnameseOrder(units, name: \.name)
    }

    /// The subtree in tree order (each unit followed by its children), with depths.
    static func tree(of root: Unit, maxDepth: Int?, on db: any Database) async throws -> [(summary: UnitSummary, depth: Int)] {
        let rootID = try root.requireID()
        let members = try await UnitTree.subtree(of: rootID, maxDepth: maxDepth, on: db)
        let depthByID = Dictionary(uniqueKeysWithValues: members.map { ($0.id, $0.depth) })
        let depthLimit = maxDepth ?? Int(Int32.max)
        let summaries = try await rows(where: SQLQueryString("""
            u.id IN (SELECT descendant_id FROM unit_closure WHERE ancestor_id = \(bind: rootID) AND depth <= \(bind: depthLimit))
            """), on: db).map(\.summary)
        var childrenByParent: [String: [UnitSummary]] = [:]
        for summary in summaries {
            childrenByParent[summary.parentCode ?? "", default: []].append(summary)
        }
        var ordered: [(UnitSummary, Int)] = []
        func visit(_ summary: UnitSummary) {
            ordered.append((summary, depthByID[summary.id] ?? 0))
            for child in inVietnameseOrder(childrenByParent[summary.code] ?? [], name: \.name) { visit(child) }
        }
        if let rootSummary = summaries.first(where: { $0.id == rootID }) { visit(rootSummary) }
        return ordered
    }

    /// Alphabetical the way a Vietnamese reader expects (Đắk Lắk among the D's), and the same on
    /// every database engine whatever its collation. Each name is folded once.
    static func inVietnameseOrder<T>(_ items: [T], name: (T) -> String) -> [T] {
        items.map { (item: $0, key: VietnameseText.fold(name($0)), name: name($0)) }
            .sorted { ($0.key, $0.name) < ($1.key, $1.name) }
            .map(\.item)
    }

    private struct Row {
        var summary: UnitSummary
        var searchText: String
    }

    /// Units with their level, area and parent in one query.
    private static func rows(where condition: any SQLExpression, limit: Int? = nil, on db: any Database) async throws -> [Row] {
        let sql = try db.requireSQL()
        let limitClause: any SQLExpression = limit.map { SQLQueryString(" LIMIT \(literal: $0)") } ?? SQLRaw("")
        return try await sql.raw("""
            SELECT u.id AS id, u.code AS code, u.name AS name, u.search_text AS search_text, u.kind AS kind,
                   u.hotline AS hotline, l.code AS level_code, l.name_vi AS level_name_vi, l.name_en AS level_name_en,
                   a.code AS area_code, a.name AS area_name, a.type AS area_type, p.code AS parent_code, p.name AS parent_name
            FROM units u
            JOIN unit_levels l ON l.id = u.level_id
            LEFT JOIN admin_areas a ON a.id = u.area_id
            LEFT JOIN units p ON p.id = u.parent_id
            WHERE \(condition)\(limitClause)
            """).all().map { row in
            Row(
                summary: UnitSummary(
                    id: try row.decode(column: "id", as: UUID.self),
                    code: try row.decode(column: "code", as: String.self),
                    name: try row.decode(column: "name", as: String.self),
                    kind: Unit.Kind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .territorial,
                    levelCode: try row.decode(column: "level_code", as: String.self),
                    levelNameVI: try row.decode(column: "level_name_vi", as: String.self),
                    levelNameEN: try row.decode(column: "level_name_en", as: String.self),
                    areaCode: try row.decode(column: "area_code", as: String?.self),
                    areaName: try row.decode(column: "area_name", as: String?.self),
                    areaType: try row.decode(column: "area_type", as: String?.self),
                    parentCode: try row.decode(column: "parent_code", as: String?.self),
                    parentName: try row.decode(column: "parent_name", as: String?.self),
                    hotline: try row.decode(column: "hotline", as: String?.self)),
                searchText: try row.decode(column: "search_text", as: String.self))
        }
    }
}
