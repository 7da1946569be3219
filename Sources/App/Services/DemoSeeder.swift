import BinhYenCore
import Fluent
import Foundation

/// A living demo province: Đắk Lắk and Gia Lai with a police unit for every commune, the province
/// departments, officers and citizens. Deterministic: the same data on every machine.
enum DemoSeeder {
    static let password = "binhyen-demo-2026"

    struct Login: Sendable {
        var phone: String
        var name: String
        var role: String
        var unit: String
    }

    struct Result: Sendable {
        var seeded: Bool
        var logins: [Login]
    }

    static let provinces: [(areaCode: String, adminPhone: String)] = [("66", "0901000001"), ("52", "0902000001")]

    /// Province departments: code suffix, Vietnamese name, English name.
    static let departments: [(code: String, name: String)] = [
        ("PV01", "Phòng Tham mưu (trực ban)"),
        ("PC02", "Phòng Cảnh sát hình sự"),
        ("PC04", "Phòng Cảnh sát điều tra tội phạm về ma tuý"),
        ("PK02", "Phòng Cảnh sát cơ động"),
        ("PA05", "Phòng An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao"),
    ]

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

    static func seed(on db: any Database, passwords: PasswordHashing, now: Date = Date(timeIntervalSince1970: 1_751_328_000)) async throws -> Result {
        let logins = demoLogins()
        if try await Unit.query(on: db).filter(\.$code == provinceUnitCode(provinces[0].areaCode)).first() != nil {
            return Result(seeded: false, logins: logins)
        }
        // One hash for every demo account keeps seeding fast; real accounts each get their own.
        let hash = try await passwords.hash(password)
        try await db.transaction { db in
            var levelIDs: [String: UUID] = [:]
            for level in levels {
                let existing = try await UnitLevel.query(on: db).filter(\.$code == level.code).first()
                let row = existing ?? UnitLevel(code: level.code, nameVI: level.vi, nameEN: level.en, rank: level.rank)
                if existing == nil { try await row.create(on: db) }
                levelIDs[level.code] = try row.requireID()
            }
            var names = NameGenerator()
            var unitIDs: [String: UUID] = [:]
            for (areaCode, _) in provinces {
                guard let province = try await AdminArea.query(on: db).filter(\.$scheme == .current).filter(\.$code == areaCode).first() else {
                    throw AreaImporter.ImportError.badRow(line: 0, reason: "import the administrative units first (binhyen import-units)")
                }
                let provinceUnit = try await makeUnit(code: provinceUnitCode(areaCode), name: unitName(for: province), kind: .territorial,
                                                      level: levelIDs["province"]!, area: province, parent: nil, provinceName: nil,
                                                      hotline: "113", validFrom: now, on: db)
                unitIDs[provinceUnit.code] = try provinceUnit.requireID()
                for department in departments {
                    let unit = try await makeUnit(code: provinceUnit.code + "-" + department.code, name: "\(department.name) – \(provinceUnit.name)",
                                                  kind: .functional, level: levelIDs["department"]!, area: province, parent: provinceUnit,
                                                  provinceName: province.name, hotline: nil, validFrom: now, on: db)
                    unitIDs[unit.code] = try unit.requireID()
                }
                let communes = try await AdminArea.query(on: db).filter(\.$scheme == .current).filter(\.$parentCode == areaCode).sort(\.$code).all()
                for commune in communes {
                    let unit = try await makeUnit(code: communeUnitCode(commune.code), name: unitName(for: commune), kind: .territorial,
                                                  level: levelIDs["commune"]!, area: commune, parent: provinceUnit,
                                                  provinceName: province.name, hotline: nil, validFrom: now, on: db)
                    unitIDs[unit.code] = try unit.requireID()
                    // Every commune police has an area officer.
                    let officer = Account(phone: "+849" + "03" + commune.code + "0", displayName: names.next(), passwordHash: hash, kind: .staff)
                    try await officer.create(on: db)
                    try await Membership(accountID: try officer.requireID(), unitID: try unit.requireID(), role: .officer).create(on: db)
                }
            }
            for login in logins {
                let phone = try PhoneNumber(parsing: login.phone).e164
                let account = Account(phone: phone, displayName: login.name, passwordHash: hash, kind: login.role == "citizen" ? .citizen : .staff)
                try await account.create(on: db)
                if let role = Role(rawValue: login.role), role != .citizen, let unitID = unitIDs[login.unit] {
                    try await Membership(accountID: try account.requireID(), unitID: unitID, role: role).create(on: db)
                }
            }
        }
        return Result(seeded: true, logins: logins)
    }

    /// The accounts a newcomer logs in with (all share `password`).
    static func demoLogins() -> [Login] {
        [
            Login(phone: "0901 000 001", name: "Nguyễn Văn Hùng", role: Role.provinceAdmin.rawValue, unit: "CA66"),
            Login(phone: "0901 000 002", name: "Trần Thị Mai", role: Role.commander.rawValue, unit: "CA24133"),
            Login(phone: "0901 000 003", name: "Lê Văn Nam", role: Role.officer.rawValue, unit: "CA24133"),
            Login(phone: "0901 000 004", name: "Phạm Minh Tuấn", role: Role.cyberPatrol.rawValue, unit: "CA66-PA05"),
            Login(phone: "0901 000 005", name: "Hoàng Văn Đức", role: Role.commander.rawValue, unit: "CA66-PV01"),
            Login(phone: "0901 000 006", name: "Võ Thị Hạnh", role: Role.unitAdmin.rawValue, unit: "CA24133"),
            Login(phone: "0902 000 001", name: "Đặng Quốc Bảo", role: Role.provinceAdmin.rawValue, unit: "CA52"),
            Login(phone: "0988 000 001", name: "Y Niê Kdăm", role: "citizen", unit: ""),
            Login(phone: "0988 000 002", name: "Bùi Thị Thu", role: "citizen", unit: ""),
        ]
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

/// Vietnamese full names from fixed lists, in a fixed order (no randomness: the demo is the same
/// everywhere).
struct NameGenerator {
    private static let families = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
    private static let middles = ["Văn", "Thị", "Minh", "Quốc", "Thanh", "Hữu", "Đức", "Ngọc"]
    private static let givens = ["An", "Bình", "Cường", "Dũng", "Giang", "Hải", "Khánh", "Linh", "Long", "Nga", "Phong", "Quân", "Sơn", "Thảo", "Trung", "Vy", "Yến", "Hiếu", "Lộc", "Toàn"]
    private var index = 0

    mutating func next() -> String {
        defer { index += 1 }
        let f = Self.families[index % Self.families.count]
        let m = Self.middles[(index / 3) % Self.middles.count]
        let g = Self.givens[(index * 7) % Self.givens.count]
        return "\(f) \(m) \(g)"
    }
}
