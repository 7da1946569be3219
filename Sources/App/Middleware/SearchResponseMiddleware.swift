import Vapor

/// Answers a repeated procedure search (`GET /api/v1/procedures/search`) with the bytes of the
/// first answer, as long as the knowledge base has not changed since (see `KnowledgeCache`): the
/// search is public and the same for everyone, and encoding its JSON costs more than finding it.
struct SearchResponseMiddleware: AsyncMiddleware {
    static let path = "/api/v1/procedures/search"

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.method == .GET, request.url.path == Self.path else { return try await next.respond(to: request) }
        let cache = request.application.knowledgeCache
        let key = request.url.query ?? ""
        if let body = cache.response(for: key) {
            var headers = HTTPHeaders()
            headers.contentType = .json
            return Response(status: .ok, headers: headers, body: .init(buffer: body))
        }
        let generation = cache.generation
        let response = try await next.respond(to: request)
        guard response.status == .ok else { return response }
        // The API's bodies are streamed: read the whole answer (a few kilobytes) and send it as one.
        guard let body = try await response.body.collect(on: request.eventLoop).get() else { return response }
        cache.keep(response: body, for: key, generation: generation)
        response.body = .init(buffer: body)
        return response
    }
}
