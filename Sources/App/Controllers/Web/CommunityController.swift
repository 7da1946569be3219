import BinhYenCore
import Fluent
import Vapor

/// The citizen's side of pages, groups and posts: the pages to follow, one's own feed, a group's
/// feed for its members, a post with its reactions and comments, and share links.
struct CommunityController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("pages", use: pages)
        routes.get("pages", ":id", use: page)
        routes.get("pages", ":id", "avatar", use: avatar)
        routes.post("pages", ":id", "follow", use: follow)
        routes.post("pages", ":id", "unfollow", use: unfollow)
        routes.get("feed", use: feed)
        routes.post("groups", "join", use: join)
        routes.get("groups", ":id", use: group)
        routes.post("groups", ":id", "request", use: requestToJoin)
        routes.post("groups", ":id", "leave", use: leave)
        routes.get("posts", ":id", use: post)
        routes.get("posts", ":id", "images", ":file", use: image)
        routes.post("posts", ":id", "react", use: react)
        routes.post("posts", ":id", "comments", use: comment)
        routes.post("posts", ":id", "share", use: share)
        routes.post("comments", ":id", "report", use: reportComment)
        routes.get("s", ":token", use: openShare)
    }

    // MARK: views

    struct Item: Encodable {
        var id: String
        var title: String
        var body: String
        var category: String
        var priority: String
        var priorityLabel: String
        var source: String
        var verified: Bool
        var time: String
        var pinned: Bool
        var withdrawn: Bool
        var notice: String?
        var unread: Bool
        var reactions: Int
        var comments: Int
        var myReaction: String?
    }

    struct Reaction: Encodable {
        var kind: String
        var label: String
        var mine: Bool
    }

    struct GroupLink: Encodable {
        var id: String
        var name: String
        var members: Int
        var member: Bool
        var pending: Bool
        /// Banned by the group's officers: told so, instead of a button that does nothing.
        var banned: Bool
        /// Logged in, not a member, not waiting, not banned.
        var mayAsk: Bool

        init(_ group: CommunityGroup, status: CommunityService.MemberStatus?, loggedIn: Bool) {
            id = group.id?.uuidString ?? ""
            name = group.name
            members = group.memberCount
            member = status == .active
            pending = status == .pending
            banned = status == .banned
            mayAsk = loggedIn && (status == nil || status == .left)
        }
    }

    struct FeedView: Encodable {
        var page: PageMeta
        var heading: String
        var lead: String?
        var items: [Item]
        var next: String?
        var nextBase: String
        var feedPage: PageBlock?
        var groups: [GroupLink]
        var showJoin: Bool
        var joinError: String?
        var joinCode: String
        var notice: String?
        var atom: String?
        /// The reader's newest in-app notifications (urgent warnings), on their own feed only.
        var alerts: [Alert] = []
        /// On a group's page, for a member who may leave it (not its owner).
        var leaveGroup: String? = nil
    }

    struct Alert: Encodable {
        var title: String
        var link: String
        var time: String
    }

    struct PageBlock: Encodable {
        var id: String
        var name: String
        var area: String
        var hotline: String?
        var description: String
        var verified: Bool
        var followers: Int
        var following: Bool
        var loggedIn: Bool
        var avatar: String?
    }

    @Sendable func avatar(req: Request) async throws -> Response {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.notFound) }
        do {
            let (file, data) = try await req.community.avatar(of: id)
            return EvidenceFiles.response(file.kind, data: data, name: "trang-" + id.uuidString.prefix(8))
        } catch is TipService.NotFound {
            throw Abort(.notFound)
        }
    }

    static func item(_ feed: PostService.FeedItem, _ req: Request) -> Item {
        let post = feed.post
        let withdrawn = post.status == .withdrawn
        return Item(id: post.id?.uuidString ?? "", title: post.title, body: withdrawn ? "" : post.body,
                    category: req.message(post.category.labelVI, post.category.labelEN), priority: post.priority.rawValue,
                    priorityLabel: req.message(post.priority.labelVI, post.priority.labelEN), source: feed.pageName ?? feed.unitName,
                    verified: feed.pageVerified, time: DisplayTime.string(post.publishAt), pinned: post.pinned, withdrawn: withdrawn,
                    notice: post.withdrawalNotice, unread: feed.unread, reactions: post.reactions, comments: post.comments,
                    myReaction: feed.myReaction?.rawValue)
    }

    private func render(_ req: Request, _ view: FeedView, status: HTTPStatus = .ok) async throws -> Response {
        try await req.view.render("community/feed", view).encodeResponse(status: status, for: req).privateNoStore()
    }

    private func cursor(_ req: Request) throws -> PostService.Cursor? {
        guard let text = req.query[String.self, at: "after"], !text.isEmpty else { return nil }
        guard let cursor = PostService.Cursor(text) else { throw Abort(.badRequest) }
        return cursor
    }

    // MARK: pages

    struct PagesView: Encodable {
        struct Row: Encodable {
            var id: String
            var name: String
            var area: String
            var verified: Bool
            var followers: Int
        }
        var page: PageMeta
        var rows: [Row]
    }

    @Sendable func pages(req: Request) async throws -> View {
        let rows = try await req.community.pages(under: nil).map {
            PagesView.Row(id: $0.id?.uuidString ?? "", name: $0.name, area: $0.area, verified: $0.verifiedAt != nil, followers: $0.followerCount)
        }
        return try await req.view.render("community/pages", PagesView(page: req.pageMeta(titleKey: "pagesTitle"), rows: rows))
    }

    @Sendable func page(req: Request) async throws -> Response {
        guard let id = req.parameters.get("id", as: UUID.self), let page = try await Page.find(id, on: req.db) else { throw Abort(.notFound) }
        let account = req.auth.get(CurrentAccount.self)
        let feed = try await req.posts.pageFeed(id, viewer: account?.id, after: try cursor(req), limit: 20)
        var following = false
        if let account { following = try await req.community.isFollowing(id, account: account.id) }
        let groups = try await CommunityGroup.query(on: req.db).filter(\.$unit.$id == page.$unit.id).sort(\.$name).limit(200).all()
        var statuses: [UUID: CommunityService.MemberStatus] = [:]
        if let account { statuses = try await req.community.statuses(of: account.id, in: groups.compactMap(\.id)) }
        let block = PageBlock(id: id.uuidString, name: page.name, area: page.area, hotline: page.hotline, description: page.description,
                              verified: page.verifiedAt != nil, followers: page.followerCount, following: following, loggedIn: account != nil,
                              avatar: page.avatarPath == nil ? nil : "/pages/\(id.uuidString)/avatar")
        let view = FeedView(page: req.pageMeta(titleKey: "pagesTitle"), heading: page.name, lead: nil, items: feed.items.map { Self.item($0, req) },
                            next: feed.next, nextBase: "/pages/\(id.uuidString)", feedPage: block,
                            groups: groups.map { GroupLink($0, status: $0.id.flatMap { statuses[$0] }, loggedIn: account != nil) },
                            showJoin: false, joinError: nil, joinCode: "", notice: nil, atom: "/pages/\(id.uuidString)/atom.xml")
        return try await render(req, view)
    }

    @Sendable func follow(req: Request) async throws -> Response {
        try await setFollowing(req, true)
    }

    @Sendable func unfollow(req: Request) async throws -> Response {
        try await setFollowing(req, false)
    }

    private func setFollowing(_ req: Request, _ following: Bool) async throws -> Response {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.notFound) }
        guard let account = req.auth.get(CurrentAccount.self) else { return req.redirect(to: "/login?next=/pages/\(id.uuidString)") }
        do {
            if following { try await req.community.follow(id, account: account.id) } else { try await req.community.unfollow(id, account: account.id) }
        } catch is TipService.NotFound {
            throw Abort(.notFound)
        }
        return req.redirect(to: "/pages/\(id.uuidString)")
    }

    // MARK: feed and groups

    @Sendable func feed(req: Request) async throws -> Response {
        guard let account = req.auth.get(CurrentAccount.self) else { return req.redirect(to: "/login?next=/feed") }
        return try await feedPage(req, account, joinError: nil, code: "", notice: req.query[String.self, at: "joined"].map { _ in req.language.texts["groupJoined"] ?? "" })
    }

    private func feedPage(_ req: Request, _ account: CurrentAccount, joinError: String?, code: String, notice: String?, status: HTTPStatus = .ok) async throws -> Response {
        let feed = try await req.posts.feed(for: account.id, after: try cursor(req), limit: 20)
        let groups = try await req.community.joinedGroups(account.id)
        let view = FeedView(page: req.pageMeta(titleKey: "feedTitle"), heading: req.language.texts["feedTitle"] ?? "", lead: req.language.texts["feedLead"],
                            items: feed.items.map { Self.item($0, req) }, next: feed.next, nextBase: "/feed", feedPage: nil,
                            groups: groups.map { GroupLink($0, status: .active, loggedIn: true) },
                            showJoin: true, joinError: joinError, joinCode: code, notice: notice, atom: nil,
                            alerts: try await InAppNotification.query(on: req.db).filter(\.$account.$id == account.id).sort(\.$createdAt, .descending)
                                .limit(5).all().map { Alert(title: req.message($0.titleVI, $0.titleEN), link: $0.link, time: DisplayTime.string($0.createdAt)) })
        return try await render(req, view, status: status)
    }

    struct JoinForm: Content { var code: String? }

    @Sendable func join(req: Request) async throws -> Response {
        guard let account = req.auth.get(CurrentAccount.self) else { return req.redirect(to: "/login?next=/feed") }
        let code = try req.content.decode(JoinForm.self).code ?? ""
        do {
            _ = try await req.community.join(code: code, account: account.id)
            return req.redirect(to: "/feed?joined=1")
        } catch let failure as ValidationFailure {
            return try await feedPage(req, account, joinError: failure.issues.first.map { req.message($0.messageVI, $0.messageEN) }, code: String(code.prefix(32)),
                                      notice: nil, status: .unprocessableEntity)
        }
    }

    @Sendable func group(req: Request) async throws -> Response {
        guard let account = req.auth.get(CurrentAccount.self) else { return req.redirect(to: "/login?next=" + req.url.path) }
        guard let id = req.parameters.get("id", as: UUID.self), let group = try await CommunityGroup.find(id, on: req.db) else { throw Abort(.notFound) }
        let feed: PostService.FeedPage
        do {
            feed = try await req.posts.groupFeed(id, viewer: account, after: try cursor(req), limit: 20)
        } catch is TipService.NotFound {
            throw Abort(.notFound)
        }
        let membership = try await req.community.membership(id, account: account.id)
        let view = FeedView(page: req.pageMeta(titleKey: "feedTitle"), heading: group.name, lead: nil, items: feed.items.map { Self.item($0, req) },
                            next: feed.next, nextBase: "/groups/\(id.uuidString)", feedPage: nil, groups: [], showJoin: false, joinError: nil,
                            joinCode: "", notice: nil, atom: nil,
                            leaveGroup: membership?.status == .active && membership?.role != .owner ? id.uuidString : nil)
        return try await render(req, view)
    }

    @Sendable func requestToJoin(req: Request) async throws -> Response {
        guard let id = req.parameters.get("id", as: UUID.self), let group = try await CommunityGroup.find(id, on: req.db) else { throw Abort(.notFound) }
        let pageID = try await Page.query(on: req.db).filter(\.$unit.$id == group.$unit.id).first()?.id
        let back = pageID.map { "/pages/\($0.uuidString)" } ?? "/feed"
        guard let account = req.auth.get(CurrentAccount.self) else { return req.redirect(to: "/login?next=" + back) }
        do {
            _ = try await req.community.requestToJoin(id, account: account.id)
        } catch is ValidationFailure {
            // Banned: the page says so next to the group.
        }
        return req.redirect(to: back)
    }

    @Sendable func leave(req: Request) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.notFound) }
        do {
            try await req.community.leave(id, account: account.id)
        } catch is TipService.NotFound {
            throw Abort(.notFound)
        }
        return req.redirect(to: "/feed")
    }

    // MARK: one post

    struct PostView: Encodable {
        struct CommentRow: Encodable {
            var id: String
            var author: String
            var body: String
            var time: String
        }
        var page: PageMeta
        var item: Item
        var reactions: [Reaction]
        var comments: [CommentRow]
        var loggedIn: Bool
        var error: String?
        var shareLink: String?
        var shares: Int
        var views: Int
        var images: [String]
    }

    /// An image of a post, for those who may read the post.
    @Sendable func image(req: Request) async throws -> Response {
        guard let id = req.parameters.get("id", as: UUID.self), let file = req.parameters.get("file", as: UUID.self) else { throw Abort(.notFound) }
        do {
            let (row, data) = try await req.posts.image(file, of: id, viewer: req.auth.get(CurrentAccount.self))
            return EvidenceFiles.response(row.kind, data: data, name: "anh-" + file.uuidString.prefix(8))
        } catch is TipService.NotFound {
            throw Abort(.notFound)
        }
    }

    @Sendable func post(req: Request) async throws -> Response {
        try await postPage(req, error: nil, status: .ok)
    }

    private func postPage(_ req: Request, error: String?, status: HTTPStatus) async throws -> Response {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.notFound) }
        let account = req.auth.get(CurrentAccount.self)
        let post: Post
        do {
            post = try await req.posts.readable(id, by: account)
        } catch is TipService.NotFound {
            throw Abort(.notFound)
        }
        if let account { try await req.posts.markViewed(id, by: account.id) }
        guard let feedItem = try await req.posts.items([id], viewer: account?.id).first else { throw Abort(.notFound) }
        let item = Self.item(feedItem, req)
        let comments = try await req.posts.comments(id, viewer: account, includeHidden: false).map {
            PostView.CommentRow(id: $0.id.uuidString, author: $0.authorName, body: $0.body, time: DisplayTime.string($0.createdAt))
        }
        let reactions = ReactionKind.allCases.map { Reaction(kind: $0.rawValue, label: req.message($0.labelVI, $0.labelEN), mine: feedItem.myReaction == $0) }
        let share = req.query[String.self, at: "shared"].map { req.siteURL + "/s/" + $0.filter { $0.isHexDigit } }
        let view = PostView(page: req.pageMeta(titleKey: "postTitle"), item: item, reactions: reactions, comments: post.status == .withdrawn ? [] : comments,
                            loggedIn: account != nil, error: error, shareLink: share, shares: post.shares, views: post.views,
                            images: post.status == .withdrawn ? [] : try await req.posts.images(of: id).map { "/posts/\(id.uuidString)/images/\($0.uuidString)" })
        return try await req.view.render("community/post", view).encodeResponse(status: status, for: req).privateNoStore()
    }

    struct ReactForm: Content { var kind: String? }

    @Sendable func react(req: Request) async throws -> Response {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.notFound) }
        guard let account = req.auth.get(CurrentAccount.self) else { return req.redirect(to: "/login?next=/posts/\(id.uuidString)") }
        let raw = try req.content.decode(ReactForm.self).kind ?? ""
        guard raw == "none" || ReactionKind(rawValue: raw) != nil else { throw Abort(.badRequest) }
        do {
            _ = try await req.posts.react(id, ReactionKind(rawValue: raw), by: account)
        } catch is TipService.NotFound {
            throw Abort(.notFound)
        } catch let failure as ValidationFailure {
            return try await postPage(req, error: failure.issues.first.map { req.message($0.messageVI, $0.messageEN) }, status: .unprocessableEntity)
        }
        return req.redirect(to: "/posts/\(id.uuidString)")
    }

    struct CommentForm: Content { var body: String? }

    @Sendable func comment(req: Request) async throws -> Response {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.notFound) }
        guard let account = req.auth.get(CurrentAccount.self) else { return req.redirect(to: "/login?next=/posts/\(id.uuidString)") }
        do {
            _ = try await req.posts.comment(id, body: try req.content.decode(CommentForm.self).body ?? "", by: account)
        } catch is TipService.NotFound {
            throw Abort(.notFound)
        } catch let failure as ValidationFailure {
            return try await postPage(req, error: failure.issues.first.map { req.message($0.messageVI, $0.messageEN) }, status: .unprocessableEntity)
        }
        return req.redirect(to: "/posts/\(id.uuidString)#comments")
    }

    @Sendable func share(req: Request) async throws -> Response {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.notFound) }
        do {
            let token = try await req.posts.share(id, by: req.auth.get(CurrentAccount.self))
            return req.redirect(to: "/posts/\(id.uuidString)?shared=\(token)")
        } catch is TipService.NotFound {
            throw Abort(.notFound)
        }
    }

    @Sendable func reportComment(req: Request) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.notFound) }
        do {
            try await req.posts.reportComment(id, by: account)
        } catch is TipService.NotFound {
            throw Abort(.notFound)
        }
        return req.redirect(to: req.headers.first(name: .referer).flatMap { URL(string: $0)?.path } ?? "/feed")
    }

    @Sendable func openShare(req: Request) async throws -> Response {
        do {
            let id = try await req.posts.openShare(req.parameters.get("token") ?? "")
            return req.redirect(to: "/posts/\(id.uuidString)")
        } catch is TipService.NotFound {
            throw Abort(.notFound)
        }
    }
}
