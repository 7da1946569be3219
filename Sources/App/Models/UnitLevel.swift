import Fluent
import Foundation

/// A level of the police organisation (province, commune, functional department…). Levels are
/// data: when the state reorganises (the district level went in 2025), rows change, not code.
final class UnitLevel: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "unit_levels"

    @ID var id: UUID?
    @Field(key: "code") var code: String
    @Field(key: "name_vi") var nameVI: String
    @Field(key: "name_en") var nameEN: String
    /// Lower ranks sit higher in the tree; used for ordering only.
    @Field(key: "rank") var rank: Int

    init() {}

    init(id: UUID? = nil, code: String, nameVI: String, nameEN: String, rank: Int) {
        self.id = id
        self.code = code
        self.nameVI = nameVI
        self.nameEN = nameEN
        self.rank = rank
    }
}
