import BinhYenCore
import Fluent
import Vapor

/// The officer console: home, and officer accounts for those who manage a unit.
struct ConsoleController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let console = routes.grouped("console").grouped(StaffOnlyMiddleware())
        console.get(use: home)
        console.get("officers", "new", use: newOfficerForm)
        console.post("officers", use: createOfficer)
    }

    struct GrantRow: Encodable {
        var role: String
        var roleLabel: String
        var unitCode: String
        var unitName: String
        var subtreeSize: Int
    }

    struct NotificationRow: Encodable {
        var title: String
        var link: String
        var at: String
        var unread: Bool
    }

    struct HomePage: Encodable {
        var page: PageMeta
        var notifications: [NotificationRow]
        var grants: [GrantRow]
        var canManageOfficers: Bool
        var created: String?
    }

    struct OfficerPage: Encodable {
        var page: PageMeta
        var values: [String: String]
        var errors: [String: String]
        var formError: String?
        var roles: [RoleOption]
    }

    struct RoleOption: Encodable {
        var value: String
        var label: String
        var selected: Bool
    }

    struct OfficerForm: Content {
        var phone: String?
        var displayName: String?
        var password: String?
        var unitCode: String?
        var role: String?
    }

    @Sendable func home(req: Request) async throws -> View {
        let account = try req.auth.require(CurrentAccount.self)
        let texts = req.language.texts
        var rows: [GrantRow] = []
        for grant in account.grants {
            guard let id = UUID(uuidString: grant.unitID), let unit = try await Unit.find(id, on: req.db) else { continue }
            let size = try await UnitTree.subtree(of: id, on: req.db).count
            rows.append(GrantRow(role: grant.role.rawValue, roleLabel: texts["role_" + grant.role.rawValue] ?? grant.role.rawValue,
                                 unitCode: unit.code, unitName: unit.name, subtreeSize: size))
        }
        let notifications = try await InAppNotification.query(on: req.db).filter(\.$account.$id == account.id)
            .sort(\.$createdAt, .descending).limit(20).all().map {
                NotificationRow(title: req.message($0.titleVI, $0.titleEN), link: $0.link, at: DisplayTime.string($0.createdAt), unread: $0.readAt == nil)
            }
        return try await req.view.render("console/home", HomePage(
            page: req.pageMeta(titleKey: "consoleTitle"),
            notifications: notifications,
            grants: rows.sorted { $0.unitCode < $1.unitCode },
            canManageOfficers: Policy.allowsSomewhere(account.grants, .manageOfficers),
            created: req.query["created"]))
    }

    @Sendable func newOfficerForm(req: Request) async throws -> View {
        let account = try req.auth.require(CurrentAccount.self)
        guard Policy.allowsSomewhere(account.grants, .manageOfficers) else { throw Abort(.forbidden) }
        return try await req.view.render("console/officer-new", officerPage(req, values: ["role": Role.officer.rawValue], errors: [:]))
    }

    @Sendable func createOfficer(req: Request) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        guard Policy.allowsSomewhere(account.grants, .manageOfficers) else { throw Abort(.forbidden) }
        let form = try req.content.decode(OfficerForm.self)
        var values = ["phone": form.phone ?? "", "displayName": form.displayName ?? "", "unitCode": form.unitCode ?? "", "role": form.role ?? ""]
        values["unitCode"] = values["unitCode"]?.trimmingCharacters(in: .whitespaces)

        var errors: [String: String] = [:]
        let role = form.role.flatMap(Role.init(rawValue:)).flatMap { $0 == .citizen ? nil : $0 }
        if role == nil {
            errors["role"] = req.message("Hãy chọn một vai trò.", "Choose a role.")
        }
        let unit = try await UnitDirectory.find(code: values["unitCode"] ?? "", on: req.db)
        if unit == nil {
            errors["unitCode"] = req.message("Không có đơn vị với mã này.", "There is no unit with this code.")
        }
        if let unit, let role {
            let ancestry = try await UnitTree.ancestry(of: try unit.requireID(), on: req.db)
            if !Policy.grantableRoles(by: account.grants, atUnitWithAncestry: Set(ancestry.map(\.uuidString))).contains(role) {
                errors["role"] = req.message("Bạn không được cấp vai trò này tại đơn vị này.", "You may not give this role at this unit.")
            }
        }
        if errors.isEmpty, let unit, let role {
            do {
                let officer = try await AccountService(db: req.db, passwords: req.passwordHashing).create(
                    .init(phone: form.phone ?? "", displayName: form.displayName ?? "", password: form.password ?? "", passwordConfirm: nil),
                    kind: .staff, memberships: [(try unit.requireID(), role)])
                let officerID = try officer.requireID()
                req.logger.info("officer account created", metadata: [
                    "by": .string(account.id.uuidString), "account": .string(officerID.uuidString),
                    "unit": .string(unit.code), "role": .string(role.rawValue)])
                let name = officer.displayName.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? ""
                return req.redirect(to: "/console?created=\(name)")
            } catch let failure as ValidationFailure {
                for issue in failure.issues where errors[issue.field] == nil {
                    errors[issue.field] = req.message(issue.messageVI, issue.messageEN)
                }
            }
        }
        var page = officerPage(req, values: values, errors: errors)
        page.formError = req.language.texts["formHasErrors"]
        return try await req.view.render("console/officer-new", page).encodeResponse(status: .unprocessableEntity, for: req)
    }

    private func officerPage(_ req: Request, values: [String: String], errors: [String: String]) -> OfficerPage {
        let texts = req.language.texts
        return OfficerPage(
            page: req.pageMeta(titleKey: "consoleNewOfficer"), values: values, errors: errors,
            roles: Role.staffRoles.map { RoleOption(value: $0.rawValue, label: texts["role_" + $0.rawValue] ?? $0.rawValue, selected: values["role"] == $0.rawValue) })
    }
}

/// Sends visitors to the login page and citizens to a clear refusal.
struct StaffOnlyMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let account = request.auth.get(CurrentAccount.self) else {
            let path = request.url.path.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? "/console"
            return request.redirect(to: "/login?next=\(path)")
        }
        guard account.isStaff, Policy.allowsSomewhere(account.grants, .openConsole) else {
            throw Abort(.forbidden)
        }
        return try await next.respond(to: request)
    }
}
