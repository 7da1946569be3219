import BinhYenCore
import Fluent
import Foundation

/// What screens and the API show of a unit. Built from models, never the models themselves.
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

    init(_ unit: Unit, parent: Unit?) throws {
        id = try unit.requireID()
        code = unit.code
        name = unit.name
        kind = unit.kind
        levelCode = unit.level.code
        levelNameVI = unit.level.nameVI
        levelNameEN = unit.level.nameEN
        areaCode = unit.area?.code
        areaName = unit.area?.name
        areaType = unit.area?.type
        parentCode = parent?.code
        parentName = parent?.name
        hotline = unit.hotline
    }
}

/// Queries over units that the web pages, the API and the tests share.
enum UnitDirectory {
    static let maxQueryLength = 200
    /// How many rows the database may hand to the ranking; the folded tokens already narrow it.
    static let candidateLimit = 1000

    /// Accent-insensitive search over current units; best match first.
    static func search(_ query: String, limit: Int, on db: any Database) async throws -> [UnitSummary] {
        let tokens = Array(VietnameseText.tokens(query).prefix(8))
        guard !tokens.isEmpty else { return [] }
        var builder = Unit.query(on: db).filter(\.$validTo == nil)
        for token in tokens {
            builder = builder.filter(\.$searchText ~~ token)
        }
        let candidates = try await builder.with(\.$level).with(\.$area).limit(candidateLimit).all()
        let ranked = candidates
            .compactMap { unit in UnitSearch.score(query: query, name: unit.name, searchText: unit.searchText).map { (unit, $0) } }
            .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : vietnameseOrder($0.0, $1.0) }
            .prefix(limit)
            .map(\.0)
        return try await summaries(Array(ranked), on: db)
    }

    /// Units with no parent (the province police), by name.
    static func roots(limit: Int, on db: any Database) async throws -> [UnitSummary] {
        let units = try await Unit.query(on: db)
            .filter(\.$parent.$id == nil).filter(\.$validTo == nil)
            .with(\.$level).with(\.$area)
            .all()
        return try await summaries(Array(units.sorted(by: vietnameseOrder).prefix(limit)), on: db)
    }

    static func find(code: String, on db: any Database) async throws -> Unit? {
        try await Unit.query(on: db).filter(\.$code == code).with(\.$level).with(\.$area).first()
    }

    static func summary(code: String, on db: any Database) async throws -> UnitSummary? {
        guard let unit = try await find(code: code, on: db) else { return nil }
        return try await summaries([unit], on: db).first
    }

    static func children(of id: UUID, on db: any Database) async throws -> [UnitSummary] {
        let units = try await Unit.query(on: db)
            .filter(\.$parent.$id == id).filter(\.$validTo == nil)
            .with(\.$level).with(\.$area)
            .all()
        return try await summaries(units.sorted(by: vietnameseOrder), on: db)
    }

    /// The subtree in tree order (each unit followed by its children), with depths.
    static func tree(of root: Unit, maxDepth: Int?, on db: any Database) async throws -> [(summary: UnitSummary, depth: Int)] {
        let rootID = try root.requireID()
        let members = try await UnitTree.subtree(of: rootID, maxDepth: maxDepth, on: db)
        let depthByID = Dictionary(uniqueKeysWithValues: members.map { ($0.id, $0.depth) })
        var units: [Unit] = []
        for chunk in stride(from: 0, to: members.count, by: 500).map({ Array(members[$0..<min($0 + 500, members.count)]) }) {
            units += try await Unit.query(on: db).filter(\.$id ~~ chunk.map(\.id)).with(\.$level).with(\.$area).all()
        }
        let summariesByID = Dictionary(uniqueKeysWithValues: try await summaries(units, on: db).map { ($0.id, $0) })
        var childrenByParent: [String: [UnitSummary]] = [:]
        for summary in summariesByID.values {
            childrenByParent[summary.parentCode ?? "", default: []].append(summary)
        }
        var ordered: [(UnitSummary, Int)] = []
        func visit(_ summary: UnitSummary) {
            ordered.append((summary, depthByID[summary.id] ?? 0))
            for child in (childrenByParent[summary.code] ?? []).sorted(by: { vietnameseOrder($0.name, $1.name) }) { visit(child) }
        }
        if let rootSummary = summariesByID[rootID] { visit(rootSummary) }
        return ordered
    }

    /// Alphabetical the way a Vietnamese reader expects (Đắk Lắk among the D's), and the same on
    /// every database engine whatever its collation.
    static func vietnameseOrder(_ a: String, _ b: String) -> Bool {
        let (fa, fb) = (VietnameseText.fold(a), VietnameseText.fold(b))
        return fa != fb ? fa < fb : a < b
    }

    static func vietnameseOrder(_ a: Unit, _ b: Unit) -> Bool { vietnameseOrder(a.name, b.name) }

    /// Attaches each unit's parent (code and name) with one query for the whole list.
    private static func summaries(_ units: [Unit], on db: any Database) async throws -> [UnitSummary] {
        let parentIDs = Set(units.compactMap { $0.$parent.id })
        let parents = parentIDs.isEmpty ? [] : try await Unit.query(on: db).filter(\.$id ~~ Array(parentIDs)).all()
        let parentByID = Dictionary(uniqueKeysWithValues: parents.compactMap { p in p.id.map { ($0, p) } })
        return try units.map { unit in try UnitSummary(unit, parent: unit.$parent.id.flatMap { parentByID[$0] }) }
    }
}
