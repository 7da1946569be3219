import BinhYenAPI
import BinhYenCore
import Foundation
import NIOCore
import Vapor

/// A feed page in the API's JSON, put together from each post's JSON made once when the post was
/// read from the database (`FeedCache.encode`), with the reader's marks (`unread`, `myReaction`)
/// written in front. It is the same document as `Schemas.FeedPage` encoded whole (the tests compare
/// the two), for the cost of copying bytes: a feed page is twenty posts, read by every member all
/// day long, and encoding them afresh each time cost more than finding them.
enum FeedJSON {
    /// The post as `Schemas.PostView` without `unread` (and without `myReaction`, which a kept
    /// post never has): a JSON object.
    @Sendable static func post(_ item: PostService.FeedItem) -> [UInt8] {
        var item = item
        item.unread = false
        item.myReaction = nil
        var json = (try? encoder.encode(APIHandler.postView(item))).map(Array.init) ?? Array("{}".utf8)
        // A quote inside a string is escaped, so this is the key and nothing else.
        if let range = json.firstRange(of: Array(#""unread":false"#.utf8)) {
            if range.upperBound < json.count, json[range.upperBound] == UInt8(ascii: ",") {
                json.removeSubrange(range.lowerBound...range.upperBound)
            } else if range.lowerBound > 0, json[range.lowerBound - 1] == UInt8(ascii: ",") {
                json.removeSubrange((range.lowerBound - 1)..<range.upperBound)
            } else {
                json.removeSubrange(range)
            }
        }
        return json
    }

    static func page(_ page: PostService.FeedPage, allocator: ByteBufferAllocator) -> ByteBuffer {
        let posts = page.items.map { $0.json ?? post($0) }
        var buffer = allocator.buffer(capacity: posts.reduce(64) { $0 + $1.count + 48 })
        buffer.writeString(#"{"items":["#)
        for (index, item) in page.items.enumerated() {
            if index > 0 { buffer.writeString(",") }
            buffer.writeString(item.unread ? #"{"unread":true"# : #"{"unread":false"#)
            // Reaction kinds and cursors are plain ASCII words: nothing to escape.
            if let reaction = item.myReaction { buffer.writeString(#","myReaction":""# + reaction.rawValue + #"""#) }
            let rest = posts[index].dropFirst()
            if rest.first != UInt8(ascii: "}") { buffer.writeString(",") }
            buffer.writeBytes(rest)
        }
        buffer.writeString("]")
        if let next = page.next { buffer.writeString(#","next":""# + next + #"""#) }
        buffer.writeString("}")
        return buffer
    }

    /// The same settings as the API's (`routes.swift`): compact, dates as `InternetTime` writes them.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(InternetTime.string(date))
        }
        return encoder
    }()
}

/// Answers `GET /api/v1/feed` with `FeedJSON` when the request is in order (a token, a cursor and
/// a limit that read); anything else goes on to the API's handler, which answers the error.
struct FeedMiddleware: AsyncMiddleware {
    static let route: [PathComponent] = ["api", "v1", "feed"]

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.method == .GET, request.route?.path == Self.route else { return try await next.respond(to: request) }
        // Most requests ask for the first page as it comes: no query to decode.
        var query = Query()
        if !(request.url.query?.isEmpty ?? true) {
            guard let decoded = try? request.query.decode(Query.self) else { return try await next.respond(to: request) }
            query = decoded
        }
        guard let cursor = APIHandler.cursor(query.after), let limit = Self.limit(query.limit),
              let account = try await APIHandler.keptBearer(request)
        else { return try await next.respond(to: request) }
        let page = try await request.posts.feed(for: account.id, after: cursor, limit: limit ?? 20)
        return .apiJSON(FeedJSON.page(page, allocator: request.byteBufferAllocator))
    }

    private struct Query: Decodable {
        var after: String?
        var limit: String?
    }

    /// nil when `limit` is there but not a whole number; `.some(nil)` when absent.
    private static func limit(_ text: String?) -> Int?? {
        guard let text else { return .some(nil) }
        guard let value = Int(text) else { return nil }
        return .some(value)
    }
}

extension Response {
    /// 200 with a JSON body written outside the generated server, with the header it would send.
    static func apiJSON(_ body: ByteBuffer) -> Response {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "application/json; charset=utf-8")
        return Response(status: .ok, headers: headers, body: .init(buffer: body))
    }
}
