import BinhYenCore
import Fluent
import SQLKit
import Vapor

/// The officers' side of pages, groups and posts: groups they run (members, requests, handover,
/// the printable invite sheet), publishing, the posts of their units, and pages (created by unit
/// admins, verified by the province).
struct ConsoleCommunityController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let console = routes.grouped("console").grouped(StaffOnlyMiddleware())
        console.get("groups", use: groups)
        console.post("groups", use: createGroup)
        console.get("groups", ":id", use: group)
        console.get("groups", ":id", "invite", use: invite)
        console.post("groups", ":id", "members", ":account", use: decide)
        console.post("groups", ":id", "handover", use: handOver)
        console.get("posts", use: posts)
        console.get("posts", "new", use: newPost)
        console.on(.POST, "posts", body: .collect(maxSize: ByteCount(value: Request.uploadBodyLimit)), use: publish)
        console.get("posts", ":id", "edit", use: editForm)
        console.post("posts", ":id", "edit", use: saveEdit)
        console.post("posts", ":id", "withdraw", use: withdraw)
        console.post("posts", ":id", "pin", use: pin)
        console.post("comments", ":id", "hide", use: hideComment)
        console.get("pages", use: pages)
        console.on(.POST, "pages", body: .collect(maxSize: ByteCount(value: Request.uploadBodyLimit)), use: createPage)
        console.post("pages", ":id", "verify", use: verifyPage)
    }

    // MARK: groups

    struct GroupsView: Encodable {
        struct Row: Encodable {
            var id: String
            var name: String
            var unit: String
            var members: Int
            var code: String
        }
        var page: PageMeta
        var rows: [Row]
        var units: [TipController.Option]
        var kinds: [String]
        var values: [String: String]
        var errors: [String: String]
    }

    @Sendable func groups(req: Request) async throws -> Response {
        try await groupsPage(req, values: [:], errors: [:], status: .ok)
    }

    private func groupsPage(_ req: Request, values: [String: String], errors: [String: String], status: HTTPStatus) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        let groups = try await req.community.managedGroups(account)
        let unitNames = try await Self.unitNames(Array(Set(groups.map { $0.$unit.id } + TipService.units(of: account, allowing: .manageGroups))), on: req.db)
        let rows = groups.map { GroupsView.Row(id: $0.id?.uuidString ?? "", name: $0.name, unit: unitNames[$0.$unit.id] ?? "", members: $0.memberCount, code: $0.inviteCode) }
        let units = TipService.units(of: account, allowing: .manageGroups).map {
            TipController.Option(value: $0.uuidString, label: unitNames[$0] ?? $0.uuidString, selected: values["unit"] == $0.uuidString)
        }
        let view = GroupsView(page: req.pageMeta(titleKey: "groupsTitle"), rows: rows, units: units, kinds: GroupRules.suggestedPlaceKinds, values: values, errors: errors)
        return try await req.view.render("console/groups", view).encodeResponse(status: status, for: req)
    }

    struct CreateGroupForm: Content {
        var unit: String?
        var kind: String?
        var name: String?
    }

    @Sendable func createGroup(req: Request) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        let form = try req.content.decode(CreateGroupForm.self)
        let values = ["unit": form.unit ?? "", "kind": form.kind ?? "", "name": form.name ?? ""]
        guard let unit = form.unit.flatMap(UUID.init(uuidString:)) else {
            return try await groupsPage(req, values: values, errors: ["unit": req.message("Vui lòng chọn đơn vị.", "Choose a unit.")], status: .unprocessableEntity)
        }
        do {
            let group = try await req.community.createGroup(unitID: unit, placeKind: form.kind ?? "", placeName: form.name ?? "", by: account)
            return req.redirect(to: "/console/groups/\(try group.requireID().uuidString)")
        } catch is TipService.NotFound {
            return try await groupsPage(req, values: values, errors: ["unit": req.message("Bạn không quản lý nhóm ở đơn vị này.", "You do not run groups at this unit.")], status: .unprocessableEntity)
        } catch let failure as ValidationFailure {
            return try await groupsPage(req, values: values, errors: req.fieldErrors(failure.issues), status: .unprocessableEntity)
        }
    }

    struct GroupView: Encodable {
        struct Member: Encodable {
            var id: String
            var name: String
            var phone: String
            var role: String
            var roleLabel: String
            var status: String
        }
        struct Owner: Encodable {
            var name: String
            var from: String
            var to: String?
        }
        var page: PageMeta
        var id: String
        var name: String
        var code: String
        var members: [Member]
        var pending: [Member]
        var banned: [Member]
        var owners: [Owner]
        var totals: PostService.InteractionTotals
        var error: String?
        var notice: String?
    }

    @Sendable func group(req: Request) async throws -> Response {
        try await groupPage(req, error: nil, status: .ok)
    }

    private func groupPage(_ req: Request, error: String?, status: HTTPStatus) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        guard let id = req.parameters.get("id", as: UUID.self), let group = try await CommunityGroup.find(id, on: req.db) else { throw Abort(.notFound) }
        let rows: [CommunityService.MemberRow]
        do {
            rows = try await req.community.members(id, statuses: [.active, .pending, .banned], by: account)
        } catch is TipService.NotFound {
            throw Abort(.notFound)
        }
        let texts = req.language.texts
        let members = rows.map {
            GroupView.Member(id: $0.accountID.uuidString, name: $0.name, phone: $0.phone, role: $0.role.rawValue,
                             roleLabel: texts["groupRole_" + $0.role.rawValue] ?? $0.role.rawValue, status: $0.status.rawValue)
        }
        let owners = try await req.community.ownerHistory(id).map { GroupView.Owner(name: $0.name, from: DisplayTime.string($0.from), to: $0.to.map(DisplayTime.string)) }
        let view = GroupView(page: req.pageMeta(titleKey: "groupsTitle"), id: id.uuidString, name: group.name, code: group.inviteCode,
                             members: members.filter { $0.status == "active" }, pending: members.filter { $0.status == "pending" },
                             banned: members.filter { $0.status == "banned" }, owners: owners,
                             totals: try await req.posts.totals(group: id), error: error,
                             notice: req.query[String.self, at: "done"].map { _ in texts["saved"] ?? "" })
        return try await req.view.render("console/group", view).encodeResponse(status: status, for: req)
    }

    struct InviteView: Encodable {
        var page: PageMeta
        var name: String
        var code: String
        var joinURL: String
        var unit: String
    }

    /// A sheet to print and pin on the village notice board: the code and where to type it.
    @Sendable func invite(req: Request) async throws -> View {
        let account = try req.auth.require(CurrentAccount.self)
        guard let id = req.parameters.get("id", as: UUID.self), let group = try await CommunityGroup.find(id, on: req.db),
              try await req.community.mayManage(group, account) else { throw Abort(.notFound) }
        let unit = try await Unit.find(group.$unit.id, on: req.db)
        return try await req.view.render("console/invite", InviteView(page: req.pageMeta(titleKey: "inviteTitle"), name: group.name,
                                                                      code: group.inviteCode, joinURL: req.siteURL + "/feed", unit: unit?.name ?? ""))
    }

    struct DecisionForm: Content { var decision: String? }

    @Sendable func decide(req: Request) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        guard let id = req.parameters.get("id", as: UUID.self), let member = req.parameters.get("account", as: UUID.self) else { throw Abort(.notFound) }
        guard let decision = CommunityService.MemberDecision(rawValue: try req.content.decode(DecisionForm.self).decision ?? "") else {
            return try await groupPage(req, error: req.message("Thao tác không hợp lệ.", "Unknown action."), status: .unprocessableEntity)
        }
        do {
            _ = try await req.community.decide(id, member: member, decision, by: account)
        } catch is TipService.NotFound {
            throw Abort(.notFound)
        } catch let failure as ValidationFailure {
            return try await groupPage(req, error: failure.issues.first.map { req.message($0.messageVI, $0.messageEN) }, status: .unprocessableEntity)
        }
        return req.redirect(to: "/console/groups/\(id.uuidString)?done=1")
    }

    struct HandOverForm: Content { var phone: String? }

    @Sendable func handOver(req: Request) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.notFound) }
        do {
            _ = try await req.community.requireHandover(id, by: account)
            let successor = try await APIHandler.accountID(phone: try req.content.decode(HandOverForm.self).phone ?? "", field: "owner", on: req)
            _ = try await req.community.handOver(id, to: successor, by: account)
        } catch is TipService.NotFound {
            throw Abort(.notFound)
        } catch let failure as ValidationFailure {
            return try await groupPage(req, error: failure.issues.first.map { req.message($0.messageVI, $0.messageEN) }, status: .unprocessableEntity)
        }
        // The previous owner may no longer run the group: back to the list.
        return req.redirect(to: "/console/groups")
    }

    // MARK: posts

    struct NewPostView: Encodable {
        var page: PageMeta
        var categories: [TipController.Option]
        var priorities: [TipController.Option]
        var audiences: [TipController.Option]
        var groups: [TipController.Option]
        var units: [TipController.Option]
        var pages: [TipController.Option]
        var values: [String: String]
        var errors: [String: String]
        var formError: String?
    }

    @Sendable func newPost(req: Request) async throws -> Response {
        try await postForm(req, values: ["audience": req.query[String.self, at: "group"] == nil ? "" : "group", "group": req.query[String.self, at: "group"] ?? ""],
                           errors: [:], status: .ok)
    }

    private func postForm(_ req: Request, values: [String: String], errors: [String: String], status: HTTPStatus) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        let texts = req.language.texts
        func options(_ pairs: [(String, String)], _ key: String) -> [TipController.Option] {
            pairs.map { TipController.Option(value: $0.0, label: $0.1, selected: values[key] == $0.0) }
        }
        let groups = try await req.community.managedGroups(account)
        let unitIDs = TipService.units(of: account, allowing: .publishPosts)
        let names = try await Self.unitNames(unitIDs, on: req.db)
        var pages: [Page] = []
        for unit in unitIDs { pages += try await req.community.pages(under: unit) }
        let view = NewPostView(
            page: req.pageMeta(titleKey: "postNewTitle"),
            categories: options(PostCategory.allCases.map { ($0.rawValue, req.message($0.labelVI, $0.labelEN)) }, "category"),
            priorities: options(PostPriority.allCases.map { ($0.rawValue, req.message($0.labelVI, $0.labelEN)) }, "priority"),
            audiences: options(PostAudience.allCases.map { ($0.rawValue, texts["audience_" + $0.rawValue] ?? $0.rawValue) }, "audience"),
            groups: options(groups.map { ($0.id?.uuidString ?? "", $0.name) }, "group"),
            units: options(unitIDs.map { ($0.uuidString, names[$0] ?? "") }, "unit"),
            pages: options([("", texts["postNoPage"] ?? "")] + pages.map { ($0.id?.uuidString ?? "", $0.name) }, "page"),
            values: values, errors: errors, formError: errors.isEmpty ? nil : texts["formHasErrors"])
        return try await req.view.render("console/post-new", view).encodeResponse(status: status, for: req)
    }

    struct PostForm: Content {
        var title: String?
        var body: String?
        var category: String?
        var priority: String?
        var audience: String?
        var group: String?
        var unit: String?
        var page: String?
        var publishAt: String?
        var expiresAt: String?
        var pinned: String?
        var channels: String?
        var images: [File]?
    }

    @Sendable func publish(req: Request) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        let form = try req.content.decode(PostForm.self)
        let values = ["title": form.title ?? "", "body": form.body ?? "", "category": form.category ?? "", "priority": form.priority ?? "",
                      "audience": form.audience ?? "", "group": form.group ?? "", "unit": form.unit ?? "", "page": form.page ?? "",
                      "publishAt": form.publishAt ?? "", "expiresAt": form.expiresAt ?? "", "pinned": form.pinned ?? "", "channels": form.channels ?? ""]
        var errors: [String: String] = [:]
        func time(_ raw: String?, _ field: String) -> Date? {
            guard let raw = raw?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            guard let date = DisplayTime.parseLocalInput(raw) else {
                errors[field] = req.message("Thời điểm không hợp lệ.", "The time is not valid.")
                return nil
            }
            return date
        }
        let publishAt = time(form.publishAt, "publishAt")
        let expiresAt = time(form.expiresAt, "expiresAt")
        let draft = PostDraft(title: form.title ?? "", body: form.body ?? "", category: form.category ?? "", priority: form.priority ?? "",
                              publishAt: publishAt, expiresAt: expiresAt, pinned: form.pinned == "on" || form.pinned == "1")
        let target = PostService.Target(audience: PostAudience(rawValue: form.audience ?? "") ?? .none, groupID: form.group.flatMap(UUID.init(uuidString:)),
                                        unitID: form.unit.flatMap(UUID.init(uuidString:)), pageID: form.page.flatMap(UUID.init(uuidString:)),
                                        toChannels: form.channels == "1" || form.channels == "on")
        // Images: checked by content and stripped of metadata before anything is stored.
        let (images, uploadError) = req.sanitizedUploads(form.images)
        if let uploadError { errors["images"] = uploadError }
        if errors.isEmpty {
            do {
                let post = try await req.posts.publish(draft, to: target, by: account, images: images)
                return req.redirect(to: "/posts/\(try post.requireID().uuidString)")
            } catch let failure as ValidationFailure {
                errors = req.fieldErrors(failure.issues)
            }
        } else if case .failure(let failure) = PostRules.validate(draft, now: Date()) {
            // A wrong date or file does not hide what else is wrong.
            for (field, text) in req.fieldErrors(failure.issues) where errors[field] == nil { errors[field] = text }
        }
        return try await postForm(req, values: values, errors: errors, status: .unprocessableEntity)
    }

    struct PostsView: Encodable {
        struct Row: Encodable {
            var id: String
            var title: String
            var priority: String
            var status: String
            var time: String
            var pinned: Bool
            var reactions: Int
            var comments: Int
            var views: Int
            var scheduled: Bool
            /// Warnings to followers on Zalo and Telegram, when the post was sent there.
            var channels: ChannelService.WarningCounts?
        }
        struct HiddenCandidate: Encodable {
            var id: String
            var postTitle: String
            var author: String
            var body: String
            var reports: Int
        }
        var page: PageMeta
        var rows: [Row]
        var reported: [HiddenCandidate]
        var error: String?
    }

    /// The posts of the officer's units, newest first, with the comments readers reported.
    @Sendable func posts(req: Request) async throws -> Response {
        try await postsPage(req, error: nil, status: .ok)
    }

    private func postsPage(_ req: Request, error: String?, status: HTTPStatus) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        let units = Array(Set(TipService.units(of: account, allowing: .publishPosts) + TipService.units(of: account, allowing: .manageGroups)))
        let sql = try req.db.requireSQL()
        let subtree = units.isEmpty ? [] : try await sql.raw("SELECT descendant_id FROM unit_closure WHERE ancestor_id IN (\(binds: units))").all()
            .map { try $0.decode(column: "descendant_id", as: UUID.self) }
        let now = Date()
        let posts = subtree.isEmpty ? [] : try await Post.query(on: req.db).filter(\.$unit.$id ~~ subtree).sort(\.$publishAt, .descending).limit(100).all()
        let warnings = try await req.channels.warningCounts(of: posts.compactMap(\.id))
        let rows = posts.map {
            PostsView.Row(id: $0.id?.uuidString ?? "", title: $0.title, priority: req.message($0.priority.labelVI, $0.priority.labelEN), status: $0.status.rawValue,
                          time: DisplayTime.string($0.publishAt), pinned: $0.pinned, reactions: $0.reactions, comments: $0.comments, views: $0.views,
                          scheduled: $0.publishAt > now, channels: $0.id.flatMap { warnings[$0] })
        }
        let reported = subtree.isEmpty ? [] : try await sql.raw("""
            SELECT c.id, c.body, c.reports, a.display_name, p.title FROM post_comments c JOIN posts p ON p.id = c.post_id JOIN accounts a ON a.id = c.account_id
            WHERE c.reports > 0 AND c.status = 'visible' AND p.unit_id IN (\(binds: subtree)) ORDER BY c.reports DESC LIMIT 50
            """).all().map {
            PostsView.HiddenCandidate(id: try $0.decode(column: "id", as: UUID.self).uuidString, postTitle: try $0.decode(column: "title", as: String.self),
                                      author: try $0.decode(column: "display_name", as: String.self), body: try $0.decode(column: "body", as: String.self),
                                      reports: try $0.decode(column: "reports", as: Int.self))
        }
        let view = PostsView(page: req.pageMeta(titleKey: "postsTitle"), rows: rows, reported: reported, error: error)
        return try await req.view.render("console/posts", view).encodeResponse(status: status, for: req)
    }

    struct EditView: Encodable {
        struct Revision: Encodable {
            var revision: Int
            var title: String
            var body: String
            var time: String
        }
        var page: PageMeta
        var id: String
        var values: [String: String]
        var errors: [String: String]
        var revisions: [Revision]
    }

    @Sendable func editForm(req: Request) async throws -> Response {
        guard let id = req.parameters.get("id", as: UUID.self), let post = try await Post.find(id, on: req.db) else { throw Abort(.notFound) }
        return try await editPage(req, id, values: ["title": post.title, "body": post.body], errors: [:], status: .ok)
    }

    private func editPage(_ req: Request, _ id: UUID, values: [String: String], errors: [String: String], status: HTTPStatus) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        let revisions: [PostService.Revision]
        do {
            revisions = try await req.posts.revisions(id, by: account)
        } catch is TipService.NotFound {
            throw Abort(.notFound)
        }
        let view = EditView(page: req.pageMeta(titleKey: "postEditTitle"), id: id.uuidString, values: values, errors: errors,
                            revisions: revisions.map { .init(revision: $0.revision, title: $0.title, body: $0.body, time: DisplayTime.string($0.editedAt)) })
        return try await req.view.render("console/post-edit", view).encodeResponse(status: status, for: req)
    }

    struct EditForm: Content {
        var title: String?
        var body: String?
    }

    @Sendable func saveEdit(req: Request) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.notFound) }
        let form = try req.content.decode(EditForm.self)
        do {
            _ = try await req.posts.edit(id, title: form.title ?? "", body: form.body ?? "", by: account)
        } catch is TipService.NotFound {
            throw Abort(.notFound)
        } catch let failure as ValidationFailure {
            return try await editPage(req, id, values: ["title": form.title ?? "", "body": form.body ?? ""], errors: req.fieldErrors(failure.issues), status: .unprocessableEntity)
        }
        return req.redirect(to: "/posts/\(id.uuidString)")
    }

    struct WithdrawForm: Content { var notice: String? }

    @Sendable func withdraw(req: Request) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.notFound) }
        do {
            _ = try await req.posts.withdraw(id, notice: try req.content.decode(WithdrawForm.self).notice ?? "", by: account)
        } catch is TipService.NotFound {
            throw Abort(.notFound)
        } catch let failure as ValidationFailure {
            return try await postsPage(req, error: failure.issues.first.map { req.message($0.messageVI, $0.messageEN) }, status: .unprocessableEntity)
        }
        return req.redirect(to: "/console/posts")
    }

    struct PinForm: Content { var pinned: String? }

    @Sendable func pin(req: Request) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.notFound) }
        do {
            _ = try await req.posts.pin(id, try req.content.decode(PinForm.self).pinned == "1", by: account)
        } catch is TipService.NotFound {
            throw Abort(.notFound)
        } catch let failure as ValidationFailure {
            return try await postsPage(req, error: failure.issues.first.map { req.message($0.messageVI, $0.messageEN) }, status: .unprocessableEntity)
        }
        return req.redirect(to: "/console/posts")
    }

    @Sendable func hideComment(req: Request) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.notFound) }
        do {
            try await req.posts.moderateComment(id, hide: true, by: account)
        } catch is TipService.NotFound {
            throw Abort(.notFound)
        }
        return req.redirect(to: "/console/posts")
    }

    // MARK: pages

    struct PagesView: Encodable {
        struct Row: Encodable {
            var id: String
            var name: String
            var unit: String
            var verified: Bool
            var followers: Int
            var mayVerify: Bool
            var mayLink: Bool
        }
        var page: PageMeta
        var rows: [Row]
        var units: [TipController.Option]
        var values: [String: String]
        var errors: [String: String]
    }

    @Sendable func pages(req: Request) async throws -> Response {
        try await pagesPage(req, values: [:], errors: [:], status: .ok)
    }

    private func pagesPage(_ req: Request, values: [String: String], errors: [String: String], status: HTTPStatus) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        let editable = TipService.units(of: account, allowing: .editUnit)
        let verifying = TipService.units(of: account, allowing: .verifyPages)
        var pages: [Page] = []
        for unit in Set(editable + verifying) { pages += try await req.community.pages(under: unit) }
        let names = try await Self.unitNames(Array(Set(pages.map { $0.$unit.id } + editable)), on: req.db)
        var rows: [PagesView.Row] = []
        for page in pages where !rows.contains(where: { $0.id == page.id?.uuidString }) {
            rows.append(.init(id: page.id?.uuidString ?? "", name: page.name, unit: names[page.$unit.id] ?? "", verified: page.verifiedAt != nil,
                              followers: page.followerCount, mayVerify: try await account.may(.verifyPages, atUnit: page.$unit.id, on: req.db),
                              mayLink: try await account.may(.linkChannelAccounts, atUnit: page.$unit.id, on: req.db)))
        }
        let units = editable.map { TipController.Option(value: $0.uuidString, label: names[$0] ?? "", selected: values["unit"] == $0.uuidString) }
        let view = PagesView(page: req.pageMeta(titleKey: "pagesAdminTitle"), rows: rows, units: units, values: values, errors: errors)
        return try await req.view.render("console/pages", view).encodeResponse(status: status, for: req)
    }

    struct PageForm: Content {
        var unit: String?
        var name: String?
        var area: String?
        var hotline: String?
        var description: String?
        var avatar: [File]?
    }

    @Sendable func createPage(req: Request) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        let form = try req.content.decode(PageForm.self)
        let values = ["unit": form.unit ?? "", "name": form.name ?? "", "area": form.area ?? "", "hotline": form.hotline ?? "", "description": form.description ?? ""]
        let (files, uploadError) = req.sanitizedUploads(form.avatar)
        if let uploadError { return try await pagesPage(req, values: values, errors: ["avatar": uploadError], status: .unprocessableEntity) }
        do {
            guard let unit = form.unit.flatMap(UUID.init(uuidString:)) else { throw TipService.NotFound() }
            _ = try await req.community.createPage(.init(name: form.name ?? "", area: form.area ?? "", hotline: form.hotline, description: form.description ?? ""),
                                                   unitID: unit, avatar: files.first, by: account)
        } catch is TipService.NotFound {
            return try await pagesPage(req, values: values, errors: ["unit": req.message("Vui lòng chọn đơn vị bạn quản trị.", "Choose a unit you administer.")], status: .unprocessableEntity)
        } catch let failure as ValidationFailure {
            return try await pagesPage(req, values: values, errors: req.fieldErrors(failure.issues), status: .unprocessableEntity)
        }
        return req.redirect(to: "/console/pages")
    }

    @Sendable func verifyPage(req: Request) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        guard let id = req.parameters.get("id", as: UUID.self) else { throw Abort(.notFound) }
        do {
            _ = try await req.community.verifyPage(id, by: account)
        } catch is TipService.NotFound {
            throw Abort(.notFound)
        }
        return req.redirect(to: "/console/pages")
    }

    static func unitNames(_ ids: [UUID], on db: any Database) async throws -> [UUID: String] {
        guard !ids.isEmpty else { return [:] }
        var names: [UUID: String] = [:]
        for unit in try await Unit.query(on: db).filter(\.$id ~~ ids).all() {
            if let id = unit.id { names[id] = unit.name }
        }
        return names
    }
}
