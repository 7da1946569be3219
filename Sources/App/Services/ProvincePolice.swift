import BinhYenCore
import Fluent
import Foundation

/// Creates the police of one province from the administrative list: the province police, its
/// departments, and a police unit for every commune of the province. Used by `binhyen
/// create-province-units` on a real installation and by the demo.
enum ProvincePolice {
    struct Created: Sendable {
        var unitIDs: [String: UUID]
        /// Commune units by code, in area-code order.
        var communeUnits: [(code: String, id: UUID)]
    }

    enum Failure: Error, CustomStringConvertible {
        case unknownProvince(String)
        case alreadyExists(String)

        var description: String {
            switch self {
            case .unknownProvince(let code):
                "Không có tỉnh mã \(code) trong danh mục hiện hành (chạy binhyen import-units trước) / no province \(code) in the current list (run binhyen import-units first)"
            case .alreadyExists(let code):
                "Đơn vị \(code) đã tồn tại / unit \(code) already exists"
            }
        }
    }

    /// Province departments: code suffix and name.
    static let departments: [(code: String, name: String)] = [
        ("PV01", "Phòng Tham mưu (trực ban)"),
        ("PC02", "Phòng Cảnh sát hình sự"),
        ("PC04", "Phòng Cảnh sát điều tra tội phạm về ma tuý"),
        ("PK02", "Phòng Cảnh sát cơ động"),
        ("PA05", "Phòng An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao"),
    ]

    /// Levels are rows, created on first use; a later reorganisation edits rows, not code.
    static let levels: [(code: String, vi: String, en: String, rank: Int)] = [
        ("province", "Công an cấp tỉnh", "Province police", 1),
        ("department", "Phòng nghiệp vụ", "Functional department", 2),
        ("commune", "Công an cấp xã", "Commune police", 3),
    ]

    static func provinceUnitCode(_ areaCode: String) -> String { "CA" + areaCode }
    static func communeUnitCode(_ areaCode: String) -> String { "CA" + areaCode }

    /// "Công an phường Buôn Ma Thuột" from the area "Phường Buôn Ma Thuột".
    static func unitName(for area: AdminArea) -> String {
        let short = VietnameseText.stripAdministrativePrefix(area.name)
        let type = area.level == .province ? (area.type == "Tỉnh" ? "tỉnh" : "thành phố") : area.type.lowercased()
        return "Công an \(type) \(short)"
    }

    /// Call inside a transaction.
    static func create(provinceAreaCode: String, validFrom: Date, on db: any Database) async throws -> Created {
        guard let province = try await AdminArea.query(on: db).filter(\.$scheme == .current)
            .filter(\.$code == provinceAreaCode).filter(\.$level == .province).first()
        else { throw Failure.unknownProvince(provinceAreaCode) }
        if try await Unit.query(on: db).filter(\.$code == provinceUnitCode(provinceAreaCode)).first() != nil {
            throw Failure.alreadyExists(provinceUnitCode(provinceAreaCode))
        }
        var levelIDs: [String: UUID] = [:]
        for level in levels {
            let existing = try await UnitLevel.query(on: db).filter(\.$code == level.code).first()
            let row = existing ?? UnitLevel(code: level.code, nameVI: level.vi, nameEN: level.en, rank: level.rank)
            if existing == nil { try await row.create(on: db) }
            levelIDs[level.code] = try row.requireID()
        }

        var created = Created(unitIDs: [:], communeUnits: [])
        let provinceUnit = try await makeUnit(code: provinceUnitCode(provinceAreaCode), name: unitName(for: province), kind: .territorial,
                                              level: levelIDs["province"]!, area: province, parent: nil, provinceName: nil,
                                              hotline: "113", validFrom: validFrom, on: db)
        created.unitIDs[provinceUnit.code] = try provinceUnit.requireID()
        for department in departments {
            let unit = try await makeUnit(code: provinceUnit.code + "-" + department.code, name: "\(department.name) – \(provinceUnit.name)",
                                          kind: .functional, level: levelIDs["department"]!, area: province, parent: provinceUnit,
                                          provinceName: province.name, hotline: nil, validFrom: validFrom, on: db)
            created.unitIDs[unit.code] = try unit.requireID()
        }
        let communes = try await AdminArea.query(on: db).filter(\.$scheme == .current).filter(\.$parentCode == provinceAreaCode).sort(\.$code).all()
        for commune in communes {
            let unit = try await makeUnit(code: communeUnitCode(commune.code), name: unitName(for: commune), kind: .territorial,
                                          level: levelIDs["commune"]!, area: commune, parent: provinceUnit,
                                          provinceName: province.name, hotline: nil, validFrom: validFrom, on: db)
            created.unitIDs[unit.code] = try unit.requireID()
            created.communeUnits.append((unit.code, try unit.requireID()))
        }
        return created
    }

    private static func makeUnit(code: String, name: String, kind: Unit.Kind, level: UUID, area: AdminArea, parent: Unit?,
                                 provinceName: String?, hotline: String?, validFrom: Date, on db: any Database) async throws -> Unit {
        let unit = Unit()
        unit.code = code
        unit.name = name
        unit.searchText = UnitSearch.searchText(name: name, areaName: area.name, provinceName: provinceName)
        unit.kind = kind
        unit.$level.id = level
        unit.$area.id = try area.requireID()
        unit.$parent.id = try parent?.requireID()
        unit.hotline = hotline
        unit.validFrom = validFrom
        try await UnitTree.insert(unit, on: db)
        return unit
    }
}
