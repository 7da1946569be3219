import Fluent
import Foundation

/// An administrative area from the official list (province, legacy district, commune).
/// `scheme` keeps the current two-tier list and the legacy three-tier list side by side.
final class AdminArea: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "admin_areas"

    enum Scheme: String, Codable, CaseIterable, Sendable {
        case current
        case legacy
    }

    enum Level: String, Codable, Sendable {
        case province, district, commune
    }

    @ID var id: UUID?
    @Enum(key: "scheme") var scheme: Scheme
    @Field(key: "code") var code: String
    @Field(key: "name") var name: String
    @Field(key: "short_name") var shortName: String
    @Field(key: "name_folded") var nameFolded: String
    @Field(key: "type") var type: String
    @Enum(key: "level") var level: Level
    @OptionalField(key: "parent_code") var parentCode: String?

    init() {}
}
