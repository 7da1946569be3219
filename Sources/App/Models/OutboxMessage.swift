import Fluent
import Foundation

/// One side effect waiting for delivery.
final class OutboxMessage: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "outbox"

    enum Status: String, Codable, Sendable {
        case pending
        case done
        /// Failed too often; kept with its last error for an operator.
        case dead
    }

    @ID var id: UUID?
    @Field(key: "topic") var topic: String
    @Field(key: "payload") var payload: String
    @Enum(key: "status") var status: Status
    @Field(key: "attempts") var attempts: Int
    @Field(key: "available_at") var availableAt: Date
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "processed_at") var processedAt: Date?
    @OptionalField(key: "last_error") var lastError: String?

    init() {}
}

/// An in-app notification.
final class InAppNotification: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "notifications"

    @ID var id: UUID?
    @Parent(key: "account_id") var account: Account
    @Field(key: "kind") var kind: String
    @Field(key: "title_vi") var titleVI: String
    @Field(key: "title_en") var titleEN: String
    @Field(key: "link") var link: String
    /// The same event never notifies the same account twice (outbox deliveries may repeat).
    @Field(key: "dedupe_key") var dedupeKey: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "read_at") var readAt: Date?

    init() {}

    init(account: UUID, kind: String, titleVI: String, titleEN: String, link: String, dedupeKey: String, at createdAt: Date) {
        $account.id = account
        self.kind = kind
        self.titleVI = titleVI
        self.titleEN = titleEN
        self.link = link
        self.dedupeKey = dedupeKey
        self.createdAt = createdAt
    }
}
