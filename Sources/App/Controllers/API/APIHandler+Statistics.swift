import BinhYenAPI
import BinhYenCore
import Foundation
import Vapor

/// A unit's statistics in the JSON API: what the console's dashboard shows, as figures.
extension APIHandler {
    func getUnitStatistics(_ input: Operations.GetUnitStatistics.Input) async throws -> Operations.GetUnitStatistics.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.keptBearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        let cache = req.application.statsCache
        guard let unit = try await Statistics.readableUnit(code: input.path.code, by: account, on: req.db, cache: cache) else {
            return .notFound(.init(body: .json(Self.unitNotFound(input.path.code))))
        }
        let defaults = DayRange.monthToDate(Date())
        let period = Statistics.Period(from: input.query.from ?? defaults.from, to: input.query.to ?? defaults.to)
        let issues = DayRange.parse(from: period.from, to: period.to).1
        guard issues.isEmpty else { return .badRequest(.init(body: .json(Self.validationError(issues)))) }

        let stats = Statistics(db: req.db, cache: cache)
        let now = try await stats.figures(of: unit.id, over: period)
        let before = try await stats.figures(of: unit.id, over: period.previous)
        let children = try await UnitDirectory.children(of: unit.id, on: req.db)
        let childFigures = try await stats.figures(of: children.map(\.id), over: period)
        let stages = try await Rollout.stages(of: [unit.id] + children.map(\.id), on: req.db)
        return .ok(.init(body: .json(.init(
            unit: .init(code: unit.code, name: unit.name), from: period.from, to: period.to,
            previousFrom: period.previous.from, previousTo: period.previous.to,
            keptSeconds: Int(cache?.lifetime.components.seconds ?? 0), population: now.population, rollout: Self.rollout(stages[unit.id]),
            figures: StatLine.allCases.map { line in
                .init(key: line.rawValue, label: line.labelVI, labelEn: line.labelEN, definition: line.definitionVI,
                      value: now.value(line), previous: before.value(line), change: now.change(line).map(Double.init),
                      perThousandResidents: now.perThousand(line, of: .residents), perThousandMembers: now.perThousand(line, of: .members))
            },
            children: children.map { child in
                let figures = childFigures[child.id] ?? .init()
                var values: [String: Double] = [:]
                for line in StatLine.allCases { values[line.rawValue] = figures.value(line) }
                return .init(code: child.code, name: child.name, population: figures.population, rollout: Self.rollout(stages[child.id]), figures: .init(additionalProperties: values))
            }))))
    }

    private static func rollout(_ stage: Rollout.Stage?) -> Schemas.RolloutStage {
        .init(pilotFrom: stage?.pilotFrom, wideFrom: stage?.wideFrom)
    }
}
