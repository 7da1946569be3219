import Vapor

/// Serves Public/ only for the asset folders, so pages and the API skip a file-system lookup on
/// every request.
struct StaticFilesMiddleware: AsyncMiddleware {
    static let prefixes = ["/css/", "/js/", "/img/", "/favicon.ico", "/robots.txt"]
    let files: FileMiddleware

    init(publicDirectory: String) {
        files = FileMiddleware(publicDirectory: publicDirectory)
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        // A request that matched a route is not for a file (and reading its path costs a parse).
        guard request.route == nil else { return try await next.respond(to: request) }
        let path = request.url.path
        guard Self.prefixes.contains(where: { path.hasPrefix($0) }) else {
            return try await next.respond(to: request)
        }
        return try await files.respond(to: request, chainingTo: next)
    }
}
