import Fluent
import Foundation

/// A police unit. Units form a tree (`parent`), kept queryable as a closure table
/// (`unit_closure`). A unit is never deleted: when it is merged, split or renamed it gets
/// `validTo` and a `successor`, so statistics recorded against it keep adding up.
final class Unit: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "units"

    enum Kind: String, Codable, Sendable {
        /// Responsible for an administrative area (province police, commune police).
        case territorial
        /// A department of a province police (mobile police, cyber security…).
        case functional
    }

    @ID var id: UUID?
    @Field(key: "code") var code: String
    @Field(key: "name") var name: String
    @Field(key: "search_text") var searchText: String
    @Enum(key: "kind") var kind: Kind
    @Parent(key: "level_id") var level: UnitLevel
    @OptionalParent(key: "area_id") var area: AdminArea?
    @OptionalParent(key: "parent_id") var parent: Unit?
    @OptionalField(key: "hotline") var hotline: String?
    @Field(key: "valid_from") var validFrom: Date
    @OptionalField(key: "valid_to") var validTo: Date?
    @OptionalParent(key: "successor_id") var successor: Unit?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}
}
