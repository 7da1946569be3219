import BinhYenCore
import Fluent
import Foundation
import SQLKit
import Vapor

/// Posts to pages and groups: publishing with targets, editing with history, withdrawal, pinning,
/// and who may read what. Feeds and interactions are in `PostService+Feed.swift`.
struct PostService: Sendable {
    let db: any Database
    let gate: WriteGate
    let cache: FeedCache
    /// Where a post's images are kept, encrypted like tip attachments.
    let store: AttachmentStore

    init(db: any Database, app: Application) {
        self.db = db
        gate = app.writeGate
        cache = app.feedCache
        store = app.attachmentStore
    }

    /// Where a post goes.
    struct Target: Sendable {
        var audience: PostAudience
        /// For `.group`.
        var groupID: UUID?
        /// For `.unitGroups` and `.subtree`.
        var unitID: UUID?
        /// Also (or only) on this page, in public.
        var pageID: UUID?
        /// An urgent page post also goes to the page's followers on its linked Zalo OA and
        /// Telegram bot (those Zalo still lets the page write to).
        var toChannels = false
    }

    /// Publishes (or schedules) a post. The author needs `publishPosts` at the unit that owns each
    /// target; the post belongs to that unit (the page's unit when it goes to a page only).
    /// `origin` is added to the audit entry (what the post was made from). `images` were checked
    /// by content and stripped of their metadata (`AttachmentRules.sanitize`).
    func publish(_ draft: PostDraft, to target: Target, by account: CurrentAccount, images: [SanitizedAttachment] = [], origin: [String: String] = [:],
                 now: Date = Date()) async throws -> Post {
        var issues: [FieldIssue] = []
        var checked: CheckedPost?
        switch PostRules.validate(draft, now: now) {
        case .success(let value): checked = value
        case .failure(let failure): issues = failure.issues
        }
        if let tooMany = AttachmentRules.checkCount(images.count, field: "images") { issues.append(tooMany) }
        if images.contains(where: { $0.kind == .pdf }) {
            issues.append(FieldIssue(field: "images", code: "kind", messageVI: "Bài viết chỉ đính kèm ảnh (JPEG, PNG).", messageEN: "Posts take images only (JPEG, PNG)."))
        }
        var page: Page?
        if let pageID = target.pageID {
            if let found = try await Page.find(pageID, on: db), try await account.may(.publishPosts, atUnit: found.$unit.id, on: db) {
                page = found
            } else {
                issues.append(FieldIssue(field: "page", code: "unknown", messageVI: "Bạn không đăng được lên trang này.", messageEN: "You cannot post to this page."))
            }
        }
        var unitID: UUID?
        var groupIDs: [UUID] = []
        let sql = try db.requireSQL()
        switch target.audience {
        case .none:
            if target.pageID == nil {
                issues.append(FieldIssue(field: "audience", code: "required", messageVI: "Vui lòng chọn nơi đăng: trang, nhóm hoặc các nhóm của đơn vị.",
                                         messageEN: "Choose where to post: a page, a group or the groups of a unit."))
            }
            unitID = page?.$unit.id
        case .group:
            if let groupID = target.groupID, let group = try await CommunityGroup.find(groupID, on: db),
               try await account.may(.publishPosts, atUnit: group.$unit.id, on: db) {
                unitID = group.$unit.id
                groupIDs = [groupID]
            } else {
                issues.append(FieldIssue(field: "group", code: "unknown", messageVI: "Không có nhóm này trong phạm vi của bạn.", messageEN: "There is no such group in your area."))
            }
        case .unitGroups, .subtree:
            if let unit = target.unitID, try await account.may(.publishPosts, atUnit: unit, on: db) {
                unitID = unit
                let rows = target.audience == .subtree
                    ? try await sql.raw("""
                        SELECT g.id FROM community_groups g JOIN unit_closure c ON c.descendant_id = g.unit_id WHERE c.ancestor_id = \(bind: unit)
                        """).all()
                    : try await sql.raw("SELECT id FROM community_groups WHERE unit_id = \(bind: unit)").all()
                groupIDs = try rows.map { try $0.decode(column: "id", as: UUID.self) }
                if groupIDs.isEmpty {
                    issues.append(FieldIssue(field: "unit", code: "no_groups", messageVI: "Đơn vị này chưa có nhóm nào để gửi.", messageEN: "This unit has no groups to post to yet."))
                }
            } else {
                issues.append(FieldIssue(field: "unit", code: "unknown", messageVI: "Không có đơn vị này trong phạm vi của bạn.", messageEN: "There is no such unit in your area."))
            }
        }
        if target.toChannels, page == nil || checked?.priority != .urgent {
            issues.append(FieldIssue(field: "channels", code: "not_urgent_page_post",
                                     messageVI: "Chỉ tin khẩn đăng trên trang mới gửi được đến người quan tâm trên Zalo, Telegram.",
                                     messageEN: "Only urgent posts on a page can be sent to its followers on Zalo and Telegram."))
        }
        guard issues.isEmpty, let checked, let unitID else { throw ValidationFailure(issues: issues) }

        let post = Post()
        let postID = UUID.timeOrdered(at: now)
        post.id = postID
        post.$unit.id = unitID
        post.$page.id = page?.id
        post.$author.id = account.id
        post.category = checked.category
        post.priority = checked.priority
        post.audience = target.audience
        post.title = checked.title
        post.body = checked.body
        post.status = .published
        post.pinned = checked.pinned
        post.rank = checked.rank
        post.publishAt = checked.publishAt
        post.publishMs = PostService.milliseconds(checked.publishAt)
        post.expiresAt = checked.expiresAt
        post.revision = 1
        post.reactions = 0
        post.comments = 0
        post.shares = 0
        post.shareOpens = 0
        post.views = 0
        post.createdAt = now
        let targets = groupIDs
        let pageText = page?.id?.uuidString ?? ""
        let files = try EvidenceFiles.write(images, owner: "post:" + postID.uuidString, store: store, at: now)
        do {
        try await gate.transaction { db in
            try await post.create(on: db)
            for file in files { try await file.create(on: db) }
            try await WriteBatch.insert(into: "post_targets", columns: ["group_id", "post_id", "rank", "publish_ms", "expires_at"],
                                        rows: targets.map { [SQLBind($0), SQLBind(postID), SQLBind(checked.rank), SQLBind(post.publishMs), SQLBind(checked.expiresAt)] },
                                        on: db)
            try await AuditLog.append(.staff(account.id), "post.publish", subject: "post:" + postID.uuidString,
                                      detail: ["audience": target.audience.rawValue, "groups": String(targets.count), "priority": checked.priority.rawValue,
                                               "category": checked.category.rawValue, "page": pageText].merging(origin) { first, _ in first }, at: now, on: db)
            try await Counters.add(Metric.posts(checked.category), 1, unit: unitID, at: checked.publishAt, on: db)
            if checked.priority == .urgent, !targets.isEmpty {
                try await Outbox.enqueue(.postUrgent, UrgentPostPayload(postID: postID), at: now, availableAt: checked.publishAt, on: db)
            }
            if target.toChannels {
                try await Outbox.enqueue(.postChannels, UrgentPostPayload(postID: postID), at: now, availableAt: checked.publishAt, on: db)
            }
        }
        } catch {
            EvidenceFiles.discard(files, store: store)
            throw error
        }
        cache.forgetHeads()
        return post
    }

    /// Edits the title and text; the previous wording is kept as a revision.
    func edit(_ id: UUID, title: String, body: String, by account: CurrentAccount, now: Date = Date()) async throws -> Post {
        let post = try await requireManaged(id, account)
        var issues: [FieldIssue] = []
        var newTitle = "", newBody = ""
        switch TextRules.text(title, field: "title", nameVI: "Tiêu đề", nameEN: "Title", length: PostRules.titleLength, multiline: false) {
        case .success(let text): newTitle = text
        case .failure(let issue): issues.append(issue)
        }
        switch TextRules.text(body, field: "body", nameVI: "Nội dung", nameEN: "Text", length: PostRules.bodyLength) {
        case .success(let text): newBody = text
        case .failure(let issue): issues.append(issue)
        }
        if post.status == .withdrawn { issues.append(Self.withdrawnIssue) }
        guard issues.isEmpty else { throw ValidationFailure(issues: issues) }
        guard newTitle != post.title || newBody != post.body else { return post }
        let (oldTitle, oldBody, revision) = (post.title, post.body, post.revision)
        post.title = newTitle
        post.body = newBody
        post.revision = revision + 1
        post.editedAt = now
        try await gate.transaction { db in
            try await Self.requireRevision(id, revision, on: db)
            try await db.requireSQL().insert(into: "post_revisions").columns("id", "post_id", "revision", "title", "body", "edited_by", "edited_at")
                .values(SQLBind(UUID.timeOrdered(at: now)), SQLBind(id), SQLBind(revision), SQLBind(oldTitle), SQLBind(oldBody), SQLBind(account.id), SQLBind(now)).run()
            try await post.save(on: db)
            try await AuditLog.append(.staff(account.id), "post.edit", subject: "post:" + id.uuidString, detail: ["revision": String(revision + 1)], at: now, on: db)
        }
        cache.forgetPost(id)
        return post
    }

    struct Revision: Sendable {
        var revision: Int
        var title: String
        var body: String
        var editedAt: Date
    }

    /// Earlier wordings of a post, newest first (for its officers).
    func revisions(_ id: UUID, by account: CurrentAccount) async throws -> [Revision] {
        _ = try await requireManaged(id, account)
        return try await db.requireSQL().raw("SELECT revision, title, body, edited_at FROM post_revisions WHERE post_id = \(bind: id) ORDER BY revision DESC").all().map {
            Revision(revision: try $0.decode(column: "revision", as: Int.self), title: try $0.decode(column: "title", as: String.self),
                     body: try $0.decode(column: "body", as: String.self), editedAt: try $0.decode(column: "edited_at", as: Date.self))
        }
    }

    /// Withdraws a post: readers see the notice in its place, in feeds and at its address.
    func withdraw(_ id: UUID, notice: String, by account: CurrentAccount, now: Date = Date()) async throws -> Post {
        let post = try await requireManaged(id, account)
        let text: String
        switch PostRules.notice(notice) {
        case .success(let value): text = value
        case .failure(let issue): throw ValidationFailure(issues: [issue])
        }
        guard post.status == .published else { return post }
        post.status = .withdrawn
        post.withdrawnAt = now
        post.withdrawalNotice = text
        post.pinned = false
        post.rank = 0
        let wasPublished = post.publishAt <= now
        try await gate.transaction { db in
            try await TipService.requireUnchanged(table: Post.schema, id: id, status: Post.Status.published.rawValue, on: db)
            try await post.save(on: db)
            if wasPublished {
                try await db.requireSQL().raw("UPDATE post_targets SET rank = 0 WHERE post_id = \(bind: id)").run()
            } else {
                // Never published: it reaches no group, and expiring before its time keeps it off its page.
                try await db.requireSQL().raw("DELETE FROM post_targets WHERE post_id = \(bind: id)").run()
                try await db.requireSQL().raw("UPDATE posts SET expires_at = \(bind: now) WHERE id = \(bind: id)").run()
            }
            try await AuditLog.append(.staff(account.id), "post.withdraw", subject: "post:" + id.uuidString, detail: ["notice": text], at: now, on: db)
            // A post withdrawn before its time was never published: it does not count.
            if !wasPublished { try await Counters.add(Metric.posts(post.category), -1, unit: post.$unit.id, at: post.publishAt, on: db) }
        }
        cache.forgetPost(id)
        cache.forgetHeads()
        return post
    }

    /// Pins a post to the top of the feeds it is in, or unpins it.
    func pin(_ id: UUID, _ pinned: Bool, by account: CurrentAccount, now: Date = Date()) async throws -> Post {
        let post = try await requireManaged(id, account)
        if post.status == .withdrawn { throw ValidationFailure(issues: [Self.withdrawnIssue]) }
        guard post.pinned != pinned else { return post }
        post.pinned = pinned
        post.rank = pinned ? 2 : (post.priority == .urgent ? 1 : 0)
        let rank = post.rank
        try await gate.transaction { db in
            try await TipService.requireUnchanged(table: Post.schema, id: id, status: Post.Status.published.rawValue, on: db)
            try await post.save(on: db)
            try await db.requireSQL().raw("UPDATE post_targets SET rank = \(bind: rank) WHERE post_id = \(bind: id)").run()
            try await AuditLog.append(.staff(account.id), pinned ? "post.pin" : "post.unpin", subject: "post:" + id.uuidString, at: now, on: db)
        }
        cache.forgetPost(id)
        cache.forgetHeads()
        return post
    }

    /// The post is still published and at the revision the editor started from.
    private static func requireRevision(_ id: UUID, _ revision: Int, on db: any Database) async throws {
        let row = try await db.requireSQL().raw("SELECT status, revision FROM posts WHERE id = \(bind: id)").first()
        guard try row?.decode(column: "status", as: String.self) == Post.Status.published.rawValue,
              try row?.decode(column: "revision", as: Int.self) == revision else {
            throw ValidationFailure(issues: [FieldIssue(field: "status", code: "conflict", messageVI: "Bài viết vừa được cán bộ khác sửa hoặc thu hồi. Vui lòng tải lại trang.",
                                                        messageEN: "Another officer has just edited or withdrawn the post. Reload the page.")])
        }
    }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }

    /// The ids of a post's images, in the order they were attached.
    func images(of postID: UUID) async throws -> [UUID] {
        try await EvidenceFile.query(on: db).filter(\.$owner == "post:" + postID.uuidString).sort(\.$createdAt).all().compactMap(\.id)
    }

    /// One image of a post the viewer may read, decrypted; a withdrawn post's images are gone
    /// with its text.
    func image(_ fileID: UUID, of postID: UUID, viewer: CurrentAccount?) async throws -> (EvidenceFile, Data) {
        let post = try await readable(postID, by: viewer)
        guard post.status == .published, let file = try await EvidenceFile.find(fileID, on: db), file.owner == "post:" + postID.uuidString else {
            throw TipService.NotFound()
        }
        return (file, try store.read(fileID))
    }

    static let withdrawnIssue = FieldIssue(field: "status", code: "withdrawn", messageVI: "Bài viết đã bị thu hồi.", messageEN: "The post has been withdrawn.")

    // MARK: who may read

    /// A post the viewer may read: a page's post is public once published; a group post is for
    /// the members of its groups; the officers of its unit read everything of their unit. Anything
    /// else is not found (never "forbidden", which would say it exists).
    func readable(_ id: UUID, by viewer: CurrentAccount?, now: Date = Date()) async throws -> Post {
        guard let post = try await Post.find(id, on: db) else { throw TipService.NotFound() }
        if let viewer, try await mayManage(post, viewer) { return post }
        guard post.publishAt <= now else { throw TipService.NotFound() }
        if post.$page.id != nil { return post }
        guard let viewer else { throw TipService.NotFound() }
        if try await runsTargetGroup(post, viewer) { return post }
        let member = try await db.requireSQL().raw("""
            SELECT 1 AS x FROM post_targets t JOIN group_members m ON m.group_id = t.group_id
            WHERE t.post_id = \(bind: id) AND m.account_id = \(bind: viewer.id) AND m.status = 'active' LIMIT 1
            """).first()
        guard member != nil else { throw TipService.NotFound() }
        return post
    }

    /// Officers who publish at the post's unit (or above) edit, pin, withdraw and moderate it.
    func mayManage(_ post: Post, _ account: CurrentAccount) async throws -> Bool {
        guard account.isStaff else { return false }
        if post.$author.id == account.id { return true }
        if try await account.may(.publishPosts, atUnit: post.$unit.id, on: db) { return true }
        return try await account.may(.manageGroups, atUnit: post.$unit.id, on: db)
    }

    /// Staff who run one of the groups the post reached (a province-wide alert in a commune's
    /// group): they read it as its members do.
    private func runsTargetGroup(_ post: Post, _ account: CurrentAccount) async throws -> Bool {
        guard account.isStaff, let id = post.id else { return false }
        let units = try await db.requireSQL().raw("""
            SELECT DISTINCT g.unit_id FROM post_targets t JOIN community_groups g ON g.id = t.group_id WHERE t.post_id = \(bind: id)
            """).all().map { try $0.decode(column: "unit_id", as: UUID.self) }
        for unit in units where try await account.may(.manageGroups, atUnit: unit, on: db) { return true }
        return false
    }

    private func requireManaged(_ id: UUID, _ account: CurrentAccount) async throws -> Post {
        guard let post = try await Post.find(id, on: db), try await mayManage(post, account) else { throw TipService.NotFound() }
        return post
    }

    // MARK: urgent notifications

    /// Writes an in-app notification for every active member of the groups an urgent post
    /// targets, in one statement (a province-wide alert reaches tens of thousands). Runs from the
    /// outbox at the post's publishing time; a withdrawn post notifies nobody.
    static func notifyMembers(of postID: UUID, on db: any Database, now: Date) async throws {
        guard let post = try await Post.find(postID, on: db), post.status == .published else { return }
        let sql = try db.requireSQL()
        // (`WHERE 1 = 1` keeps SQLite from reading ON CONFLICT as a join condition.)
        // A random id made by the database, in the form the engine stores ids in (Fluent keeps
        // UUIDs as text on SQLite).
        let newID: SQLQueryString = sql.dialect.name == "postgresql" ? "gen_random_uuid()" : """
            (hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89AB', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))
            """
        let title = String(("Khẩn: " + post.title).prefix(200))
        let titleEN = String(("Urgent: " + post.title).prefix(200))
        try await sql.raw("""
            INSERT INTO notifications (id, account_id, kind, title_vi, title_en, link, dedupe_key, created_at)
            SELECT \(newID), m.account_id, 'post.urgent', \(bind: title), \(bind: titleEN), \(bind: "/posts/" + postID.uuidString), \(bind: "post:" + postID.uuidString), \(bind: now)
            FROM (SELECT DISTINCT gm.account_id FROM post_targets t JOIN group_members gm ON gm.group_id = t.group_id
                  WHERE t.post_id = \(bind: postID) AND gm.status = 'active') m
            WHERE 1 = 1
            ON CONFLICT (account_id, dedupe_key) DO NOTHING
            """).run()
    }
}

extension Request {
    var posts: PostService { PostService(db: db, app: application) }
}
