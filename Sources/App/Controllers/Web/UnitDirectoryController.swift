import Vapor

/// The public directory of police units, searchable with or without diacritics.
struct UnitDirectoryController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let units = routes.grouped("units")
        units.get(use: index)
        units.get(":code", use: show)
    }

    struct UnitRow: Encodable {
        var code: String
        var name: String
        var level: String
        var area: String?
        var parent: String?
        var hotline: String?

        init(_ summary: UnitSummary, language: Language) {
            code = summary.code
            name = summary.name
            level = language == .vi ? summary.levelNameVI : summary.levelNameEN
            area = summary.areaName
            parent = summary.parentName
            hotline = summary.hotline
        }
    }

    struct IndexPage: Encodable {
        var page: PageMeta
        var query: String
        var searched: Bool
        var results: [UnitRow]
        var error: String?
    }

    struct ShowPage: Encodable {
        var page: PageMeta
        var unit: UnitRow
        var parentCode: String?
        var children: [UnitRow]
    }

    @Sendable func index(req: Request) async throws -> Response {
        let query = (req.query[String.self, at: "q"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        var page = IndexPage(page: req.pageMeta(titleKey: "unitsTitle"), query: query, searched: !query.isEmpty, results: [])
        if query.count > UnitDirectory.maxQueryLength {
            page.error = req.message("Từ khoá tìm kiếm dài quá \(UnitDirectory.maxQueryLength) ký tự.",
                                     "The search text is longer than \(UnitDirectory.maxQueryLength) characters.")
            return try await req.view.render("units/index", page).encodeResponse(status: .badRequest, for: req)
        }
        let summaries = query.isEmpty
            ? try await UnitDirectory.roots(limit: 100, on: req.db)
            : try await UnitDirectory.search(query, limit: 50, on: req.db)
        page.results = summaries.map { UnitRow($0, language: req.language) }
        return try await req.view.render("units/index", page).encodeResponse(for: req)
    }

    @Sendable func show(req: Request) async throws -> View {
        guard let code = req.parameters.get("code"), let unit = try await UnitDirectory.summary(code: code, on: req.db) else {
            throw Abort(.notFound)
        }
        let children = try await UnitDirectory.children(of: unit.id, on: req.db)
        return try await req.view.render("units/show", ShowPage(
            page: req.pageMeta(titleKey: "unitsTitle"),
            unit: UnitRow(unit, language: req.language),
            parentCode: unit.parentCode,
            children: children.map { UnitRow($0, language: req.language) }))
    }
}
