import BinhYenCore
import Fluent
import Foundation
import SQLKit
import Vapor

/// Feeds and what readers do with posts.
///
/// A feed is read, not stored: a citizen's feed merges the newest entries of each page they follow
/// (`posts` by page) and each group they belong to (`post_targets` by group), each source one short
/// index range, in the order pinned, urgent, the rest, newest first. A province-wide alert is then
/// one row per group, not one per member.
extension PostService {
    struct FeedItem: Sendable {
        var post: Post
        var unitName: String
        var pageName: String?
        var pageVerified: Bool
        var unread: Bool
        var myReaction: ReactionKind?
    }

    struct FeedPage: Sendable {
        var items: [FeedItem]
        /// Pass back as `after` for the next page; nil at the end.
        var next: String?
    }

    /// Where a feed continues: the last item's place in the order.
    struct Cursor: Sendable, Comparable {
        var rank: Int
        /// Publishing time in milliseconds (`publish_ms`).
        var publishMs: Int64
        var id: UUID

        init(rank: Int, publishMs: Int64, id: UUID) {
            self.rank = rank
            self.publishMs = publishMs
            self.id = id
        }

        init?(_ text: String) {
            let parts = text.split(separator: "_")
            guard parts.count == 3, let rank = Int(parts[0]), let ms = Int64(parts[1]), let id = UUID(uuidString: String(parts[2])) else { return nil }
            self.init(rank: rank, publishMs: ms, id: id)
        }

        var text: String { "\(rank)_\(publishMs)_\(id.uuidString)" }

        /// Feed order: "less" comes first.
        static func < (a: Cursor, b: Cursor) -> Bool {
            if a.rank != b.rank { return a.rank > b.rank }
            if a.publishMs != b.publishMs { return a.publishMs > b.publishMs }
            return a.id.uuidString > b.id.uuidString
        }
    }

    static let maxFeedLimit = 50

    /// A citizen's feed: the posts of the pages they follow and the groups they belong to.
    func feed(for account: UUID, after cursor: Cursor?, limit: Int, now: Date = Date()) async throws -> FeedPage {
        let sql = try db.requireSQL()
        let sources = try await sql.raw("""
            SELECT 'g' AS kind, group_id AS id FROM group_members WHERE account_id = \(bind: account) AND status = 'active'
            UNION ALL SELECT 'p' AS kind, page_id AS id FROM page_follows WHERE account_id = \(bind: account)
            """).all()
        var groups: [UUID] = [], pages: [UUID] = []
        for row in sources {
            let id = try row.decode(column: "id", as: UUID.self)
            if try row.decode(column: "kind", as: String.self) == "g" { groups.append(id) } else { pages.append(id) }
        }
        return try await merged(groups: groups, pages: pages, viewer: account, after: cursor, limit: limit, now: now)
    }

    /// A page's public feed.
    func pageFeed(_ pageID: UUID, viewer: UUID?, after cursor: Cursor?, limit: Int, now: Date = Date()) async throws -> FeedPage {
        try await merged(groups: [], pages: [pageID], viewer: viewer, after: cursor, limit: limit, now: now)
    }

    /// A group's feed, for its members and its officers only; anyone else gets "not found".
    func groupFeed(_ groupID: UUID, viewer: CurrentAccount, after cursor: Cursor?, limit: Int, now: Date = Date()) async throws -> FeedPage {
        guard let group = try await CommunityGroup.find(groupID, on: db) else { throw TipService.NotFound() }
        let community = CommunityService(db: db, gate: gate)
        let isMember = try await community.membership(groupID, account: viewer.id)?.status == .active
        if !isMember, !(try await community.mayManage(group, viewer)) { throw TipService.NotFound() }
        return try await merged(groups: [groupID], pages: [], viewer: viewer.id, after: cursor, limit: limit, now: now)
    }

    private func merged(groups: [UUID], pages: [UUID], viewer: UUID?, after cursor: Cursor?, limit: Int, now: Date) async throws -> FeedPage {
        let limit = max(1, min(limit, Self.maxFeedLimit))
        guard !groups.isEmpty || !pages.isEmpty else { return FeedPage(items: [], next: nil) }
        let sql = try db.requireSQL()
        let nowMs = Self.milliseconds(now)
        // One query: each source's first `limit + 1` entries after the cursor, newest first.
        var parts: [SQLQueryString] = []
        for (index, group) in groups.prefix(100).enumerated() {
            parts.append("""
                SELECT * FROM (SELECT post_id, rank, publish_ms FROM post_targets
                WHERE group_id = \(bind: group) AND publish_ms <= \(bind: nowMs) AND (expires_at IS NULL OR expires_at > \(bind: now))\(Self.after(cursor, id: "post_id"))
                ORDER BY rank DESC, publish_ms DESC, post_id DESC LIMIT \(literal: limit + 1)) AS g\(unsafeRaw: String(index))
                """)
        }
        for (index, page) in pages.prefix(100).enumerated() {
            parts.append("""
                SELECT * FROM (SELECT id AS post_id, rank, publish_ms FROM posts
                WHERE page_id = \(bind: page) AND publish_ms <= \(bind: nowMs) AND (expires_at IS NULL OR expires_at > \(bind: now))\(Self.after(cursor, id: "id"))
                ORDER BY rank DESC, publish_ms DESC, id DESC LIMIT \(literal: limit + 1)) AS p\(unsafeRaw: String(index))
                """)
        }
        let rows = try await sql.raw(parts.joined(separator: " UNION ALL ")).all()
        var seen = Set<UUID>()
        var entries: [Cursor] = []
        for row in rows {
            let entry = Cursor(rank: try row.decode(column: "rank", as: Int.self), publishMs: try row.decode(column: "publish_ms", as: Int64.self),
                               id: try row.decode(column: "post_id", as: UUID.self))
            if seen.insert(entry.id).inserted { entries.append(entry) }
        }
        entries.sort()
        let page = Array(entries.prefix(limit))
        let next = entries.count > limit ? page.last?.text : nil
        return FeedPage(items: try await items(page.map(\.id), viewer: viewer), next: next)
    }

    /// Rows strictly after the cursor in feed order.
    private static func after(_ cursor: Cursor?, id: String) -> SQLQueryString {
        guard let cursor else { return "" }
        return """
             AND (rank < \(bind: cursor.rank) OR (rank = \(bind: cursor.rank) AND (publish_ms < \(bind: cursor.publishMs)
             OR (publish_ms = \(bind: cursor.publishMs) AND \(ident: id) < \(bind: cursor.id)))))
            """
    }

    /// The posts, in the given order, with what the viewer has done with them.
    func items(_ ids: [UUID], viewer: UUID?) async throws -> [FeedItem] {
        guard !ids.isEmpty else { return [] }
        let posts = try await Post.query(on: db).filter(\.$id ~~ ids).all()
        let sql = try db.requireSQL()
        let unitIDs = Array(Set(posts.map { $0.$unit.id }))
        let pageIDs = Array(Set(posts.compactMap { $0.$page.id }))
        var unitNames: [UUID: String] = [:]
        for row in try await sql.raw("SELECT id, name FROM units WHERE id IN (\(binds: unitIDs))").all() {
            unitNames[try row.decode(column: "id", as: UUID.self)] = try row.decode(column: "name", as: String.self)
        }
        var pageNames: [UUID: (String, Bool)] = [:]
        if !pageIDs.isEmpty {
            for row in try await sql.raw("SELECT id, name, verified_at FROM pages WHERE id IN (\(binds: pageIDs))").all() {
                pageNames[try row.decode(column: "id", as: UUID.self)] = (try row.decode(column: "name", as: String.self), try row.decode(column: "verified_at", as: Date?.self) != nil)
            }
        }
        var viewed = Set<UUID>()
        var reactions: [UUID: ReactionKind] = [:]
        if let viewer {
            for row in try await sql.raw("""
                SELECT post_id, 'view' AS kind FROM post_views WHERE account_id = \(bind: viewer) AND post_id IN (\(binds: ids))
                UNION ALL SELECT post_id, kind FROM post_reactions WHERE account_id = \(bind: viewer) AND post_id IN (\(binds: ids))
                """).all() {
                let id = try row.decode(column: "post_id", as: UUID.self)
                let kind = try row.decode(column: "kind", as: String.self)
                if kind == "view" { viewed.insert(id) } else { reactions[id] = ReactionKind(rawValue: kind) }
            }
        }
        let byID = Dictionary(uniqueKeysWithValues: posts.compactMap { post in post.id.map { ($0, post) } })
        return ids.compactMap { id in
            guard let post = byID[id] else { return nil }
            let page = post.$page.id.flatMap { pageNames[$0] }
            return FeedItem(post: post, unitName: unitNames[post.$unit.id] ?? "", pageName: page?.0, pageVerified: page?.1 ?? false,
                            unread: viewer != nil && !viewed.contains(id), myReaction: reactions[id])
        }
    }

    // MARK: interactions

    /// Marks a post read by the account: one view per account per post.
    func markViewed(_ postID: UUID, by account: UUID, now: Date = Date()) async throws {
        let sql = try db.requireSQL()
        if try await sql.raw("SELECT 1 AS x FROM post_views WHERE account_id = \(bind: account) AND post_id = \(bind: postID)").first() != nil { return }
        try await gate.transaction { db in
            let sql = try db.requireSQL()
            let inserted = try await sql.raw("""
                INSERT INTO post_views (post_id, account_id, viewed_at) VALUES (\(bind: postID), \(bind: account), \(bind: now))
                ON CONFLICT DO NOTHING RETURNING post_id
                """).first()
            if inserted != nil { try await sql.raw("UPDATE posts SET views = views + 1 WHERE id = \(bind: postID)").run() }
        }
    }

    /// Reacts to a post the account may read; a second reaction replaces the first (counted once).
    /// `nil` takes the reaction back.
    func react(_ postID: UUID, _ kind: ReactionKind?, by account: CurrentAccount, now: Date = Date()) async throws -> Post {
        let post = try await readable(postID, by: account, now: now)
        if post.status == .withdrawn { throw ValidationFailure(issues: [Self.withdrawnIssue]) }
        let unit = post.$unit.id
        try await gate.transaction { db in
            let sql = try db.requireSQL()
            let delta: Int
            if let kind {
                let existed = try await sql.raw("SELECT kind FROM post_reactions WHERE post_id = \(bind: postID) AND account_id = \(bind: account.id)").first() != nil
                try await sql.raw("""
                    INSERT INTO post_reactions (post_id, account_id, kind, created_at) VALUES (\(bind: postID), \(bind: account.id), \(bind: kind.rawValue), \(bind: now))
                    ON CONFLICT (post_id, account_id) DO UPDATE SET kind = excluded.kind
                    """).run()
                delta = existed ? 0 : 1
            } else {
                delta = try await sql.raw("DELETE FROM post_reactions WHERE post_id = \(bind: postID) AND account_id = \(bind: account.id) RETURNING post_id").first() != nil ? -1 : 0
            }
            if delta != 0 {
                try await sql.raw("UPDATE posts SET reactions = reactions + \(bind: delta) WHERE id = \(bind: postID)").run()
                try await Counters.add(.reactions, delta, unit: unit, at: now, on: db)
            }
        }
        return try await Post.find(postID, on: db) ?? post
    }

    struct Comment: Sendable {
        var id: UUID
        var authorName: String
        var authorID: UUID
        var body: String
        var hidden: Bool
        var reports: Int
        var createdAt: Date
    }

    func comment(_ postID: UUID, body: String, by account: CurrentAccount, now: Date = Date()) async throws -> Comment {
        let post = try await readable(postID, by: account, now: now)
        if post.status == .withdrawn { throw ValidationFailure(issues: [Self.withdrawnIssue]) }
        let text: String
        switch PostRules.comment(body) {
        case .success(let value): text = value
        case .failure(let issue): throw ValidationFailure(issues: [issue])
        }
        let id = UUID.timeOrdered(at: now)
        let unit = post.$unit.id
        try await gate.transaction { db in
            let sql = try db.requireSQL()
            try await sql.insert(into: "post_comments").columns("id", "post_id", "account_id", "body", "status", "reports", "hidden_by", "created_at")
                .values(SQLBind(id), SQLBind(postID), SQLBind(account.id), SQLBind(text), SQLBind("visible"), SQLBind(0), SQLLiteral.null, SQLBind(now)).run()
            try await sql.raw("UPDATE posts SET comments = comments + 1 WHERE id = \(bind: postID)").run()
            try await Counters.add(.comments, 1, unit: unit, at: now, on: db)
        }
        return Comment(id: id, authorName: account.displayName, authorID: account.id, body: text, hidden: false, reports: 0, createdAt: now)
    }

    /// Comments in order; hidden ones only for the post's officers.
    func comments(_ postID: UUID, viewer: CurrentAccount?, includeHidden: Bool) async throws -> [Comment] {
        let hiddenFilter: SQLQueryString = includeHidden ? "" : " AND c.status = 'visible'"
        return try await db.requireSQL().raw("""
            SELECT c.id, c.account_id, c.body, c.status, c.reports, c.created_at, a.display_name FROM post_comments c JOIN accounts a ON a.id = c.account_id
            WHERE c.post_id = \(bind: postID)\(hiddenFilter) ORDER BY c.created_at LIMIT 500
            """).all().map {
            Comment(id: try $0.decode(column: "id", as: UUID.self), authorName: try $0.decode(column: "display_name", as: String.self),
                    authorID: try $0.decode(column: "account_id", as: UUID.self), body: try $0.decode(column: "body", as: String.self),
                    hidden: try $0.decode(column: "status", as: String.self) == "hidden", reports: try $0.decode(column: "reports", as: Int.self),
                    createdAt: try $0.decode(column: "created_at", as: Date.self))
        }
    }

    /// A reader flags a comment for the group's officers (once per reader).
    func reportComment(_ commentID: UUID, by account: CurrentAccount, now: Date = Date()) async throws {
        let sql = try db.requireSQL()
        guard let row = try await sql.raw("SELECT post_id FROM post_comments WHERE id = \(bind: commentID)").first() else { throw TipService.NotFound() }
        _ = try await readable(try row.decode(column: "post_id", as: UUID.self), by: account, now: now)
        try await gate.transaction { db in
            let sql = try db.requireSQL()
            let inserted = try await sql.raw("""
                INSERT INTO comment_reports (comment_id, account_id, created_at) VALUES (\(bind: commentID), \(bind: account.id), \(bind: now))
                ON CONFLICT DO NOTHING RETURNING comment_id
                """).first()
            if inserted != nil { try await sql.raw("UPDATE post_comments SET reports = reports + 1 WHERE id = \(bind: commentID)").run() }
        }
    }

    /// The post's officers hide a comment (or show it again); the audit keeps who did it.
    func moderateComment(_ commentID: UUID, hide: Bool, by account: CurrentAccount, now: Date = Date()) async throws {
        let sql = try db.requireSQL()
        guard let row = try await sql.raw("SELECT post_id FROM post_comments WHERE id = \(bind: commentID)").first(),
              let post = try await Post.find(try row.decode(column: "post_id", as: UUID.self), on: db),
              try await mayManage(post, account) else { throw TipService.NotFound() }
        try await gate.transaction { db in
            try await db.requireSQL().raw("""
                UPDATE post_comments SET status = \(bind: hide ? "hidden" : "visible"), hidden_by = \(bind: hide ? account.id : nil) WHERE id = \(bind: commentID)
                """).run()
            try await AuditLog.append(.staff(account.id), hide ? "comment.hide" : "comment.show", subject: "comment:" + commentID.uuidString, at: now, on: db)
        }
    }

    /// A share link for a post the account may read; opening it is counted.
    func share(_ postID: UUID, by account: CurrentAccount?, now: Date = Date()) async throws -> String {
        let post = try await readable(postID, by: account, now: now)
        let token = Hex.string([UInt8].random(count: 9))
        let unit = post.$unit.id
        try await gate.transaction { db in
            let sql = try db.requireSQL()
            try await sql.insert(into: "post_shares").columns("id", "post_id", "token", "account_id", "opens", "created_at")
                .values(SQLBind(UUID.timeOrdered(at: now)), SQLBind(postID), SQLBind(token), SQLBind(account?.id), SQLBind(0), SQLBind(now)).run()
            try await sql.raw("UPDATE posts SET shares = shares + 1 WHERE id = \(bind: postID)").run()
            try await Counters.add(.shares, 1, unit: unit, at: now, on: db)
        }
        return token
    }

    /// Counts one opening of a share link; returns the post it leads to.
    func openShare(_ token: String) async throws -> UUID {
        guard token.count <= 64, let row = try await db.requireSQL().raw("SELECT post_id FROM post_shares WHERE token = \(bind: token)").first() else {
            throw TipService.NotFound()
        }
        let postID = try row.decode(column: "post_id", as: UUID.self)
        try await gate.transaction { db in
            let sql = try db.requireSQL()
            try await sql.raw("UPDATE post_shares SET opens = opens + 1 WHERE token = \(bind: token)").run()
            try await sql.raw("UPDATE posts SET share_opens = share_opens + 1 WHERE id = \(bind: postID)").run()
        }
        return postID
    }

    struct InteractionTotals: Sendable, Equatable, Encodable {
        var posts = 0
        var reactions = 0
        var comments = 0
        var shares = 0
        var views = 0
        var interactions: Int { reactions + comments + shares }
    }

    /// Totals over the posts of a page, or the posts that reached a group. (PostgreSQL sums
    /// bigints as numeric: cast back.)
    func totals(page: UUID? = nil, group: UUID? = nil) async throws -> InteractionTotals {
        let filter: SQLQueryString = if let page { "p.page_id = \(bind: page)" } else { "p.id IN (SELECT post_id FROM post_targets WHERE group_id = \(bind: group ?? UUID()))" }
        guard let row = try await db.requireSQL().raw("""
            SELECT COUNT(*) AS n, CAST(COALESCE(SUM(p.reactions), 0) AS BIGINT) AS r, CAST(COALESCE(SUM(p.comments), 0) AS BIGINT) AS c,
                   CAST(COALESCE(SUM(p.shares), 0) AS BIGINT) AS s, CAST(COALESCE(SUM(p.views), 0) AS BIGINT) AS v
            FROM posts p WHERE \(filter) AND p.status = 'published'
            """).first() else { return InteractionTotals() }
        func int(_ column: String) throws -> Int { Int(try row.decode(column: column, as: Int64.self)) }
        return InteractionTotals(posts: try int("n"), reactions: try int("r"), comments: try int("c"), shares: try int("s"), views: try int("v"))
    }
}
