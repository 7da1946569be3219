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
/// one row per group, not one per member. The first page, which is what readers open all day,
/// comes from each source's head kept in `FeedCache` (shared by every member and follower) and
/// the kept posts; only the reader's own marks are read each time.
extension PostService {
    struct FeedItem: Sendable {
        var post: Post
        var unitName: String
        var pageName: String?
        var pageVerified: Bool
        var unread: Bool
        var myReaction: ReactionKind?
        /// The post in the API's JSON without the reader's marks, when kept (`FeedCache.encode`).
        var json: [UInt8]? = nil
    }

    /// A post's place in a source: where it sorts, and until when it shows.
    struct Entry: Sendable {
        var cursor: Cursor
        var expiresMs: Int64?

        func shows(at nowMs: Int64) -> Bool { expiresMs.map { $0 > nowMs } ?? true }
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

        /// Feed order: "less" comes first (ids compare byte by byte, as both engines do).
        static func < (a: Cursor, b: Cursor) -> Bool {
            if a.rank != b.rank { return a.rank > b.rank }
            if a.publishMs != b.publishMs { return a.publishMs > b.publishMs }
            let aBelowB = withUnsafeBytes(of: a.id.uuid) { x in withUnsafeBytes(of: b.id.uuid) { y in x.lexicographicallyPrecedes(y) } }
            return !aBelowB && a.id != b.id
        }
    }

    static let maxFeedLimit = 50

    /// A citizen's feed: the posts of the pages they follow and the groups they belong to.
    func feed(for account: UUID, after cursor: Cursor?, limit: Int, now: Date = Date()) async throws -> FeedPage {
        let sources = try await sources(of: account)
        return try await merged(groups: sources.groups, pages: sources.pages, viewer: account, after: cursor, limit: limit, now: now)
    }

    /// The groups a reader belongs to and the pages they follow (cached briefly; see `FeedCache`).
    func sources(of account: UUID) async throws -> FeedCache.Sources {
        if let known = cache.sources(of: account) { return known }
        let rows = try await db.requireSQL().raw("""
            SELECT 'g' AS kind, group_id AS id FROM group_members WHERE account_id = \(bind: account) AND status = 'active'
            UNION ALL SELECT 'p' AS kind, page_id AS id FROM page_follows WHERE account_id = \(bind: account)
            """).all()
        var sources = FeedCache.Sources(groups: [], pages: [])
        for row in rows {
            let id = try row.decode(column: "id", as: UUID.self)
            if try row.decode(column: "kind", as: String.self) == "g" { sources.groups.append(id) } else { sources.pages.append(id) }
        }
        cache.store(sources, of: account)
        return sources
    }

    /// A page's public feed.
    func pageFeed(_ pageID: UUID, viewer: UUID?, after cursor: Cursor?, limit: Int, now: Date = Date()) async throws -> FeedPage {
        try await merged(groups: [], pages: [pageID], viewer: viewer, after: cursor, limit: limit, now: now)
    }

    /// A group's feed, for its members and its officers only; anyone else gets "not found".
    func groupFeed(_ groupID: UUID, viewer: CurrentAccount, after cursor: Cursor?, limit: Int, now: Date = Date()) async throws -> FeedPage {
        guard let group = try await CommunityGroup.find(groupID, on: db) else { throw TipService.NotFound() }
        let community = CommunityService(db: db, gate: gate, cache: cache, store: store)
        let isMember = try await community.membership(groupID, account: viewer.id)?.status == .active
        if !isMember, !(try await community.mayManage(group, viewer)) { throw TipService.NotFound() }
        return try await merged(groups: [groupID], pages: [], viewer: viewer.id, after: cursor, limit: limit, now: now)
    }

    private func merged(groups: [UUID], pages: [UUID], viewer: UUID?, after cursor: Cursor?, limit: Int, now: Date) async throws -> FeedPage {
        let limit = max(1, min(limit, Self.maxFeedLimit))
        guard !groups.isEmpty || !pages.isEmpty else { return FeedPage(items: [], next: nil) }
        let sources = groups.prefix(100).map(FeedCache.Source.group) + pages.prefix(100).map(FeedCache.Source.page)
        if let cursor { return try await continued(sources, viewer: viewer, after: cursor, limit: limit, now: now) }
        // The first page: from the sources' heads (kept, or read now in one statement), then the
        // reader's marks on the page's posts.
        let nowMs = Self.milliseconds(now)
        let kept = cache.heads(sources, at: now)
        var heads = kept.found.filter { _, head in
            head.complete || head.entries.lazy.filter { $0.shows(at: nowMs) }.count > limit
        }
        let missing = sources.filter { heads[$0] == nil }
        if !missing.isEmpty {
            let read = try await self.heads(missing, now: now)
            cache.store(read, generation: kept.generation)
            heads.merge(read) { _, new in new }
        }
        var seen = Set<UUID>()
        var entries: [Cursor] = []
        for head in heads.values {
            for entry in head.entries where entry.shows(at: nowMs) && seen.insert(entry.cursor.id).inserted { entries.append(entry.cursor) }
        }
        entries.sort()
        let page = Array(entries.prefix(limit))
        return FeedPage(items: try await items(page.map(\.id), viewer: viewer), next: entries.count > limit ? page.last?.text : nil)
    }

    /// Each source's first `maxFeedLimit + 1` entries published by `now` and not expired then.
    private func heads(_ sources: [FeedCache.Source], now: Date) async throws -> [FeedCache.Source: FeedCache.Head] {
        let length = Self.maxFeedLimit + 1
        let parts: [SQLQueryString] = sources.enumerated().map { index, source in
            Self.sourceQuery(source, as: index, after: nil, limit: length, now: now)
        }
        var entries = [[Entry]](repeating: [], count: sources.count)
        for row in try await db.requireSQL().raw("\(parts.joined(separator: " UNION ALL "))").all() {
            let entry = Entry(cursor: try Self.cursor(row), expiresMs: try row.decode(column: "expires_at", as: Date?.self).map(Self.milliseconds))
            entries[try row.decode(column: "source", as: Int.self)].append(entry)
        }
        var heads: [FeedCache.Source: FeedCache.Head] = [:]
        for (index, source) in sources.enumerated() {
            heads[source] = FeedCache.Head(entries: entries[index].sorted { $0.cursor < $1.cursor }, complete: entries[index].count < length, readAt: now)
        }
        return heads
    }

    /// A later page (after `cursor`): read from the database with the reader's marks, in one statement.
    private func continued(_ sources: [FeedCache.Source], viewer: UUID?, after cursor: Cursor, limit: Int, now: Date) async throws -> FeedPage {
        let parts: [SQLQueryString] = sources.enumerated().map { index, source in
            Self.sourceQuery(source, as: index, after: cursor, limit: limit + 1, now: now)
        }
        let reader = viewer ?? Self.nobody
        let rows = try await db.requireSQL().raw("""
            SELECT s.post_id, s.rank, s.publish_ms, r.kind AS my_reaction, v.viewed_at FROM (\(parts.joined(separator: " UNION ALL "))) s
            LEFT JOIN post_reactions r ON r.post_id = s.post_id AND r.account_id = \(bind: reader)
            LEFT JOIN post_views v ON v.post_id = s.post_id AND v.account_id = \(bind: reader)
            """).all()
        var state: [UUID: ReaderState] = [:]
        var entries: [Cursor] = []
        for row in rows {
            let entry = try Self.cursor(row)
            guard state[entry.id] == nil else { continue }
            state[entry.id] = ReaderState(read: try row.decode(column: "viewed_at", as: Date?.self) != nil,
                                          reaction: try row.decode(column: "my_reaction", as: String?.self).flatMap(ReactionKind.init(rawValue:)))
            entries.append(entry)
        }
        entries.sort()
        let page = Array(entries.prefix(limit))
        let next = entries.count > limit ? page.last?.text : nil
        return FeedPage(items: try await items(page.map(\.id), viewer: viewer, state: state), next: next)
    }

    /// One source's first `limit` entries after the cursor, published by `now` and not expired
    /// then, newest first; `source` numbers it in a union.
    private static func sourceQuery(_ source: FeedCache.Source, as number: Int, after cursor: Cursor?, limit: Int, now: Date) -> SQLQueryString {
        let nowMs = milliseconds(now)
        switch source {
        case .group(let group):
            return """
                SELECT * FROM (SELECT \(literal: number) AS source, post_id, rank, publish_ms, expires_at FROM post_targets
                WHERE group_id = \(bind: group) AND publish_ms <= \(bind: nowMs) AND (expires_at IS NULL OR expires_at > \(bind: now))\(after(cursor, id: "post_id"))
                ORDER BY rank DESC, publish_ms DESC, post_id DESC LIMIT \(literal: limit)) AS s\(unsafeRaw: String(number))
                """
        case .page(let page):
            return """
                SELECT * FROM (SELECT \(literal: number) AS source, id AS post_id, rank, publish_ms, expires_at FROM posts
                WHERE page_id = \(bind: page) AND publish_ms <= \(bind: nowMs) AND (expires_at IS NULL OR expires_at > \(bind: now))\(after(cursor, id: "id"))
                ORDER BY rank DESC, publish_ms DESC, id DESC LIMIT \(literal: limit)) AS s\(unsafeRaw: String(number))
                """
        }
    }

    private static func cursor(_ row: any SQLRow) throws -> Cursor {
        Cursor(rank: try row.decode(column: "rank", as: Int.self), publishMs: try row.decode(column: "publish_ms", as: Int64.self),
               id: try row.decode(column: "post_id", as: UUID.self))
    }

    /// Rows strictly after the cursor in feed order.
    private static func after(_ cursor: Cursor?, id: String) -> SQLQueryString {
        guard let cursor else { return "" }
        return """
             AND (rank < \(bind: cursor.rank) OR (rank = \(bind: cursor.rank) AND (publish_ms < \(bind: cursor.publishMs)
             OR (publish_ms = \(bind: cursor.publishMs) AND \(ident: id) < \(bind: cursor.id)))))
            """
    }

    /// What one reader has done with one post.
    struct ReaderState: Sendable, Equatable {
        var read: Bool
        var reaction: ReactionKind?
    }

    /// Binds where no reader is logged in: matches no row.
    static let nobody = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    /// The posts, in the given order, with their unit's and page's names (from the cache, or one
    /// query for those it lacks) and what the viewer has done with them (`state`, when the caller
    /// read it already, or one more query).
    func items(_ ids: [UUID], viewer: UUID?, state known: [UUID: ReaderState]? = nil) async throws -> [FeedItem] {
        guard !ids.isEmpty else { return [] }
        let sql = try db.requireSQL()
        try await cache.followChanges(on: db)
        var byID = cache.posts(ids)
        let missing = ids.filter { byID[$0] == nil }
        if !missing.isEmpty {
            let began = ContinuousClock.now
            let rows = try await sql.raw("""
                SELECT p.*, u.name AS unit_name, pg.name AS page_name, pg.verified_at AS page_verified_at
                FROM posts p JOIN units u ON u.id = p.unit_id LEFT JOIN pages pg ON pg.id = p.page_id
                WHERE p.id IN (\(binds: missing))
                """).all()
            var loaded: [FeedItem] = []
            for row in rows {
                loaded.append(FeedItem(post: try Self.post(row), unitName: try row.decode(column: "unit_name", as: String.self),
                                       pageName: try row.decode(column: "page_name", as: String?.self),
                                       pageVerified: try row.decode(column: "page_verified_at", as: Date?.self) != nil, unread: false, myReaction: nil))
            }
            for item in cache.store(loaded, readSince: began) { if let id = item.post.id { byID[id] = item } }
        }
        var state = known ?? [:]
        if known == nil, let viewer {
            for row in try await sql.raw("""
                SELECT post_id, 'view' AS kind FROM post_views WHERE account_id = \(bind: viewer) AND post_id IN (\(binds: ids))
                UNION ALL SELECT post_id, kind FROM post_reactions WHERE account_id = \(bind: viewer) AND post_id IN (\(binds: ids))
                """).all() {
                let id = try row.decode(column: "post_id", as: UUID.self)
                let kind = try row.decode(column: "kind", as: String.self)
                var current = state[id] ?? ReaderState(read: false, reaction: nil)
                if kind == "view" { current.read = true } else { current.reaction = ReactionKind(rawValue: kind) }
                state[id] = current
            }
        }
        return ids.compactMap { id in
            guard var item = byID[id] else { return nil }
            item.unread = viewer != nil && !(state[id]?.read ?? false)
            item.myReaction = state[id]?.reaction
            return item
        }
    }

    /// A post from a row of `posts` read with SQL (Fluent's query would cost a second pass).
    static func post(_ row: any SQLRow) throws -> Post {
        let post = Post()
        post.id = try row.decode(column: "id", as: UUID.self)
        post.$unit.id = try row.decode(column: "unit_id", as: UUID.self)
        post.$page.id = try row.decode(column: "page_id", as: UUID?.self)
        post.$author.id = try row.decode(column: "author_id", as: UUID.self)
        post.category = PostCategory(rawValue: try row.decode(column: "category", as: String.self)) ?? .other
        post.priority = PostPriority(rawValue: try row.decode(column: "priority", as: String.self)) ?? .information
        post.audience = PostAudience(rawValue: try row.decode(column: "audience", as: String.self)) ?? .none
        post.title = try row.decode(column: "title", as: String.self)
        post.body = try row.decode(column: "body", as: String.self)
        post.status = Post.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .withdrawn
        post.pinned = try row.decode(column: "pinned", as: Bool.self)
        post.rank = try row.decode(column: "rank", as: Int.self)
        post.publishAt = try row.decode(column: "publish_at", as: Date.self)
        post.publishMs = try row.decode(column: "publish_ms", as: Int64.self)
        post.expiresAt = try row.decode(column: "expires_at", as: Date?.self)
        post.withdrawnAt = try row.decode(column: "withdrawn_at", as: Date?.self)
        post.withdrawalNotice = try row.decode(column: "withdrawal_notice", as: String?.self)
        post.revision = try row.decode(column: "revision", as: Int.self)
        post.editedAt = try row.decode(column: "edited_at", as: Date?.self)
        post.reactions = try row.decode(column: "reactions", as: Int.self)
        post.comments = try row.decode(column: "comments", as: Int.self)
        post.shares = try row.decode(column: "shares", as: Int.self)
        post.shareOpens = try row.decode(column: "share_opens", as: Int.self)
        post.views = try row.decode(column: "views", as: Int.self)
        post.createdAt = try row.decode(column: "created_at", as: Date.self)
        return post
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
        cache.forgetPost(postID)
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
            } else if let removed = try await sql.raw("""
                DELETE FROM post_reactions WHERE post_id = \(bind: postID) AND account_id = \(bind: account.id) RETURNING created_at
                """).first() {
                delta = -1
                // The row is gone: the audit keeps when the reaction was made, so the counters can be
                // rebuilt (`StatsRebuild.community`).
                let reacted = Self.milliseconds(try removed.decode(column: "created_at", as: Date.self))
                try await AuditLog.append(account.isStaff ? .staff(account.id) : .citizen(account.id), "post.unreact", subject: "post:" + postID.uuidString,
                                          detail: ["reacted_ms": String(reacted)], at: now, on: db)
            } else {
                delta = 0
            }
            if delta != 0 {
                try await sql.raw("UPDATE posts SET reactions = reactions + \(bind: delta) WHERE id = \(bind: postID)").run()
                try await Counters.add(.reactions, delta, unit: unit, at: now, on: db)
            }
        }
        cache.forgetPost(postID)
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
        cache.forgetPost(postID)
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
        cache.forgetPost(postID)
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
        cache.forgetPost(postID)
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
