import BinhYenAPI
import BinhYenCore
import Fluent
import Foundation
import OpenAPIRuntime
import Vapor

/// The JSON API (openapi.yaml). Handlers stay thin: they authenticate, call the same services as
/// the web pages, and map results to the generated types.
struct APIHandler: APIProtocol {
    typealias Schemas = Components.Schemas

    // MARK: auth

    func createToken(_ input: Operations.CreateToken.Input) async throws -> Operations.CreateToken.Output {
        let req = try APIRequestContext.current()
        guard case .json(let body) = input.body else { return .badRequest(.init(body: .json(Self.error("bad_request", "Yêu cầu không hợp lệ.", "The request is not valid.")))) }
        var issues: [FieldIssue] = []
        if body.phone.isEmpty { issues.append(FieldIssue(field: "phone", code: "required", messageVI: "Vui lòng nhập số điện thoại.", messageEN: "Please enter a phone number.")) }
        if body.password.isEmpty { issues.append(FieldIssue(field: "password", code: "required", messageVI: "Vui lòng nhập mật khẩu.", messageEN: "Please enter the password.")) }
        if body.password.count > AccountRules.passwordLength.upperBound { issues.append(FieldIssue(field: "password", code: "length", messageVI: "Mật khẩu quá dài.", messageEN: "The password is too long.")) }
        if let label = body.label, label.count > 80 { issues.append(FieldIssue(field: "label", code: "length", messageVI: "Tên thiết bị dài quá 80 ký tự.", messageEN: "The label is longer than 80 characters.")) }
        guard issues.isEmpty else { return .badRequest(.init(body: .json(Self.validationError(issues)))) }

        var service = AccountService(db: req.db, passwords: req.passwordHashing)
        service.decoyHash = req.application.decoyPasswordHash
        do {
            let account = try await service.authenticate(phone: body.phone, password: body.password, address: req.remoteAddress?.ipAddress)
            let issued = try await TokenService(db: req.db).issue(for: try account.requireID(), label: body.label ?? "api")
            guard let current = try await CurrentAccount.load(accountID: try account.requireID(), on: req.db) else { throw Abort(.unauthorized) }
            return .created(.init(body: .json(.init(
                token: issued.token, tokenId: try issued.record.requireID().uuidString,
                expiresAt: issued.record.expiresAt, account: try await Self.account(current, on: req.db)))))
        } catch LoginFailure.invalidCredentials {
            return .unauthorized(.init(body: .json(Self.error("invalid_credentials", "Số điện thoại hoặc mật khẩu không đúng.", "Wrong phone number or password."))))
        } catch LoginFailure.locked(let seconds) {
            let minutes = max(1, (seconds + 59) / 60)
            return .tooManyRequests(.init(body: .json(Self.error("login_locked",
                "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau \(minutes) phút.", "Too many failed logins. Try again in \(minutes) minutes."))))
        }
    }

    func revokeCurrentToken(_ input: Operations.RevokeCurrentToken.Input) async throws -> Operations.RevokeCurrentToken.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req), let tokenID = account.tokenID else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        try await TokenService(db: req.db).revoke(tokenID: tokenID)
        req.application.bearerCache?.forgetAll()
        return .noContent
    }

    func getCurrentAccount(_ input: Operations.GetCurrentAccount.Input) async throws -> Operations.GetCurrentAccount.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        return .ok(.init(body: .json(try await Self.account(account, on: req.db))))
    }

    // MARK: units

    func listUnits(_ input: Operations.ListUnits.Input) async throws -> Operations.ListUnits.Output {
        let req = try APIRequestContext.current()
        let query = (input.query.q ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let limit = input.query.limit ?? 20
        var issues: [FieldIssue] = []
        if query.count > UnitDirectory.maxQueryLength {
            issues.append(FieldIssue(field: "q", code: "length", messageVI: "Từ khoá tìm kiếm dài quá \(UnitDirectory.maxQueryLength) ký tự.",
                                     messageEN: "The search text is longer than \(UnitDirectory.maxQueryLength) characters."))
        }
        if !(1...100).contains(limit) {
            issues.append(FieldIssue(field: "limit", code: "range", messageVI: "limit phải từ 1 đến 100.", messageEN: "limit must be from 1 to 100."))
        }
        guard issues.isEmpty else { return .badRequest(.init(body: .json(Self.validationError(issues)))) }
        let units = query.isEmpty
            ? try await UnitDirectory.roots(limit: limit, on: req.db)
            : try await UnitDirectory.search(query, limit: limit, on: req.db)
        return .ok(.init(body: .json(.init(items: units.map(Self.unit)))))
    }

    func getUnit(_ input: Operations.GetUnit.Input) async throws -> Operations.GetUnit.Output {
        let req = try APIRequestContext.current()
        guard let unit = try await UnitDirectory.summary(code: input.path.code, on: req.db) else {
            return .notFound(.init(body: .json(Self.unitNotFound(input.path.code))))
        }
        let children = try await UnitDirectory.children(of: unit.id, on: req.db)
        return .ok(.init(body: .json(.init(unit: Self.unit(unit), children: children.map(Self.unit)))))
    }

    func getUnitTree(_ input: Operations.GetUnitTree.Input) async throws -> Operations.GetUnitTree.Output {
        let req = try APIRequestContext.current()
        guard let root = try await UnitDirectory.find(code: input.path.code, on: req.db) else {
            return .notFound(.init(body: .json(Self.unitNotFound(input.path.code))))
        }
        let maxDepth = input.query.maxDepth.map { min(max($0, 0), 10) }
        let nodes = try await UnitDirectory.tree(of: root, maxDepth: maxDepth, on: req.db)
        return .ok(.init(body: .json(.init(root: root.code, nodes: nodes.map {
            .init(code: $0.summary.code, name: $0.summary.name, levelCode: $0.summary.levelCode, parentCode: $0.summary.parentCode, depth: $0.depth)
        }))))
    }

    // MARK: mapping

    /// The same for the feed and statistics reads, trusted for a few seconds (`BearerCache`).
    static func keptBearer(_ req: Request) async throws -> CurrentAccount? {
        guard let cache = req.application.bearerCache, let token = req.headers.bearerAuthorization?.token,
              TokenService.wellFormed(token) else { return try await bearer(req) }
        return try await cache.account(for: token) { try await bearer(req) }
    }

    /// The account behind `Authorization: Bearer`, or nil.
    static func bearer(_ req: Request) async throws -> CurrentAccount? {
        guard let token = req.headers.bearerAuthorization?.token else { return nil }
        return try await TokenService(db: req.db).account(for: token)
    }

    static func account(_ account: CurrentAccount, on db: any Database) async throws -> Schemas.Account {
        let unitIDs = account.grants.compactMap { UUID(uuidString: $0.unitID) }
        let units = unitIDs.isEmpty ? [] : try await Unit.query(on: db).filter(\.$id ~~ unitIDs).all()
        let byID = Dictionary(uniqueKeysWithValues: units.compactMap { u in u.id.map { ($0.uuidString, u) } })
        let memberships: [Schemas.Membership] = account.grants.compactMap { grant in
            guard let unit = byID[grant.unitID], let role = Schemas.Membership.RolePayload(rawValue: grant.role.rawValue) else { return nil }
            return .init(unit: .init(code: unit.code, name: unit.name), role: role)
        }
        return .init(
            id: account.id.uuidString, phone: account.phone, displayName: account.displayName,
            kind: account.kind == .staff ? .staff : .citizen,
            locale: account.locale == "en" ? .en : .vi,
            memberships: memberships)
    }

    static func unit(_ summary: UnitSummary) -> Schemas.Unit {
        .init(
            code: summary.code, name: summary.name,
            kind: summary.kind == .functional ? .functional : .territorial,
            level: .init(code: summary.levelCode, name: summary.levelNameVI, nameEn: summary.levelNameEN),
            area: summary.areaCode.map { .init(code: $0, name: summary.areaName ?? "", _type: summary.areaType ?? "") },
            parent: summary.parentCode.map { .init(code: $0, name: summary.parentName ?? "") },
            hotline: summary.hotline)
    }

    static func error(_ code: String, _ vi: String, _ en: String, fields: [FieldIssue]? = nil) -> Schemas.ErrorBody {
        .init(error: .init(code: code, message: vi, messageEn: en,
                           fields: fields?.map { .init(field: $0.field, code: $0.code, message: $0.messageVI, messageEn: $0.messageEN) }))
    }

    static func validationError(_ issues: [FieldIssue]) -> Schemas.ErrorBody {
        error("validation_failed", "Dữ liệu chưa hợp lệ: " + issues.map(\.messageVI).joined(separator: " "),
              "Invalid input: " + issues.map(\.messageEN).joined(separator: " "), fields: issues)
    }

    static let unauthorized = error("unauthorized", "Cần đăng nhập: gửi Authorization: Bearer <token> còn hiệu lực.",
                                    "Authentication required: send a valid Authorization: Bearer <token>.")

    static func unitNotFound(_ code: String) -> Schemas.ErrorBody {
        error("unit_not_found", "Không có đơn vị với mã \(code.prefix(64)).", "There is no unit with code \(code.prefix(64)).")
    }
}
