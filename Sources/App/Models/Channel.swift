import BinhYenCore
import Fluent
import Foundation

/// A page's account on a messaging channel (see `CreateChannels`).
final class ChannelAccount: Model, @unchecked Sendable { // Fluent models are mutable classes; an instance is changed inside one task only (a delivery pass's conversations share theirs read-only).
    static let schema = "channel_accounts"

    enum Status: String, Codable, Sendable {
        case active
        /// The refresh token was refused: a province admin must link the account again.
        case needsConsent = "needs_consent"
    }

    @ID var id: UUID?
    @Parent(key: "page_id") var page: Page
    @Enum(key: "kind") var kind: ChannelKind
    /// The OA id, or the bot's id.
    @Field(key: "external_id") var externalID: String
    @OptionalField(key: "app_id") var appID: String?
    @OptionalField(key: "secret_hash") var secretHash: String?
    @Field(key: "sealed") var sealed: Data
    @OptionalField(key: "token_expires_at") var tokenExpiresAt: Date?
    @Enum(key: "status") var status: Status
    @OptionalField(key: "last_error") var lastError: String?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

/// The secrets of a channel account, sealed together with the account's id.
struct ChannelSecrets: Codable, Sendable, Equatable {
    /// Zalo: verifies webhook signatures (the OA secret key of the app's webhook settings).
    var oaSecretKey: String?
    /// Zalo: the app secret, sent as `secret_key` when tokens are refreshed.
    var appSecret: String?
    var accessToken: String?
    var refreshToken: String?
    /// Telegram.
    var botToken: String?
    var webhookSecret: String?
}

/// A webhook body as received, applied in the background.
final class ChannelEventRecord: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "channel_events"

    enum Status: String, Codable, Sendable {
        case pending
        case done
        /// Could not be applied after several tries; kept with the error for an operator.
        case failed
    }

    @ID var id: UUID?
    @Parent(key: "account_id") var account: ChannelAccount
    @Field(key: "dedupe_key") var dedupeKey: String
    @Field(key: "event_name") var eventName: String
    @Field(key: "sealed") var sealed: Data
    @Enum(key: "status") var status: Status
    @Field(key: "attempts") var attempts: Int
    @Field(key: "received_at") var receivedAt: Date
    @OptionalField(key: "processed_at") var processedAt: Date?
    @OptionalField(key: "last_error") var lastError: String?

    init() {}
}

/// A citizen and a page, on one channel.
final class Conversation: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "conversations"

    @ID var id: UUID?
    @Parent(key: "page_id") var page: Page
    @Enum(key: "channel") var channel: ChannelKind
    @OptionalParent(key: "account_id") var account: ChannelAccount?
    @Field(key: "external_user_id") var externalUserID: String
    @OptionalField(key: "display_name") var displayName: String?
    /// Follows the page on the channel (Zalo follow / unfollow events).
    @Field(key: "following") var following: Bool
    /// The citizen's last message: Zalo accepts replies for 7 days after it.
    @OptionalField(key: "last_inbound_at") var lastInboundAt: Date?
    @Field(key: "last_message_at") var lastMessageAt: Date
    @Field(key: "unread") var unread: Int
    @OptionalField(key: "menu_welcomed_at") var menuWelcomedAt: Date?
    /// The step of the chat menu's guided tip report the citizen is at, and what they gave so
    /// far (`TipFlowDraft`, sealed with the conversation's id).
    @OptionalField(key: "flow") var flow: String?
    @OptionalField(key: "flow_sealed") var flowSealed: Data?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// One message of a conversation. What was written is sealed (`MessageContent`).
final class ConversationMessage: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "conversation_messages"

    enum Direction: String, Codable, Sendable { case inbound = "in", outbound = "out" }

    enum Origin: String, Codable, Sendable {
        case citizen
        /// An officer in the console.
        case officer
        /// An officer in Zalo's own OA tool (imported from its echo).
        case channelTool = "channel_tool"
        /// The chat menu's automatic answer.
        case menu
        /// A notice the product sends (a tip's reference…).
        case system
    }

    enum Status: String, Codable, Sendable {
        case received
        case queued
        case sent
        case delivered
        case seen
        case undeliverable

        var labelVI: String {
            switch self {
            case .received: "Đã nhận"
            case .queued: "Đang chờ gửi"
            case .sent: "Đã gửi"
            case .delivered: "Đã đến máy"
            case .seen: "Đã xem"
            case .undeliverable: "Không gửi được"
            }
        }

        var labelEN: String {
            switch self {
            case .received: "Received"
            case .queued: "Waiting to be sent"
            case .sent: "Sent"
            case .delivered: "Delivered"
            case .seen: "Seen"
            case .undeliverable: "Could not be delivered"
            }
        }
    }

    @ID var id: UUID?
    @Parent(key: "conversation_id") var conversation: Conversation
    @Enum(key: "direction") var direction: Direction
    @Enum(key: "origin") var origin: Origin
    @OptionalParent(key: "author_id") var author: Account?
    @Field(key: "sealed") var sealed: Data
    @OptionalField(key: "external_id") var externalID: String?
    @Enum(key: "status") var status: Status
    @Field(key: "attempts") var attempts: Int
    @OptionalField(key: "next_attempt_at") var nextAttemptAt: Date?
    @OptionalField(key: "failure") var failure: String?
    @OptionalParent(key: "tip_id") var tip: Tip?
    /// The question this citizen's message became (its answer goes back to the conversation).
    @OptionalParent(key: "question_id") var question: Question?
    /// The urgent post this message warned followers of.
    @OptionalParent(key: "post_id") var post: Post?
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "sent_at") var sentAt: Date?
    @OptionalField(key: "delivered_at") var deliveredAt: Date?
    @OptionalField(key: "seen_at") var seenAt: Date?

    init() {}
}

/// What the guided tip report has gathered.
struct TipFlowDraft: Codable, Sendable, Equatable {
    var description = ""
    var communeCode: String?
    var communeName: String?
}

/// What a message says, sealed with the message's id.
struct MessageContent: Codable, Sendable, Equatable {
    var text: String
    var attachments: [ChannelAttachment] = []
    var latitude: Double?
    var longitude: Double?
}
