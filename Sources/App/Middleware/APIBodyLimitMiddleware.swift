import BinhYenCore
import Vapor

/// Bounds what an API request may send before any of it is decoded: 256 KB of JSON, one file of
/// 10 MB on attachment and screenshot routes. The generated API code would otherwise read a body of any size.
struct APIBodyLimitMiddleware: AsyncMiddleware {
    static let jsonLimit = 256 * 1024
    static let uploadLimit = AttachmentRules.maxBytes + 64 * 1024

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard [.POST, .PUT, .PATCH].contains(request.method) else { return try await next.respond(to: request) }
        let upload = request.url.path.hasSuffix("/attachments") || request.url.path == "/api/v1/report-screenshots"
        let limit = upload ? Self.uploadLimit : Self.jsonLimit
        if let declared = request.headers.first(name: .contentLength).flatMap(Int.init), declared > limit {
            return try Self.tooLarge(upload: upload)
        }
        if request.body.data == nil {
            do {
                _ = try await request.body.collect(max: limit).get()
            } catch let error as any AbortError where error.status == .payloadTooLarge {
                return try Self.tooLarge(upload: upload)
            }
        }
        return try await next.respond(to: request)
    }

    static func tooLarge(upload: Bool) throws -> Response {
        let field: APIError.Body.Field = upload
            ? .init(field: "file", code: "too_large", message: "Tệp lớn quá \(AttachmentRules.maxBytes / (1024 * 1024)) MB.",
                    messageEn: "The file is larger than \(AttachmentRules.maxBytes / (1024 * 1024)) MB.")
            : .init(field: "body", code: "too_large", message: "Nội dung gửi lên lớn quá \(jsonLimit / 1024) KB.",
                    messageEn: "The request body is larger than \(jsonLimit / 1024) KB.")
        let response = Response(status: .payloadTooLarge)
        try response.content.encode(APIError.Body(error: .init(code: "payload_too_large", message: field.message, messageEn: field.messageEn, fields: [field])), as: .json)
        return response
    }
}
