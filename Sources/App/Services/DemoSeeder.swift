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

    /// Đắk Lắk and Gia Lai.
    static let provinceAreaCodes = ["66", "52"]

    static func seed(on db: any Database, passwords: PasswordHashing, now: Date = Date(timeIntervalSince1970: 1_751_328_000)) async throws -> Result {
        let logins = demoLogins()
        if try await Unit.query(on: db).filter(\.$code == ProvincePolice.provinceUnitCode(provinceAreaCodes[0])).first() != nil {
            return Result(seeded: false, logins: logins)
        }
        // One hash for every demo account keeps seeding fast; real accounts each get their own.
        let hash = try await passwords.hash(password)
        try await db.transaction { db in
            var names = NameGenerator()
            var unitIDs: [String: UUID] = [:]
            for areaCode in provinceAreaCodes {
                let created = try await ProvincePolice.create(provinceAreaCode: areaCode, validFrom: now, on: db)
                unitIDs.merge(created.unitIDs) { $1 }
                for (communeUnitCode, communeUnitID) in created.communeUnits {
                    // Every commune police has an area officer.
                    let officer = Account(phone: "+84903" + communeUnitCode.dropFirst(2) + "0", displayName: names.next(), passwordHash: hash, kind: .staff)
                    try await officer.create(on: db)
                    try await Membership(accountID: try officer.requireID(), unitID: communeUnitID, role: .officer).create(on: db)
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
            Login(phone: "0901 000 005", name: "Hoàng Văn Đức", role: Role.commander.rawValue, unit: "CA66-PK02"),
            Login(phone: "0901 000 006", name: "Võ Thị Hạnh", role: Role.unitAdmin.rawValue, unit: "CA24133"),
            Login(phone: "0902 000 001", name: "Đặng Quốc Bảo", role: Role.provinceAdmin.rawValue, unit: "CA52"),
            Login(phone: "0988 000 001", name: "Y Niê Kdăm", role: "citizen", unit: ""),
            Login(phone: "0988 000 002", name: "Bùi Thị Thu", role: "citizen", unit: ""),
        ]
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
