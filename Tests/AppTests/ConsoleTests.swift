@testable import App
import BinhYenCore
import Fluent
import Testing
import Vapor
import VaporTesting

@Suite("Officer console")
struct ConsoleTests {
    @Test("Visitors are sent to the login page and citizens are refused the console")
    func access() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let visitor = WebClient(app)
            let redirect = try await visitor.get("/console")
            #expect(redirect.status == .seeOther)
            #expect(redirect.location == "/login?next=/console")

            let citizen = WebClient(app)
            try await citizen.get("/login")
            try await citizen.post("/login", ["phone": "0988 000 001", "password": DemoSeeder.password])
            let refused = try await citizen.get("/console")
            #expect(refused.status == .forbidden)
            #expect(refused.body.contains(#"data-testid="forbidden""#))
        }
    }

    @Test("A province admin sees their unit and its whole subtree on the console home")
    func home() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let web = WebClient(app)
            try await web.get("/login")
            let login = try await web.post("/login", ["phone": "0901000001", "password": DemoSeeder.password])
            #expect(login.location == "/console")
            let home = try await web.get("/console")
            #expect(home.status == .ok)
            #expect(home.body.contains("Công an tỉnh Đắk Lắk"))
            // The province, its 5 departments and its 102 communes.
            #expect(home.body.contains("(108 đơn vị thuộc phạm vi)"))
        }
    }

    @Test("A unit admin creates an officer in their unit, but cannot give a role at a sibling unit")
    func createOfficer() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let admin = WebClient(app)
            try await admin.get("/login")
            try await admin.post("/login", ["phone": "0901 000 006", "password": DemoSeeder.password]) // unit admin of CA24133
            try await admin.get("/console/officers/new")

            let sibling = try await admin.post("/console/officers", ["phone": "0977 111 222", "displayName": "Đinh Văn Khoa",
                                                                     "password": "mat-khau-can-bo-1", "unitCode": "CA24121", "role": "officer"])
            #expect(sibling.status == .unprocessableEntity)
            #expect(sibling.text(after: #"data-field="role""#) == "Bạn không được cấp vai trò này tại đơn vị này.")
            #expect(try await Account.query(on: app.db).filter(\.$phone == "+84977111222").count() == 0)

            let escalate = try await admin.post("/console/officers", ["phone": "0977 111 222", "displayName": "Đinh Văn Khoa",
                                                                      "password": "mat-khau-can-bo-1", "unitCode": "CA24133", "role": "province_admin"])
            #expect(escalate.status == .unprocessableEntity)

            let created = try await admin.post("/console/officers", ["phone": "0977 111 222", "displayName": "Đinh Văn Khoa",
                                                                     "password": "mat-khau-can-bo-1", "unitCode": "CA24133", "role": "officer"])
            #expect(created.status == .seeOther)
            let officer = try #require(try await Account.query(on: app.db).filter(\.$phone == "+84977111222").with(\.$memberships).first())
            #expect(officer.kind == .staff)
            #expect(officer.memberships.map(\.role) == [.officer])

            let login = WebClient(app)
            try await login.get("/login")
            #expect(try await login.post("/login", ["phone": "0977111222", "password": "mat-khau-can-bo-1"]).location == "/console")
        }
    }
}
