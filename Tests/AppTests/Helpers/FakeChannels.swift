@testable import App
import Foundation
import NIOConcurrencyHelpers
import Vapor

/// Zalo's OA API and OAuth server, and Telegram's Bot API, as one real HTTP server on 127.0.0.1
/// speaking their formats (shared/reference/zalo-oa-api.md): consultation messages with the
/// `access_token` header, token refresh with rotating single-use refresh tokens, a CDN for
/// photos, Telegram's sendMessage / getFile / file download. Faults are scripted: answers to
/// give before the normal ones (HTTP 503, Zalo error codes) and a rate limit per second.
final class FakeChannels: Sendable {
    struct Sent: Sendable, Equatable {
        var path: String
        var accessToken: String?
        var userID: String
        var text: String
    }

    enum Fault: Sendable {
        case http(HTTPStatus)
        case zaloError(Int)
    }

    struct State: Sendable {
        var accessToken = "access-1"
        var refreshToken = "refresh-1"
        var appSecret = "app-secret"
        var refreshes = 0
        var sent: [Sent] = []
        var faults: [Fault] = []
        /// Zalo sends accepted per second (0: no limit); beyond it the answer is -32.
        var perSecond = 0
        var windowStart = 0
        var inWindow = 0
        var rateLimited = 0
        var nextMessage = 0
        var botToken = "12345:telegram-token"
    }

    let state = NIOLockedValueBox(State())
    private let app: Application
    let baseURL: String

    static let photo: [UInt8] = TipAttachmentTests.phoneJPEG

    private init(app: Application, baseURL: String) {
        self.app = app
        self.baseURL = baseURL
    }

    static func start() async throws -> FakeChannels {
        let app = try await Application.make(.testing)
        app.logger.logLevel = .warning
        let box = NIOLockedValueBox<FakeChannels?>(nil)
        func fake() -> FakeChannels { box.withLockedValue { $0! } }

        app.post("v3.0", "oa", "message", "cs") { req async throws -> Response in
            try fake().zaloSend(req)
        }
        app.post("v4", "oa", "access_token") { req async throws -> Response in
            try fake().refresh(req)
        }
        app.get("cdn", "photo.jpg") { _ in
            Response(status: .ok, headers: ["Content-Type": "image/jpeg"], body: .init(data: Data(FakeChannels.photo)))
        }
        app.post(":bot", "sendMessage") { req async throws -> Response in
            try fake().telegramSend(req)
        }
        app.get(":bot", "getFile") { req async throws -> Response in
            let fileID = try req.query.get(String.self, at: "file_id")
            return try json(["ok": true, "result": ["file_id": fileID, "file_path": "photos/\(fileID).jpg"]])
        }
        app.get("file", ":bot", "photos", ":name") { _ in
            Response(status: .ok, headers: ["Content-Type": "image/jpeg"], body: .init(data: Data(FakeChannels.photo)))
        }
        app.http.server.configuration.hostname = "127.0.0.1"
        app.http.server.configuration.port = 0
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        guard let port = app.http.server.shared.localAddress?.port else { throw Abort(.internalServerError, reason: "no port") }
        let fake = FakeChannels(app: app, baseURL: "http://127.0.0.1:\(port)")
        box.withLockedValue { $0 = fake }
        return fake
    }

    func stop() async {
        await app.server.shutdown()
        try? await app.asyncShutdown()
    }

    var endpoints: AppConfig.ChannelEndpoints { .init(zaloAPI: baseURL, zaloOAuth: baseURL, telegramAPI: baseURL) }

    var sent: [Sent] { state.withLockedValue { $0.sent } }

    private static func json(_ object: Any, status: HTTPStatus = .ok) throws -> Response {
        Response(status: status, headers: ["Content-Type": "application/json"], body: .init(data: try JSONSerialization.data(withJSONObject: object)))
    }

    private func zaloSend(_ req: Request) throws -> Response {
        let token = req.headers.first(name: "access_token")
        let body = try JSONSerialization.jsonObject(with: Data(buffer: req.body.data ?? ByteBuffer())) as? [String: Any] ?? [:]
        let userID = (body["recipient"] as? [String: Any])?["user_id"] as? String ?? ""
        let text = (body["message"] as? [String: Any])?["text"] as? String ?? ""
        let answer: Response? = try state.withLockedValue { state in
            if !state.faults.isEmpty {
                switch state.faults.removeFirst() {
                case .http(let status): return Response(status: status)
                case .zaloError(let code): return try Self.json(["error": code, "message": "scripted fault"])
                }
            }
            guard token == state.accessToken else { return try Self.json(["error": -216, "message": "Access token is invalid"]) }
            if state.perSecond > 0 {
                let second = Int(Date().timeIntervalSince1970)
                if second != state.windowStart { state.windowStart = second; state.inWindow = 0 }
                state.inWindow += 1
                if state.inWindow > state.perSecond {
                    state.rateLimited += 1
                    return try Self.json(["error": -32, "message": "Exceeded rate limit"])
                }
            }
            return nil
        }
        if let answer { return answer }
        let id = state.withLockedValue { state -> String in
            state.nextMessage += 1
            state.sent.append(Sent(path: req.url.path, accessToken: token, userID: userID, text: text))
            return "zm\(state.nextMessage)"
        }
        return try Self.json(["data": ["message_id": id, "user_id": userID, "quota": ["quota_type": "reply", "remain": "7", "total": "8"]],
                              "error": 0, "message": "Success"])
    }

    private func refresh(_ req: Request) throws -> Response {
        struct Form: Content {
            var refresh_token: String
            var app_id: String
            var grant_type: String
        }
        let form = try req.content.decode(Form.self)
        return try state.withLockedValue { state in
            guard req.headers.first(name: "secret_key") == state.appSecret, form.grant_type == "refresh_token", form.refresh_token == state.refreshToken else {
                return try Self.json(["error": -14014, "error_name": "Invalid refresh token", "error_description": "refresh token is invalid or was used"])
            }
            state.refreshes += 1
            state.accessToken = "access-\(state.refreshes + 1)"
            state.refreshToken = "refresh-\(state.refreshes + 1)"
            return try Self.json(["access_token": state.accessToken, "refresh_token": state.refreshToken, "expires_in": "90000"])
        }
    }

    private func telegramSend(_ req: Request) throws -> Response {
        let bot = req.parameters.get("bot") ?? ""
        let body = try JSONSerialization.jsonObject(with: Data(buffer: req.body.data ?? ByteBuffer())) as? [String: Any] ?? [:]
        return try state.withLockedValue { state in
            guard bot == "bot" + state.botToken else { return try Self.json(["ok": false, "error_code": 401, "description": "Unauthorized"], status: .unauthorized) }
            state.nextMessage += 1
            state.sent.append(Sent(path: "/sendMessage", accessToken: nil, userID: "\(body["chat_id"] ?? "")", text: body["text"] as? String ?? ""))
            return try Self.json(["ok": true, "result": ["message_id": state.nextMessage, "chat": ["id": body["chat_id"] ?? 0, "type": "private"], "text": body["text"] ?? ""]])
        }
    }
}
