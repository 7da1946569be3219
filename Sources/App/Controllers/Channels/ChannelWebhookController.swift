import Vapor

/// The channels' webhooks. Each request is verified, stored and answered at once (Zalo wants an
/// answer within 2 seconds); the event is applied in the background. No session, no cookie.
struct ChannelWebhookController: RouteCollection {
    /// Zalo and Telegram send one small JSON event per request.
    static let maxBody: ByteCount = "64kb"

    func boot(routes: any RoutesBuilder) throws {
        let channels = routes.grouped("channels")
        channels.on(.POST, "zalo", "webhook", body: .collect(maxSize: Self.maxBody), use: zalo)
        channels.on(.POST, "telegram", "webhook", body: .collect(maxSize: Self.maxBody), use: telegram)
    }

    @Sendable func zalo(req: Request) async throws -> Response {
        let body = try Self.body(req)
        return try await answer(req) { try await req.channels.ingestZalo(body: body, signature: req.headers.first(name: "X-ZEvent-Signature")) }
    }

    @Sendable func telegram(req: Request) async throws -> Response {
        let body = try Self.body(req)
        return try await answer(req) {
            try await req.channels.ingestTelegram(body: body, secretToken: req.headers.first(name: "X-Telegram-Bot-Api-Secret-Token"))
        }
    }

    /// The body, refused when larger than the limit (also when it arrived whole, not streamed).
    private static func body(_ req: Request) throws -> [UInt8] {
        let data = req.body.data ?? ByteBuffer()
        guard data.readableBytes <= maxBody.value else { throw Abort(.payloadTooLarge) }
        return Array(buffer: data)
    }

    private struct Answer: Content {
        var status: String?
        var error: String?
        var message: String?
    }

    private func answer(_ req: Request, _ ingest: () async throws -> ChannelService.Ingested) async throws -> Response {
        do {
            let result = try await ingest()
            return try await Answer(status: "\(result)").encodeResponse(status: .ok, for: req)
        } catch let refusal as ChannelService.Refusal {
            // The reason is logged without the body or the signature.
            req.logger.notice("channel webhook refused", metadata: ["path": .string(req.url.path), "code": .string(refusal.code)])
            return try await Answer(error: refusal.code, message: refusal.message).encodeResponse(status: refusal.status, for: req)
        }
    }
}
