@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite("JSON API: tokens, current account, units")
struct APITests {
    struct TokenBody: Content { var token: String; var tokenId: String; var expiresAt: Date; var account: AccountBody }
    struct AccountBody: Content { var phone: String; var displayName: String; var kind: String; var memberships: [MembershipBody] }
    struct MembershipBody: Content { var unit: UnitRefBody; var role: String }
    struct UnitRefBody: Content { var code: String; var name: String }
    struct ErrorBody: Content { var error: ErrorDetail }
    struct ErrorDetail: Content { var code: String; var message: String; var messageEn: String; var fields: [FieldDetail]? }
    struct FieldDetail: Content { var field: String; var code: String; var message: String }
    struct UnitBody: Content { var code: String; var name: String; var kind: String; var area: AreaBody?; var parent: UnitRefBody? }
    struct AreaBody: Content { var code: String; var name: String; var type: String }
    struct UnitListBody: Content { var items: [UnitBody] }
    struct UnitDetailBody: Content { var unit: UnitBody; var children: [UnitBody] }
    struct TreeBody: Content { var root: String; var nodes: [TreeNode] }
    struct TreeNode: Content { var code: String; var parentCode: String?; var depth: Int }

    static func login(_ app: Application, phone: String, password: String = DemoSeeder.password) async throws -> TokenBody {
        var body: TokenBody?
        try await app.testing().test(.POST, "/api/v1/tokens", beforeRequest: { req in
            try req.content.encode(["phone": phone, "password": password, "label": "test"], as: .json)
        }, afterResponse: { res async throws in
            #expect(res.status == .created)
            body = try res.content.decode(TokenBody.self)
        })
        return try #require(body)
    }

    @Test("A token from the phone number and password gives the account and its roles; logout revokes it at once")
    func tokenLifecycle() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let issued = try await Self.login(app, phone: "+84901000002")
            #expect(issued.token.hasPrefix("byt_"))
            #expect(issued.account.displayName == "Trần Thị Mai")
            #expect(issued.account.memberships.map(\.role) == ["commander"])
            #expect(issued.account.memberships.first?.unit.code == "CA24133")

            let stored = try #require(try await APIToken.find(UUID(uuidString: issued.tokenId), on: app.db))
            #expect(stored.tokenHash == TokenService.hash(issued.token))
            #expect(stored.tokenHash != issued.token, "only the hash is stored")

            let auth = HTTPHeaders([("Authorization", "Bearer \(issued.token)")])
            try await app.testing().test(.GET, "/api/v1/me", headers: auth) { res async throws in
                #expect(res.status == .ok)
                #expect(try res.content.decode(AccountBody.self).phone == "+84901000002")
            }
            // The feed trusts a token it has just checked for a few seconds; a revocation ends that at once.
            try await app.testing().test(.GET, "/api/v1/feed", headers: auth) { res async in #expect(res.status == .ok) }
            try await app.testing().test(.DELETE, "/api/v1/tokens/current", headers: auth) { res async in
                #expect(res.status == .noContent)
            }
            try await app.testing().test(.GET, "/api/v1/feed", headers: auth) { res async in #expect(res.status == .unauthorized) }
            try await app.testing().test(.GET, "/api/v1/me", headers: auth) { res async throws in
                #expect(res.status == .unauthorized)
                #expect(try res.content.decode(ErrorBody.self).error.code == "unauthorized")
            }
        }
    }

    @Test("A token checked while it is being revoked is not kept: the revocation wins; a token checked undisturbed is kept")
    func revocationDuringCheck() async throws {
        let cache = BearerCache(seconds: 60)
        let account = CurrentAccount(id: UUID(), phone: "+84901000002", displayName: "Trần Thị Mai", kind: .staff, locale: "vi", grants: [], tokenID: UUID())
        // The database said "live" just before the token was revoked and every kept token forgotten.
        let seen = try await cache.account(for: "byt_racing") { cache.forgetAll(); return account }
        #expect(seen?.id == account.id, "the answer of the check itself stands")
        #expect(try await cache.account(for: "byt_racing") { nil } == nil, "but it was not kept")
        _ = try await cache.account(for: "byt_racing") { account }
        #expect(try await cache.account(for: "byt_racing") { nil }?.id == account.id, "kept when nothing was revoked meanwhile")
        cache.forgetAll()
        #expect(try await cache.account(for: "byt_racing") { nil } == nil)
    }

    @Test("Wrong credentials, missing fields and garbage tokens get clear errors")
    func errors() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            try await app.testing().test(.POST, "/api/v1/tokens", beforeRequest: { req in
                try req.content.encode(["phone": "0901000002", "password": "sai-mat-khau"], as: .json)
            }, afterResponse: { res async throws in
                #expect(res.status == .unauthorized)
                let error = try res.content.decode(ErrorBody.self).error
                #expect(error.code == "invalid_credentials")
                #expect(error.message == "Số điện thoại hoặc mật khẩu không đúng.")
            })
            try await app.testing().test(.POST, "/api/v1/tokens", beforeRequest: { req in
                try req.content.encode(["phone": "", "password": ""], as: .json)
            }, afterResponse: { res async throws in
                #expect(res.status == .badRequest)
                let fields = try res.content.decode(ErrorBody.self).error.fields ?? []
                #expect(Set(fields.map(\.field)) == ["phone", "password"])
            })
            try await app.testing().test(.GET, "/api/v1/me", headers: ["Authorization": "Bearer byt_forged"]) { res async in
                #expect(res.status == .unauthorized)
            }
            #expect(try await APIToken.query(on: app.db).count() == 0)
        }
    }

    @Test("Unit search is accent-insensitive and puts the best match first")
    func search() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            for query in ["buon ma thuot", "Buôn Ma Thuột", "BUON MA THUOT", "Buo\u{302}n Ma Thuo\u{323}\u{302}t"] {
                let encoded = query.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!
                try await app.testing().test(.GET, "/api/v1/units?q=\(encoded)") { res async throws in
                    let items = try res.content.decode(UnitListBody.self).items
                    #expect(items.first?.name == "Công an phường Buôn Ma Thuột", "query \(query)")
                    #expect(items.first?.area?.code == "24133")
                }
            }
            try await app.testing().test(.GET, "/api/v1/units?q=dak%20lak&limit=5") { res async throws in
                let items = try res.content.decode(UnitListBody.self).items
                #expect(items.first?.name == "Công an tỉnh Đắk Lắk")
                #expect(items.count == 5)
            }
            try await app.testing().test(.GET, "/api/v1/units?q=ea%20hleo") { res async throws in
                #expect(try res.content.decode(UnitListBody.self).items.first?.name == "Công an xã Ea H'Leo")
            }
            try await app.testing().test(.GET, "/api/v1/units?q=\(String(repeating: "a", count: 201))") { res async throws in
                #expect(res.status == .badRequest)
                #expect(try res.content.decode(ErrorBody.self).error.fields?.first?.field == "q")
            }
            try await app.testing().test(.GET, "/api/v1/units") { res async throws in
                // Top-level units in Vietnamese order: Đắk Lắk among the D's, before Gia Lai.
                #expect(try res.content.decode(UnitListBody.self).items.map(\.code) == ["CA66", "CA52"])
            }
        }
    }

    @Test("Unit detail lists the children; the tree is the whole subtree in order; unknown codes are 404")
    func detailAndTree() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            try await app.testing().test(.GET, "/api/v1/units/CA66") { res async throws in
                let detail = try res.content.decode(UnitDetailBody.self)
                #expect(detail.unit.name == "Công an tỉnh Đắk Lắk")
                #expect(detail.unit.area?.code == "66")
                #expect(detail.children.count == 107)
                #expect(detail.children.filter { $0.kind == "functional" }.count == 5)
            }
            try await app.testing().test(.GET, "/api/v1/units/CA66/tree") { res async throws in
                let tree = try res.content.decode(TreeBody.self)
                #expect(tree.nodes.count == 108)
                #expect(tree.nodes.first?.code == "CA66")
                #expect(tree.nodes.first?.depth == 0)
                #expect(tree.nodes.dropFirst().allSatisfy { $0.depth == 1 && $0.parentCode == "CA66" })
            }
            try await app.testing().test(.GET, "/api/v1/units/CA66/tree?maxDepth=0") { res async throws in
                #expect(try res.content.decode(TreeBody.self).nodes.map(\.code) == ["CA66"])
            }
            try await app.testing().test(.GET, "/api/v1/units/NOPE") { res async throws in
                #expect(res.status == .notFound)
                #expect(try res.content.decode(ErrorBody.self).error.code == "unit_not_found")
            }
        }
    }
}
