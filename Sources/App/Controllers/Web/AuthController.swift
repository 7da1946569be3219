import BinhYenCore
import Vapor

/// Citizen registration, login, logout and the language switch.
struct AuthController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("register", use: registerForm)
        routes.post("register", use: register)
        routes.get("login", use: loginForm)
        routes.post("login", use: login)
        routes.post("logout", use: logout)
        routes.get("lang", ":code", use: switchLanguage)
    }

    struct FormPage: Encodable {
        var page: PageMeta
        var values: [String: String]
        var errors: [String: String]
        var formError: String?
        var next: String?
    }

    struct RegisterForm: Content {
        var phone: String?
        var displayName: String?
        var password: String?
        var passwordConfirm: String?
    }

    struct LoginForm: Content {
        var phone: String?
        var password: String?
        var next: String?
    }

    @Sendable func registerForm(req: Request) async throws -> View {
        _ = req.csrfToken()
        return try await req.view.render("auth/register", FormPage(page: req.pageMeta(titleKey: "registerTitle"), values: [:], errors: [:]))
    }

    @Sendable func register(req: Request) async throws -> Response {
        let form = try req.content.decode(RegisterForm.self)
        let service = AccountService(db: req.db, passwords: req.passwordHashing)
        do {
            let account = try await service.registerCitizen(.init(
                phone: form.phone ?? "", displayName: form.displayName ?? "",
                password: form.password ?? "", passwordConfirm: form.passwordConfirm ?? ""))
            let accountID = try account.requireID()
            try await req.startSession(for: accountID)
            req.logger.info("citizen registered", metadata: ["account": .string(accountID.uuidString)])
            return req.redirect(to: "/")
        } catch let failure as ValidationFailure {
            _ = req.csrfToken()
            let page = FormPage(
                page: req.pageMeta(titleKey: "registerTitle"),
                values: ["phone": form.phone ?? "", "displayName": form.displayName ?? ""],
                errors: fieldMessages(failure.issues, req),
                formError: req.language.texts["formHasErrors"])
            return try await req.view.render("auth/register", page).encodeResponse(status: .unprocessableEntity, for: req)
        }
    }

    @Sendable func loginForm(req: Request) async throws -> View {
        _ = req.csrfToken()
        return try await req.view.render("auth/login", FormPage(page: req.pageMeta(titleKey: "loginTitle"), values: [:], errors: [:], next: safeNext(req.query["next"])))
    }

    @Sendable func login(req: Request) async throws -> Response {
        let form = try req.content.decode(LoginForm.self)
        var service = AccountService(db: req.db, passwords: req.passwordHashing)
        service.decoyHash = req.application.decoyPasswordHash
        do {
            let account = try await service.authenticate(phone: form.phone ?? "", password: form.password ?? "", address: req.remoteAddress?.ipAddress)
            try await req.startSession(for: try account.requireID())
            return req.redirect(to: safeNext(form.next) ?? (account.kind == .staff ? "/console" : "/"))
        } catch let failure as LoginFailure {
            _ = req.csrfToken()
            let message: String
            let status: HTTPStatus
            switch failure {
            case .invalidCredentials:
                message = req.message("Số điện thoại hoặc mật khẩu không đúng.", "Wrong phone number or password.")
                status = .unauthorized
            case .locked(let seconds):
                let minutes = max(1, (seconds + 59) / 60)
                message = req.message("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau \(minutes) phút.",
                                      "Too many failed logins. Please try again in \(minutes) minutes.")
                status = .tooManyRequests
            }
            let page = FormPage(page: req.pageMeta(titleKey: "loginTitle"), values: ["phone": form.phone ?? ""], errors: [:], formError: message, next: safeNext(form.next))
            return try await req.view.render("auth/login", page).encodeResponse(status: status, for: req)
        }
    }

    @Sendable func logout(req: Request) async throws -> Response {
        req.auth.logout(CurrentAccount.self)
        req.session.destroy()
        return req.redirect(to: "/")
    }

    @Sendable func switchLanguage(req: Request) async throws -> Response {
        let language = req.parameters.get("code").flatMap(Language.init(rawValue:)) ?? .vi
        let response = req.redirect(to: safeNext(req.query["next"]) ?? "/")
        response.cookies[Language.cookieName] = HTTPCookies.Value(string: language.rawValue, maxAge: 365 * 24 * 3600, path: "/", isHTTPOnly: true, sameSite: .lax)
        return response
    }

    private func fieldMessages(_ issues: [FieldIssue], _ req: Request) -> [String: String] {
        var messages: [String: String] = [:]
        for issue in issues where messages[issue.field] == nil {
            messages[issue.field] = req.message(issue.messageVI, issue.messageEN)
        }
        return messages
    }

    /// Only local paths, so a crafted link cannot send someone to another site after login.
    private func safeNext(_ next: String?) -> String? {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"), next.count < 512 else { return nil }
        return next
    }
}
