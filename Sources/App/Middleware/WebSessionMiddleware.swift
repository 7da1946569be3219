import Vapor

/// Restores the logged-in account from the session cookie. Reads the session only when the
/// browser sent one, so browsing the public site creates no session at all.
struct WebAccountMiddleware: AsyncMiddleware {
    static let sessionKey = "account"

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if request.hasSession,
           let raw = request.session.data[Self.sessionKey], let id = UUID(uuidString: raw) {
            if let account = try await CurrentAccount.load(accountID: id, on: request.db) {
                request.auth.login(account)
            } else {
                // The account was disabled or removed: end the session.
                request.session.destroy()
            }
        }
        return try await next.respond(to: request)
    }
}

/// Refuses state-changing web requests whose form token does not match the session's, so another
/// site cannot make a logged-in browser act on BinhYen.
struct CSRFMiddleware: AsyncMiddleware {
    static let fieldName = "_csrf"
    static let headerName = "X-CSRF-Token"

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard [.POST, .PUT, .PATCH, .DELETE].contains(request.method) else {
            return try await next.respond(to: request)
        }
        let expected = request.hasSession ? request.session.data[Request.csrfSessionKey] : nil
        // A large form (photos) may still be arriving: read it now, within the upload limit, so
        // the token in it can be checked.
        if request.body.data == nil, request.headers.first(name: Self.headerName) == nil {
            let limit = request.headers.contentType?.type == "multipart" ? Request.uploadBodyLimit : request.application.routes.defaultMaxBodySize.value
            _ = try await request.body.collect(max: limit).get()
        }
        let provided = request.headers.first(name: Self.headerName)
            ?? (try? request.content.get(String.self, at: Self.fieldName))
        guard let expected, let provided, Self.constantTimeEqual(expected, provided) else {
            throw Abort(.forbidden, reason: "csrf")
        }
        return try await next.respond(to: request)
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

extension Request {
    static let csrfSessionKey = "csrf"
    /// Largest form with files: five photos of 10 MB and the text around them.
    static let uploadBodyLimit = 60 * 1024 * 1024

    /// The session's form token, made on first use (this starts a session).
    func csrfToken() -> String {
        if let token = session.data[Self.csrfSessionKey] { return token }
        let token = [UInt8].random(count: 24).base64String()
        session.data[Self.csrfSessionKey] = token
        return token
    }

    /// Logs an account in on a fresh session id, so an id planted before login is worthless.
    func startSession(for accountID: UUID) async throws {
        if let old = session.id {
            try await application.sessions.driver.deleteSession(old, for: self).get()
            session.id = nil
        }
        session.data = SessionData()
        session.data[WebAccountMiddleware.sessionKey] = accountID.uuidString
        _ = csrfToken()
    }
}
