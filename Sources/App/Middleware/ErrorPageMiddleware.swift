import OpenAPIRuntime
import Vapor

/// Turns errors into a page in the visitor's language on the web, and into the API's error body
/// under /api. Internal details go to the log, never to the visitor.
struct ErrorPageMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            let status = Self.status(of: error)
            if status == .internalServerError {
                request.logger.error("\(Self.logged(error))")
            }
            // While the app shuts down its views are gone; answer plainly instead of rendering.
            if request.application.didShutdown {
                return Response(status: .serviceUnavailable, body: .init(string: "Hệ thống đang dừng / shutting down"))
            }
            if request.url.path.hasPrefix("/api/") {
                if let decoding = Self.decodingError(in: error) {
                    return try APIError.undecodable(decoding)
                }
                return try APIError.response(status: status, code: Self.code(for: status), request: request)
            }
            return try await page(for: status, reason: (error as? any AbortError)?.reason, request: request)
        }
    }

    /// The status an error stands for. A body the generated API code could not decode is the
    /// client's mistake (400), not ours.
    static func status(of error: any Error) -> HTTPStatus {
        if let abort = error as? any AbortError { return abort.status }
        if let server = error as? ServerError {
            if decodingError(in: server) != nil { return .badRequest }
            if let abort = server.underlyingError as? any AbortError { return abort.status }
            if server.httpStatus.code != 500 { return HTTPStatus(statusCode: server.httpStatus.code) }
        }
        return .internalServerError
    }

    /// What the log keeps of an error. Never the request's headers (bearer tokens), query or body
    /// (tips and reports hold personal data), all of which the API runtime's own description holds.
    static func logged(_ error: any Error) -> String {
        guard let server = error as? ServerError else { return String(reflecting: error) }
        let path = server.request.path.map { $0.split(separator: "?", maxSplits: 1).first.map(String.init) ?? $0 } ?? ""
        return "\(server.operationID) \(server.request.method) \(path): \(server.causeDescription): \(String(reflecting: server.underlyingError))"
    }

    static func decodingError(in error: any Error) -> DecodingError? {
        var current: any Error = error
        for _ in 0..<4 {
            if let decoding = current as? DecodingError { return decoding }
            if let server = current as? ServerError { current = server.underlyingError; continue }
            if let described = current as? any CustomStringConvertible, described.description.contains("DecodingError") {
                // The runtime wraps it in an internal error whose type is not public.
                let mirror = Mirror(reflecting: current)
                if let inner = mirror.children.lazy.compactMap({ $0.value as? any Error }).first { current = inner; continue }
            }
            break
        }
        return nil
    }

    static func code(for status: HTTPStatus) -> String {
        switch status {
        case .notFound: "not_found"
        case .unauthorized: "unauthorized"
        case .forbidden: "forbidden"
        case .badRequest: "bad_request"
        case .tooManyRequests: "too_many_requests"
        case .payloadTooLarge: "payload_too_large"
        case .unsupportedMediaType: "unsupported_media_type"
        default: status.code >= 500 ? "internal_error" : "error"
        }
    }

    struct ErrorPage: Encodable {
        var page: PageMeta
        var status: Int
        var heading: String
        var lead: String
        var testID: String
    }

    private func page(for status: HTTPStatus, reason: String?, request: Request) async throws -> Response {
        let texts = request.language.texts
        let (titleKey, leadKey, testID): (String, String, String)
        switch status {
        case .notFound: (titleKey, leadKey, testID) = ("notFoundTitle", "notFoundLead", "not-found")
        case .forbidden where reason == "csrf":
            (titleKey, leadKey, testID) = ("forbiddenTitle", "forbiddenLead", "csrf")
        case .forbidden, .unauthorized: (titleKey, leadKey, testID) = ("forbiddenTitle", "forbiddenLead", "forbidden")
        default: (titleKey, leadKey, testID) = ("errorTitle", "errorLead", "error")
        }
        var lead = texts[leadKey] ?? ""
        if testID == "csrf" {
            lead = request.message("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Hãy tải lại trang và thử lại.",
                                   "The session expired or the form is not valid. Reload the page and try again.")
        } else if status.code >= 400 && status.code < 500, let reason, status != .notFound, status != .forbidden, status != .unauthorized {
            lead = reason
        }
        let context = ErrorPage(page: request.pageMeta(titleKey: titleKey), status: Int(status.code), heading: texts[titleKey] ?? "", lead: lead, testID: testID)
        return try await request.view.render("error", context).encodeResponse(status: status, for: request)
    }
}

/// The API's error body (see ErrorBody in openapi.yaml), for errors raised outside the generated
/// handlers (unknown routes, oversized bodies, undecodable JSON).
enum APIError {
    static func response(status: HTTPStatus, code: String, request: Request) throws -> Response {
        let (vi, en): (String, String) = switch status {
        case .notFound: ("Không tìm thấy.", "Not found.")
        case .unauthorized: ("Cần đăng nhập (Authorization: Bearer).", "Authentication required (Authorization: Bearer).")
        case .forbidden: ("Không có quyền.", "Not allowed.")
        case .payloadTooLarge: ("Dữ liệu gửi lên quá lớn.", "The request body is too large.")
        case .tooManyRequests: ("Quá nhiều yêu cầu; vui lòng thử lại sau.", "Too many requests; try again later.")
        default: status.code >= 500 ? ("Lỗi hệ thống; vui lòng thử lại sau.", "Internal error; please try again later.")
                                    : ("Yêu cầu không hợp lệ.", "The request is not valid.")
        }
        let body: [String: [String: String]] = ["error": ["code": code, "message": vi, "messageEn": en]]
        let response = Response(status: status)
        try response.content.encode(body, as: .json)
        return response
    }

    struct Body: Encodable {
        struct Detail: Encodable {
            var code: String
            var message: String
            var messageEn: String
            var fields: [Field]?
        }
        struct Field: Encodable {
            var field: String
            var code: String
            var message: String
            var messageEn: String
        }
        var error: Detail
    }

    /// "indicators[0].kind", as the API's own validation names fields.
    static func fieldName(_ path: [any CodingKey]) -> String {
        path.reduce(into: "") { name, key in
            if let index = key.intValue { name += "[\(index)]" } else { name += (name.isEmpty ? "" : ".") + key.stringValue }
        }
    }

    /// Broken JSON, or a field of the wrong type or missing: say which field when we know it.
    static func undecodable(_ error: DecodingError) throws -> Response {
        var field: Body.Field?
        switch error {
        case .keyNotFound(let key, let context):
            let name = fieldName(context.codingPath + [key])
            field = .init(field: name, code: "required", message: "Thiếu trường \(name).", messageEn: "The field \(name) is missing.")
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let name = fieldName(context.codingPath)
            field = .init(field: name, code: "type", message: "Trường \(name) sai kiểu dữ liệu.", messageEn: "The field \(name) has the wrong type.")
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            let name = fieldName(context.codingPath)
            field = .init(field: name, code: "format", message: "Trường \(name) sai định dạng.", messageEn: "The field \(name) is not in the right format.")
        default:
            field = nil
        }
        let detail: Body.Detail = if let field {
            .init(code: "validation_failed", message: "Dữ liệu chưa hợp lệ: " + field.message, messageEn: "Invalid input: " + field.messageEn, fields: [field])
        } else {
            .init(code: "bad_json", message: "Nội dung gửi lên không phải JSON hợp lệ.", messageEn: "The request body is not valid JSON.")
        }
        let response = Response(status: .badRequest)
        try response.content.encode(Body(error: detail), as: .json)
        return response
    }
}
