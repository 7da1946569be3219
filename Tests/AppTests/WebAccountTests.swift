@testable import App
import BinhYenCore
import Fluent
import Testing
import Vapor
import VaporTesting

@Suite("Citizen registration and login on the web")
struct WebAccountTests {
    @Test("Registration refuses bad input field by field, in Vietnamese, and stores nothing")
    func registrationErrors() async throws {
        try await withTestApp { app in
            let web = WebClient(app)
            try await web.get("/register")
            let page = try await web.post("/register", ["phone": "12ab", "displayName": "", "password": "123", "passwordConfirm": "456"])
            #expect(page.status == .unprocessableEntity)
            #expect(page.text(after: #"data-field="phone""#)?.contains("Số điện thoại") == true)
            #expect(page.text(after: #"data-field="displayName""#) == "Vui lòng nhập họ và tên.")
            #expect(page.text(after: #"data-field="password""#)?.contains("Mật khẩu phải dài từ 8") == true)
            #expect(page.text(after: #"data-field="passwordConfirm""#) == "Hai lần nhập mật khẩu không khớp.")
            #expect(page.body.contains(#"value="12ab""#), "the typed phone is kept")
            #expect(try await Account.query(on: app.db).count() == 0)
        }
    }

    @Test("A citizen registers, is logged in, logs out and logs in with another spelling of the number")
    func registerLogoutLogin() async throws {
        try await withTestApp { app in
            let web = WebClient(app)
            try await web.get("/register")
            let created = try await web.post("/register", ["phone": "0912 345 678", "displayName": "Nguyễn  Thị Lan",
                                                           "password": "mat-khau-an-toan-1", "passwordConfirm": "mat-khau-an-toan-1"])
            #expect(created.status == .seeOther)
            #expect(created.location == "/")
            let home = try await web.get("/")
            #expect(home.text(after: #"data-testid="account-name""#) == "Nguyễn Thị Lan")

            let account = try #require(try await Account.query(on: app.db).first())
            #expect(account.phone == "+84912345678")
            #expect(account.kind == .citizen)
            #expect(account.passwordHash.hasPrefix("$2"), "stored as a bcrypt hash")
            #expect(!account.passwordHash.contains("mat-khau"))

            try await web.post("/logout", [:])
            let loggedOut = try await web.get("/")
            #expect(loggedOut.body.contains(#"data-testid="login-link""#))
            #expect(!loggedOut.body.contains(#"data-testid="account-name""#))

            try await web.get("/login")
            let wrong = try await web.post("/login", ["phone": "0912345678", "password": "sai-mat-khau"])
            #expect(wrong.status == .unauthorized)
            #expect(wrong.text(after: #"class="form-error""#) == "Số điện thoại hoặc mật khẩu không đúng.")

            let right = try await web.post("/login", ["phone": "+84 912 345 678", "password": "mat-khau-an-toan-1"])
            #expect(right.status == .seeOther)
            #expect(try await web.get("/").text(after: #"data-testid="account-name""#) == "Nguyễn Thị Lan")
        }
    }

    @Test("The same number in another spelling cannot register twice")
    func duplicatePhone() async throws {
        try await withTestApp { app in
            let web = WebClient(app)
            try await web.get("/register")
            try await web.post("/register", ["phone": "0912345678", "displayName": "Lan", "password": "mat-khau-an-toan-1", "passwordConfirm": "mat-khau-an-toan-1"])
            let other = WebClient(app)
            try await other.get("/register")
            let again = try await other.post("/register", ["phone": "84912345678", "displayName": "Khác", "password": "mat-khau-khac-22", "passwordConfirm": "mat-khau-khac-22"])
            #expect(again.status == .unprocessableEntity)
            #expect(again.text(after: #"data-field="phone""#)?.contains("đã được đăng ký") == true)
            #expect(try await Account.query(on: app.db).count() == 1)
        }
    }

    @Test("A form posted without the session's token is refused and changes nothing")
    func csrf() async throws {
        try await withTestApp { app in
            let web = WebClient(app)
            try await web.get("/register")
            let forged = try await web.post("/register", ["phone": "0912345678", "displayName": "Lan", "password": "mat-khau-an-toan-1", "passwordConfirm": "mat-khau-an-toan-1"], csrf: "not-the-token")
            #expect(forged.status == .forbidden)
            #expect(forged.body.contains(#"data-testid="csrf""#))
            let missing = try await WebClient(app).post("/register", ["phone": "0912345678", "displayName": "Lan", "password": "mat-khau-an-toan-1", "passwordConfirm": "mat-khau-an-toan-1"], omitCSRF: true)
            #expect(missing.status == .forbidden)
            #expect(try await Account.query(on: app.db).count() == 0)
        }
    }

    @Test("Five wrong passwords lock the number, even against the right password, and the page says for how long")
    func throttling() async throws {
        try await withTestApp { app in
            let web = WebClient(app)
            try await web.get("/register")
            try await web.post("/register", ["phone": "0912345678", "displayName": "Lan", "password": "mat-khau-an-toan-1", "passwordConfirm": "mat-khau-an-toan-1"])
            try await web.get("/")
            try await web.post("/logout", [:])
            #expect(!(try await web.get("/").body.contains(#"data-testid="account-name""#)))
            try await web.get("/login")
            for _ in 0..<5 {
                let wrong = try await web.post("/login", ["phone": "0912345678", "password": "doan-mo-\(Int.random(in: 0..<1000))"])
                #expect(wrong.status == .unauthorized)
            }
            let locked = try await web.post("/login", ["phone": "0912 345 678", "password": "mat-khau-an-toan-1"])
            #expect(locked.status == .tooManyRequests)
            #expect(locked.text(after: #"class="form-error""#)?.contains("thử lại sau 15 phút") == true)
            #expect(!(try await web.get("/").body.contains(#"data-testid="account-name""#)))
        }
    }

    @Test("Logging in replaces the session id, so an id planted before login is worthless")
    func sessionFixation() async throws {
        try await withTestApp { app in
            let web = WebClient(app)
            try await web.get("/register")
            let before = web.cookies["binhyen_session"]
            #expect(before != nil)
            try await web.post("/register", ["phone": "0912345678", "displayName": "Lan", "password": "mat-khau-an-toan-1", "passwordConfirm": "mat-khau-an-toan-1"])
            #expect(web.cookies["binhyen_session"] != nil)
            #expect(web.cookies["binhyen_session"] != before)
        }
    }

    @Test("Browsing public pages starts no session")
    func noSessionForVisitors() async throws {
        try await withTestApp { app in
            let web = WebClient(app)
            try await web.get("/")
            try await web.get("/units?q=abc")
            #expect(web.cookies.isEmpty)
        }
    }

    @Test("The language switch shows the pages in English and back")
    func language() async throws {
        try await withTestApp { app in
            let web = WebClient(app)
            #expect(try await web.get("/login").body.contains(#"<html lang="vi">"#))
            let switched = try await web.get("/lang/en?next=/login")
            #expect(switched.location == "/login")
            let english = try await web.get("/login")
            #expect(english.body.contains(#"<html lang="en">"#))
            #expect(english.body.contains("Log in"))
            let external = try await web.get("/lang/vi?next=//evil.example")
            #expect(external.location == "/", "only local paths are followed")
        }
    }
}
