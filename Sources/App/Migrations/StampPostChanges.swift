import Fluent
import SQLKit

/// Every change to a post stamps it (`changed_ms`, milliseconds, larger than its last stamp) by a
/// trigger, whoever writes it: each node's feed cache reads the posts stamped since it last
/// looked, about once a second, and forgets them (`FeedCache.followChanges`), so it can keep the
/// rest for minutes instead of reading them all again every few seconds. A new post needs no
/// stamp: no node has it yet.
struct StampPostChanges: AsyncMigration {
    var name: String { "2026-12-06-03-stamp-post-changes" }

    func prepare(on database: any Database) async throws {
        try await database.schema("posts").field("changed_ms", .int64, .required, .sql(.default(0))).update()
        try await database.sqlIndex(on: "posts", name: "posts_by_changed_ms", columns: ["changed_ms"])
        let sql = try database.requireSQL()
        if sql.dialect.name == "postgresql" {
            try await sql.raw("""
                CREATE FUNCTION posts_stamp_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    NEW.changed_ms := GREATEST(OLD.changed_ms + 1, \(unsafeRaw: Self.nowMs("postgresql")));
                    RETURN NEW;
                END $$
                """).run()
            try await sql.raw("CREATE TRIGGER posts_changed BEFORE UPDATE ON posts FOR EACH ROW EXECUTE FUNCTION posts_stamp_change()").run()
        } else {
            try await sql.raw("""
                CREATE TRIGGER posts_changed AFTER UPDATE ON posts WHEN NEW.changed_ms = OLD.changed_ms BEGIN
                    UPDATE posts SET changed_ms = MAX(OLD.changed_ms + 1, \(unsafeRaw: Self.nowMs("sqlite"))) WHERE id = NEW.id;
                END
                """).run()
        }
    }

    /// The database's clock in milliseconds, as the trigger stamps it.
    static func nowMs(_ dialect: String) -> String {
        dialect == "postgresql" ? "(extract(epoch FROM clock_timestamp()) * 1000)::bigint" : "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)"
    }

    func revert(on database: any Database) async throws {
        let sql = try database.requireSQL()
        if sql.dialect.name == "postgresql" {
            try await sql.raw("DROP TRIGGER posts_changed ON posts").run()
            try await sql.raw("DROP FUNCTION posts_stamp_change()").run()
        } else {
            try await sql.raw("DROP TRIGGER posts_changed").run()
        }
        try await sql.raw("DROP INDEX posts_by_changed_ms").run()
        try await database.schema("posts").deleteField("changed_ms").update()
    }
}
