import BinhYenCore
import Foundation
import Testing

/// Zalo and Telegram webhook bodies as the reference gives them, read into the product's events.
struct ChannelParsingTests {
    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test("A user's text: routed by recipient.id (the OA), deduplicated by msg_id, ids kept as strings")
    func zaloText() throws {
        let body = #"{"app_id":"360846524940903967","sender":{"id":"246845883529197922"},"user_id_by_app":"552177279717587730","recipient":{"id":"388613280878808645"},"event_name":"user_send_text","message":{"text":"message","msg_id":"96d3cdf3af150460909"},"timestamp":"154390853474"}"#
        let envelope = try ZaloWebhook.envelope(bytes(body))
        #expect(envelope == .init(appID: "360846524940903967", timestamp: "154390853474", eventName: "user_send_text",
                                  accountID: "388613280878808645", dedupeKey: "user_send_text:96d3cdf3af150460909"))
        let event = try ZaloWebhook.event(bytes(body))
        #expect(event.kind == .message && event.userID == "246845883529197922" && event.text == "message" && event.messageID == "96d3cdf3af150460909")
        #expect(event.occurredAt == Date(timeIntervalSince1970: 154390853.474))
    }

    @Test("Follow names the OA in oa_id and the user in follower.id; echoes are routed by sender.id and tell Zalo's tool by admin_id")
    func zaloFollowAndEcho() throws {
        let follow = #"{"oa_id":"388613280879808645","follower":{"id":"24684588352919792"},"user_id_by_app":"1","event_name":"follow","source":"oa_profile","app_id":"36084652489903967","timestamp":"154397978274"}"#
        let event = try ZaloWebhook.event(bytes(follow))
        #expect(event.kind == .follow && event.accountID == "388613280879808645" && event.userID == "24684588352919792")
        #expect(try ZaloWebhook.envelope(bytes(follow)).dedupeKey == nil)
        let echo = #"{"app_id":"1","sender":{"id":"388","admin_id":"77"},"recipient":{"id":"246"},"event_name":"oa_send_text","message":{"text":"hi","msg_id":"x1"},"timestamp":"1"}"#
        let parsed = try ZaloWebhook.event(bytes(echo))
        #expect(parsed.kind == .echo(fromAdminTool: true) && parsed.accountID == "388" && parsed.userID == "246")
        let own = echo.replacingOccurrences(of: #","admin_id":"77""#, with: "")
        #expect(try ZaloWebhook.event(bytes(own)).kind == .echo(fromAdminTool: false))
    }

    @Test("Location, image, file and seen marks are read from their attachment shapes")
    func zaloAttachments() throws {
        let location = #"{"app_id":"1","sender":{"id":"246"},"recipient":{"id":"388"},"event_name":"user_send_location","message":{"msg_id":"b2","attachments":[{"type":"location","payload":{"coordinates":{"latitude":"10.7642473","longitude":"106.6564314"}}}]},"timestamp":"1718000300000"}"#
        let place = try ZaloWebhook.event(bytes(location))
        #expect(place.latitude == 10.7642473 && place.longitude == 106.6564314 && place.attachments.isEmpty)
        let image = #"{"app_id":"1","sender":{"id":"246"},"recipient":{"id":"388"},"event_name":"user_send_file","message":{"msg_id":"c3","attachments":[{"type":"file","payload":{"url":"https://f/x.pdf","name":"to-giac.pdf","size":"1024000","type":"pdf"}}]},"timestamp":"1"}"#
        #expect(try ZaloWebhook.event(bytes(image)).attachments == [ChannelAttachment(kind: .file, reference: "https://f/x.pdf", name: "to-giac.pdf")])
        let seen = #"{"app_id":"1","sender":{"id":"388"},"recipient":{"id":"246"},"event_name":"user_seen_message","message":{"msg_ids":["a","b"]},"timestamp":"1"}"#
        let marks = try ZaloWebhook.event(bytes(seen))
        #expect(marks.kind == .seen(["a", "b"]) && marks.accountID == "388" && marks.userID == "246")
    }

    @Test("Bodies without app_id, timestamp or event name, and bodies that are not JSON objects, are refused; {} is the probe")
    func zaloMalformed() {
        for body in ["", "[]", "{\"app_id\":\"1\"}", "{\"app_id\":\"1\",\"timestamp\":\"2\"}", "not json",
                     #"{"app_id":"1","timestamp":"2","event_name":"user_send_text","sender":{"id":"3"}}"#] {
            #expect(throws: ChannelParseError.self) { try ZaloWebhook.envelope(self.bytes(body)) }
        }
        #expect(ZaloWebhook.isProbe(bytes("{}")) && ZaloWebhook.isProbe(bytes(" { } ")) && !ZaloWebhook.isProbe(bytes("{\"a\":1}")))
    }

    @Test("Telegram: private text, the largest photo, a location; group chats and edits are not inbox messages")
    func telegram() throws {
        let photo = #"{"update_id":9,"message":{"message_id":42,"from":{"id":111,"is_bot":false,"first_name":"An"},"chat":{"id":111,"type":"private"},"date":1718000000,"photo":[{"file_id":"s","width":90},{"file_id":"l","width":800}],"caption":"xe"}}"#
        let update = try TelegramWebhook.update(bytes(photo), botID: "123")
        #expect(update.updateID == 9 && update.event?.attachments == [ChannelAttachment(kind: .image, reference: "l")] && update.event?.text == "xe")
        #expect(update.event?.userID == "111" && update.event?.displayName == "An" && update.event?.accountID == "123")
        let group = photo.replacingOccurrences(of: "private", with: "group")
        #expect(try TelegramWebhook.update(bytes(group), botID: "123").event == nil)
        #expect(try TelegramWebhook.update(bytes(#"{"update_id":10,"edited_message":{}}"#), botID: "123").event == nil)
        #expect(throws: ChannelParseError.self) { try TelegramWebhook.update(self.bytes(#"{"message":{}}"#), botID: "1") }
        #expect(TelegramWebhook.isValidSecret("abc_DEF-123") && !TelegramWebhook.isValidSecret("") && !TelegramWebhook.isValidSecret("a b"))
    }

    @Test("Send answers: Zalo's error codes and Telegram's statuses decide retry, refresh or give up")
    func sendOutcomes() {
        #expect(ChannelSendOutcome.zalo(status: 200, body: bytes(#"{"data":{"message_id":"m1"},"error":0,"message":"Success"}"#)) == .sent(messageID: "m1"))
        #expect(ChannelSendOutcome.zalo(status: 200, body: bytes(#"{"error":-220,"message":"expired"}"#)) == .refreshToken)
        #expect(ChannelSendOutcome.zalo(status: 503, body: []) == .retry(reason: "HTTP 503", after: nil))
        if case .retry = ChannelSendOutcome.zalo(status: 200, body: bytes(#"{"error":-32,"message":"limit"}"#)) {} else { Issue.record("-32 is retried") }
        if case .undeliverable = ChannelSendOutcome.zalo(status: 200, body: bytes(#"{"error":-230,"message":"window"}"#)) {} else { Issue.record("-230 is final") }
        #expect(ChannelSendOutcome.telegram(status: 200, body: bytes(#"{"ok":true,"result":{"message_id":7}}"#)) == .sent(messageID: "7"))
        #expect(ChannelSendOutcome.telegram(status: 429, body: bytes(#"{"ok":false,"description":"Too Many Requests","parameters":{"retry_after":3}}"#))
                == .retry(reason: "Telegram 429 Too Many Requests", after: 3))
        if case .undeliverable = ChannelSendOutcome.telegram(status: 403, body: bytes(#"{"ok":false,"description":"blocked"}"#)) {} else { Issue.record("403 is final") }
    }

    @Test("The chat menu matches keywords at the start, accents and case ignored, the longest first, and keeps the rest as typed")
    func menu() {
        let menu = ChatMenu(entries: [
            .init(keywords: ["tra cứu"], action: "scam_lookup", replyVI: "a"),
            .init(keywords: ["hỏi"], action: "text", replyVI: "b"),
            .init(keywords: ["hỏi đáp thủ tục"], action: "text", replyVI: "c"),
        ], welcomeVI: "w")
        #expect(menu.match("TRA CỨU 0912.345.678").map { [$0.0.replyVI, $0.rest] } == ["a", "0912.345.678"])
        #expect(menu.match("tra cuu").map { $0.rest } == "")
        #expect(menu.match("Hỏi đáp thủ tục căn cước").map { [$0.0.replyVI, $0.rest] } == ["c", "căn cước"])
        #expect(menu.match("hỏi").map { $0.0.replyVI } == "b")
        #expect(menu.match("Tôi muốn hỏi") == nil)
        #expect(menu.match("trac nghiem") == nil)
    }
}
