import BinhYenCore
import Fluent
import Foundation
import NIOConcurrencyHelpers
import Vapor

/// A tip category as the pages and the API show it.
struct TipCategoryInfo: Sendable, Equatable {
    var code: String
    var nameVI: String
    var nameEN: String
    var urgent: Bool
}

/// Categories, routing rules and where each commune's tips go, read from the database and kept
/// for a short time: every tip needs them, and they change rarely (an edit shows within
/// `lifetime`). Values only, never Fluent models, so requests can share them.
final class TipReferenceData: Sendable {
    static let lifetime: TimeInterval = 30

    private struct Lists: Sendable {
        var loadedAt: Date
        var categories: [TipCategoryInfo]
        var rules: [TipRoutingRule]
    }

    private let lists = NIOLockedValueBox<Lists?>(nil)
    private let placements = NIOLockedValueBox<[String: (loadedAt: Date, placement: TipService.Placement?)]>([:])

    func categories(on db: any Database, now: Date = Date()) async throws -> [TipCategoryInfo] {
        try await current(on: db, now: now).categories
    }

    func placement(communeCode: String, categoryCode: String, urgent: Bool, on db: any Database, now: Date = Date()) async throws -> TipService.Placement? {
        let key = "\(communeCode)|\(categoryCode)|\(urgent)"
        if let cached = placements.withLockedValue({ $0[key] }), now.timeIntervalSince(cached.loadedAt) < Self.lifetime {
            return cached.placement
        }
        let rules = try await current(on: db, now: now).rules
        let placement = try await TipService.placement(communeCode: communeCode, categoryCode: categoryCode, urgent: urgent, rules: rules, on: db)
        placements.withLockedValue { cache in
            // Bounded: 3,321 communes × a dozen categories × 2; cleared whole when it grows past that.
            if cache.count > 100_000 { cache.removeAll() }
            cache[key] = (now, placement)
        }
        return placement
    }

    /// Forgets everything (after an edit that must show at once, and between tests).
    func reset() {
        lists.withLockedValue { $0 = nil }
        placements.withLockedValue { $0.removeAll() }
    }

    private func current(on db: any Database, now: Date) async throws -> Lists {
        if let cached = lists.withLockedValue({ $0 }), now.timeIntervalSince(cached.loadedAt) < Self.lifetime { return cached }
        let categories = try await TipCategory.query(on: db).filter(\.$retired == false).sort(\.$position).all()
            .map { TipCategoryInfo(code: $0.code, nameVI: $0.nameVI, nameEN: $0.nameEN, urgent: $0.urgent) }
        let rules = try await TipRoutingRuleRecord.query(on: db).sort(\.$position).all().map(\.rule)
        let fresh = Lists(loadedAt: now, categories: categories, rules: rules)
        lists.withLockedValue { $0 = fresh }
        return fresh
    }
}

extension Application {
    private struct TipReferenceDataKey: StorageKey { typealias Value = TipReferenceData }

    var tipReferenceData: TipReferenceData {
        get {
            guard let data = storage[TipReferenceDataKey.self] else { preconditionFailure("configure(_:config:) sets up the tip reference data") }
            return data
        }
        set { storage[TipReferenceDataKey.self] = newValue }
    }
}
