import Fluent

/// The messaging channels behind pages (Zalo Official Accounts, Telegram bots) and the one inbox:
///
/// - `channel_accounts`: a page's account on a channel. Its secrets (OA secret key, app secret,
///   access and refresh tokens; a bot's token and webhook secret) are sealed together in `sealed`.
///   `secret_hash` is the SHA-256 of a Telegram webhook secret, by which an update finds its bot.
/// - `channel_events`: every accepted webhook body, sealed, stored before the answer and applied in
///   the background; `dedupe_key` makes a retried delivery a no-op.
/// - `conversations`: a citizen and a page on one channel (or the web site).
/// - `conversation_messages`: what either side wrote (sealed). Outbound rows are the delivery
///   queue: `status` queued → sent → delivered → seen, or undeliverable with the reason.
///   `post_id` names the urgent post a warning to followers carries.
struct CreateChannels: AsyncMigration {
    var name: String { "2026-12-02-03-create-channels" }

    func prepare(on database: any Database) async throws {
        try await database.schema("channel_accounts")
            .id()
            .field("page_id", .uuid, .required, .references("pages", "id"))
            .field("kind", .string, .required)
            .field("external_id", .string, .required)
            .field("app_id", .string)
            .field("secret_hash", .string)
            .field("sealed", .data, .required)
            .field("token_expires_at", .datetime)
            .field("status", .string, .required)
            .field("last_error", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "kind", "external_id")
            .create()
        try await database.sqlIndex(on: "channel_accounts", name: "channel_accounts_secret", columns: ["secret_hash"])

        try await database.schema("channel_events")
            .id()
            .field("account_id", .uuid, .required, .references("channel_accounts", "id"))
            .field("dedupe_key", .string, .required)
            .field("event_name", .string, .required)
            .field("sealed", .data, .required)
            .field("status", .string, .required)
            .field("attempts", .int, .required)
            .field("received_at", .datetime, .required)
            .field("processed_at", .datetime)
            .field("last_error", .string)
            .unique(on: "dedupe_key")
            .create()
        try await database.sqlIndex(on: "channel_events", name: "channel_events_pending", columns: ["status", "received_at"])

        try await database.schema("conversations")
            .id()
            .field("page_id", .uuid, .required, .references("pages", "id"))
            .field("channel", .string, .required)
            .field("account_id", .uuid, .references("channel_accounts", "id"))
            .field("external_user_id", .string, .required)
            .field("display_name", .string)
            .field("following", .bool, .required)
            .field("last_inbound_at", .datetime)
            .field("last_message_at", .datetime, .required)
            .field("unread", .int, .required)
            .field("menu_welcomed_at", .datetime)
            .field("flow", .string)
            .field("flow_sealed", .data)
            .field("created_at", .datetime, .required)
            .unique(on: "account_id", "external_user_id")
            .create()
        try await database.sqlIndex(on: "conversations", name: "conversations_page", columns: ["page_id", "last_message_at"])

        try await database.schema("conversation_messages")
            .id()
            .field("conversation_id", .uuid, .required, .references("conversations", "id"))
            .field("direction", .string, .required)
            .field("origin", .string, .required)
            .field("author_id", .uuid, .references("accounts", "id"))
            .field("sealed", .data, .required)
            .field("external_id", .string)
            .field("status", .string, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime)
            .field("failure", .string)
            .field("tip_id", .uuid, .references("tips", "id"))
            .field("post_id", .uuid, .references("posts", "id"))
            .field("question_id", .uuid, .references("questions", "id"))
            .field("created_at", .datetime, .required)
            .field("sent_at", .datetime)
            .field("delivered_at", .datetime)
            .field("seen_at", .datetime)
            .create()
        try await database.sqlIndex(on: "conversation_messages", name: "conversation_messages_thread", columns: ["conversation_id", "created_at"])
        try await database.sqlIndex(on: "conversation_messages", name: "conversation_messages_queue", columns: ["status", "next_attempt_at"])
        try await database.sqlIndex(on: "conversation_messages", name: "conversation_messages_external", columns: ["external_id"])
        try await database.sqlIndex(on: "conversation_messages", name: "conversation_messages_post", columns: ["post_id", "conversation_id"])
        try await database.sqlIndex(on: "conversation_messages", name: "conversation_messages_question", columns: ["question_id"])
    }

    func revert(on database: any Database) async throws {
        for table in ["conversation_messages", "conversations", "channel_events", "channel_accounts"] {
            try await database.schema(table).delete()
        }
    }
}
