import BinhYenCore
import NIOCore
import Vapor

/// Where a public answer's encoded bytes are kept until its data changes.
protocol KeptResponses: Sendable {
    /// Bumped by every change to the data the answers come from.
    var generation: Int { get }
    func response(for query: String) -> ByteBuffer?
    /// Keeps `body` unless the data changed since `generation` was read.
    func keep(response body: ByteBuffer, for query: String, generation: Int)
}

/// Answers a repeated public search with the bytes of the first answer, as long as its data has
/// not changed since: the procedure search (`KnowledgeCache`) and the scam lookup
/// (`ScamLookupIndex`), the same for everyone; and a unit's statistics (`StatsAnswers`), the same
/// for everyone who may read them, kept as long as their figures. Encoding their JSON costs more
/// than finding them. A lookup still passes the per-address limit first; one asked for the first
/// time is answered here from the index (`ScamLookupJSON`) when its query reads as an indicator.
struct KeptResponseMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.method == .GET, let store = try await Self.store(for: request) else { return try await next.respond(to: request) }
        let key = request.url.query ?? ""
        if let body = store.response(for: key) {
            var headers = HTTPHeaders()
            headers.contentType = .json
            return Response(status: .ok, headers: headers, body: .init(buffer: body))
        }
        let generation = store.generation
        let response: Response
        if let answered = Self.lookupAnswer(request, store: store) { response = answered } else { response = try await next.respond(to: request) }
        guard response.status == .ok else { return response }
        // The API's bodies are streamed: read the whole answer (a few kilobytes) and send it as one.
        guard let body = try await response.body.collect(on: request.eventLoop).get() else { return response }
        store.keep(response: body, for: key, generation: generation)
        response.body = .init(buffer: body)
        return response
    }

    /// Which store keeps the answers of the request's route, if any. Routes are compared as
    /// matched, not by parsing the path again on every API request.
    private static func store(for request: Request) async throws -> (any KeptResponses)? {
        switch request.route?.path ?? [] {
        case proceduresRoute:
            return request.application.knowledgeCache
        case lookupRoute:
            // Over the limit: the handler answers 429.
            guard request.lookupWait() == nil else { return nil }
            let index = request.application.scamLookupIndex
            if index.needsRefresh { try await index.refresh(on: request.db) }
            return index
        case statsRoute:
            // Kept only for a reader who may see them; anyone else reaches the handler, which
            // answers 401 or 404.
            guard let cache = request.application.statsCache, let code = request.parameters.get("code"),
                  let account = try await APIHandler.keptBearer(request),
                  try await Statistics.readableUnit(code: code, by: account, on: request.db, cache: cache) != nil
            else { return nil }
            return StatsAnswers(cache: cache, path: request.url.path)
        default:
            return nil
        }
    }

    /// The value of a query that is `q=…` and nothing else, read as a form (`+` is a space, then
    /// percent escapes); nil for any other query, which the API's own decoding reads.
    static func onlyQ(_ query: String?) -> String? {
        guard let query, query.hasPrefix("q="), !query.contains("&") else { return nil }
        let value = query.dropFirst(2)
        return (value.contains("+") ? String(value.map { $0 == "+" ? " " : $0 }) : String(value)).removingPercentEncoding
    }

    private static let proceduresRoute: [PathComponent] = ["api", "v1", "procedures", "search"]
    private static let lookupRoute: [PathComponent] = ["api", "v1", "scam-lookup"]
    private static let statsRoute: [PathComponent] = ["api", "v1", "stats", "units", .parameter("code")]

    /// A lookup asked for the first time, answered from the index and written as JSON directly
    /// (`ScamLookupJSON`); nil for anything else, and for a query that does not read as an
    /// indicator, which the API's handler answers with its errors.
    private static func lookupAnswer(_ request: Request, store: any KeptResponses) -> Response? {
        guard let index = store as? ScamLookupIndex, index.isLoaded, let query = onlyQ(request.url.query),
              case .success(let indicator) = IndicatorRules.guess(query) else { return nil }
        return .apiJSON(ScamLookupJSON.encode(ScamRegistry.answer(indicator, index), allocator: request.byteBufferAllocator))
    }
}
