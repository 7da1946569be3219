import Fluent

/// Places below the commune (thôn, buôn, tổ dân phố…: the kind is data) and one neighbourhood
/// group per place, run by an area officer (the owner) with deputies. Members join by invite code
/// or ask and are approved; the owners a group had are kept with their dates.
struct CreateGroups: AsyncMigration {
    var name: String { "2026-12-01-07-create-groups" }

    func prepare(on database: any Database) async throws {
        try await database.schema("places")
            .id()
            .field("unit_id", .uuid, .required, .references("units", "id"))
            .field("kind", .string, .required)
            .field("name", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "unit_id", "kind", "name")
            .create()
        try await database.schema("community_groups")
            .id()
            .field("unit_id", .uuid, .required, .references("units", "id"))
            .field("place_id", .uuid, .required, .references("places", "id"))
            .field("name", .string, .required)
            .field("invite_code", .string, .required)
            .field("owner_id", .uuid, .required, .references("accounts", "id"))
            .field("member_count", .int, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "place_id")
            .unique(on: "invite_code")
            .create()
        try await database.sqlIndex(on: "community_groups", name: "community_groups_unit", columns: ["unit_id"])
        try await database.schema("group_members")
            .field("group_id", .uuid, .required, .references("community_groups", "id"))
            .field("account_id", .uuid, .required, .references("accounts", "id"))
            // owner | deputy | member
            .field("role", .string, .required)
            // active | pending | banned | left
            .field("status", .string, .required)
            .field("updated_at", .datetime, .required)
            .compositeIdentifier(over: "group_id", "account_id")
            .create()
        try await database.sqlIndex(on: "group_members", name: "group_members_account", columns: ["account_id", "status"])
        try await database.sqlIndex(on: "group_members", name: "group_members_status", columns: ["group_id", "status"])
        try await database.schema("group_owner_history")
            .id()
            .field("group_id", .uuid, .required, .references("community_groups", "id"))
            .field("account_id", .uuid, .required, .references("accounts", "id"))
            .field("from_at", .datetime, .required)
            .field("to_at", .datetime)
            .field("handed_by", .uuid, .references("accounts", "id"))
            .create()
        try await database.sqlIndex(on: "group_owner_history", name: "group_owner_history_group", columns: ["group_id", "from_at"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("group_owner_history").delete()
        try await database.schema("group_members").delete()
        try await database.schema("community_groups").delete()
        try await database.schema("places").delete()
    }
}
