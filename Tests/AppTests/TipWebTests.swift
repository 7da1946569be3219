@testable import App
import BinhYenCore
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite("Tip pages, without JavaScript")
struct TipWebTests {
    static func login(_ app: Application, _ phone: String) async throws -> WebClient {
        let web = WebClient(app)
        try await web.get("/login")
        let page = try await web.post("/login", ["phone": phone, "password": DemoSeeder.password])
        #expect(page.status == .seeOther || page.status == .found, "login of \(phone)")
        return web
    }

    static func field(_ page: WebClient.Page, _ name: String) -> String? {
        page.text(after: "data-field=\"\(name)\"")
    }

    @Test("A guest sends an anonymous tip by commune name, gets the receipt once, and follows it by receipt: no cookie is ever set")
    func anonymousWithoutCookies() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let guest = WebClient(app)
            let form = try await guest.get("/tips/new")
            #expect(form.body.contains("action=\"/tips/anonymous\""))
            let sent = try await guest.post("/tips/anonymous", [
                "category": "weapons", "description": "Khoảng 20 thanh niên cầm dao, mã tấu tụ tập trước trường mầm non Hoa Sen.",
                "commune": "buon ma thuot", "address": "Trường mầm non Hoa Sen", "happeningNow": "on",
            ], omitCSRF: true)
            #expect(sent.status == .created)
            #expect(sent.headers.first(name: .cacheControl) == "no-store")
            let receipt = try #require(sent.text(after: "data-testid=\"receipt\""))
            #expect(TipReceipt.normalise(receipt) != nil, "shown as four groups: \(receipt)")
            let reference = try #require(sent.text(after: "data-testid=\"reference\""))
            #expect(sent.body.contains("Công an phường Buôn Ma Thuột") || sent.body.contains("Buôn Ma Thuột"))

            let officer = try await Self.login(app, "0901000003")
            let inbox = try await officer.get("/console/tips")
            #expect(inbox.body.contains("data-reference=\"\(reference)\""))
            let tip = try #require(try await Tip.query(on: app.db).filter(\.$reference == reference).first())
            #expect(tip.urgent, "happening now makes it urgent")
            let id = try tip.requireID().uuidString
            let opened = try await officer.get("/console/tips/\(id)")
            #expect(opened.text(after: "data-testid=\"tip-description\"")?.hasPrefix("Khoảng 20 thanh niên") == true)
            #expect(opened.text(after: "data-testid=\"tip-citizen\"") == "Ẩn danh")
            let replied = try await officer.post("/console/tips/\(id)/messages", ["body": "Lực lượng đang đến. Bạn hãy giữ khoảng cách an toàn."])
            #expect(replied.location == "/console/tips/\(id)?done=1")
            #expect(try await officer.post("/console/tips/\(id)/status", ["status": "dispatched", "reason": ""]).location == "/console/tips/\(id)?done=1")

            let followed = try await guest.post("/tips/follow", ["receipt": receipt], omitCSRF: true)
            #expect(followed.status == .ok)
            #expect(followed.text(after: "data-testid=\"tip-status\"") == "Đã điều lực lượng")
            #expect(followed.body.contains("Lực lượng đang đến."))
            let answered = try await guest.post("/tips/follow/messages", ["receipt": receipt, "body": "Nhóm đã chạy về hướng chợ."], omitCSRF: true)
            #expect(answered.status == .ok)
            #expect(answered.body.contains("Nhóm đã chạy về hướng chợ."))
            let wrong = try await guest.post("/tips/follow", ["receipt": "0000 0000 0000 0000"], omitCSRF: true)
            #expect(wrong.status == .notFound)
            #expect(Self.field(wrong, "receipt") == "Mã tra cứu không đúng. Hãy kiểm tra lại 16 chữ số.")

            #expect(guest.cookies.isEmpty, "the anonymous pages set no cookie: \(guest.cookies)")
            let closed = try await officer.post("/console/tips/\(id)/status", ["status": "closed", "reason": ""])
            #expect(closed.status == .unprocessableEntity)
            #expect(Self.field(closed, "reason") == "Vui lòng chọn lý do kết thúc.")
        }
    }

    @Test("The form names every problem in Vietnamese, keeps what was typed, and offers a choice when several communes match")
    func formErrors() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let guest = WebClient(app)
            let empty = try await guest.post("/tips/anonymous", ["category": "", "description": "", "commune": ""], omitCSRF: true)
            #expect(empty.status == .unprocessableEntity)
            #expect(Self.field(empty, "category") == "Vui lòng chọn loại tin báo.")
            #expect(Self.field(empty, "description") == "Vui lòng mô tả sự việc.")
            #expect(Self.field(empty, "commune") == "Vui lòng chọn xã, phường nơi xảy ra sự việc.")

            let unknown = try await guest.post("/tips/anonymous", ["category": "theft", "description": "Mất trộm xe đạp ở sân nhà văn hoá.", "commune": "khong co xa nay", "latitude": "abc"], omitCSRF: true)
            #expect(Self.field(unknown, "commune")?.hasPrefix("Không tìm thấy xã, phường này.") == true)
            #expect(Self.field(unknown, "location") == "Toạ độ phải là số, ví dụ 12.6675 và 108.0377.")
            #expect(unknown.body.contains("Mất trộm xe đạp ở sân nhà văn hoá."), "what was typed is kept")

            let several = try await guest.post("/tips/anonymous", ["category": "theft", "description": "Mất trộm xe đạp ở sân nhà văn hoá.", "commune": "phuc loi"], omitCSRF: true)
            #expect(several.status == .unprocessableEntity)
            #expect(several.body.contains("data-testid=\"commune-choices\""))
            #expect(several.body.components(separatedBy: "name=\"communeCode\"").count - 1 >= 2)
            #expect(try await Tip.query(on: app.db).count() == 0, "nothing is stored while the form has problems")

            let chosen = try await guest.post("/tips/anonymous", ["category": "theft", "description": "Mất trộm xe đạp ở sân nhà văn hoá.", "commune": "phuc loi", "communeCode": TipAPITests.buonMaThuot], omitCSRF: true)
            #expect(chosen.status == .created)
        }
    }

    @Test("A logged-in citizen sends a named tip, finds it under My tips with the officer's reply, and answers")
    func namedTip() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let citizen = try await Self.login(app, "0988000002")
            let form = try await citizen.get("/tips/new")
            #expect(form.body.contains("data-testid=\"send-named\"") && form.body.contains("formaction=\"/tips/anonymous\""))
            let sent = try await citizen.post("/tips", ["category": "gambling", "description": "Có sới bạc hoạt động mỗi tối ở nhà kho cuối hẻm 45.", "commune": "24133"])
            let location = try #require(sent.location)
            #expect(location.hasPrefix("/tips/mine/") && location.hasSuffix("?sent=1"))
            let forged = try await citizen.post("/tips", ["category": "gambling", "description": "Giả mạo biểu mẫu từ trang khác.", "commune": "24133"], csrf: "wrong")
            #expect(forged.status == .forbidden, "a named tip needs the form token")

            let tip = try #require(try await Tip.query(on: app.db).first())
            let officer = try await Self.login(app, "0901000003")
            try await officer.get("/console/tips/\(try tip.requireID())")
            _ = try await officer.post("/console/tips/\(try tip.requireID())/messages", ["body": "Cảm ơn chị, chúng tôi sẽ xác minh."])
            _ = try await officer.post("/console/tips/\(try tip.requireID())/messages", ["body": "Đối chiếu với vụ tháng trước.", "internalNote": "1"])

            let mine = try await citizen.get("/tips/mine")
            #expect(mine.body.contains(tip.reference))
            let page = try await citizen.get(location)
            #expect(page.body.contains("Cảm ơn chị, chúng tôi sẽ xác minh."))
            #expect(!page.body.contains("Đối chiếu với vụ tháng trước."), "internal notes stay internal")
            let answered = try await citizen.post("/tips/mine/\(try tip.requireID())/messages", ["body": "Họ thường tụ tập sau 21 giờ."])
            #expect(answered.location == "/tips/mine/\(try tip.requireID())?sent=1")
            let other = try await Self.login(app, "0988000001")
            #expect(try await other.get(location).status == .notFound)
        }
    }
}
