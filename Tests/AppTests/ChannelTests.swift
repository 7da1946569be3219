@testable import App
import BinhYenCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Zalo OA and Telegram against real HTTP servers on 127.0.0.1 (`FakeChannels`): signed webhooks
/// in, the page's inbox in the console, replies out through the delivery queue.
@Suite struct ChannelTests {
    static let appID = "360846524940903967"
    static let oaID = "388613280878808645"
    static let oaSecret = "oa-secret-key"
    static let citizen = "246845883529197922"
    static let botSecret = "tg-secret_1"

    /// Runs `body` with the demo loaded, the fake channel APIs up, and the ward's page linked to
    /// a Zalo OA and a Telegram bot.
    static func withChannels(_ body: (Application, FakeChannels, App.Page) async throws -> Void) async throws {
        let fake = try await FakeChannels.start()
        do {
            try await withTestApp(config: { $0.channelEndpoints = fake.endpoints; $0.zaloSendsPerMinute = 0 }) { app in
                try await app.loadDemo()
                _ = try await DemoCommunity.seed(app: app)
                let page = try #require(try await App.Page.query(on: app.db).filter(\.$name == "Công an phường Buôn Ma Thuột").first())
                let service = ChannelService(db: app.db, app: app)
                try await service.link(.init(kind: .zalo, pageID: try page.requireID(), externalID: oaID, appID: appID,
                                             secrets: ChannelSecrets(oaSecretKey: oaSecret, appSecret: "app-secret", accessToken: "access-1", refreshToken: "refresh-1"),
                                             tokenExpiresAt: Date().addingTimeInterval(80_000)), by: .system)
                try await service.link(.init(kind: .telegram, pageID: try page.requireID(), externalID: "12345", appID: nil,
                                             secrets: ChannelSecrets(botToken: "12345:telegram-token", webhookSecret: botSecret)), by: .system)
                try await body(app, fake, page)
            }
        } catch {
            await fake.stop()
            throw error
        }
        await fake.stop()
    }

    static func zaloEvent(_ name: String, msgID: String? = nil, text: String? = nil, attachments: [[String: Any]]? = nil,
                          extra: [String: Any] = [:], appID: String = appID, oaID: String = oaID) throws -> String {
        var message: [String: Any] = [:]
        if let msgID { message["msg_id"] = msgID }
        if let text { message["text"] = text }
        if let attachments { message["attachments"] = attachments }
        var object: [String: Any] = ["app_id": appID, "event_name": name, "user_id_by_app": "552177279717587730",
                                     "timestamp": String(Int64(Date().timeIntervalSince1970 * 1000))]
        if name.hasPrefix("oa_") || name == "user_seen_message" || name == "user_received_message" {
            object["sender"] = ["id": oaID]
            object["recipient"] = ["id": citizen]
        } else {
            object["sender"] = ["id": citizen]
            object["recipient"] = ["id": oaID]
        }
        if !message.isEmpty { object["message"] = message }
        object.merge(extra) { _, new in new }
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    static func signature(_ body: String, appID: String = appID, secret: String = oaSecret) -> String {
        let timestamp = (try? ZaloWebhook.envelope(Array(body.utf8)).timestamp) ?? ""
        return "mac=" + ZaloSignature.compute(appID: appID, body: Array(body.utf8), timestamp: timestamp, oaSecretKey: secret)
    }

    /// The ward's officer (who handles the ward page's conversations).
    static func officer(_ app: Application) async throws -> CurrentAccount {
        let account = try #require(try await Account.query(on: app.db).filter(\.$phone == "+84901000003").first())
        return try #require(try await CurrentAccount.load(accountID: try account.requireID(), on: app.db))
    }

    @discardableResult
    static func post(_ app: Application, _ path: String, _ body: String, headers: HTTPHeaders) async throws -> (HTTPStatus, String) {
        var result: (HTTPStatus, String)?
        var headers = headers
        headers.contentType = .json
        try await app.testing().test(.POST, path, headers: headers, body: ByteBuffer(string: body)) { res async in
            result = (res.status, res.body.string)
        }
        return try #require(result)
    }

    @discardableResult
    static func zalo(_ app: Application, _ body: String) async throws -> (HTTPStatus, String) {
        try await post(app, "/channels/zalo/webhook", body, headers: ["X-ZEvent-Signature": signature(body)])
    }

    static func count(_ app: Application, _ table: String) async throws -> Int {
        try await app.db.requireSQL().raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()!.decode(column: "n", as: Int.self)
    }

    static func messages(_ app: Application) async throws -> [(ConversationMessage, MessageContent)] {
        try await ConversationMessage.query(on: app.db).sort(\.$createdAt).sort(\.$id).all().map {
            ($0, try app.tipVault.open(MessageContent.self, from: $0.sealed, for: try $0.requireID()))
        }
    }

    @Test("A citizen's text, photo and location arrive by signed webhooks in the ward page's inbox; the officer turns the photo into a tip and replies; the replies reach Zalo with the token; the echo is skipped, an officer's message from Zalo's tool is kept, read marks arrive")
    func zaloEndToEnd() async throws {
        try await Self.withChannels { app, fake, page in
            let photoURL = fake.baseURL + "/cdn/photo.jpg"
            let events = [
                try Self.zaloEvent("user_send_text", msgID: "m-text", text: "Có đánh nhau ở chợ, một người cầm dao"),
                try Self.zaloEvent("user_send_image", msgID: "m-photo", text: "Ảnh hiện trường ở cổng chợ trung tâm, khoảng 10 người",
                               attachments: [["type": "image", "payload": ["thumbnail": photoURL, "url": photoURL]]]),
                try Self.zaloEvent("user_send_location", msgID: "m-place",
                               attachments: [["type": "location", "payload": ["coordinates": ["latitude": "12.6667", "longitude": "108.0377"]]]]),
                try Self.zaloEvent("follow", extra: ["oa_id": Self.oaID, "follower": ["id": Self.citizen], "source": "oa_profile"]),
            ]
            for event in events {
                let (status, body) = try await Self.zalo(app, event)
                #expect(status == .ok && body.contains("stored"), "\(body)")
            }
            let followersBefore = page.followerCount
            let service = ChannelService(db: app.db, app: app)
            #expect(try await service.processEvents() == 4)

            // The inbox: one conversation on the ward's page, three messages, the photo kept cleaned.
            let conversation = try #require(try await Conversation.query(on: app.db).first())
            #expect(conversation.$page.id == page.id && conversation.externalUserID == Self.citizen && conversation.following && conversation.unread == 3)
            #expect(try await App.Page.find(page.id, on: app.db)?.followerCount == followersBefore + 1)
            let inbound = try await Self.messages(app).filter { $0.0.direction == .inbound }
            #expect(inbound.map(\.0.externalID) == ["m-text", "m-photo", "m-place"])
            #expect(inbound[2].1.latitude == 12.6667 && inbound[2].1.longitude == 108.0377)
            // A message that names no keyword gets the menu's welcome, once.
            #expect(try await Self.messages(app).filter { $0.0.origin == .menu }.count == 1)

            let officer = try await TipWebTests.login(app, TipAPITests.communeOfficer)
            let list = try await officer.get("/console/inbox")
            let conversationID = try conversation.requireID().uuidString
            #expect(list.status == .ok && list.body.contains("data-id=\"\(conversationID)\"") && list.body.contains("3 chưa đọc"))
            let path = "/console/inbox/\(conversationID)"
            let thread = try await officer.get(path)
            #expect(thread.body.contains("Có đánh nhau ở chợ") && thread.body.contains("12.666700, 108.037700"))
            let fileLink = try #require(thread.body.range(of: #"/console/inbox/[^"]+/files/[0-9A-F-]+"#, options: .regularExpression).map { String(thread.body[$0]) })
            let photo = try await officer.get(fileLink)
            #expect(photo.status == .ok && photo.headers.contentType?.subType == "jpeg" && !photo.body.contains("GPSLatitude"))
            // Another commune's officer does not see the conversation.
            let other = try await TipWebTests.login(app, TipAPITests.otherCommuneOfficer)
            #expect(try await other.get(path).status == .notFound)

            // The photo becomes a tip with its photo; a missing category is refused and changes nothing.
            let photoMessage = try inbound[1].0.requireID().uuidString
            let refused = try await officer.post("\(path)/messages/\(photoMessage)/tip", ["category": "", "commune": TipAPITests.buonMaThuot])
            #expect(refused.status == .unprocessableEntity && refused.body.contains("data-field=\"category\""))
            let tipsBefore = try await Tip.query(on: app.db).count()
            let category = try #require(try await app.tipReferenceData.categories(on: app.db).first).code
            let made = try await officer.post("\(path)/messages/\(photoMessage)/tip", ["category": category, "commune": TipAPITests.buonMaThuot,
                                                                                     "description": "Ảnh hiện trường ở cổng chợ trung tâm, khoảng 10 người"])
            #expect(made.status == .seeOther)
            #expect(try await Tip.query(on: app.db).count() == tipsBefore + 1)
            let tip = try #require(try await Tip.query(on: app.db).sort(\.$createdAt, .descending).first())
            #expect(try await TipAttachment.query(on: app.db).filter(\.$tip.$id == tip.requireID()).count() == 1)
            #expect(try await officer.get(path).body.contains("data-testid=\"tip-made\""))

            // The officer's reply, queued; an empty one is refused.
            #expect(try await officer.post("\(path)/reply", ["text": "  "]).status == .unprocessableEntity)
            #expect(try await officer.post("\(path)/reply", ["text": "Công an phường đã nhận tin, tổ phản ứng nhanh đang đến chợ."]).status == .seeOther)

            // Delivery: the welcome, the tip's reference and the reply, in order, with the token.
            #expect(fake.sent.isEmpty)
            _ = try await service.deliverDue()
            let sent = fake.sent
            #expect(sent.count == 3)
            #expect(sent.allSatisfy { $0.path == "/v3.0/oa/message/cs" && $0.accessToken == "access-1" && $0.userID == Self.citizen })
            #expect(sent[1].text.contains(tip.reference))
            #expect(sent[2].text == "Công an phường đã nhận tin, tổ phản ứng nhanh đang đến chợ.")
            let outbound = try await Self.messages(app).filter { $0.0.direction == .outbound }
            #expect(outbound.allSatisfy { $0.0.status == .sent && $0.0.externalID != nil })

            // Zalo echoes our own send (skipped) and an officer's message written in its OA tool (kept).
            let replyID = try #require(outbound.last?.0.externalID)
            try await Self.zalo(app, try Self.zaloEvent("oa_send_text", msgID: replyID, text: sent[2].text))
            try await Self.zalo(app, try Self.zaloEvent("oa_send_text", msgID: "m-admin", text: "Bà con tránh xa khu vực chợ.",
                                                    extra: ["sender": ["id": Self.oaID, "admin_id": "998877"]]))
            try await Self.zalo(app, try Self.zaloEvent("user_seen_message", extra: ["message": ["msg_ids": [replyID]]]))
            #expect(try await service.processEvents() == 3)
            let after = try await Self.messages(app)
            #expect(after.filter { $0.0.externalID == replyID }.count == 1)
            #expect(after.first { $0.0.externalID == replyID }?.0.status == .seen)
            #expect(after.first { $0.0.externalID == "m-admin" }?.0.origin == .channelTool)
            _ = try await service.deliverDue()
            #expect(fake.sent.count == 3, "nothing is sent again")
        }
    }

    @Test("Refused webhooks store nothing and send nothing: wrong or missing signature, wrong app id, unknown OA, malformed JSON, a huge body; a retried event is stored once; the unsigned {} probe is answered and not stored")
    func zaloRefusals() async throws {
        try await Self.withChannels { app, fake, _ in
            let event = try Self.zaloEvent("user_send_text", msgID: "m-1", text: "Xin chào công an phường")
            var (status, body) = try await Self.post(app, "/channels/zalo/webhook", event, headers: ["X-ZEvent-Signature": Self.signature(event, secret: "guess")])
            #expect(status == .unauthorized && body.contains("signature_invalid"))
            (status, body) = try await Self.post(app, "/channels/zalo/webhook", event, headers: [:])
            #expect(status == .unauthorized && body.contains("signature_missing"))
            // The body changed after signing.
            let tampered = event.replacingOccurrences(of: "Xin chào", with: "Chuyển tiền")
            (status, _) = try await Self.post(app, "/channels/zalo/webhook", tampered, headers: ["X-ZEvent-Signature": Self.signature(event)])
            #expect(status == .unauthorized)
            let otherApp = try Self.zaloEvent("user_send_text", msgID: "m-2", text: "Xin chào", appID: "111")
            (status, body) = try await Self.post(app, "/channels/zalo/webhook", otherApp, headers: ["X-ZEvent-Signature": Self.signature(otherApp, appID: "111")])
            #expect(status == .unauthorized && body.contains("wrong_app"))
            let unknown = try Self.zaloEvent("user_send_text", msgID: "m-3", text: "Xin chào", oaID: "999")
            (status, body) = try await Self.zalo(app, unknown)
            #expect(status == .notFound && body.contains("unknown_account"))
            (status, body) = try await Self.post(app, "/channels/zalo/webhook", "{\"app_id\": ", headers: ["X-ZEvent-Signature": "mac=00"])
            #expect(status == .badRequest && body.contains("malformed"))
            let huge = try Self.zaloEvent("user_send_text", msgID: "m-4", text: String(repeating: "a", count: 100_000))
            (status, _) = try await Self.zalo(app, huge)
            #expect(status == .payloadTooLarge)
            #expect(try await Self.count(app, "channel_events") == 0)

            (status, body) = try await Self.post(app, "/channels/zalo/webhook", "{}", headers: [:])
            #expect(status == .ok && body.contains("probe"))
            (status, body) = try await Self.zalo(app, event)
            #expect(status == .ok && body.contains("stored"))
            (status, body) = try await Self.zalo(app, event)
            #expect(status == .ok && body.contains("duplicate"))
            #expect(try await Self.count(app, "channel_events") == 1)
            _ = try await ChannelService(db: app.db, app: app).processEvents()
            #expect(try await Self.count(app, "conversation_messages") == 2, "the citizen's message and the menu's welcome")
            #expect(fake.sent.isEmpty)
        }
    }

    @Test("Zalo answers 503, then -32, and refuses the old token: every queued reply is delivered exactly once and in order, the token is refreshed and saved, and a second server on the same database finishes the queue")
    func deliveryFaults() async throws {
        try await Self.withChannels { app, fake, _ in
            try await Self.zalo(app, try Self.zaloEvent("user_send_text", msgID: "m-1", text: "Tôi muốn hỏi về căn cước"))
            let service = ChannelService(db: app.db, app: app)
            try await service.processEvents()
            let conversation = try #require(try await Conversation.query(on: app.db).first())
            let officer = try await Self.officer(app)
            let replies = (1...6).map { "Trả lời số \($0)" }
            for text in replies { try await service.reply(text, to: conversation, by: officer) }
            fake.state.withLockedValue { $0.faults = [FakeChannels.Fault.http(.serviceUnavailable), .http(.serviceUnavailable), .zaloError(-32), .zaloError(-32)] }

            var now = Date()
            for _ in 0..<4 {
                _ = try await service.deliverDue(now: now)
                now.addTimeInterval(400)
            }
            // The token rotates: the next send is refused and the worker refreshes it.
            fake.state.withLockedValue { $0.accessToken = "revoked" ; $0.refreshToken = "refresh-1" }
            let delivered = fake.sent.count
            #expect(delivered == 0, "the four faults held the whole queue back, in order")

            // A second server on the same database (as after a restart) finishes the queue.
            let second = try await Application.make(.testing)
            do {
                try await configure(second, config: app.binhyenConfig)
                let again = ChannelService(db: second.db, app: second)
                for _ in 0..<10 {
                    _ = try await again.deliverDue(now: now)
                    now.addTimeInterval(400)
                }
            } catch {
                try? await second.asyncShutdown()
                throw error
            }
            try await second.asyncShutdown()
            let sent = fake.sent
            #expect(sent.count == 7, "the welcome and six replies, each once")
            #expect(sent.first.map { $0.text.contains("xin chào") } == true)
            #expect(Array(sent.map(\.text).dropFirst()) == replies)
            #expect(fake.state.withLockedValue { $0.refreshes } == 1)
            let account = try #require(try await ChannelAccount.query(on: app.db).filter(\.$kind == .zalo).first())
            let secrets = try service.secrets(of: account)
            #expect(secrets.refreshToken == "refresh-2" && secrets.accessToken == "access-2")
            #expect(try await ConversationMessage.query(on: app.db).filter(\.$status == .queued).count() == 0)
        }
    }

    @Test("A reply outside Zalo's 7-day window is refused before it is queued; an error no retry can fix marks the message undeliverable with the reason")
    func undeliverable() async throws {
        try await Self.withChannels { app, fake, _ in
            try await Self.zalo(app, try Self.zaloEvent("user_send_text", msgID: "m-1", text: "Cho hỏi thủ tục tạm trú"))
            let service = ChannelService(db: app.db, app: app)
            try await service.processEvents()
            let conversation = try #require(try await Conversation.query(on: app.db).first())
            let officer = try await Self.officer(app)
            await #expect(throws: ValidationFailure.self) {
                try await service.reply("Trả lời muộn", to: conversation, by: officer, now: Date().addingTimeInterval(8 * 24 * 3600))
            }
            try await service.reply("Trả lời", to: conversation, by: officer)
            fake.state.withLockedValue { $0.faults = [FakeChannels.Fault.zaloError(-213), .zaloError(-230)] }
            _ = try await service.deliverDue()
            let failed = try await ConversationMessage.query(on: app.db).filter(\.$status == .undeliverable).all()
            #expect(failed.count == 2 && failed.allSatisfy { ($0.failure ?? "").contains("7 ngày") })
            #expect(fake.sent.isEmpty)
        }
    }

    @Test("Telegram: a wrong secret token is refused; text, photo and location arrive in the same inbox; the reply goes out with sendMessage; a retried update is stored once")
    func telegram() async throws {
        try await Self.withChannels { app, fake, page in
            func update(_ id: Int, _ message: [String: Any]) throws -> String {
                var message = message
                message["message_id"] = id
                message["from"] = ["id": 777001, "is_bot": false, "first_name": "Lan"]
                message["chat"] = ["id": 777001, "type": "private", "first_name": "Lan"]
                message["date"] = Int(Date().timeIntervalSince1970)
                return String(decoding: try JSONSerialization.data(withJSONObject: ["update_id": 5000 + id, "message": message]), as: UTF8.self)
            }
            let text = try update(1, ["text": "Có người lạ theo dõi nhà tôi mấy đêm nay"])
            var (status, _) = try await Self.post(app, "/channels/telegram/webhook", text, headers: ["X-Telegram-Bot-Api-Secret-Token": "wrong"])
            #expect(status == .forbidden)
            (status, _) = try await Self.post(app, "/channels/telegram/webhook", text, headers: [:])
            #expect(status == .forbidden)
            #expect(try await Self.count(app, "channel_events") == 0)
            let headers: HTTPHeaders = ["X-Telegram-Bot-Api-Secret-Token": Self.botSecret]
            for body in [text, text, try update(2, ["photo": [["file_id": "small", "width": 90], ["file_id": "large", "width": 800]], "caption": "Biển số xe"]),
                         try update(3, ["location": ["latitude": 12.68, "longitude": 108.05]])] {
                (status, _) = try await Self.post(app, "/channels/telegram/webhook", body, headers: headers)
                #expect(status == .ok)
            }
            #expect(try await Self.count(app, "channel_events") == 3)
            let service = ChannelService(db: app.db, app: app)
            try await service.processEvents()
            let conversation = try #require(try await Conversation.query(on: app.db).filter(\.$channel == .telegram).first())
            #expect(conversation.$page.id == page.id && conversation.displayName == "Lan")
            let inbound = try await Self.messages(app).filter { $0.0.direction == .inbound }
            #expect(inbound.count == 3 && inbound[2].1.latitude == 12.68)
            #expect(try await EvidenceFile.query(on: app.db).filter(\.$owner == ChannelService.fileOwner(try inbound[1].0.requireID())).count() == 1)
            let officer = try await TipWebTests.login(app, TipAPITests.communeOfficer)
            #expect(try await officer.get("/console/inbox/\(try conversation.requireID().uuidString)").body.contains("Biển số xe"))
            #expect(try await officer.post("/console/inbox/\(try conversation.requireID().uuidString)/reply", ["text": "Cảm ơn chị, công an khu vực sẽ đến xác minh."]).status == .seeOther)
            _ = try await service.deliverDue()
            #expect(fake.sent.last == FakeChannels.Sent(path: "/sendMessage", accessToken: nil, userID: "777001", text: "Cảm ơn chị, công an khu vực sẽ đến xác minh."))
        }
    }

    @Test("An urgent page post goes to the page's followers: Zalo followers who wrote in the last 7 days and Telegram chats get it once; a follower outside the window is counted as not deliverable; a post that is not urgent cannot be sent")
    func warningsToFollowers() async throws {
        try await Self.withChannels { app, fake, page in
            let citizens = ["111", "222"]
            for citizen in citizens {
                let follow = try Self.zaloEvent("follow", extra: ["oa_id": Self.oaID, "follower": ["id": citizen], "source": "oa_profile"])
                let text = try Self.zaloEvent("user_send_text", msgID: "m-\(citizen)", text: "hotline", extra: ["sender": ["id": citizen]])
                try await Self.zalo(app, follow)
                try await Self.zalo(app, text)
            }
            let telegram = String(decoding: try JSONSerialization.data(withJSONObject: ["update_id": 1, "message": [
                "message_id": 1, "from": ["id": 333, "first_name": "Hà"], "chat": ["id": 333, "type": "private"], "date": 1, "text": "hotline"]]), as: UTF8.self)
            try await Self.post(app, "/channels/telegram/webhook", telegram, headers: ["X-Telegram-Bot-Api-Secret-Token": Self.botSecret])
            let service = ChannelService(db: app.db, app: app)
            try await service.processEvents()
            _ = try await service.deliverDue()
            let answered = fake.sent.count
            // The second citizen last wrote ten days ago.
            let old = try #require(try await Conversation.query(on: app.db).filter(\.$externalUserID == "222").first())
            old.lastInboundAt = Date().addingTimeInterval(-10 * 24 * 3600)
            try await old.save(on: app.db)

            let officer = try await Self.officer(app)
            let posts = PostService(db: app.db, app: app)
            let target = PostService.Target(audience: .none, pageID: try page.requireID(), toChannels: true)
            await #expect(throws: ValidationFailure.self) {
                try await posts.publish(PostDraft(title: "Thông báo lịch tiếp dân", body: "Công an phường tiếp dân sáng thứ Bảy.", category: "other", priority: "information"),
                                        to: target, by: officer)
            }
            let post = try await posts.publish(PostDraft(title: "Cảnh báo giả danh công an gọi điện", body: "Không chuyển tiền theo yêu cầu qua điện thoại.",
                                                         category: "scam_warning", priority: "urgent"), to: target, by: officer)
            try await Outbox.drain(app: app)
            try await Outbox.drain(app: app)
            _ = try await service.deliverDue()
            let warnings = fake.sent.dropFirst(answered)
            #expect(Set(warnings.map(\.userID)) == ["111", "333"] && warnings.count == 2)
            #expect(warnings.allSatisfy { $0.text.contains("Cảnh báo giả danh công an gọi điện") })
            let counts = try await service.warningCounts(of: [try post.requireID()])
            #expect(counts[try post.requireID()] == .init(sent: 2, queued: 0, failed: 1))
        }
    }

    @Test("A province admin links a page to a Zalo OA in the console: missing secrets are named and nothing is stored; the secrets are stored sealed and never shown; a commune officer cannot open the form")
    func linkInConsole() async throws {
        try await Self.withChannels { app, _, page in
            let pageID = try page.requireID().uuidString
            let admin = try await TipWebTests.login(app, TipAPITests.provinceAdmin)
            #expect(try await admin.get("/console/pages").body.contains("/console/pages/\(pageID)/channels"))
            let form = try await admin.get("/console/pages/\(pageID)/channels")
            #expect(form.status == .ok && form.body.contains("Zalo \(Self.oaID)") && !form.body.contains(Self.oaSecret))
            let before = try await Self.count(app, "channel_accounts")
            let refused = try await admin.post("/console/pages/\(pageID)/channels/zalo", ["externalID": "4455", "appID": "991", "oaSecretKey": "s3cret-oa"])
            #expect(refused.status == .unprocessableEntity)
            for field in ["app_secret", "access_token", "refresh_token"] { #expect(refused.body.contains("data-field=\"\(field)\""), "\(field)") }
            #expect(!refused.body.contains("s3cret-oa"), "a secret is not written back into the page")
            #expect(try await Self.count(app, "channel_accounts") == before)
            let linked = try await admin.post("/console/pages/\(pageID)/channels/zalo", ["externalID": "4455", "appID": "991", "oaSecretKey": "s3cret-oa",
                                                                                        "appSecret": "s3cret-app", "accessToken": "tok-a", "refreshToken": "tok-r"])
            #expect(linked.status == .seeOther)
            let account = try #require(try await ChannelAccount.query(on: app.db).filter(\.$externalID == "4455").first())
            #expect(account.appID == "991" && account.$page.id == page.id && !String(decoding: account.sealed, as: UTF8.self).contains("s3cret"))
            #expect(try ChannelService(db: app.db, app: app).secrets(of: account).refreshToken == "tok-r")
            let officer = try await TipWebTests.login(app, TipAPITests.communeOfficer)
            #expect(try await officer.get("/console/pages/\(pageID)/channels").status == .notFound)
        }
    }

    @Test("A citizen's question on Zalo becomes a question to the commune's police in one step; the answer given in the questions inbox goes back on Zalo")
    func questionFromZalo() async throws {
        try await Self.withChannels { app, fake, _ in
            try await Self.zalo(app, try Self.zaloEvent("user_send_text", msgID: "m-q", text: "Cho hỏi làm căn cước cho con 14 tuổi cần giấy tờ gì?"))
            let service = ChannelService(db: app.db, app: app)
            try await service.processEvents()
            let conversation = try #require(try await Conversation.query(on: app.db).first())
            let message = try #require(try await ConversationMessage.query(on: app.db).filter(\.$externalID == "m-q").first())
            let officer = try await TipWebTests.login(app, TipAPITests.communeOfficer)
            let path = "/console/inbox/\(try conversation.requireID().uuidString)"
            #expect(try await officer.get(path).body.contains("make-question"))
            let refused = try await officer.post("\(path)/messages/\(try message.requireID().uuidString)/question", ["commune": "", "text": "Cho hỏi làm căn cước"])
            #expect(refused.status == .unprocessableEntity && refused.body.contains("data-field=\"commune\""))
            #expect(try await Question.query(on: app.db).count() == 0)
            let made = try await officer.post("\(path)/messages/\(try message.requireID().uuidString)/question", ["commune": TipAPITests.buonMaThuot, "text": ""])
            #expect(made.status == .seeOther)
            let question = try #require(try await Question.query(on: app.db).first())
            #expect(question.channel == "zalo" && question.text == "Cho hỏi làm căn cước cho con 14 tuổi cần giấy tờ gì?")
            #expect(try await officer.get(path).body.contains("question-made"))

            let staff = try await Self.officer(app)
            _ = try await QuestionService(db: app.db, app: app).answer(try question.requireID(), text: "Cần giấy khai sinh và sổ hộ khẩu điện tử; cha mẹ đi cùng.",
                                                                       procedureSlug: nil, by: staff)
            _ = try await service.deliverDue()
            let texts = fake.sent.map { $0.text }
            #expect(texts.contains { $0.contains(question.reference) && $0.hasPrefix("Câu hỏi của bạn") })
            #expect(texts.contains { $0.contains("Cần giấy khai sinh và sổ hộ khẩu điện tử") && $0.contains(question.reference) })
        }
    }

    @Test("A citizen messages a page on the site: an empty message is refused; the message reaches the page's inbox; the officer's reply is delivered as a notification and shown in the citizen's thread")
    func messageFromSite() async throws {
        try await Self.withChannels { app, _, page in
            let pageID = try page.requireID().uuidString
            let anonymous = WebClient(app)
            #expect(try await anonymous.get("/pages/\(pageID)/message").location == "/login?next=/pages/\(pageID)/message")
            let citizen = try await TipWebTests.login(app, "0988000001")
            #expect(try await citizen.get("/pages/\(pageID)").body.contains("/pages/\(pageID)/message"))
            _ = try await citizen.get("/pages/\(pageID)/message")
            let refused = try await citizen.post("/pages/\(pageID)/message", ["text": "   "])
            #expect(refused.status == .unprocessableEntity && refused.body.contains("data-field=\"text\""))
            #expect(try await Self.count(app, "conversation_messages") == 0)
            #expect(try await citizen.post("/pages/\(pageID)/message", ["text": "Đêm qua xe máy nhà tôi bị mất trộm ở hẻm 12."]).status == .seeOther)

            let conversation = try #require(try await Conversation.query(on: app.db).filter(\.$channel == .web).first())
            let officer = try await TipWebTests.login(app, TipAPITests.communeOfficer)
            #expect(try await officer.get("/console/inbox").body.contains(try conversation.requireID().uuidString))
            _ = try await officer.get("/console/inbox/\(try conversation.requireID().uuidString)")
            #expect(try await officer.post("/console/inbox/\(try conversation.requireID().uuidString)/reply", ["text": "Anh chị mang giấy đăng ký xe đến công an phường để trình báo."]).status == .seeOther)
            #expect(!(try await citizen.get("/pages/\(pageID)/message").body.contains("giấy đăng ký xe")), "a reply shows once delivered")
            _ = try await ChannelService(db: app.db, app: app).deliverDue()
            let thread = try await citizen.get("/pages/\(pageID)/message")
            #expect(thread.body.contains("giấy đăng ký xe") && thread.body.contains("Đêm qua xe máy"))
            let citizenID = try #require(UUID(uuidString: conversation.externalUserID))
            #expect(try await InAppNotification.query(on: app.db).filter(\.$account.$id == citizenID).filter(\.$kind == "channel.reply").count() == 1)
        }
    }

    @Test("The chat menu takes a tip step by step without an officer: what happened, the commune by name without diacritics, the go-ahead; the tip is filed and its reference sent; HUỶ ends a report")
    func guidedTip() async throws {
        try await Self.withChannels { app, fake, _ in
            let service = ChannelService(db: app.db, app: app)
            var number = 0
            func say(_ text: String) async throws -> String {
                number += 1
                try await Self.zalo(app, try Self.zaloEvent("user_send_text", msgID: "g-\(number)", text: text))
                try await service.processEvents()
                _ = try await service.deliverDue()
                return fake.sent.last?.text ?? ""
            }
            #expect(try await say("Báo tin").contains("bước 1/3"))
            #expect(try await say("đua xe").contains("ít nhất 10 ký tự"))
            #expect(try await say("Tối nào cũng có nhóm thanh niên đua xe, rú ga trên đường Lê Duẩn").hasPrefix("Bước 2/3"))
            #expect(try await say("xa khong ton tai abc").contains("Không tìm thấy"))
            #expect(try await say("phuong buon ma thuot").contains("Buôn Ma Thuột"))
            let tipsBefore = try await Tip.query(on: app.db).count()
            let sent = try await say("GỬI")
            let tip = try #require(try await Tip.query(on: app.db).sort(\.$createdAt, .descending).first())
            #expect(try await Tip.query(on: app.db).count() == tipsBefore + 1)
            #expect(sent.contains(tip.reference) && tip.categoryCode == "other" && tip.anonymous)
            #expect(try TipService(db: app.db, app: app).content(of: tip).description.contains("đua xe, rú ga"))
            #expect(try await AdminArea.find(tip.$area.id, on: app.db)?.code == TipAPITests.buonMaThuot)
            let message = try #require(try await ConversationMessage.query(on: app.db).filter(\.$externalID == "g-\(number)").first())
            #expect(message.$tip.id == tip.id)
            #expect(try await Conversation.query(on: app.db).first()?.flow == nil)

            #expect(try await say("bao tin").contains("bước 1/3"))
            #expect(try await say("Huỷ").hasPrefix("Đã bỏ báo tin"))
            #expect(try await Tip.query(on: app.db).count() == tipsBefore + 1)
        }
    }

    @Test("The chat menu answers keywords without an officer: the hotline, and a scam lookup of a number as the citizen typed it")
    func chatMenu() async throws {
        try await Self.withChannels { app, fake, page in
            try await Self.zalo(app, try Self.zaloEvent("user_send_text", msgID: "m-1", text: "Hotline"))
            try await Self.zalo(app, try Self.zaloEvent("user_send_text", msgID: "m-2", text: "tra cứu 0912.345.678"))
            let service = ChannelService(db: app.db, app: app)
            try await service.processEvents()
            _ = try await service.deliverDue()
            let sent = fake.sent.map { $0.text }
            // Both arrived in the same instant: either may be answered first.
            let hotline = try #require(page.hotline)
            #expect(sent.count == 2)
            #expect(sent.contains { $0.contains(hotline) && $0.hasPrefix("Đường dây nóng") })
            #expect(sent.contains { $0.contains("912") && ($0.contains("KHÔNG có nghĩa là an toàn") || $0.contains("phản ánh")) })
        }
    }
}
