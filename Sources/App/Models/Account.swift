import Fluent
import Foundation

/// Anyone who logs in: a citizen who registered, or an officer an admin created.
/// The phone number, in E.164 form, is the login.
final class Account: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "accounts"

    enum Kind: String, Codable, Sendable {
        case citizen
        case staff
    }

    @ID var id: UUID?
    @Field(key: "phone") var phone: String
    @Field(key: "display_name") var displayName: String
    @Field(key: "password_hash") var passwordHash: String
    @Enum(key: "kind") var kind: Kind
    @Field(key: "locale") var locale: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @OptionalField(key: "disabled_at") var disabledAt: Date?
    @Children(for: \.$account) var memberships: [Membership]

    init() {}

    init(id: UUID? = nil, phone: String, displayName: String, passwordHash: String, kind: Kind, locale: String = "vi") {
        self.id = id
        self.phone = phone
        self.displayName = displayName
        self.passwordHash = passwordHash
        self.kind = kind
        self.locale = locale
    }
}
