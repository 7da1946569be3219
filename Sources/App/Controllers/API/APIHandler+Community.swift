import BinhYenAPI
import BinhYenCore
import Fluent
import Foundation
import OpenAPIRuntime
import Vapor

/// Pages, groups, posts and feeds in the JSON API.
extension APIHandler {
    func getFeed(_ input: Operations.GetFeed.Input) async throws -> Operations.GetFeed.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.keptBearer(req)?.id else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard let cursor = Self.cursor(input.query.after) else { return .badRequest(.init(body: .json(Self.badCursor))) }
        let page = try await req.posts.feed(for: account, after: cursor, limit: input.query.limit ?? 20)
        return .ok(.init(body: .json(Self.feedPage(page))))
    }

    func listPages(_ input: Operations.ListPages.Input) async throws -> Operations.ListPages.Output {
        let req = try APIRequestContext.current()
        var unitID: UUID?
        if let code = input.query.unit {
            guard let unit = try await UnitDirectory.find(code: code, on: req.db) else { return .ok(.init(body: .json(.init(items: [])))) }
            unitID = unit.id
        }
        let pages = try await req.community.pages(under: unitID)
        return .ok(.init(body: .json(.init(items: try await Self.pageInfos(pages, on: req)))))
    }

    func getPageFollowers(_ input: Operations.GetPageFollowers.Input) async throws -> Operations.GetPageFollowers.Output {
        let req = try APIRequestContext.current()
        let (range, issues) = DayRange.parse(from: input.query.from, to: input.query.to)
        guard let range else { return .badRequest(.init(body: .json(Self.validationError(issues)))) }
        guard let id = UUID(uuidString: input.path.id) else { return .notFound(.init(body: .json(Self.pageNotFound))) }
        do {
            let history = try await req.community.followerHistory(id, days: range)
            return .ok(.init(body: .json(.init(page: id.uuidString, items: history.map { .init(day: $0.day, followers: $0.followers, change: $0.change) }))))
        } catch is TipService.NotFound {
            return .notFound(.init(body: .json(Self.pageNotFound)))
        }
    }

    func followPage(_ input: Operations.FollowPage.Input) async throws -> Operations.FollowPage.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard let id = UUID(uuidString: input.path.id) else { return .notFound(.init(body: .json(Self.pageNotFound))) }
        do {
            try await req.community.follow(id, account: account.id)
            return .ok(.init(body: .json(try await Self.pageInfo(id, on: req))))
        } catch is TipService.NotFound {
            return .notFound(.init(body: .json(Self.pageNotFound)))
        }
    }

    func unfollowPage(_ input: Operations.UnfollowPage.Input) async throws -> Operations.UnfollowPage.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard let id = UUID(uuidString: input.path.id) else { return .notFound(.init(body: .json(Self.pageNotFound))) }
        do {
            try await req.community.unfollow(id, account: account.id)
            return .ok(.init(body: .json(try await Self.pageInfo(id, on: req))))
        } catch is TipService.NotFound {
            return .notFound(.init(body: .json(Self.pageNotFound)))
        }
    }

    func getPageFeed(_ input: Operations.GetPageFeed.Input) async throws -> Operations.GetPageFeed.Output {
        let req = try APIRequestContext.current()
        guard let id = UUID(uuidString: input.path.id), try await Page.find(id, on: req.db) != nil else { return .notFound(.init(body: .json(Self.pageNotFound))) }
        guard let cursor = Self.cursor(input.query.after) else { return .badRequest(.init(body: .json(Self.badCursor))) }
        let viewer = try await Self.bearer(req)
        let page = try await req.posts.pageFeed(id, viewer: viewer?.id, after: cursor, limit: input.query.limit ?? 20)
        return .ok(.init(body: .json(Self.feedPage(page))))
    }

    func joinGroup(_ input: Operations.JoinGroup.Input) async throws -> Operations.JoinGroup.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard case .json(let body) = input.body else { return .badRequest(.init(body: .json(Self.badRequest))) }
        do {
            let group = try await req.community.join(code: body.code, account: account.id)
            return .ok(.init(body: .json(try await Self.groupInfo(group, on: req))))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        }
    }

    func getGroupFeed(_ input: Operations.GetGroupFeed.Input) async throws -> Operations.GetGroupFeed.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard let cursor = Self.cursor(input.query.after) else { return .badRequest(.init(body: .json(Self.badCursor))) }
        guard let id = UUID(uuidString: input.path.id) else { return .notFound(.init(body: .json(Self.groupNotFound))) }
        do {
            let page = try await req.posts.groupFeed(id, viewer: account, after: cursor, limit: input.query.limit ?? 20)
            return .ok(.init(body: .json(Self.feedPage(page))))
        } catch is TipService.NotFound {
            return .notFound(.init(body: .json(Self.groupNotFound)))
        }
    }

    func handOverGroup(_ input: Operations.HandOverGroup.Input) async throws -> Operations.HandOverGroup.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard case .json(let body) = input.body else { return .badRequest(.init(body: .json(Self.badRequest))) }
        guard let id = UUID(uuidString: input.path.id) else { return .notFound(.init(body: .json(Self.groupNotFound))) }
        do {
            _ = try await req.community.requireHandover(id, by: account)
            let successor = try await Self.accountID(phone: body.phone, field: "phone", on: req)
            let group = try await req.community.handOver(id, to: successor, by: account)
            return .ok(.init(body: .json(try await Self.groupInfo(group, on: req))))
        } catch is TipService.NotFound {
            return .notFound(.init(body: .json(Self.groupNotFound)))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        }
    }

    func publishPost(_ input: Operations.PublishPost.Input) async throws -> Operations.PublishPost.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard case .json(let body) = input.body else { return .badRequest(.init(body: .json(Self.badRequest))) }
        var target = PostService.Target(audience: PostAudience(rawValue: body.audience.rawValue) ?? .none,
                                        groupID: body.groupId.flatMap(UUID.init(uuidString:)), unitID: nil, pageID: body.pageId.flatMap(UUID.init(uuidString:)))
        if let code = body.unitCode { target.unitID = try await UnitDirectory.find(code: code, on: req.db)?.id }
        let draft = PostDraft(title: body.title, body: body.body, category: body.category.rawValue, priority: body.priority.rawValue,
                              publishAt: body.publishAt, expiresAt: body.expiresAt, pinned: body.pinned ?? false)
        do {
            let post = try await req.posts.publish(draft, to: target, by: account)
            guard let item = try await req.posts.items([try post.requireID()], viewer: account.id).first else { throw Abort(.internalServerError) }
            return .created(.init(body: .json(Self.postView(item))))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        }
    }

    func getPost(_ input: Operations.GetPost.Input) async throws -> Operations.GetPost.Output {
        let req = try APIRequestContext.current()
        var viewer: CurrentAccount?
        if req.headers.bearerAuthorization != nil {
            guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
            viewer = account
        }
        guard let id = UUID(uuidString: input.path.id) else { return .notFound(.init(body: .json(Self.postNotFound))) }
        do {
            _ = try await req.posts.readable(id, by: viewer)
            if let viewer { try await req.posts.markViewed(id, by: viewer.id) }
            guard let item = try await req.posts.items([id], viewer: viewer?.id).first else { throw TipService.NotFound() }
            return .ok(.init(body: .json(Self.postView(item))))
        } catch is TipService.NotFound {
            return .notFound(.init(body: .json(Self.postNotFound)))
        }
    }

    func withdrawPost(_ input: Operations.WithdrawPost.Input) async throws -> Operations.WithdrawPost.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard case .json(let body) = input.body else { return .badRequest(.init(body: .json(Self.badRequest))) }
        guard let id = UUID(uuidString: input.path.id) else { return .notFound(.init(body: .json(Self.postNotFound))) }
        do {
            _ = try await req.posts.withdraw(id, notice: body.notice, by: account)
            guard let item = try await req.posts.items([id], viewer: account.id).first else { throw TipService.NotFound() }
            return .ok(.init(body: .json(Self.postView(item))))
        } catch is TipService.NotFound {
            return .notFound(.init(body: .json(Self.postNotFound)))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        }
    }

    func reactToPost(_ input: Operations.ReactToPost.Input) async throws -> Operations.ReactToPost.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard case .json(let body) = input.body else { return .badRequest(.init(body: .json(Self.badRequest))) }
        guard let id = UUID(uuidString: input.path.id) else { return .notFound(.init(body: .json(Self.postNotFound))) }
        do {
            _ = try await req.posts.react(id, ReactionKind(rawValue: body.kind.rawValue), by: account)
            guard let item = try await req.posts.items([id], viewer: account.id).first else { throw TipService.NotFound() }
            return .ok(.init(body: .json(Self.postView(item))))
        } catch is TipService.NotFound {
            return .notFound(.init(body: .json(Self.postNotFound)))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        }
    }

    func commentOnPost(_ input: Operations.CommentOnPost.Input) async throws -> Operations.CommentOnPost.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard case .json(let body) = input.body else { return .badRequest(.init(body: .json(Self.badRequest))) }
        guard let id = UUID(uuidString: input.path.id) else { return .notFound(.init(body: .json(Self.postNotFound))) }
        do {
            let comment = try await req.posts.comment(id, body: body.body, by: account)
            return .created(.init(body: .json(.init(id: comment.id.uuidString, author: comment.authorName, body: comment.body, createdAt: comment.createdAt))))
        } catch is TipService.NotFound {
            return .notFound(.init(body: .json(Self.postNotFound)))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        }
    }

    // MARK: mapping

    /// nil when the text is not a cursor; `.some(nil)` when there is none (the first page).
    static func cursor(_ text: String?) -> PostService.Cursor?? {
        guard let text, !text.isEmpty else { return .some(nil) }
        guard let cursor = PostService.Cursor(text) else { return nil }
        return .some(cursor)
    }

    static func feedPage(_ page: PostService.FeedPage) -> Schemas.FeedPage {
        .init(items: page.items.map(postView), next: page.next)
    }

    static func postView(_ item: PostService.FeedItem) -> Schemas.PostView {
        let post = item.post
        let withdrawn = post.status == .withdrawn
        return .init(id: post.id?.uuidString ?? "", title: post.title, body: withdrawn ? "" : post.body, category: post.category.rawValue,
                     priority: post.priority.rawValue, audience: post.audience.rawValue, status: withdrawn ? .withdrawn : .published,
                     withdrawalNotice: post.withdrawalNotice, pinned: post.pinned, publishAt: post.publishAt, expiresAt: post.expiresAt,
                     unitName: item.unitName, pageId: post.$page.id?.uuidString, pageName: item.pageName, revision: post.revision,
                     reactions: post.reactions, comments: post.comments, shares: post.shares, views: post.views, unread: item.unread,
                     myReaction: item.myReaction.flatMap { Schemas.ReactionKind(rawValue: $0.rawValue) })
    }

    static func pageInfos(_ pages: [Page], on req: Request) async throws -> [Schemas.PageInfo] {
        let unitIDs = Array(Set(pages.map { $0.$unit.id }))
        let units = unitIDs.isEmpty ? [] : try await Unit.query(on: req.db).filter(\.$id ~~ unitIDs).all()
        let codes = Dictionary(uniqueKeysWithValues: units.compactMap { unit in unit.id.map { ($0, unit.code) } })
        return pages.map {
            .init(id: $0.id?.uuidString ?? "", name: $0.name, unitCode: codes[$0.$unit.id] ?? "", area: $0.area, hotline: $0.hotline,
                  description: $0.description, verified: $0.verifiedAt != nil, followers: $0.followerCount)
        }
    }

    static func pageInfo(_ id: UUID, on req: Request) async throws -> Schemas.PageInfo {
        guard let page = try await Page.find(id, on: req.db), let info = try await pageInfos([page], on: req).first else { throw TipService.NotFound() }
        return info
    }

    static func groupInfo(_ group: CommunityGroup, on req: Request) async throws -> Schemas.GroupInfo {
        let unit = try await Unit.find(group.$unit.id, on: req.db)
        let owner = try await Account.find(group.$owner.id, on: req.db)
        return .init(id: group.id?.uuidString ?? "", name: group.name, unitCode: unit?.code ?? "", members: group.memberCount, ownerName: owner?.displayName ?? "")
    }

    /// The account with this phone number, or a validation failure on `field`.
    static func accountID(phone raw: String, field: String, on req: Request) async throws -> UUID {
        let phone: PhoneNumber
        switch AccountRules.phone(raw, field: field) {
        case .success(let value): phone = value
        case .failure(let issue): throw ValidationFailure(issues: [issue])
        }
        guard let account = try await Account.query(on: req.db).filter(\.$phone == phone.e164).first(), let id = account.id else {
            throw ValidationFailure(issues: [FieldIssue(field: field, code: "unknown", messageVI: "Không có tài khoản với số điện thoại này.", messageEN: "There is no account with this phone number.")])
        }
        return id
    }

    static let badCursor = error("bad_cursor", "Tham số after không hợp lệ: dùng giá trị next của trang trước.", "after is not valid: use the previous page's next value.",
                                 fields: [FieldIssue(field: "after", code: "format", messageVI: "Không đúng định dạng.", messageEN: "Wrong format.")])
    static let pageNotFound = error("page_not_found", "Không tìm thấy trang.", "There is no such page.")
    static let groupNotFound = error("group_not_found", "Không tìm thấy nhóm.", "There is no such group.")
    static let postNotFound = error("post_not_found", "Không tìm thấy bài viết.", "There is no such post.")
}

extension APIHandler {
    func publishScamWarning(_ input: Operations.PublishScamWarning.Input) async throws -> Operations.PublishScamWarning.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard let id = UUID(uuidString: input.path.id) else { return .notFound(.init(body: .json(Self.scamIndicatorNotFound))) }
        var pageID: UUID?
        if case .json(let body) = input.body { pageID = body.pageId.flatMap(UUID.init(uuidString:)) }
        do {
            let post = try await req.scams.publishWarning(id, pageID: pageID, by: account)
            guard let item = try await req.posts.items([try post.requireID()], viewer: account.id).first else { throw Abort(.internalServerError) }
            return .created(.init(body: .json(Self.postView(item))))
        } catch is TipService.NotFound {
            return .notFound(.init(body: .json(Self.scamIndicatorNotFound)))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        }
    }
}
