import Foundation

/// Where a conversation happens: the external messengers a page can be linked to, and the site
/// itself (a logged-in citizen writing to a page; replies reach them as in-app notifications).
public enum ChannelKind: String, Sendable, Codable, CaseIterable {
    case zalo
    case telegram
    case web
}

/// A photo, file, sticker or link a citizen sent, as the channel describes it (not yet downloaded).
public struct ChannelAttachment: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable { case image, file, sticker, link, audio, video }
    public var kind: Kind
    /// Where the channel serves it (Zalo), or the channel's file id (Telegram).
    public var reference: String
    public var name: String?

    public init(kind: Kind, reference: String, name: String? = nil) {
        self.kind = kind
        self.reference = reference
        self.name = name
    }
}

/// One webhook event, in the product's words, whatever channel it came from.
public struct ChannelEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A citizen wrote, sent a photo, a file, a sticker, a link or a location.
        case message
        case follow
        case unfollow
        /// A message sent by the page: `fromAdminTool` when an officer wrote it in Zalo's own
        /// tool (imported), otherwise the echo of our own send (skipped).
        case echo(fromAdminTool: Bool)
        /// Delivery and read marks of messages the page sent.
        case received([String])
        case seen([String])
        /// The citizen answered a request for contact details.
        case submittedInfo
        /// Known to the channel, of no use to the inbox (reactions, tags…): stored, not applied.
        case other(String)
    }

    public var kind: Kind
    /// The account on the channel (Zalo OA id, Telegram bot id) the event belongs to.
    public var accountID: String
    /// The citizen, as the channel names them for this account.
    public var userID: String
    public var displayName: String?
    /// The channel's message id, when the event is about one message.
    public var messageID: String?
    public var text: String?
    public var attachments: [ChannelAttachment]
    public var latitude: Double?
    public var longitude: Double?
    public var occurredAt: Date

    public init(kind: Kind, accountID: String, userID: String, displayName: String? = nil, messageID: String? = nil, text: String? = nil,
                attachments: [ChannelAttachment] = [], latitude: Double? = nil, longitude: Double? = nil, occurredAt: Date) {
        self.kind = kind
        self.accountID = accountID
        self.userID = userID
        self.displayName = displayName
        self.messageID = messageID
        self.text = text
        self.attachments = attachments
        self.latitude = latitude
        self.longitude = longitude
        self.occurredAt = occurredAt
    }
}

public struct ChannelParseError: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Zalo OA webhook bodies (shared/reference/zalo-oa-api.md §2). Ids and timestamps are strings
/// (they exceed 2^53); the timestamp is in milliseconds.
public enum ZaloWebhook {
    /// What must be known before the signature can be checked: who the event is for and the
    /// signed terms. `accountID` is the OA: `recipient.id` for what users send, `sender.id` for
    /// what the OA sent, `oa_id` for follow and other management events.
    public struct Envelope: Sendable, Equatable {
        public var appID: String
        public var timestamp: String
        public var eventName: String
        public var accountID: String
        /// The same event delivered again has the same key (Zalo retries with an identical body).
        public var dedupeKey: String?

        public init(appID: String, timestamp: String, eventName: String, accountID: String, dedupeKey: String?) {
            self.appID = appID
            self.timestamp = timestamp
            self.eventName = eventName
            self.accountID = accountID
            self.dedupeKey = dedupeKey
        }
    }

    /// An empty object: what Zalo sends, unsigned, when the webhook address is saved.
    public static func isProbe(_ body: [UInt8]) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return false }
        return object.isEmpty
    }

    public static func envelope(_ body: [UInt8]) throws(ChannelParseError) -> Envelope {
        let object = try Self.object(body)
        guard let appID = string(object["app_id"]), !appID.isEmpty else { throw ChannelParseError("app_id is missing") }
        guard let timestamp = string(object["timestamp"]), !timestamp.isEmpty else { throw ChannelParseError("timestamp is missing") }
        guard let eventName = string(object["event_name"]), !eventName.isEmpty else { throw ChannelParseError("event_name is missing") }
        let sender = string((object["sender"] as? [String: Any])?["id"])
        let recipient = string((object["recipient"] as? [String: Any])?["id"])
        let account: String?
        if let oa = string(object["oa_id"]) {
            account = oa
        } else if eventName.hasPrefix("oa_") || eventName == "user_received_message" || eventName == "user_seen_message" {
            account = sender
        } else {
            account = recipient
        }
        guard let accountID = account, !accountID.isEmpty else { throw ChannelParseError("the Official Account id is missing") }
        let message = object["message"] as? [String: Any]
        let dedupe = string(message?["msg_id"]).map { "\(eventName):\($0)" }
        return Envelope(appID: appID, timestamp: timestamp, eventName: eventName, accountID: accountID, dedupeKey: dedupe)
    }

    /// The event in the product's words. Only called on bodies whose envelope was read.
    public static func event(_ body: [UInt8]) throws(ChannelParseError) -> ChannelEvent {
        let envelope = try envelope(body)
        let object = try Self.object(body)
        let message = object["message"] as? [String: Any] ?? [:]
        let sender = object["sender"] as? [String: Any] ?? [:]
        let recipient = object["recipient"] as? [String: Any] ?? [:]
        let occurredAt = Int64(envelope.timestamp).map { Date(timeIntervalSince1970: Double($0) / 1000) } ?? Date(timeIntervalSince1970: 0)
        let name = envelope.eventName
        var event = ChannelEvent(kind: .other(name), accountID: envelope.accountID, userID: string(sender["id"]) ?? "",
                                 messageID: string(message["msg_id"]), text: string(message["text"]), occurredAt: occurredAt)
        switch name {
        case "follow", "unfollow":
            event.kind = name == "follow" ? .follow : .unfollow
            event.userID = string((object["follower"] as? [String: Any])?["id"]) ?? ""
        case "user_received_message", "user_seen_message":
            event.userID = string(recipient["id"]) ?? ""
            let ids = (message["msg_ids"] as? [Any])?.compactMap(string) ?? string(message["msg_id"]).map { [$0] } ?? []
            event.kind = name == "user_seen_message" ? .seen(ids) : .received(ids)
        case "user_submit_info":
            event.kind = .submittedInfo
            event.text = submittedInfo(object["info"] as? [String: Any] ?? [:])
        case _ where name.hasPrefix("oa_send_"):
            event.userID = string(recipient["id"]) ?? ""
            event.kind = .echo(fromAdminTool: string(sender["admin_id"]).map { !$0.isEmpty } ?? false)
            event.attachments = attachments(message)
        case _ where name.hasPrefix("user_send_"):
            event.kind = .message
            event.attachments = attachments(message)
            if let location = (message["attachments"] as? [[String: Any]])?.first(where: { string($0["type"]) == "location" }),
               let coordinates = (location["payload"] as? [String: Any])?["coordinates"] as? [String: Any] {
                event.latitude = string(coordinates["latitude"]).flatMap(Double.init)
                event.longitude = string(coordinates["longitude"]).flatMap(Double.init)
            }
        default:
            break
        }
        guard !event.userID.isEmpty else { throw ChannelParseError("the user id is missing") }
        return event
    }

    private static func attachments(_ message: [String: Any]) -> [ChannelAttachment] {
        (message["attachments"] as? [[String: Any]] ?? []).compactMap { item in
            let payload = item["payload"] as? [String: Any] ?? [:]
            let kind: ChannelAttachment.Kind
            switch string(item["type"]) {
            case "image", "gif": kind = .image
            case "file": kind = .file
            case "sticker": kind = .sticker
            case "link": kind = .link
            case "audio": kind = .audio
            case "video": kind = .video
            default: return nil
            }
            guard let url = string(payload["url"]), !url.isEmpty else { return nil }
            return ChannelAttachment(kind: kind, reference: url, name: string(payload["name"]) ?? string(payload["description"]))
        }
    }

    /// Both shapes Zalo has used for the submitted details, as one line per field.
    private static func submittedInfo(_ info: [String: Any]) -> String {
        var lines: [String] = []
        for (key, label) in [("name", "Họ tên"), ("phone", "Điện thoại"), ("address", "Địa chỉ"), ("ward", "Phường, xã"),
                             ("district", "Quận, huyện"), ("city", "Tỉnh, thành phố"), ("user_dob", "Ngày sinh")] {
            if let value = string(info[key]), !value.isEmpty { lines.append("\(label): \(value)") }
        }
        if let full = info["full_address"] as? [String: Any] {
            let parts = ["user_address", "user_ward", "user_city"].compactMap { string(full[$0]) }.filter { !$0.isEmpty }
            if !parts.isEmpty { lines.append("Địa chỉ: " + parts.joined(separator: ", ")) }
        }
        return lines.joined(separator: "\n")
    }

    static func object(_ body: [UInt8]) throws(ChannelParseError) -> [String: Any] {
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(body)), let object = parsed as? [String: Any] else {
            throw ChannelParseError("the body is not a JSON object")
        }
        return object
    }

    /// Ids arrive as strings; a sender that writes them as numbers is read the same way.
    static func string(_ value: Any?) -> String? {
        switch value {
        case let text as String: return text
        case let number as NSNumber: return number.stringValue
        default: return nil
        }
    }
}

/// Telegram Bot API updates (shared/reference/zalo-oa-api.md §9).
public enum TelegramWebhook {
    public struct Update: Sendable, Equatable {
        public var updateID: Int64
        /// Nil for updates the inbox does not use (edits, channel posts…).
        public var event: ChannelEvent?
    }

    /// - Parameter botID: the bot the update was sent to (the number before the colon of its token).
    public static func update(_ body: [UInt8], botID: String) throws(ChannelParseError) -> Update {
        let object = try ZaloWebhook.object(body)
        guard let updateID = (object["update_id"] as? NSNumber)?.int64Value else { throw ChannelParseError("update_id is missing") }
        guard let message = object["message"] as? [String: Any] else { return Update(updateID: updateID, event: nil) }
        let chat = message["chat"] as? [String: Any] ?? [:]
        guard (chat["type"] as? String) == "private", let chatID = ZaloWebhook.string(chat["id"]) else { return Update(updateID: updateID, event: nil) }
        let from = message["from"] as? [String: Any] ?? [:]
        let name = [from["first_name"] as? String, from["last_name"] as? String].compactMap { $0 }.joined(separator: " ")
        let date = (message["date"] as? NSNumber)?.doubleValue ?? 0
        var event = ChannelEvent(kind: .message, accountID: botID, userID: chatID, displayName: name.isEmpty ? nil : name,
                                 messageID: ZaloWebhook.string(message["message_id"]),
                                 text: (message["text"] as? String) ?? (message["caption"] as? String),
                                 occurredAt: Date(timeIntervalSince1970: date))
        // Sizes of one photo, the largest last.
        if let largest = (message["photo"] as? [[String: Any]])?.last, let fileID = largest["file_id"] as? String {
            event.attachments.append(ChannelAttachment(kind: .image, reference: fileID))
        }
        if let document = message["document"] as? [String: Any], let fileID = document["file_id"] as? String {
            event.attachments.append(ChannelAttachment(kind: .file, reference: fileID, name: document["file_name"] as? String))
        }
        if let location = message["location"] as? [String: Any] {
            event.latitude = (location["latitude"] as? NSNumber)?.doubleValue
            event.longitude = (location["longitude"] as? NSNumber)?.doubleValue
        }
        return Update(updateID: updateID, event: event)
    }

    /// A `secret_token` Telegram accepts: 1–256 characters from A–Z, a–z, 0–9, `_` and `-`.
    public static func isValidSecret(_ secret: String) -> Bool {
        (1...256).contains(secret.utf8.count) && secret.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x2D
        }
    }
}

/// What the channels' send APIs answer, in the product's terms: what the delivery worker does next.
public enum ChannelSendOutcome: Sendable, Equatable {
    case sent(messageID: String)
    /// The access token is no longer good: refresh it, then send again.
    case refreshToken
    /// Try again later (rate limit, outage); `after` when the channel says how long to wait.
    case retry(reason: String, after: TimeInterval?)
    /// No retry will help; the reason is shown to officers.
    case undeliverable(reasonVI: String, reasonEN: String)

    /// Zalo's `/v3.0/oa/message/cs` answer: HTTP status and body (errors come with HTTP 200 and
    /// `error` ≠ 0; codes from the reference §3.5).
    public static func zalo(status: Int, body: [UInt8]) -> ChannelSendOutcome {
        guard status == 200 else { return .retry(reason: "HTTP \(status)", after: nil) }
        guard let object = try? ZaloWebhook.object(body), let code = (object["error"] as? NSNumber)?.intValue else {
            return .retry(reason: "unreadable answer", after: nil)
        }
        let message = (object["message"] as? String) ?? ""
        switch code {
        case 0:
            guard let id = ZaloWebhook.string((object["data"] as? [String: Any])?["message_id"]) else { return .retry(reason: "no message_id", after: nil) }
            return .sent(messageID: id)
        case -216, -220:
            return .refreshToken
        case -32:
            return .retry(reason: "Zalo -32 \(message)", after: 60)
        case -213, -217, -227, -230, -232, -244:
            return .undeliverable(reasonVI: "Người dân chưa tương tác với trang trong 7 ngày qua, đã chặn hoặc hạn chế tin nhắn (Zalo \(code)).",
                                  reasonEN: "The citizen has not interacted with the page in the last 7 days, or blocked or restricted messages (Zalo \(code)).")
        case -234:
            return .retry(reason: "Zalo -234 night window", after: 3600)
        default:
            return .undeliverable(reasonVI: "Zalo từ chối tin nhắn (mã \(code): \(message)).", reasonEN: "Zalo refused the message (code \(code): \(message)).")
        }
    }

    /// Telegram's `sendMessage` answer.
    public static func telegram(status: Int, body: [UInt8]) -> ChannelSendOutcome {
        let object = try? ZaloWebhook.object(body)
        if status == 200, (object?["ok"] as? Bool) == true,
           let id = ZaloWebhook.string((object?["result"] as? [String: Any])?["message_id"]) {
            return .sent(messageID: id)
        }
        let description = (object?["description"] as? String) ?? "HTTP \(status)"
        switch status {
        case 429:
            let after = ((object?["parameters"] as? [String: Any])?["retry_after"] as? NSNumber)?.doubleValue
            return .retry(reason: "Telegram 429 \(description)", after: after)
        case 500...:
            return .retry(reason: "Telegram \(status) \(description)", after: nil)
        case 403:
            return .undeliverable(reasonVI: "Người dân đã chặn hoặc xoá cuộc trò chuyện với bot (Telegram 403).",
                                  reasonEN: "The citizen blocked or deleted the chat with the bot (Telegram 403).")
        default:
            return .undeliverable(reasonVI: "Telegram từ chối tin nhắn (\(status): \(description)).", reasonEN: "Telegram refused the message (\(status): \(description)).")
        }
    }
}

/// Keywords that answer a citizen without an officer (shipped as data: Resources/Channels/menu.json).
public struct ChatMenu: Sendable, Codable, Equatable {
    public struct Entry: Sendable, Codable, Equatable {
        /// Matched at the start of the message, accents and case ignored.
        public var keywords: [String]
        /// `text` (the reply as written, `{page}` and `{hotline}` filled in), or `scam_lookup`
        /// (the rest of the message is looked up in the scam registry).
        public var action: String
        public var replyVI: String

        public init(keywords: [String], action: String, replyVI: String) {
            self.keywords = keywords
            self.action = action
            self.replyVI = replyVI
        }
    }
    /// What the guided tip report (entry action `tip_flow`) says at each step.
    public struct TipFlow: Sendable, Codable, Equatable {
        /// Step 2: where (the entry's own reply is step 1: what happened).
        public var askCommuneVI: String
        /// Step 3: `{commune}` is the commune found; the citizen answers with a send word.
        public var confirmVI: String
        /// `{reference}` is the new tip's reference.
        public var sentVI: String
        public var cancelledVI: String
        public var tooShortVI: String
        /// `{text}` is what the citizen wrote.
        public var communeNotFoundVI: String
        /// Folded words: send the tip, or give up.
        public var sendWords: [String]
        public var cancelWords: [String]

        public init(askCommuneVI: String, confirmVI: String, sentVI: String, cancelledVI: String, tooShortVI: String, communeNotFoundVI: String,
                    sendWords: [String], cancelWords: [String]) {
            self.askCommuneVI = askCommuneVI
            self.confirmVI = confirmVI
            self.sentVI = sentVI
            self.cancelledVI = cancelledVI
            self.tooShortVI = tooShortVI
            self.communeNotFoundVI = communeNotFoundVI
            self.sendWords = sendWords
            self.cancelWords = cancelWords
        }

        public func isSend(_ text: String) -> Bool { sendWords.map(VietnameseText.fold).contains(VietnameseText.fold(text)) }
        public func isCancel(_ text: String) -> Bool { cancelWords.map(VietnameseText.fold).contains(VietnameseText.fold(text)) }
    }

    public var entries: [Entry]
    /// Sent when a message starts with no keyword, at most once a day per conversation.
    public var welcomeVI: String
    public var tipFlow: TipFlow?

    public init(entries: [Entry], welcomeVI: String, tipFlow: TipFlow? = nil) {
        self.entries = entries
        self.welcomeVI = welcomeVI
        self.tipFlow = tipFlow
    }

    /// The entry a message starts with, and what follows the keyword.
    public func match(_ text: String) -> (Entry, rest: String)? {
        let folded = VietnameseText.fold(text).trimmingCharacters(in: .whitespacesAndNewlines)
        var best: (Entry, rest: String, length: Int)?
        for entry in entries {
            for keyword in entry.keywords {
                let key = VietnameseText.fold(keyword)
                guard folded == key || folded.hasPrefix(key + " ") else { continue }
                if key.count > best?.length ?? -1 {
                    // The rest keeps the citizen's own spelling: cut as many words as the keyword has.
                    let words = text.split(whereSeparator: \.isWhitespace)
                    let keyWords = key.split(separator: " ").count
                    best = (entry, words.dropFirst(keyWords).joined(separator: " "), key.count)
                }
            }
        }
        return best.map { ($0.0, $0.rest) }
    }
}
