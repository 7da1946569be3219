@testable import App
import BinhYenCore
import Fluent
import Foundation
import Testing
import Vapor

@Suite("Administrative areas and the unit tree")
struct AreaAndUnitTreeTests {
    @Test("The current list imports 34 provinces and 3,321 communes with text codes, and a second import changes nothing")
    func importCurrent() async throws {
        try await withTestApp { app in
            let first = try await AreaImporter.importShipped(scheme: .current, resourcesDirectory: app.directory.resourcesDirectory, on: app.db)
            #expect(first == .init(inserted: 3355, updated: 0, unchanged: 0))
            #expect(try await AdminArea.query(on: app.db).filter(\.$level == .province).count() == 34)
            #expect(try await AdminArea.query(on: app.db).filter(\.$level == .commune).count() == 3321)
            let hanoi = try #require(try await AdminArea.query(on: app.db).filter(\.$code == "01").first())
            #expect(hanoi.name == "Thành phố Hà Nội")
            #expect(hanoi.shortName == "Hà Nội")
            let bmt = try #require(try await AdminArea.query(on: app.db).filter(\.$code == "24133").first())
            #expect(bmt.nameFolded == "phuong buon ma thuot")
            #expect(bmt.parentCode == "66")

            let second = try await AreaImporter.importShipped(scheme: .current, resourcesDirectory: app.directory.resourcesDirectory, on: app.db)
            #expect(second == .init(inserted: 0, updated: 0, unchanged: 3355))
        }
    }

    @Test("The legacy three-tier list imports beside the current one (63 provinces, 696 districts, 10,035 communes)")
    func importLegacy() async throws {
        try await withTestApp { app in
            _ = try await AreaImporter.importShipped(scheme: .current, resourcesDirectory: app.directory.resourcesDirectory, on: app.db)
            let report = try await AreaImporter.importShipped(scheme: .legacy, resourcesDirectory: app.directory.resourcesDirectory, on: app.db)
            #expect(report.inserted == 10_794)
            let legacy = AdminArea.query(on: app.db).filter(\.$scheme == .legacy)
            #expect(try await legacy.copy().filter(\.$level == .province).count() == 63)
            #expect(try await legacy.copy().filter(\.$level == .district).count() == 696)
            #expect(try await legacy.copy().filter(\.$level == .commune).count() == 10_035)
            #expect(try await AdminArea.query(on: app.db).filter(\.$scheme == .current).count() == 3355)
        }
    }

    @Test("A broken file is refused with the line and reason, and nothing is imported")
    func badFiles() async throws {
        #expect(throws: AreaImporter.ImportError.self) { try AreaImporter.parse("id,name\n01,A") }
        #expect(throws: AreaImporter.ImportError.self) { try AreaImporter.parse("code,name,type,parent_code\n01,A,Tỉnh,\n01,B,Tỉnh,") }
        #expect(throws: AreaImporter.ImportError.self) { try AreaImporter.parse("code,name,type,parent_code\nX1,A,Tỉnh,") }
        do {
            _ = try AreaImporter.parse("code,name,type,parent_code\n01,A,Tỉnh,\n02,B")
            Issue.record("accepted a short row")
        } catch let error as AreaImporter.ImportError {
            #expect(error.description.contains("3"))
        }
        try await withTestApp { app in
            let rows = try AreaImporter.parse("code,name,type,parent_code\n01,Tỉnh A,Tỉnh,\n00001,Xã B,Xã,99")
            await #expect(throws: AreaImporter.ImportError.self) { try await AreaImporter.importAreas(rows, scheme: .current, on: app.db) }
            #expect(try await AdminArea.query(on: app.db).count() == 0)
        }
    }

    @Test("Quoted fields and leading zeros survive parsing")
    func parsing() throws {
        let rows = try AreaImporter.parse("code,name,type,parent_code\r\n01,\"Thành phố Hà Nội\",Thành phố trực thuộc trung ương,\r\n00004,Phường Ba Đình,Phường,01\r\n")
        #expect(rows == [.init(code: "01", name: "Thành phố Hà Nội", type: "Thành phố trực thuộc trung ương", parentCode: nil),
                         .init(code: "00004", name: "Phường Ba Đình", type: "Phường", parentCode: "01")])
    }

    @Test("The closure table answers subtree and ancestry in one query each, and the policy uses it")
    func closure() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let province = try #require(try await UnitDirectory.find(code: "CA66", on: app.db))
            let ward = try #require(try await UnitDirectory.find(code: "CA24133", on: app.db))
            let cyber = try #require(try await UnitDirectory.find(code: "CA66-PA05", on: app.db))
            let subtree = try await UnitTree.subtree(of: try province.requireID(), on: app.db)
            #expect(subtree.count == 108)
            #expect(subtree.filter { $0.depth == 0 }.map(\.id) == [try province.requireID()])
            #expect(try await UnitTree.ancestry(of: try ward.requireID(), on: app.db) == [try ward.requireID(), try province.requireID()])
            #expect(try await UnitTree.subtree(of: try ward.requireID(), on: app.db).count == 1)

            let commanderAccount = try #require(try await Account.query(on: app.db).filter(\.$phone == "+84901000002").first())
            let commander = try #require(try await CurrentAccount.load(accountID: try commanderAccount.requireID(), on: app.db))
            #expect(try await commander.may(.handleTips, atUnit: try ward.requireID(), on: app.db))
            #expect(try await !commander.may(.handleTips, atUnit: try province.requireID(), on: app.db))
            #expect(try await !commander.may(.handleTips, atUnit: try cyber.requireID(), on: app.db))
        }
    }

    @Test("A province's police is created from the area list: province, departments, one unit per commune, once")
    func provincePolice() async throws {
        try await withTestApp { app in
            await #expect(throws: ProvincePolice.Failure.self) {
                try await ProvincePolice.create(provinceAreaCode: "52", validFrom: Date(), on: app.db)
            }
            _ = try await AreaImporter.importShipped(scheme: .current, resourcesDirectory: app.directory.resourcesDirectory, on: app.db)
            let created = try await app.db.transaction { db in
                try await ProvincePolice.create(provinceAreaCode: "52", validFrom: Date(), on: db)
            }
            #expect(created.unitIDs.count == 1 + 5 + 135)
            #expect(created.communeUnits.count == 135)
            let gialai = try #require(try await UnitDirectory.find(code: "CA52", on: app.db))
            #expect(gialai.name == "Công an tỉnh Gia Lai")
            #expect(try await UnitTree.subtree(of: try gialai.requireID(), on: app.db).count == 141)
            do {
                _ = try await ProvincePolice.create(provinceAreaCode: "52", validFrom: Date(), on: app.db)
                Issue.record("created the same province twice")
            } catch let failure as ProvincePolice.Failure {
                #expect(failure.description.contains("CA52"))
            }
            #expect(try await Unit.query(on: app.db).count() == 141)
        }
    }

    @Test("The demo loads the same province every time and only once")
    func demo() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let units = try await Unit.query(on: app.db).count()
            let accounts = try await Account.query(on: app.db).count()
            // 2 provinces + 2×5 departments + 102 + 135 communes.
            #expect(units == 2 + 10 + 102 + 135)
            #expect(accounts == 102 + 135 + DemoSeeder.demoLogins().count)
            let again = try await DemoSeeder.seed(on: app.db, passwords: app.binhyenPasswords)
            #expect(!again.seeded)
            #expect(try await Unit.query(on: app.db).count() == units)
            let bmt = try #require(try await UnitDirectory.find(code: "CA24133", on: app.db))
            #expect(bmt.name == "Công an phường Buôn Ma Thuột")
            #expect(bmt.validTo == nil)
        }
    }
}
