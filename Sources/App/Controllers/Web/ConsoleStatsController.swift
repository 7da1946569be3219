import BinhYenCore
import Fluent
import Vapor

/// The statistics dashboard for province and unit staff (commanders, unit and province admins):
/// the figures the province reports over a unit's subtree, the change against the period before,
/// a daily chart, the child units with drill-down, the commendation ranking, downloads of every
/// table as CSV and XLSX, and a monthly report that prints cleanly. Anyone else gets "not found".
struct ConsoleStatsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let stats = routes.grouped("console", "stats").grouped(StaffOnlyMiddleware())
        stats.get(use: dashboard)
        stats.get("ranking", use: ranking)
        stats.get("monthly", use: monthly)
        stats.get("export", use: export)
        stats.post("rollout", use: setRollout)
        stats.post("population", use: setPopulation)
    }

    struct LineRow: Encodable {
        var key: String
        var label: String
        var value: String
        var previous: String
        var change: String?
        var trend: String
        var definition: String
        /// Per 1,000 residents and per 1,000 group members ("—" where there is none).
        var perResidents: String
        var perMembers: String
    }

    struct ChildRow: Encodable {
        var code: String
        var name: String
        var link: String
        var cells: [String]
        var rollout: String
    }

    struct Column: Encodable {
        var key: String
        var label: String
        var link: String
        var sorted: String?
    }

    struct Crumb: Encodable {
        var name: String
        var link: String
    }

    struct DashboardPage: Encodable {
        var page: PageMeta
        var unitCode: String
        var unitName: String
        var from: String
        var to: String
        var previousFrom: String
        var previousTo: String
        var errors: [String: String]
        var crumbs: [Crumb]
        var lines: [LineRow]
        var chart: String
        var chartOptions: [TipController.Option]
        var columns: [Column]
        var children: [ChildRow]
        var query: String
        var month: String
        var asOf: String
        /// How old the figures may be.
        var freshness: String?
        /// The unit's rollout stage, and its dates for the form (province admins only).
        var rollout: String
        var rolloutForm: [String: String]?
        /// The residents of the subtree's areas ("—" where none is entered), and the unit's own
        /// figure for the form (province admins only).
        var population: String
        var populationForm: String?
        var notice: String?
    }

    struct RankingRow: Encodable {
        var place: String
        var name: String
        var code: String
        var score: String
        var note: String?
        var parts: [String]
    }

    struct RankingPage: Encodable {
        var page: PageMeta
        var unitCode: String
        var unitName: String
        var from: String
        var to: String
        var errors: [String: String]
        var rows: [RankingRow]
        var components: [String]
        var minimum: String
        var query: String
    }

    struct MonthlyPage: Encodable {
        var page: PageMeta
        var unitName: String
        var month: String
        var from: String
        var to: String
        var error: String?
        var lines: [LineRow]
        var chart: String
        var columns: [Column]
        var children: [ChildRow]
        var generatedAt: String
    }

    /// The columns of the child-units table.
    static let childLines: [StatLine] = [.tipsReceived, .tipsValuable, .tipsClosed, .questionsAnswered, .posts, .interactions, .followers, .groupMembers]

    /// Who asked, about which unit, over which days; or the page to show instead.
    struct Scope {
        var account: CurrentAccount
        var unit: UnitSummary
        var period: Statistics.Period
        /// A past day whose structure the child table shows; nil for the current structure.
        var asOf: String?
        var errors: [String: String]
    }

    func scope(_ req: Request) async throws -> Scope {
        let account = try req.auth.require(CurrentAccount.self)
        let unit: UnitSummary
        if let code = req.query[String.self, at: "unit"], !code.isEmpty {
            guard let found = try await Statistics.readableUnit(code: code, by: account, on: req.db, cache: req.application.statsCache) else { throw Abort(.notFound) }
            unit = found
        } else {
            // The highest unit the account may read: the one with the largest subtree.
            var best: (UnitSummary, Int)?
            for grant in account.grants where Policy.actions(of: grant.role).contains(.readStatistics) {
                guard let id = UUID(uuidString: grant.unitID), let found = try await UnitDirectory.summary(id: id, on: req.db) else { continue }
                let size = try await UnitTree.subtree(of: id, on: req.db).count
                if best == nil || size > best!.1 { best = (found, size) }
            }
            guard let best else { throw Abort(.notFound) }
            unit = best.0
        }
        let defaults = DayRange.monthToDate(Date())
        let from = req.query[String.self, at: "from"].flatMap { $0.isEmpty ? nil : $0 } ?? defaults.from
        let to = req.query[String.self, at: "to"].flatMap { $0.isEmpty ? nil : $0 } ?? defaults.to
        let (range, issues) = DayRange.parse(from: String(from.prefix(20)), to: String(to.prefix(20)))
        var errors: [String: String] = [:]
        for issue in issues { errors[issue.field] = req.message(issue.messageVI, issue.messageEN) }
        let period = range == nil ? Statistics.Period(from: defaults.from, to: defaults.to) : Statistics.Period(from: from, to: to)
        var asOf = req.query[String.self, at: "asOf"].flatMap { $0.isEmpty ? nil : String($0.prefix(20)) }
        if let day = asOf, InternetTime.vietnamDayStart(day) == nil {
            errors["asOf"] = req.message("Ngày xem cơ cấu viết dạng năm-tháng-ngày, ví dụ 2026-06-30.", "The structure's day is written year-month-day, e.g. 2026-06-30.")
            asOf = nil
        }
        return Scope(account: account, unit: unit, period: period, asOf: asOf, errors: errors)
    }

    @Sendable func dashboard(req: Request) async throws -> Response {
        try await dashboardPage(req, scope: try await scope(req), rolloutValues: nil)
    }

    /// Sets the residents of the unit's own area (province admins); the dashboard again, with the
    /// field named when the number is wrong.
    @Sendable func setPopulation(req: Request) async throws -> Response {
        var scope = try await scope(req)
        guard try await scope.account.may(.reorganiseUnits, atUnit: scope.unit.id, on: req.db) else { throw Abort(.notFound) }
        struct Form: Content { var population: String? }
        let text = String((try req.content.decode(Form.self).population ?? "").prefix(40))
        do {
            try await Population.set(scope.unit.id, text, by: scope.account.id, gate: req.application.writeGate)
            req.application.statsCache?.reset()
            return req.redirect(to: "/console/stats?unit=\(escape(scope.unit.code))&from=\(scope.period.from)&to=\(scope.period.to)&population=1")
        } catch let failure as ValidationFailure {
            for issue in failure.issues { scope.errors[issue.field] = req.message(issue.messageVI, issue.messageEN) }
            return try await dashboardPage(req, scope: scope, rolloutValues: nil, populationValue: text)
        }
    }

    /// Sets the unit's rollout stage (province admins); the dashboard again, with the fields named
    /// when a date is wrong.
    @Sendable func setRollout(req: Request) async throws -> Response {
        var scope = try await scope(req)
        guard try await scope.account.may(.reorganiseUnits, atUnit: scope.unit.id, on: req.db) else { throw Abort(.notFound) }
        struct Form: Content { var pilotFrom: String?; var wideFrom: String? }
        let form = try req.content.decode(Form.self)
        let values = ["pilotFrom": String((form.pilotFrom ?? "").prefix(20)), "wideFrom": String((form.wideFrom ?? "").prefix(20))]
        do {
            try await Rollout.set(scope.unit.id, pilotFrom: values["pilotFrom"]!, wideFrom: values["wideFrom"]!, by: scope.account.id, gate: req.application.writeGate)
            // The API's kept answers carry the stage.
            req.application.statsCache?.reset()
            return req.redirect(to: "/console/stats?unit=\(escape(scope.unit.code))&from=\(scope.period.from)&to=\(scope.period.to)&rollout=1")
        } catch let failure as ValidationFailure {
            for issue in failure.issues { scope.errors[issue.field] = req.message(issue.messageVI, issue.messageEN) }
            return try await dashboardPage(req, scope: scope, rolloutValues: values)
        }
    }

    private func dashboardPage(_ req: Request, scope: Scope, rolloutValues: [String: String]?, populationValue: String? = nil) async throws -> Response {
        let stats = Statistics(db: req.db, cache: req.application.statsCache)
        let totals = try await stats.figures(of: scope.unit.id, over: scope.period)
        let lines = lineRows(req, now: totals, before: try await stats.figures(of: scope.unit.id, over: scope.period.previous))
        let chartLine = req.query[String.self, at: "chart"].flatMap(StatLine.init(rawValue:)).flatMap { $0.charted ? $0 : nil } ?? .tipsReceived
        let chart = try await chartSVG(req, stats, scope, chartLine)
        let sort = req.query[String.self, at: "sort"].flatMap(StatLine.init(rawValue:)).flatMap { Self.childLines.contains($0) ? $0 : nil }
        let descending = req.query[String.self, at: "dir"] != "asc"
        let table = try await childTable(req, stats, scope, sort: sort, descending: descending)
        let base = "unit=\(escape(scope.unit.code))&from=\(scope.period.from)&to=\(scope.period.to)" + (scope.asOf.map { "&asOf=\($0)" } ?? "")
        // The path up, as far as the reader may go: each unit's own ancestry is the rest of this one.
        let ancestry = try await UnitTree.ancestry(of: scope.unit.id, on: req.db)
        let readable = ancestry.indices.filter { Policy.allows(scope.account.grants, .readStatistics, onUnitWithAncestry: Set(ancestry[$0...].map(\.uuidString))) }
        let names = try await UnitDirectory.summaries(ids: readable.map { ancestry[$0] }, on: req.db)
        let crumbs = readable.reversed().compactMap { names[ancestry[$0]] }.map { summary in
            Crumb(name: summary.name, link: "/console/stats?unit=\(escape(summary.code))&from=\(scope.period.from)&to=\(scope.period.to)")
        }
        let columns = Self.childLines.map { line in
            let next = sort == line && descending ? "asc" : "desc"
            return Column(key: line.rawValue, label: req.message(line.labelVI, line.labelEN),
                          link: "/console/stats?\(base)&chart=\(chartLine.rawValue)&sort=\(line.rawValue)&dir=\(next)",
                          sorted: sort == line ? (descending ? "descending" : "ascending") : nil)
        }
        let previous = scope.period.previous
        let stages = try await Rollout.stages(of: [scope.unit.id] + table.map(\.unit.id), on: req.db)
        let vi = req.language == .vi
        let own = stages[scope.unit.id] ?? Rollout.Stage()
        let mayEdit = try await scope.account.may(.reorganiseUnits, atUnit: scope.unit.id, on: req.db)
        let ownPopulation = mayEdit && populationValue == nil ? try await Population.of([scope.unit.id], on: req.db)[scope.unit.id] : nil
        let page = DashboardPage(
            page: req.pageMeta(titleKey: "statsTitle"), unitCode: scope.unit.code, unitName: scope.unit.name,
            from: req.query[String.self, at: "from"] ?? scope.period.from, to: req.query[String.self, at: "to"] ?? scope.period.to,
            previousFrom: previous.from, previousTo: previous.to, errors: scope.errors, crumbs: crumbs, lines: lines, chart: chart,
            chartOptions: StatLine.allCases.filter(\.charted).map {
                TipController.Option(value: $0.rawValue, label: req.message($0.labelVI, $0.labelEN), selected: $0 == chartLine)
            },
            columns: columns, children: table.map { row in
                ChildRow(code: row.unit.code, name: row.unit.name, link: "/console/stats?unit=\(escape(row.unit.code))&from=\(scope.period.from)&to=\(scope.period.to)" + (scope.asOf.map { "&asOf=\($0)" } ?? ""),
                         cells: row.values.map { $0.map(format) ?? "—" }, rollout: (stages[row.unit.id] ?? Rollout.Stage()).label(vi: vi))
            },
            query: base, month: String(scope.period.to.prefix(7)), asOf: scope.asOf ?? "",
            freshness: req.application.statsCache.map { cache in
                let seconds = cache.lifetime.components.seconds
                return req.message("Số liệu được đọc lại sau tối đa \(seconds) giây.", "Figures are read again at most every \(seconds) seconds.")
            },
            rollout: own.label(vi: vi),
            rolloutForm: mayEdit ? (rolloutValues ?? ["pilotFrom": own.pilotFrom ?? "", "wideFrom": own.wideFrom ?? ""]) : nil,
            population: totals.population.map { format(Double($0)) } ?? "—",
            populationForm: mayEdit ? (populationValue ?? ownPopulation.map { String($0) } ?? "") : nil,
            notice: req.query[String.self, at: "rollout"] != nil ? req.language.texts["statsRolloutSaved"]
                : req.query[String.self, at: "population"] != nil ? req.language.texts["statsPopulationSaved"] : nil)
        let response = try await req.view.render("console/stats", page).encodeResponse(for: req)
        response.status = scope.errors.isEmpty ? .ok : .unprocessableEntity
        return response
    }

    @Sendable func ranking(req: Request) async throws -> Response {
        let scope = try await scope(req)
        let config = req.application.rankingConfig
        let results = try await rankingResults(req, scope)
        let page = RankingPage(
            page: req.pageMeta(titleKey: "statsRankingTitle"), unitCode: scope.unit.code, unitName: scope.unit.name,
            from: req.query[String.self, at: "from"] ?? scope.period.from, to: req.query[String.self, at: "to"] ?? scope.period.to,
            errors: scope.errors,
            rows: results.map { rankingRow(req, $0) },
            components: config.components.map { "\(req.message($0.labelVI, $0.labelEN)) × \(format($0.weight))" },
            minimum: format(config.minimumSample.atLeast),
            query: "unit=\(escape(scope.unit.code))&from=\(scope.period.from)&to=\(scope.period.to)")
        let response = try await req.view.render("console/ranking", page).encodeResponse(for: req)
        response.status = scope.errors.isEmpty ? .ok : .unprocessableEntity
        return response
    }

    @Sendable func monthly(req: Request) async throws -> Response {
        let monthText = String((req.query[String.self, at: "month"] ?? String(InternetTime.vietnamDay(Date()).prefix(7))).prefix(20))
        var scope = try await scope(req)
        guard let month = Statistics.Period.month(monthText) else {
            // A bad month shows this month's figures, and says why.
            scope.errors["month"] = req.message("Tháng viết dạng năm-tháng, ví dụ 2026-11.", "The month is written year-month, e.g. 2026-11.")
            return try await monthlyPage(req, scope, month: monthText, status: .unprocessableEntity)
        }
        scope.period = month
        scope.errors = [:]
        return try await monthlyPage(req, scope, month: monthText, status: .ok)
    }

    private func monthlyPage(_ req: Request, _ scope: Scope, month: String, status: HTTPStatus) async throws -> Response {
        let stats = Statistics(db: req.db, cache: req.application.statsCache)
        let lines = lineRows(req, now: try await stats.figures(of: scope.unit.id, over: scope.period),
                             before: try await stats.figures(of: scope.unit.id, over: scope.period.previous))
        let chart = try await chartSVG(req, stats, scope, .tipsReceived)
        let table = try await childTable(req, stats, scope, sort: nil, descending: true)
        let page = MonthlyPage(
            page: req.pageMeta(titleKey: "statsMonthlyTitle"), unitName: scope.unit.name, month: month,
            from: scope.period.from, to: scope.period.to, error: scope.errors["month"], lines: lines, chart: chart,
            columns: Self.childLines.map { Column(key: $0.rawValue, label: req.message($0.labelVI, $0.labelEN), link: "", sorted: nil) },
            children: table.map { ChildRow(code: $0.unit.code, name: $0.unit.name, link: "", cells: $0.values.map { $0.map(format) ?? "—" }, rollout: "") },
            generatedAt: DisplayTime.string(Date()))
        let response = try await req.view.render("console/monthly", page).encodeResponse(for: req)
        response.status = status
        return response
    }

    /// `table` is `totals`, `children` or `ranking`; `format` is `csv` or `xlsx`.
    @Sendable func export(req: Request) async throws -> Response {
        let scope = try await scope(req)
        guard scope.errors.isEmpty else { throw Abort(.unprocessableEntity, reason: scope.errors.values.sorted().joined(separator: " ")) }
        let stats = Statistics(db: req.db, cache: req.application.statsCache)
        let table = req.query[String.self, at: "table"] ?? "totals"
        let sheet: Spreadsheet
        switch table {
        case "totals":
            let now = try await stats.figures(of: scope.unit.id, over: scope.period)
            let before = try await stats.figures(of: scope.unit.id, over: scope.period.previous)
            sheet = Spreadsheet(sheetName: scope.unit.name, headers: [
                req.message("Chỉ tiêu", "Figure"), req.message("Kỳ này", "This period") + " \(scope.period.from) – \(scope.period.to)",
                req.message("Kỳ trước", "Previous period") + " \(scope.period.previous.from) – \(scope.period.previous.to)",
                req.message("Trên 1.000 dân", "Per 1,000 residents"), req.message("Trên 1.000 thành viên nhóm", "Per 1,000 group members"),
                req.message("Định nghĩa", "Definition"),
            ], rows: StatLine.allCases.map { line in
                [.text(req.message(line.labelVI, line.labelEN)), cell(now.value(line)), cell(before.value(line)),
                 cell(now.perThousand(line, of: .residents)), cell(now.perThousand(line, of: .members)), .text(line.definitionVI)]
            })
        case "children":
            let rows = try await childTable(req, stats, scope, sort: nil, descending: true)
            let stages = try await Rollout.stages(of: rows.map(\.unit.id), on: req.db)
            sheet = Spreadsheet(sheetName: scope.unit.name, headers: [req.message("Mã đơn vị", "Unit code"), req.message("Đơn vị", "Unit")]
                                + Self.childLines.map { req.message($0.labelVI, $0.labelEN) } + [req.message("Giai đoạn triển khai", "Rollout")],
                                rows: rows.map { row in
                                    [.text(row.unit.code), .text(row.unit.name)] + row.values.map(cell)
                                        + [.text((stages[row.unit.id] ?? Rollout.Stage()).label(vi: req.language == .vi))]
                                })
        case "ranking":
            let results = try await rankingResults(req, scope)
            let config = req.application.rankingConfig
            sheet = Spreadsheet(sheetName: req.message("Xếp hạng", "Ranking"),
                                headers: [req.message("Hạng", "Place"), req.message("Mã đơn vị", "Unit code"), req.message("Đơn vị", "Unit"),
                                          req.message("Điểm", "Score")] + config.components.map { req.message($0.labelVI, $0.labelEN) },
                                rows: results.map { result in
                                    let row = rankingRow(req, result)
                                    return [.text(row.place), .text(result.candidate.id), .text(result.candidate.name), cell(result.score)]
                                        + config.components.map { component in cell(result.parts.first { $0.key == component.key }?.value) }
                                })
        default:
            throw Abort(.notFound)
        }
        let format = req.query[String.self, at: "format"] ?? "csv"
        let name = "binhyen-\(table)-\(scope.unit.code)-\(scope.period.from)-\(scope.period.to)"
        let response: Response
        switch format {
        case "csv":
            response = Response(status: .ok, body: .init(string: sheet.csv()))
            response.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        case "xlsx":
            response = Response(status: .ok, body: .init(data: Data(sheet.xlsx())))
            response.headers.contentType = HTTPMediaType(type: "application", subType: "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        default:
            throw Abort(.notFound)
        }
        response.headers.contentDisposition = .init(.attachment, filename: "\(name).\(format)")
        return response
    }

    // MARK: pieces

    private func lineRows(_ req: Request, now: Statistics.Figures, before: Statistics.Figures) -> [LineRow] {
        StatLine.allCases.map { line in
            let value = now.value(line), old = before.value(line)
            var trend = "same"
            if let value, let old { trend = value > old ? "up" : (value < old ? "down" : "same") }
            let change = now.change(line).map { ($0 >= 0 ? "+" : "") + format(Double($0)) }
            return LineRow(key: line.rawValue, label: req.message(line.labelVI, line.labelEN), value: value.map(format) ?? "—",
                           previous: old.map(format) ?? "—", change: change, trend: trend, definition: line.definitionVI,
                           perResidents: now.perThousand(line, of: .residents).map(format) ?? "—",
                           perMembers: now.perThousand(line, of: .members).map(format) ?? "—")
        }
    }

    private func chartSVG(_ req: Request, _ stats: Statistics, _ scope: Scope, _ line: StatLine) async throws -> String {
        let series = try await stats.series(line, under: scope.unit.id, over: scope.period)
        let title = req.message(line.labelVI, line.labelEN) + " — " + scope.unit.name + ", \(scope.period.from) – \(scope.period.to)"
        return SVGChart.bars(title: title, points: series.map { .init(label: String($0.day.suffix(5)), value: Double($0.value)) })
    }

    struct ChildUnit {
        var id: UUID
        var code: String
        var name: String
    }

    /// The units below the scope's unit (now, or as they were on `scope.asOf`) with their figures.
    private func children(_ req: Request, _ stats: Statistics, _ scope: Scope) async throws -> [(unit: ChildUnit, figures: Statistics.Figures)] {
        if let day = scope.asOf {
            let past = try await stats.children(of: scope.unit.id, asOf: day)
            let figures = try await stats.figures(of: past, over: scope.period)
            return past.map { (ChildUnit(id: $0.id, code: $0.code, name: $0.name), figures[$0.id] ?? .init()) }
        }
        let current = try await UnitDirectory.children(of: scope.unit.id, on: req.db)
        let figures = try await stats.figures(of: current.map(\.id), over: scope.period)
        return current.map { (ChildUnit(id: $0.id, code: $0.code, name: $0.name), figures[$0.id] ?? .init()) }
    }

    private func childTable(_ req: Request, _ stats: Statistics, _ scope: Scope, sort: StatLine?,
                            descending: Bool) async throws -> [(unit: ChildUnit, values: [Double?])] {
        var rows = try await children(req, stats, scope).map { child in (unit: child.unit, values: Self.childLines.map { child.figures.value($0) }) }
        if let sort, let index = Self.childLines.firstIndex(of: sort) {
            rows.sort { descending ? ($0.values[index] ?? -1) > ($1.values[index] ?? -1) : ($0.values[index] ?? -1) < ($1.values[index] ?? -1) }
        }
        return rows
    }

    private func rankingResults(_ req: Request, _ scope: Scope) async throws -> [CommendationRanking.Result] {
        CommendationRanking.rank(try await children(req, Statistics(db: req.db, cache: req.application.statsCache), scope).map { child in
            CommendationRanking.Candidate(id: child.unit.code, name: child.unit.name, figures: child.figures.rankingFigures,
                                          members: Double(child.figures.levels[.groupMembers] ?? 0))
        }, config: req.application.rankingConfig)
    }

    private func rankingRow(_ req: Request, _ result: CommendationRanking.Result) -> RankingRow {
        let place: String, note: String?
        switch result.standing {
        case .ranked(let n):
            place = String(n)
            note = nil
        case .tooFewCases(let sample):
            place = "—"
            note = req.message("Chưa xếp hạng: mới có \(format(sample)) tin báo và câu hỏi trong kỳ, cần ít nhất \(format(req.application.rankingConfig.minimumSample.atLeast)).",
                               "Not ranked: \(format(sample)) tips and questions in the period, at least \(format(req.application.rankingConfig.minimumSample.atLeast)) needed.")
        case .noMembers:
            place = "—"
            note = req.message("Chưa xếp hạng: đơn vị chưa có thành viên nhóm để tính tỷ lệ.", "Not ranked: the unit has no group members to compute rates.")
        }
        return RankingRow(place: place, name: result.candidate.name, code: result.candidate.id, score: result.score.map(format) ?? "—", note: note,
                          parts: result.parts.map { part in
                              req.message("\(part.labelVI): \(format(part.value)) → \(format(part.relative))/100 × trọng số \(format(part.weight)) = \(format(part.points)) điểm",
                                          "\(part.labelEN): \(format(part.value)) → \(format(part.relative))/100 × weight \(format(part.weight)) = \(format(part.points)) points")
                          })
    }

    private func cell(_ value: Double?) -> Spreadsheet.Cell {
        value.map { .number(($0 * 100).rounded() / 100) } ?? .text("")
    }

    private func format(_ value: Double) -> String { vietnameseNumber(value, decimals: 2) }

    private func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }
}

extension Application {
    private struct RankingConfigKey: StorageKey { typealias Value = CommendationRanking.Config }

    /// The ranking's weights and minimum sample (Resources/Statistics/ranking.json), read at start.
    var rankingConfig: CommendationRanking.Config {
        get { storage[RankingConfigKey.self] ?? CommendationRanking.Config(components: [], minimumSample: .init(figures: [], atLeast: 0)) }
        set { storage[RankingConfigKey.self] = newValue }
    }
}
