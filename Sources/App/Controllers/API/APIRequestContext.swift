import Vapor

/// Carries the Vapor request into the generated API handlers, which see only typed inputs.
enum APIRequestContext {
    @TaskLocal static var request: Request?

    struct Middleware: AsyncMiddleware {
        func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
            try await APIRequestContext.$request.withValue(request) {
                try await next.respond(to: request)
            }
        }
    }

    static func current() throws -> Request {
        guard let request else { throw Abort(.internalServerError, reason: "API handler called outside a request") }
        return request
    }
}
