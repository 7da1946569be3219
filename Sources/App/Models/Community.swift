import BinhYenCore
import Fluent
import Foundation

/// An official page of a unit (see `CreatePages`).
final class Page: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "pages"

    @ID var id: UUID?
    @Parent(key: "unit_id") var unit: Unit
    @Field(key: "name") var name: String
    /// The area it serves, as people say it ("Phường Buôn Ma Thuột").
    @Field(key: "area") var area: String
    @OptionalField(key: "hotline") var hotline: String?
    @Field(key: "description") var description: String
    /// The stored avatar's id (an `EvidenceFile` owned by "page:<id>").
    @OptionalField(key: "avatar_path") var avatarPath: String?
    @Field(key: "follower_count") var followerCount: Int
    @OptionalField(key: "verified_at") var verifiedAt: Date?
    @OptionalParent(key: "verified_by") var verifiedBy: Account?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// A neighbourhood group: one per place below the commune (see `CreateGroups`).
final class CommunityGroup: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "community_groups"

    @ID var id: UUID?
    @Parent(key: "unit_id") var unit: Unit
    @Field(key: "place_id") var placeID: UUID
    @Field(key: "name") var name: String
    @Field(key: "invite_code") var inviteCode: String
    @Parent(key: "owner_id") var owner: Account
    @Field(key: "member_count") var memberCount: Int
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// A post to a page and/or groups (see `CreatePosts`).
// A Fluent model is a mutable class: an instance stays inside one task, except those FeedCache
// keeps, which are never changed after they are read and are only read by the tasks they reach.
final class Post: Model, @unchecked Sendable {
    static let schema = "posts"

    enum Status: String, Codable, Sendable {
        case published, withdrawn
    }

    @ID var id: UUID?
    @Parent(key: "unit_id") var unit: Unit
    @OptionalParent(key: "page_id") var page: Page?
    @Parent(key: "author_id") var author: Account
    @Enum(key: "category") var category: PostCategory
    @Enum(key: "priority") var priority: PostPriority
    @Enum(key: "audience") var audience: PostAudience
    @Field(key: "title") var title: String
    @Field(key: "body") var body: String
    @Enum(key: "status") var status: Status
    @Field(key: "pinned") var pinned: Bool
    @Field(key: "rank") var rank: Int
    @Field(key: "publish_at") var publishAt: Date
    /// The same time in milliseconds, the feeds' sort key.
    @Field(key: "publish_ms") var publishMs: Int64
    @OptionalField(key: "expires_at") var expiresAt: Date?
    @OptionalField(key: "withdrawn_at") var withdrawnAt: Date?
    @OptionalField(key: "withdrawal_notice") var withdrawalNotice: String?
    @Field(key: "revision") var revision: Int
    @OptionalField(key: "edited_at") var editedAt: Date?
    @Field(key: "reactions") var reactions: Int
    @Field(key: "comments") var comments: Int
    @Field(key: "shares") var shares: Int
    @Field(key: "share_opens") var shareOpens: Int
    @Field(key: "views") var views: Int
    @Field(key: "created_at") var createdAt: Date

    init() {}
}
