import Fluent
import Foundation

/// A bearer token for the JSON API. Only its SHA-256 is stored; revoking sets `revokedAt`.
final class APIToken: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "api_tokens"

    @ID var id: UUID?
    @Parent(key: "account_id") var account: Account
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "label") var label: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "revoked_at") var revokedAt: Date?
    @OptionalField(key: "last_used_at") var lastUsedAt: Date?

    init() {}
}
