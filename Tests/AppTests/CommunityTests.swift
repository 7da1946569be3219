@testable import App
import BinhYenCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@Suite("Pages, groups, posts and feeds")
struct CommunityTests {
    struct PostView: Decodable {
        var id: String; var title: String; var body: String; var status: String; var priority: String; var pinned: Bool
        var withdrawalNotice: String?; var unread: Bool; var reactions: Int; var comments: Int; var views: Int; var myReaction: String?
    }
    struct FeedPage: Decodable { var items: [PostView]; var next: String? }
    struct GroupInfo: Decodable { var id: String; var name: String; var members: Int; var ownerName: String }
    struct PageInfo: Decodable { var id: String; var followers: Int; var verified: Bool }
    typealias ErrorBody = ScamRegistryTests.ErrorBody

    static let wardOfficer = TipAPITests.communeOfficer          // 0901000003, officer at CA24133
    static let wardSecondOfficer = "+84903241330"                // the demo's generated area officer of CA24133
    static let citizen = "0988000001"
    static let neighbour = "0988000002"

    /// The services as a test drives them directly (pages and groups have no JSON endpoints to create them).
    struct Fixture {
        let app: Application
        var community: CommunityService { CommunityService(db: app.db, app: app) }
        var posts: PostService { PostService(db: app.db, app: app) }

        func account(_ phone: String) async throws -> CurrentAccount {
            let e164 = try PhoneNumber(parsing: phone).e164
            let id = try #require(try await Account.query(on: app.db).filter(\.$phone == e164).first()?.id)
            return try #require(try await CurrentAccount.load(accountID: id, on: app.db))
        }

        func unit(_ code: String) async throws -> UUID {
            try #require(try await UnitDirectory.find(code: code, on: app.db)?.id)
        }

        func group(_ code: String, _ name: String, by phone: String) async throws -> CommunityGroup {
            try await community.createGroup(unitID: try await unit(code), placeKind: "Tổ dân phố", placeName: name, by: try await account(phone))
        }

        /// A verified page of the ward, opened by its unit admin.
        func wardPage() async throws -> UUID {
            let page = try await community.createPage(.init(name: "Công an phường Buôn Ma Thuột", area: "Phường Buôn Ma Thuột", hotline: "0901000002",
                                                            description: "Trang chính thức của công an phường."),
                                                      unitID: try await unit("CA24133"), by: try await account("0901000006"))
            let id = try page.requireID()
            _ = try await community.verifyPage(id, by: try await account(TipAPITests.provinceAdmin))
            return id
        }

        func newCitizen(_ phone: String, _ name: String) async throws -> UUID {
            let account = Account(phone: try PhoneNumber(parsing: phone).e164, displayName: name, passwordHash: "x", kind: .citizen)
            try await account.create(on: app.db)
            return try account.requireID()
        }
    }

    static func publish(_ app: Application, _ headers: HTTPHeaders, _ body: [String: any Sendable], expect: HTTPStatus = .created) async throws -> PostView {
        try await TipAPITests.json(app, .POST, "/api/v1/posts", headers: headers, body: body, expect: expect, as: PostView.self)
    }

    static func post(_ title: String, _ priority: String = "information", category: String = "security_news", extra: [String: any Sendable] = [:]) -> [String: any Sendable] {
        var body: [String: any Sendable] = ["title": title, "body": "Nội dung của bài \(title) gửi bà con.", "category": category, "priority": priority]
        body.merge(extra) { $1 }
        return body
    }

    @Test("A citizen joins a group by its invite code (typed loosely), follows a page, and reads both in the feed: pinned, then urgent, then newest; pages continue where they stopped; reading clears the unread mark")
    func feedOrder() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let fx = Fixture(app: app)
            let pageID = try await fx.wardPage()
            let group = try await fx.group("CA24133", "7", by: Self.wardOfficer)
            let officer = try await TipAPITests.bearer(app, Self.wardOfficer)
            let groupID = try group.requireID().uuidString

            let pinned = try await Self.publish(app, officer, Self.post("Số trực ban của phường", extra: ["audience": "none", "pageId": pageID.uuidString, "pinned": true]))
            let urgent = try await Self.publish(app, officer, Self.post("Cháy kho gần chợ, tránh khu vực", "urgent", extra: ["audience": "group", "groupId": groupID]))
            let older = try await Self.publish(app, officer, Self.post("Họp tổ dân phố tối thứ Sáu", extra: ["audience": "group", "groupId": groupID]))
            let newest = try await Self.publish(app, officer, Self.post("Hướng dẫn đăng ký tạm trú", category: "admin_reform", extra: ["audience": "none", "pageId": pageID.uuidString]))
            // Another group's post must not appear.
            let other = try await fx.group("CA24133", "8", by: Self.wardOfficer)
            _ = try await Self.publish(app, officer, Self.post("Tin riêng tổ 8", extra: ["audience": "group", "groupId": try other.requireID().uuidString]))

            let citizen = try await TipAPITests.bearer(app, Self.citizen)
            let spaced = String(group.inviteCode.lowercased().prefix(4)) + " - " + String(group.inviteCode.lowercased().dropFirst(4))
            let joined = try await TipAPITests.json(app, .POST, "/api/v1/groups/join", headers: citizen, body: ["code": spaced], expect: .ok, as: GroupInfo.self)
            #expect(joined.id == groupID && joined.members == 2, "the owner and the citizen: \(joined)")
            let followed = try await TipAPITests.json(app, .POST, "/api/v1/pages/\(pageID.uuidString)/follow", headers: citizen, expect: .ok, as: PageInfo.self)
            #expect(followed.followers == 1 && followed.verified)
            _ = try await TipAPITests.json(app, .POST, "/api/v1/pages/\(pageID.uuidString)/follow", headers: citizen, expect: .ok, as: PageInfo.self)

            let feed = try await TipAPITests.json(app, .GET, "/api/v1/feed", headers: citizen, expect: .ok, as: FeedPage.self)
            #expect(feed.items.map(\.id) == [pinned.id, urgent.id, newest.id, older.id], "\(feed.items.map(\.title))")
            #expect(feed.items.allSatisfy { $0.unread })

            let first = try await TipAPITests.json(app, .GET, "/api/v1/feed?limit=3", headers: citizen, expect: .ok, as: FeedPage.self)
            let cursor = try #require(first.next)
            let rest = try await TipAPITests.json(app, .GET, "/api/v1/feed?limit=3&after=\(cursor)", headers: citizen, expect: .ok, as: FeedPage.self)
            #expect(first.items.map(\.id) + rest.items.map(\.id) == feed.items.map(\.id) && rest.next == nil)
            _ = try await TipAPITests.json(app, .GET, "/api/v1/feed?after=not-a-cursor", headers: citizen, expect: .badRequest, as: ErrorBody.self)

            let read = try await TipAPITests.json(app, .GET, "/api/v1/posts/\(older.id)", headers: citizen, expect: .ok, as: PostView.self)
            #expect(read.views == 1)
            _ = try await TipAPITests.json(app, .GET, "/api/v1/posts/\(older.id)", headers: citizen, expect: .ok, as: PostView.self)
            let after = try await TipAPITests.json(app, .GET, "/api/v1/feed", headers: citizen, expect: .ok, as: FeedPage.self)
            #expect(after.items.first { $0.id == older.id }?.unread == false && after.items.first { $0.id == older.id }?.views == 1, "one view per account")
            #expect(after.items.filter { $0.unread }.count == 3)

            let day = InternetTime.vietnamDay(Date())
            let totals = try await Counters.totals(under: try await fx.unit("CA66"), from: day, to: day, on: app.db)
            #expect(totals[.followers] == 1 && totals[.groupsCreated] == 2 && totals[.groupMembers] == 3 && totals[.pagesVerified] == 1)
            #expect(totals[.postsSecurityNews] == 4 && totals[.postsAdminReform] == 1)
        }
    }

    @Test("The feed's JSON, put together from each post's kept JSON, is the document the API's schema encodes: marks, reactions, a withdrawn post, a page post, expiry and `next`")
    func feedJSON() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let fx = Fixture(app: app)
            let pageID = try await fx.wardPage()
            let group = try await fx.group("CA24133", "7", by: Self.wardOfficer)
            let officer = try await TipAPITests.bearer(app, Self.wardOfficer)
            let groupID = try group.requireID().uuidString
            let citizen = try await TipAPITests.bearer(app, Self.citizen)
            _ = try await TipAPITests.json(app, .POST, "/api/v1/groups/join", headers: citizen, body: ["code": group.inviteCode], expect: .ok, as: GroupInfo.self)
            _ = try await TipAPITests.json(app, .POST, "/api/v1/pages/\(pageID.uuidString)/follow", headers: citizen, expect: .ok, as: PageInfo.self)
            let quoted = try await Self.publish(app, officer, Self.post("Cảnh giác \"việc nhẹ lương cao\" \\ tuyển dụng", "warning", category: "scam_warning",
                                                                        extra: ["audience": "none", "pageId": pageID.uuidString, "pinned": true]))
            let urgent = try await Self.publish(app, officer, Self.post("Cháy kho gần chợ", "urgent", extra: ["audience": "group", "groupId": groupID]))
            let read = try await Self.publish(app, officer, Self.post("Họp tổ dân phố", extra: ["audience": "group", "groupId": groupID]))
            let withdrawn = try await Self.publish(app, officer, Self.post("Lịch cắt điện", extra: ["audience": "group", "groupId": groupID]))
            _ = try await TipAPITests.json(app, .POST, "/api/v1/posts/\(urgent.id)/reactions", headers: citizen, body: ["kind": "thanks"], expect: .ok, as: PostView.self)
            _ = try await TipAPITests.json(app, .GET, "/api/v1/posts/\(read.id)", headers: citizen, expect: .ok, as: PostView.self)
            _ = try await TipAPITests.json(app, .POST, "/api/v1/posts/\(withdrawn.id)/withdraw", headers: officer, body: ["notice": "Lịch đã đổi."], expect: .ok, as: PostView.self)

            // What the schema's own encoder writes for the same page, and what the API sends.
            let account = try await fx.account(Self.citizen)
            func typed(limit: Int) async throws -> Any {
                let page = try await fx.posts.feed(for: account.id, after: nil, limit: limit)
                return try JSONSerialization.jsonObject(with: try FeedJSON.encoder.encode(APIHandler.feedPage(page)))
            }
            func sent(_ path: String) async throws -> Any {
                var body: Data?
                try await app.testing().test(.GET, path, headers: citizen) { res async throws in
                    #expect(res.status == .ok && res.headers.contentType == .init(type: "application", subType: "json", parameters: ["charset": "utf-8"]))
                    body = Data(buffer: res.body)
                }
                return try JSONSerialization.jsonObject(with: try #require(body))
            }
            for limit in [20, 2] {
                let api = try await sent("/api/v1/feed?limit=\(limit)")
                let schema = try await typed(limit: limit)
                #expect((api as? NSDictionary) == (schema as? NSDictionary), "limit \(limit): \(api) vs \(schema)")
            }
            let page = try #require(try await sent("/api/v1/feed") as? [String: Any])
            let items = try #require(page["items"] as? [[String: Any]])
            #expect(items.map { $0["id"] as? String } == [quoted.id, urgent.id, withdrawn.id, read.id].map(Optional.some) && page["next"] == nil)
            #expect(items[0]["title"] as? String == "Cảnh giác \"việc nhẹ lương cao\" \\ tuyển dụng" && items[0]["pageId"] as? String == pageID.uuidString)
            #expect(items[1]["myReaction"] as? String == "thanks" && items[1]["reactions"] as? Int == 1 && items[1]["expiresAt"] is String)
            #expect(items[2]["status"] as? String == "withdrawn" && items[2]["withdrawalNotice"] as? String == "Lịch đã đổi." && items[2]["body"] as? String == "")
            #expect(items.map { $0["unread"] as? Bool } == [true, true, true, false] && items.filter { $0["myReaction"] != nil }.count == 1)
            // Anything out of order still gets the API's own errors.
            _ = try await TipAPITests.json(app, .GET, "/api/v1/feed?limit=abc", headers: citizen, expect: .badRequest, as: ErrorBody.self)
            let badCursor = try await TipAPITests.json(app, .GET, "/api/v1/feed?after=x", headers: citizen, expect: .badRequest, as: ErrorBody.self)
            #expect(badCursor.error.code == "bad_cursor" && badCursor.error.fields?.first?.field == "after")
            let stranger = try await TipAPITests.json(app, .GET, "/api/v1/feed", headers: ["Authorization": "Bearer nope"], expect: .unauthorized, as: ErrorBody.self)
            #expect(stranger.error.code == "unauthorized")
        }
    }

    @Test("Kept feeds: a post published, pinned or withdrawn on this node shows at once; another node's new post shows once the kept head is too old, its change to a kept post about a second later; a post that expires while kept leaves the page and `next` stays right")
    func keptHeads() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let fx = Fixture(app: app)
            let group = try await fx.group("CA24133", "7", by: Self.wardOfficer)
            let officer = try await TipAPITests.bearer(app, Self.wardOfficer)
            let groupID = try group.requireID().uuidString
            let citizen = try await TipAPITests.bearer(app, Self.citizen)
            _ = try await TipAPITests.json(app, .POST, "/api/v1/groups/join", headers: citizen, body: ["code": group.inviteCode], expect: .ok, as: GroupInfo.self)
            let account = try await fx.account(Self.citizen).id
            let start = Date()
            let first = try await Self.publish(app, officer, Self.post("Bài một", extra: ["audience": "group", "groupId": groupID]))
            let brief = try await Self.publish(app, officer, Self.post("Bài hai, hết hạn sau một phút", extra: ["audience": "group", "groupId": groupID,
                                                                                                            "expiresAt": InternetTime.string(start.addingTimeInterval(60))]))
            let third = try await Self.publish(app, officer, Self.post("Bài ba", extra: ["audience": "group", "groupId": groupID]))
            func ids(limit: Int = 20, at time: Date) async throws -> ([String], String?) {
                let page = try await fx.posts.feed(for: account, after: nil, limit: limit, now: time)
                return (page.items.compactMap { $0.post.id?.uuidString }, page.next)
            }
            // Read (and kept) just before the brief post expires, then read from the kept head just after.
            let before = start.addingTimeInterval(57), after = start.addingTimeInterval(61)
            #expect(try await ids(at: before) == ([third.id, brief.id, first.id], nil))
            let two = try await ids(limit: 2, at: before)
            #expect(two.0 == [third.id, brief.id] && two.1 != nil)
            #expect(try await ids(limit: 2, at: after) == ([third.id, first.id], nil))

            // Published, pinned and withdrawn here: at once, though the head was just kept.
            #expect(try await ids(at: Date()).0 == [third.id, brief.id, first.id])
            let fourth = try await Self.publish(app, officer, Self.post("Bài bốn", extra: ["audience": "group", "groupId": groupID]))
            #expect(try await ids(at: Date()).0 == [fourth.id, third.id, brief.id, first.id])
            _ = try await fx.posts.pin(try #require(UUID(uuidString: first.id)), true, by: try await fx.account(Self.wardOfficer))
            #expect(try await ids(at: Date()).0 == [first.id, fourth.id, third.id, brief.id])
            _ = try await TipAPITests.json(app, .POST, "/api/v1/posts/\(first.id)/withdraw", headers: officer, body: ["notice": "Bài đăng nhầm, xin bỏ qua."], expect: .ok, as: PostView.self)
            #expect(try await ids(at: Date()).0 == [fourth.id, third.id, brief.id, first.id])

            // Another node's change (written here behind the cache's back) shows once the kept head is too old.
            try await (app.db as! any SQLDatabase).raw("UPDATE post_targets SET rank = 2 WHERE post_id = \(bind: UUID(uuidString: third.id)!)").run()
            let kept = Date()
            #expect(try await ids(at: kept).0 == [fourth.id, third.id, brief.id, first.id])
            #expect(try await ids(at: kept.addingTimeInterval(Double(app.feedCache.lifetime.components.seconds) + 1)).0 == [third.id, fourth.id, brief.id, first.id])

            // Posts are kept for a minute, yet a post changed on another node (written here behind
            // the cache's back) shows once this node has read the posts' change stamps.
            let sql = try #require(app.db as? any SQLDatabase)
            let fourthID = try #require(UUID(uuidString: fourth.id))
            func title() async throws -> String? { try await fx.posts.items([fourthID], viewer: nil).first?.post.title }
            func stamp() async throws -> Int64 { try await sql.raw("SELECT changed_ms FROM posts WHERE id = \(bind: fourthID)").first()?.decode(column: "changed_ms", as: Int64.self) ?? -1 }
            #expect(try await title() == "Bài bốn")
            let stamped = try await stamp()
            try await sql.raw("UPDATE posts SET title = 'Bài bốn, sửa ở máy khác' WHERE id = \(bind: fourthID)").run()
            let once = try await stamp()
            try await sql.raw("UPDATE posts SET views = views + 1 WHERE id = \(bind: fourthID)").run()
            let twice = try await stamp()
            #expect(stamped < once && once < twice, "every change stamps the post later than before")
            try await Task.sleep(for: .milliseconds(1_200))
            #expect(try await title() == "Bài bốn, sửa ở máy khác")

            // A post read from the database before this node forgot it is not kept.
            let cache = FeedCache()
            try await cache.followChanges(on: app.db)
            let item = try #require(try await fx.posts.items([fourthID], viewer: nil).first)
            let began = ContinuousClock.now
            cache.forgetPost(fourthID)
            _ = cache.store([item], readSince: began)
            #expect(cache.posts([fourthID]).isEmpty)
            _ = cache.store([item], readSince: .now)
            #expect(cache.posts([fourthID])[fourthID]?.post.title == "Bài bốn, sửa ở máy khác")

            // Nor is a head read from the database before a post was published, pinned or withdrawn.
            let source = FeedCache.Source.group(try group.requireID())
            let head = FeedCache.Head(entries: [], complete: true, readAt: Date())
            let taken = cache.heads([source], at: head.readAt)
            cache.forgetHeads()
            cache.store([source: head], generation: taken.generation)
            #expect(cache.heads([source], at: head.readAt).found.isEmpty)
            cache.store([source: head], generation: cache.heads([source], at: head.readAt).generation)
            #expect(cache.heads([source], at: head.readAt).found[source] != nil)

            // Verifying a page stamps its posts, so every node forgets the ones it keeps without the mark.
            let page = try await fx.community.createPage(.init(name: "Công an phường (trang thứ hai)", area: "Phường Buôn Ma Thuột", hotline: "0901000002",
                                                                description: "Trang thử."), unitID: try await fx.unit("CA24133"), by: try await fx.account("0901000006"))
            let pagePost = try await Self.publish(app, officer, Self.post("Bài trên trang chưa xác minh", extra: ["audience": "none", "pageId": try page.requireID().uuidString]))
            let pagePostID = try #require(UUID(uuidString: pagePost.id))
            func pageStamp() async throws -> Int64 { try await sql.raw("SELECT changed_ms FROM posts WHERE id = \(bind: pagePostID)").first()?.decode(column: "changed_ms", as: Int64.self) ?? -1 }
            #expect(try await fx.posts.items([pagePostID], viewer: nil).first?.pageVerified == false)
            let unverified = try await pageStamp()
            _ = try await fx.community.verifyPage(try page.requireID(), by: try await fx.account(TipAPITests.provinceAdmin))
            #expect(try await pageStamp() > unverified)
            #expect(try await fx.posts.items([pagePostID], viewer: nil).first?.pageVerified == true)
        }
    }

    @Test("A page's followers by day: follows and unfollows on past days give each day's count and change, counted back from today's; a second follow changes nothing; bad days and unknown pages are refused")
    func followerHistory() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let fixture = Fixture(app: app)
            let pageID = try await fixture.wardPage()
            let now = Date()
            let days = (0...3).map { InternetTime.vietnamDay(now.addingTimeInterval(-Double(3 - $0) * 86_400)) }
            struct History: Decodable { struct Day: Decodable { var day: String; var followers: Int; var change: Int }; var items: [Day] }
            let path = "/api/v1/pages/\(pageID)/followers?from=\(days[0])&to=\(days[3])"
            let before = try await TipAPITests.json(app, .GET, path, expect: .ok, as: History.self)
            #expect(before.items.map(\.day) == days)

            var readers: [UUID] = []
            for index in 0..<4 { readers.append(try await fixture.newCitizen("098877700\(index)", "Người đọc \(index)")) }
            let community = fixture.community
            for reader in readers.prefix(3) { try await community.follow(pageID, account: reader, now: now.addingTimeInterval(-2 * 86_400)) }
            try await community.unfollow(pageID, account: readers[1], now: now.addingTimeInterval(-86_400))
            try await community.follow(pageID, account: readers[3], now: now)
            try await community.follow(pageID, account: readers[2], now: now)

            let after = try await TipAPITests.json(app, .GET, path, expect: .ok, as: History.self)
            #expect(zip(after.items, before.items).map { $0.followers - $1.followers } == [0, 3, 2, 3])
            #expect(zip(after.items, before.items).map { $0.change - $1.change } == [0, 3, -1, 1])
            #expect(after.items.last?.followers == (try await Page.find(pageID, on: app.db))?.followerCount, "the last day ends at today's count")

            let backwards = try await TipAPITests.json(app, .GET, "/api/v1/pages/\(pageID)/followers?from=\(days[3])&to=\(days[0])",
                                                      expect: .badRequest, as: ErrorBody.self)
            #expect(backwards.error.fields?.first?.field == "to")
            _ = try await TipAPITests.json(app, .GET, "/api/v1/pages/\(UUID())/followers?from=\(days[0])&to=\(days[3])", expect: .notFound, as: ErrorBody.self)
        }
    }

    @Test("A members-only post is 'not found' for a member of another group, for a stranger and for anyone logged out; its group's feed too")
    func membersOnly() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let fx = Fixture(app: app)
            let seven = try await fx.group("CA24133", "7", by: Self.wardOfficer)
            let eight = try await fx.group("CA24133", "8", by: Self.wardOfficer)
            let officer = try await TipAPITests.bearer(app, Self.wardOfficer)
            let post = try await Self.publish(app, officer, Self.post("Chỉ cho tổ 7", extra: ["audience": "group", "groupId": try seven.requireID().uuidString]))

            _ = try await fx.community.join(code: seven.inviteCode, account: try await fx.account(Self.citizen).id)
            _ = try await fx.community.join(code: eight.inviteCode, account: try await fx.account(Self.neighbour).id)
            let member = try await TipAPITests.bearer(app, Self.citizen)
            let outsider = try await TipAPITests.bearer(app, Self.neighbour)

            let seen = try await TipAPITests.json(app, .GET, "/api/v1/posts/\(post.id)", headers: member, expect: .ok, as: PostView.self)
            #expect(seen.title == "Chỉ cho tổ 7")
            let refused = try await TipAPITests.json(app, .GET, "/api/v1/posts/\(post.id)", headers: outsider, expect: .notFound, as: ErrorBody.self)
            #expect(refused.error.code == "post_not_found")
            _ = try await TipAPITests.json(app, .GET, "/api/v1/posts/\(post.id)", expect: .notFound, as: ErrorBody.self)
            _ = try await TipAPITests.json(app, .GET, "/api/v1/groups/\(try seven.requireID().uuidString)/posts", headers: outsider, expect: .notFound, as: ErrorBody.self)
            let outsiderFeed = try await TipAPITests.json(app, .GET, "/api/v1/feed", headers: outsider, expect: .ok, as: FeedPage.self)
            #expect(outsiderFeed.items.isEmpty)
            _ = try await TipAPITests.json(app, .POST, "/api/v1/posts/\(post.id)/reactions", headers: outsider, body: ["kind": "like"], expect: .notFound, as: ErrorBody.self)
            let groupFeed = try await TipAPITests.json(app, .GET, "/api/v1/groups/\(try seven.requireID().uuidString)/posts", headers: member, expect: .ok, as: FeedPage.self)
            #expect(groupFeed.items.map(\.id) == [post.id])
            // An officer of another commune does not see it either.
            let stranger = try await TipAPITests.bearer(app, TipAPITests.otherCommuneOfficer)
            _ = try await TipAPITests.json(app, .GET, "/api/v1/posts/\(post.id)", headers: stranger, expect: .notFound, as: ErrorBody.self)
        }
    }

    @Test("A province-wide urgent alert reaches every group below the province and no other; each member gets one notification, written through the outbox")
    func provinceWideAlert() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let fx = Fixture(app: app)
            let wardA = try await fx.group("CA24133", "1", by: Self.wardOfficer)
            let wardB = try await fx.group("CA24133", "2", by: Self.wardOfficer)
            let elsewhere = try await fx.group("CA22015", "1", by: TipAPITests.otherCommuneOfficer)
            let giaLaiUnit = try #require(try await Unit.query(on: app.db).filter(\.$code == "CA52").first())
            let giaLaiCommune = try #require(try await Unit.query(on: app.db).filter(\.$parent.$id == giaLaiUnit.id).filter(\.$kind == .territorial).first())
            let giaLaiOfficer = try #require(try await Membership.query(on: app.db).filter(\.$unit.$id == giaLaiCommune.id!).first())
            let outside = try await fx.community.createGroup(unitID: try giaLaiCommune.requireID(), placeKind: "Thôn", placeName: "1",
                                                             by: try #require(try await CurrentAccount.load(accountID: giaLaiOfficer.$account.id, on: app.db)))
            var residents: [(UUID, CommunityGroup)] = []
            for (index, group) in [wardA, wardA, wardB, elsewhere, outside].enumerated() {
                let id = try await fx.newCitizen("+8498877\(String(format: "%04d", index))", "Cư dân \(index)")
                _ = try await fx.community.join(code: group.inviteCode, account: id)
                residents.append((id, group))
            }
            // One resident belongs to two groups below the province: still one notification.
            _ = try await fx.community.join(code: wardB.inviteCode, account: residents[0].0)

            let admin = try await TipAPITests.bearer(app, TipAPITests.provinceAdmin)
            let alert = try await Self.publish(app, admin, Self.post("Khẩn: lũ quét, di dời khỏi ven suối", "urgent", category: "other",
                                                                     extra: ["audience": "subtree", "unitCode": "CA66"]))
            let targets = try await (app.db as! any SQLDatabase).raw("SELECT group_id FROM post_targets WHERE post_id = \(bind: UUID(uuidString: alert.id)!)").all()
                .map { try $0.decode(column: "group_id", as: UUID.self) }
            #expect(Set(targets) == Set([try wardA.requireID(), try wardB.requireID(), try elsewhere.requireID()]))

            try await Outbox.drain(app: app)
            let notified = try await (app.db as! any SQLDatabase).raw("SELECT account_id FROM notifications WHERE kind = 'post.urgent'").all()
                .map { try $0.decode(column: "account_id", as: UUID.self) }
            // The three officers who own the groups are members too.
            let expected = Set(residents.prefix(4).map(\.0) + [try await fx.account(Self.wardOfficer).id, try await fx.account(TipAPITests.otherCommuneOfficer).id])
            #expect(Set(notified) == expected && notified.count == expected.count, "\(notified.count) notifications")
            // They read back as the app's own rows (ids in the engine's form).
            let rows = try await InAppNotification.query(on: app.db).filter(\.$kind == "post.urgent").all()
            #expect(rows.count == expected.count && rows.allSatisfy { $0.id != nil && $0.link == "/posts/" + alert.id })
            try await Outbox.drain(app: app)
            #expect(try await (app.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM notifications WHERE kind = 'post.urgent'").first()?.decode(column: "n", as: Int.self) == expected.count)

            for (account, group) in residents {
                let items = try await fx.posts.feed(for: account, after: nil, limit: 20).items.map { $0.post.id?.uuidString }
                #expect(items.contains(alert.id) == (group.id != outside.id), "\(group.name)")
            }
        }
    }

    @Test("Handing a group over keeps it running: members, posts and code stay; the new owner runs it; the history keeps both owners; an owner cannot be removed or leave")
    func handover() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let fx = Fixture(app: app)
            let group = try await fx.group("CA24133", "5", by: Self.wardOfficer)
            let groupID = try group.requireID()
            let citizen = try await fx.account(Self.citizen)
            _ = try await fx.community.join(code: group.inviteCode, account: citizen.id)
            let officer = try await TipAPITests.bearer(app, Self.wardOfficer)
            let before = try await Self.publish(app, officer, Self.post("Bài trước bàn giao", extra: ["audience": "group", "groupId": groupID.uuidString]))

            // Not to a citizen.
            let refused = try await TipAPITests.json(app, .POST, "/api/v1/groups/\(groupID.uuidString)/owner", headers: officer, body: ["phone": Self.neighbour],
                                                     expect: .badRequest, as: ErrorBody.self)
            #expect(refused.error.fields?.first?.field == "owner")
            let handed = try await TipAPITests.json(app, .POST, "/api/v1/groups/\(groupID.uuidString)/owner", headers: officer,
                                                    body: ["phone": Self.wardSecondOfficer], expect: .ok, as: GroupInfo.self)
            let successor = try await fx.account(Self.wardSecondOfficer)
            #expect(handed.ownerName == successor.displayName && handed.members == 2, "the old owner left, the new one joined: \(handed)")
            #expect(try await fx.community.membership(groupID, account: successor.id) == .init(role: .owner, status: .active))
            #expect(try await fx.community.membership(groupID, account: try await fx.account(Self.wardOfficer).id)?.status == .left)
            let history = try await fx.community.ownerHistory(groupID)
            #expect(history.count == 2 && history[0].to != nil && history[1].to == nil && history[1].name == successor.displayName)

            // The new owner approves a request and posts; the citizen still reads the old post and the new one.
            _ = try await fx.community.requestToJoin(groupID, account: try await fx.account(Self.neighbour).id)
            let approved = try await fx.community.decide(groupID, member: try await fx.account(Self.neighbour).id, .approve, by: successor)
            #expect(approved.status == .active)
            let next = try await Self.publish(app, try await TipAPITests.bearer(app, Self.wardSecondOfficer),
                                              Self.post("Bài sau bàn giao", extra: ["audience": "group", "groupId": groupID.uuidString]))
            let feed = try await fx.posts.feed(for: citizen.id, after: nil, limit: 10).items.compactMap { $0.post.id?.uuidString }
            #expect(feed == [next.id, before.id])
            #expect(try await CommunityGroup.find(groupID, on: app.db)?.inviteCode == group.inviteCode)

            await #expect(throws: ValidationFailure.self) { _ = try await fx.community.decide(groupID, member: successor.id, .remove, by: successor) }
            await #expect(throws: ValidationFailure.self) { try await fx.community.leave(groupID, account: successor.id) }
            #expect(try await fx.community.membership(groupID, account: successor.id)?.role == .owner)
            let actions = try await AuditEntry.query(on: app.db).filter(\.$subject == "group:" + groupID.uuidString).sort(\.$seq).all().map(\.action)
            #expect(actions.contains("group.handover") && actions.first == "group.create")
        }
    }

    @Test("A withdrawn post leaves its content and shows the notice in feeds and at its address; nobody reacts to it; the notice is required")
    func withdrawal() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let fx = Fixture(app: app)
            let group = try await fx.group("CA24133", "6", by: Self.wardOfficer)
            _ = try await fx.community.join(code: group.inviteCode, account: try await fx.account(Self.citizen).id)
            let officer = try await TipAPITests.bearer(app, Self.wardOfficer)
            let post = try await Self.publish(app, officer, Self.post("Lịch cắt điện tổ 6", "warning", extra: ["audience": "group", "groupId": try group.requireID().uuidString, "pinned": true]))
            let empty = try await TipAPITests.json(app, .POST, "/api/v1/posts/\(post.id)/withdraw", headers: officer, body: ["notice": "  "], expect: .badRequest, as: ErrorBody.self)
            #expect(empty.error.fields?.first?.field == "notice")
            let citizen = try await TipAPITests.bearer(app, Self.citizen)
            _ = try await TipAPITests.json(app, .POST, "/api/v1/posts/\(post.id)/withdraw", headers: citizen, body: ["notice": "Không phải của tôi nhưng thử thu hồi."],
                                           expect: .notFound, as: ErrorBody.self)
            let notice = "Thông tin lịch cắt điện chưa chính xác, bà con theo dõi thông báo của điện lực."
            let withdrawn = try await TipAPITests.json(app, .POST, "/api/v1/posts/\(post.id)/withdraw", headers: officer, body: ["notice": notice], expect: .ok, as: PostView.self)
            #expect(withdrawn.status == "withdrawn" && withdrawn.body.isEmpty && withdrawn.withdrawalNotice == notice && !withdrawn.pinned)
            let feed = try await TipAPITests.json(app, .GET, "/api/v1/feed", headers: citizen, expect: .ok, as: FeedPage.self)
            #expect(feed.items.count == 1 && feed.items[0].status == "withdrawn" && feed.items[0].body.isEmpty && feed.items[0].withdrawalNotice == notice)
            let read = try await TipAPITests.json(app, .GET, "/api/v1/posts/\(post.id)", headers: citizen, expect: .ok, as: PostView.self)
            #expect(read.body.isEmpty && read.withdrawalNotice == notice)
            let react = try await TipAPITests.json(app, .POST, "/api/v1/posts/\(post.id)/reactions", headers: citizen, body: ["kind": "like"], expect: .badRequest, as: ErrorBody.self)
            #expect(react.error.fields?.first?.code == "withdrawn")
            let web = WebClient(app)
            let page = try await web.get("/login")
            #expect(page.status == .ok)
            _ = try await web.post("/login", ["phone": Self.citizen, "password": DemoSeeder.password])
            let shown = try await web.get("/posts/\(post.id)")
            #expect(shown.body.contains(notice) && !shown.body.contains("Nội dung của bài"))
        }
    }

    @Test("Reactions count once per reader, comments and shares count for the post's unit, a share link's openings are counted, officers hide a reported comment")
    func interactions() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let fx = Fixture(app: app)
            let pageID = try await fx.wardPage()
            let officer = try await TipAPITests.bearer(app, Self.wardOfficer)
            let post = try await Self.publish(app, officer, Self.post("Cảnh báo lừa đảo qua điện thoại", "warning", category: "scam_warning",
                                                                      extra: ["audience": "none", "pageId": pageID.uuidString]))
            let citizen = try await TipAPITests.bearer(app, Self.citizen)
            for kind in ["like", "thanks", "thanks"] {
                let after = try await TipAPITests.json(app, .POST, "/api/v1/posts/\(post.id)/reactions", headers: citizen, body: ["kind": kind], expect: .ok, as: PostView.self)
                #expect(after.reactions == 1 && after.myReaction == kind)
            }
            _ = try await TipAPITests.json(app, .POST, "/api/v1/posts/\(post.id)/reactions", headers: citizen, body: ["kind": "angry"], expect: .badRequest, as: ErrorBody.self)
            let comment = try await TipAPITests.json(app, .POST, "/api/v1/posts/\(post.id)/comments", headers: citizen, body: ["body": "  Cảm ơn   công an!  "],
                                                     expect: .created, as: CommunityTests.Comment.self)
            #expect(comment.body == "Cảm ơn công an!")
            let tooLong = try await TipAPITests.json(app, .POST, "/api/v1/posts/\(post.id)/comments", headers: citizen, body: ["body": String(repeating: "a", count: 2_001)],
                                                     expect: .badRequest, as: ErrorBody.self)
            #expect(tooLong.error.fields?.first?.code == "length")

            let reader = try await fx.account(Self.neighbour)
            let token = try await fx.posts.share(UUID(uuidString: post.id)!, by: reader)
            for _ in 0..<3 { #expect(try await fx.posts.openShare(token).uuidString == post.id) }
            await #expect(throws: TipService.NotFound.self) { _ = try await fx.posts.openShare("khong-co") }
            let stored = try #require(try await Post.find(UUID(uuidString: post.id)!, on: app.db))
            #expect(stored.shares == 1 && stored.shareOpens == 3 && stored.comments == 1 && stored.reactions == 1)

            let commentID = UUID(uuidString: comment.id)!
            try await fx.posts.reportComment(commentID, by: reader)
            try await fx.posts.reportComment(commentID, by: reader)
            #expect(try await fx.posts.comments(UUID(uuidString: post.id)!, viewer: reader, includeHidden: true).first?.reports == 1)
            await #expect(throws: TipService.NotFound.self) { try await fx.posts.moderateComment(commentID, hide: true, by: reader) }
            try await fx.posts.moderateComment(commentID, hide: true, by: try await fx.account(Self.wardOfficer))
            #expect(try await fx.posts.comments(UUID(uuidString: post.id)!, viewer: reader, includeHidden: false).isEmpty)

            let day = InternetTime.vietnamDay(Date())
            let totals = try await Counters.totals(under: try await fx.unit("CA24133"), from: day, to: day, on: app.db)
            #expect(totals[.reactions] == 1 && totals[.comments] == 1 && totals[.shares] == 1 && totals[.postsScamWarning] == 1)
            let pageTotals = try await fx.posts.totals(page: pageID)
            #expect(pageTotals.interactions == 3 && pageTotals.posts == 1)
        }
    }

    struct Comment: Decodable { var id: String; var body: String }

    @Test("Bad posts name the field and store nothing: empty title, unknown category and priority, expiry before publishing, a group outside the officer's area, no target; a citizen cannot publish")
    func badPosts() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let fx = Fixture(app: app)
            let elsewhere = try await fx.group("CA22015", "1", by: TipAPITests.otherCommuneOfficer)
            let officer = try await TipAPITests.bearer(app, Self.wardOfficer)
            let cases: [([String: any Sendable], String)] = [
                (Self.post("", extra: ["audience": "none"]), "title"),
                (["title": "Tiêu đề đủ dài", "body": "Nội dung đủ dài để đăng.", "category": "gossip", "priority": "information", "audience": "subtree", "unitCode": "CA24133"], "category"),
                (Self.post("Hạn trước giờ đăng", extra: ["audience": "subtree", "unitCode": "CA24133", "publishAt": "2030-01-02T00:00:00Z", "expiresAt": "2030-01-01T00:00:00Z"]), "publishAt"),
                (Self.post("Nhóm xã khác", extra: ["audience": "group", "groupId": try elsewhere.requireID().uuidString]), "group"),
                (Self.post("Không nơi đăng", extra: ["audience": "none"]), "audience"),
                (Self.post("Body \u{0}\u{1}", extra: ["audience": "none", "body": String(repeating: "x", count: 20_001)]), "body"),
            ]
            for (body, field) in cases {
                let refused = try await TipAPITests.json(app, .POST, "/api/v1/posts", headers: officer, body: body, expect: .badRequest, as: ErrorBody.self)
                #expect(refused.error.fields?.contains { $0.field == field || (field == "publishAt" && $0.field == "expiresAt") } == true, "\(field): \(refused)")
            }
            let citizen = try await TipAPITests.bearer(app, Self.citizen)
            _ = try await TipAPITests.json(app, .POST, "/api/v1/posts", headers: citizen, body: Self.post("Người dân thử đăng", extra: ["audience": "subtree", "unitCode": "CA24133"]),
                                           expect: .badRequest, as: ErrorBody.self)
            _ = try await TipAPITests.json(app, .POST, "/api/v1/groups/join", headers: citizen, body: ["code": "KHONGCO1"], expect: .badRequest, as: ErrorBody.self)
            #expect(try await Post.query(on: app.db).count() == 0)
        }
    }

    @Test("Atom and CAP: a page's feed lists its public posts; a public warning is a CAP alert with the required elements; withdrawn, it becomes a cancellation; group posts never appear")
    func openFormats() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let fx = Fixture(app: app)
            let pageID = try await fx.wardPage()
            let group = try await fx.group("CA24133", "9", by: Self.wardOfficer)
            let officer = try await TipAPITests.bearer(app, Self.wardOfficer)
            let warning = try await Self.publish(app, officer, Self.post("Cảnh báo <lừa đảo> & giả danh", "warning", category: "scam_warning",
                                                                         extra: ["audience": "none", "pageId": pageID.uuidString]))
            let secret = try await Self.publish(app, officer, Self.post("Tin nội bộ của tổ 9", "urgent", extra: ["audience": "group", "groupId": try group.requireID().uuidString]))

            var atom = ""
            try await app.testing().test(.GET, "/pages/\(pageID.uuidString)/atom.xml") { res async in
                #expect(res.headers.contentType?.subType == "atom+xml")
                atom = res.body.string
            }
            #expect(atom.contains("<title>Cảnh báo &lt;lừa đảo&gt; &amp; giả danh</title>") && !atom.contains(secret.title))
            var index = ""
            try await app.testing().test(.GET, "/alerts.cap.xml") { res async in index = res.body.string }
            #expect(index.contains("/alerts/\(warning.id).cap.xml") && !index.contains(secret.id))
            var cap = ""
            try await app.testing().test(.GET, "/alerts/\(warning.id).cap.xml") { res async in
                #expect(res.status == .ok && res.headers.contentType?.subType == "cap+xml")
                cap = res.body.string
            }
            for element in ["<identifier>", "<sender>", "<sent>", "<status>Actual</status>", "<msgType>Alert</msgType>", "<scope>Public</scope>",
                            "<category>Security</category>", "<urgency>Expected</urgency>", "<severity>Moderate</severity>", "<certainty>Likely</certainty>", "<areaDesc>"] {
                #expect(cap.contains(element), "\(element)")
            }
            #expect(cap.range(of: #"<sent>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00</sent>"#, options: .regularExpression) != nil)
            try await app.testing().test(.GET, "/alerts/\(secret.id).cap.xml") { res async in #expect(res.status == .notFound) }

            _ = try await TipAPITests.json(app, .POST, "/api/v1/posts/\(warning.id)/withdraw", headers: officer,
                                           body: ["notice": "Cảnh báo đã được thay bằng bài mới đầy đủ hơn."], expect: .ok, as: PostView.self)
            try await app.testing().test(.GET, "/alerts/\(warning.id).cap.xml") { res async in cap = res.body.string }
            #expect(cap.contains("<msgType>Cancel</msgType>") && cap.contains("<references>") && cap.contains("Cảnh báo đã được thay"))
        }
    }

    @Test("Citizen reports a number → the patrol verifies it → its warning is published as a public post in one step (feed, Atom, CAP) → a fraud tip naming the number is flagged; an unverified indicator cannot be published")
    func scamWarningPost() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let fx = Fixture(app: app)
            let page = try await fx.community.createPage(.init(name: "An ninh mạng Công an tỉnh Đắk Lắk", area: "Tỉnh Đắk Lắk", hotline: nil,
                                                               description: "Cảnh báo lừa đảo trên mạng đã được xác minh."),
                                                         unitID: try await fx.unit("CA66-PA05"), by: try await fx.account(TipAPITests.provinceAdmin))
            struct Reported: Decodable { struct Row: Decodable { struct Indicator: Decodable { var value: String }; var indicator: Indicator }; var indicators: [Row] }
            struct Decided: Decodable { var status: String }
            struct Queue: Decodable { struct Item: Decodable { struct Indicator: Decodable { var value: String }; var id: String; var indicator: Indicator }; var items: [Item] }
            _ = try await TipAPITests.json(app, .POST, "/api/v1/scam-reports", body: [
                "indicators": [["value": "0977.555.444"]], "description": "Người gọi xưng nhân viên ngân hàng, đòi mã OTP để khoá thẻ.",
            ], expect: .created, as: Reported.self)
            let patrol = try await TipAPITests.bearer(app, TipAPITests.cyberPatrol)
            let queue = try await TipAPITests.json(app, .GET, "/api/v1/scam-indicators?status=reported", headers: patrol, expect: .ok, as: Queue.self)
            let id = try #require(queue.items.first { $0.indicator.value == "+84977555444" }?.id)
            let early = try await TipAPITests.json(app, .POST, "/api/v1/scam-indicators/\(id)/warning-post", headers: patrol, body: [:], expect: .badRequest, as: ErrorBody.self)
            #expect(early.error.fields?.first?.code == "not_verified")
            _ = try await TipAPITests.json(app, .POST, "/api/v1/scam-indicators/\(id)/decision", headers: patrol,
                                           body: ["decision": "verify", "warning": "Giả danh ngân hàng xin mã OTP. Không cung cấp mã cho bất kỳ ai."], expect: .ok, as: Decided.self)
            let citizen = try await TipAPITests.bearer(app, Self.citizen)
            _ = try await TipAPITests.json(app, .POST, "/api/v1/scam-indicators/\(id)/warning-post", headers: citizen, body: [:], expect: .notFound, as: ErrorBody.self)
            let post = try await TipAPITests.json(app, .POST, "/api/v1/scam-indicators/\(id)/warning-post", headers: patrol, body: [:], expect: .created, as: PostView.self)
            #expect(post.title == "Cảnh báo lừa đảo: 0977 555 444" && post.body.contains("Không cung cấp mã cho bất kỳ ai") && post.priority == "warning")

            let pageFeed = try await TipAPITests.json(app, .GET, "/api/v1/pages/\(try page.requireID().uuidString)/posts", expect: .ok, as: FeedPage.self)
            #expect(pageFeed.items.map(\.id) == [post.id])
            var index = ""
            try await app.testing().test(.GET, "/alerts.cap.xml") { res async in index = res.body.string }
            #expect(index.contains("/alerts/\(post.id).cap.xml"))
            let audit = try await AuditEntry.query(on: app.db).filter(\.$subject == "post:" + post.id).first()
            #expect(audit?.detail.contains(id) == true, "the post's audit entry names the indicator")

            let tip = try await TipAPITests.submit(app, ["category": "fraud", "commune": "24133", "description": "Có người gọi từ số 0977 555 444 đòi mã OTP của mẹ tôi."])
            let flagged = try await ScamRegistry.indicators(in: try #require(try await Tip.query(on: app.db).filter(\.$reference == tip.tip.reference).first()), on: app.db)
            #expect(flagged.contains { $0.value == "+84977555444" && $0.status == .verified })
        }
    }

    @Test("Edge cases: a deputy cannot take the group; a repeated handover changes nothing; a page verified twice counts once; a scheduled post withdrawn before its time never appears; an officer who runs a reached group reads a province-wide post")
    func edgeCases() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let fx = Fixture(app: app)
            let group = try await fx.group("CA24133", "11", by: Self.wardOfficer)
            let groupID = try group.requireID()
            let citizen = try await fx.account(Self.citizen)
            _ = try await fx.community.join(code: group.inviteCode, account: citizen.id)
            let officer = try await fx.account(Self.wardOfficer)
            let again = await #expect(throws: ValidationFailure.self) { _ = try await fx.group("CA24133", "11", by: Self.wardOfficer) }
            #expect(again?.issues.first?.code == "exists")
            _ = try await fx.community.decide(groupID, member: citizen.id, .makeDeputy, by: officer)
            let deputy = try await TipAPITests.bearer(app, Self.citizen)
            _ = try await TipAPITests.json(app, .POST, "/api/v1/groups/\(groupID.uuidString)/owner", headers: deputy, body: ["phone": Self.wardSecondOfficer],
                                           expect: .notFound, as: ErrorBody.self)
            #expect(try await CommunityGroup.find(groupID, on: app.db)?.$owner.id == officer.id)

            let successor = try await fx.account(Self.wardSecondOfficer)
            _ = try await fx.community.handOver(groupID, to: successor.id, by: officer)
            let members = try await CommunityGroup.find(groupID, on: app.db)?.memberCount
            // The same form sent again by a commander: already done, nothing moves.
            _ = try await fx.community.handOver(groupID, to: successor.id, by: officer)
            #expect(try await CommunityGroup.find(groupID, on: app.db)?.memberCount == members && members == 2)
            #expect(try await fx.community.ownerHistory(groupID).count == 2)

            let pageID = try await fx.wardPage()
            _ = try await fx.community.verifyPage(pageID, by: try await fx.account(TipAPITests.provinceAdmin))
            let day = InternetTime.vietnamDay(Date())
            #expect(try await Counters.totals(under: try await fx.unit("CA66"), from: day, to: day, on: app.db)[.pagesVerified] == 1)

            let posts = fx.posts
            let later = Date().addingTimeInterval(3600)
            let scheduled = try await posts.publish(PostDraft(title: "Cảnh báo hẹn giờ", body: "Nội dung cảnh báo hẹn giờ cho bà con.", category: "scam_warning",
                                                              priority: "warning", publishAt: later),
                                                    to: .init(audience: .group, groupID: groupID, unitID: nil, pageID: pageID), by: successor)
            _ = try await posts.withdraw(try scheduled.requireID(), notice: "Cảnh báo này đã được huỷ trước giờ đăng.", by: successor)
            let afterTime = later.addingTimeInterval(60)
            #expect(try await posts.feed(for: citizen.id, after: nil, limit: 20, now: afterTime).items.isEmpty)
            #expect(try await posts.pageFeed(pageID, viewer: nil, after: nil, limit: 20, now: afterTime).items.isEmpty)
            #expect(try await Counters.totals(under: try await fx.unit("CA66"), from: InternetTime.vietnamDay(later), to: InternetTime.vietnamDay(later), on: app.db)[.postsScamWarning] ?? 0 == 0)

            // A province-wide alert reaches the group; the second ward officer, not a member of
            // every group and not at the province, reads it because he runs a group it reached.
            let admin = try await fx.account(TipAPITests.provinceAdmin)
            let alert = try await posts.publish(PostDraft(title: "Cảnh báo toàn tỉnh", body: "Nội dung cảnh báo toàn tỉnh.", category: "security_news", priority: "warning"),
                                                to: .init(audience: .subtree, groupID: nil, unitID: try await fx.unit("CA66"), pageID: nil), by: admin)
            let stranger = try await fx.account(TipAPITests.otherCommuneOfficer)
            #expect(try await posts.readable(try alert.requireID(), by: successor).id == alert.id)
            await #expect(throws: TipService.NotFound.self) { _ = try await posts.readable(try alert.requireID(), by: stranger) }
        }
    }

    @Test("Editing keeps the earlier wording as a revision; only the post's officers edit; a withdrawn post cannot be edited")
    func editHistory() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let fx = Fixture(app: app)
            let group = try await fx.group("CA24133", "13", by: Self.wardOfficer)
            let officer = try await fx.account(Self.wardOfficer)
            let post = try await fx.posts.publish(PostDraft(title: "Lịch tiếp dân tuần này", body: "Tiếp dân sáng thứ Ba tại trụ sở.", category: "other", priority: "information"),
                                                  to: .init(audience: .group, groupID: try group.requireID(), unitID: nil, pageID: nil), by: officer)
            let id = try post.requireID()
            let edited = try await fx.posts.edit(id, title: "Lịch tiếp dân tuần này (đã sửa)", body: "Tiếp dân sáng thứ Ba và thứ Năm tại trụ sở.", by: officer)
            #expect(edited.revision == 2 && edited.editedAt != nil && edited.body.contains("thứ Năm"))
            let history = try await fx.posts.revisions(id, by: officer)
            #expect(history.count == 1 && history[0].revision == 1 && history[0].body == "Tiếp dân sáng thứ Ba tại trụ sở.")
            await #expect(throws: TipService.NotFound.self) {
                _ = try await fx.posts.edit(id, title: "Sửa trái phép tiêu đề", body: "Nội dung sửa trái phép.", by: try await fx.account(TipAPITests.otherCommuneOfficer))
            }
            await #expect(throws: ValidationFailure.self) { _ = try await fx.posts.edit(id, title: "", body: "Nội dung đủ dài.", by: officer) }
            _ = try await fx.posts.withdraw(id, notice: "Lịch tiếp dân được thông báo lại ở bài khác.", by: officer)
            await #expect(throws: ValidationFailure.self) { _ = try await fx.posts.edit(id, title: "Sửa sau thu hồi", body: "Nội dung sau thu hồi.", by: officer) }
            #expect(try await Post.find(id, on: app.db)?.revision == 2)
        }
    }

    @Test("Without JavaScript: an officer creates a group and publishes to it from the console, a citizen joins by the code and reads it, the officer edits it (the earlier wording kept), bans and lets the citizen back, the citizen leaves")
    func webFlow() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let fx = Fixture(app: app)
            let officer = WebClient(app)
            try await officer.get("/login")
            try await officer.post("/login", ["phone": "0901 000 003", "password": DemoSeeder.password])
            try await officer.get("/console/groups")
            let ward = try await fx.unit("CA24133").uuidString
            let refused = try await officer.post("/console/groups", ["unit": ward, "kind": "Tổ dân phố", "name": ""])
            #expect(refused.status == .unprocessableEntity && refused.text(after: #"data-field="placeName""#)?.isEmpty == false)
            let created = try await officer.post("/console/groups", ["unit": ward, "kind": "Tổ dân phố", "name": "14"])
            let groupPath = try #require(created.location)
            let groupID = String(groupPath.split(separator: "/").last ?? "")
            let code = try #require(try await CommunityGroup.find(UUID(uuidString: groupID)!, on: app.db)?.inviteCode)

            try await officer.get("/console/posts/new?group=\(groupID)")
            let bad = try await officer.post("/console/posts", ["title": "Tin", "body": "Ngắn", "category": "", "priority": "warning", "audience": "group", "group": groupID])
            #expect(bad.status == .unprocessableEntity && bad.body.contains(#"data-field="category""#) && bad.body.contains(#"data-field="title""#))
            let published = try await officer.post("/console/posts", ["title": "Cảnh báo trộm xe đạp điện", "body": "Bà con khoá xe đạp điện cẩn thận vào ban đêm.",
                                                                      "category": "crime_methods", "priority": "warning", "audience": "group", "group": groupID])
            let postPath = try #require(published.location)
            let postID = String(postPath.split(separator: "/").last ?? "")

            let citizen = WebClient(app)
            try await citizen.get("/login")
            try await citizen.post("/login", ["phone": Self.citizen, "password": DemoSeeder.password])
            try await citizen.get("/feed")
            let wrongCode = try await citizen.post("/groups/join", ["code": "ZZZZ9999"])
            #expect(wrongCode.status == .unprocessableEntity && wrongCode.text(after: #"data-field="code""#)?.contains("Mã mời không đúng") == true)
            let joined = try await citizen.post("/groups/join", ["code": code.lowercased()])
            #expect(joined.location == "/feed?joined=1")
            let feed = try await citizen.get("/feed")
            #expect(feed.body.contains("Cảnh báo trộm xe đạp điện") && feed.body.contains(#"data-testid="unread""#))

            try await officer.get("/console/posts/\(postID)/edit")
            let saved = try await officer.post("/console/posts/\(postID)/edit", ["title": "Cảnh báo trộm xe đạp điện ban đêm", "body": "Bà con khoá xe và cất sạc trong nhà."])
            #expect(saved.location == "/posts/\(postID)")
            let history = try await officer.get("/console/posts/\(postID)/edit")
            #expect(history.body.contains(#"data-testid="revision""#) && history.body.contains("Bà con khoá xe đạp điện cẩn thận vào ban đêm."))
            #expect(try await citizen.get("/posts/\(postID)").body.contains("cất sạc trong nhà"))

            let member = try await fx.account(Self.citizen).id.uuidString
            try await officer.get("/console/groups/\(groupID)")
            try await officer.post("/console/groups/\(groupID)/members/\(member)", ["decision": "ban"])
            #expect(try await citizen.get("/groups/\(groupID)").status == .notFound)
            let rejoin = try await citizen.post("/groups/join", ["code": code])
            #expect(rejoin.status == .unprocessableEntity && rejoin.text(after: #"data-field="code""#)?.contains("không thể tham gia") == true)
            let wardPage = try await fx.wardPage()
            let listed = try await citizen.get("/pages/\(wardPage.uuidString)")
            #expect(listed.body.contains(#"data-testid="group-banned""#), "the page tells a banned citizen why there is no button to ask")
            let banned = try await officer.get("/console/groups/\(groupID)")
            #expect(banned.body.contains(#"data-testid="banned-member""#))
            try await officer.post("/console/groups/\(groupID)/members/\(member)", ["decision": "unban"])
            #expect(try await citizen.post("/groups/join", ["code": code]).location == "/feed?joined=1")
            let groupPage = try await citizen.get("/groups/\(groupID)")
            #expect(groupPage.body.contains(#"data-testid="group-leave""#))
            try await citizen.post("/groups/\(groupID)/leave", [:])
            #expect(try await fx.community.membership(UUID(uuidString: groupID)!, account: UUID(uuidString: member)!)?.status == .left)
            #expect(try await CommunityGroup.find(UUID(uuidString: groupID)!, on: app.db)?.memberCount == 1)
        }
    }

    @Test("Images with a post are cleaned of their location, served to whoever may read the post and to nobody else, and gone once it is withdrawn; a PDF is refused; a page's avatar likewise, in public")
    func images() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let fx = Fixture(app: app)
            let pageID = try await fx.wardPage()
            let group = try await fx.group("CA24133", "15", by: Self.wardOfficer)
            let officer = try await fx.account(Self.wardOfficer)
            let photo = try AttachmentRules.sanitize(Data(TipAttachmentTests.phoneJPEG), declaredName: "IMG_0001.jpg").get()
            let draft = PostDraft(title: "Ảnh đối tượng trộm chó", body: "Bà con nhận diện giúp công an đối tượng trong ảnh.", category: "help_request", priority: "warning")
            let public_ = try await fx.posts.publish(draft, to: .init(audience: .none, groupID: nil, unitID: nil, pageID: pageID), by: officer, images: [photo])
            let members = try await fx.posts.publish(draft, to: .init(audience: .group, groupID: try group.requireID(), unitID: nil, pageID: nil), by: officer, images: [photo])
            let publicImage = try #require(try await fx.posts.images(of: try public_.requireID()).first)
            let memberImage = try #require(try await fx.posts.images(of: try members.requireID()).first)
            try await app.testing().test(.GET, "/posts/\(try public_.requireID().uuidString)/images/\(publicImage.uuidString)") { res async in
                #expect(res.status == .ok && res.headers.contentType == .jpeg)
                #expect(!res.body.string.contains("GPSLatitude") && res.headers.first(name: "X-Content-Type-Options") == "nosniff")
            }
            try await app.testing().test(.GET, "/posts/\(try members.requireID().uuidString)/images/\(memberImage.uuidString)") { res async in
                #expect(res.status == .notFound, "a members-only image for a visitor")
            }
            try await app.testing().test(.GET, "/posts/\(try public_.requireID().uuidString)/images/\(memberImage.uuidString)") { res async in
                #expect(res.status == .notFound, "another post's image through this post")
            }
            _ = try await fx.posts.withdraw(try public_.requireID(), notice: "Đã xác định được đối tượng, cảm ơn bà con.", by: officer)
            try await app.testing().test(.GET, "/posts/\(try public_.requireID().uuidString)/images/\(publicImage.uuidString)") { res async in
                #expect(res.status == .notFound)
            }
            let pdf = try AttachmentRules.sanitize(Data("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".utf8), declaredName: "a.pdf").get()
            let refused = await #expect(throws: ValidationFailure.self) {
                _ = try await fx.posts.publish(draft, to: .init(audience: .none, groupID: nil, unitID: nil, pageID: pageID), by: officer, images: [pdf])
            }
            #expect(refused?.issues.first?.field == "images")
            #expect(try await EvidenceFile.query(on: app.db).count() == 2)

            // A page's avatar: cleaned the same way, public like the page.
            let admin = try await fx.account("0901000006")
            let withAvatar = try await fx.community.createPage(.init(name: "Công an phường có ảnh", area: "Phường Buôn Ma Thuột", hotline: nil,
                                                                     description: "Trang có ảnh đại diện của công an phường."),
                                                               unitID: try await fx.unit("CA24133"), avatar: photo, by: admin)
            let avatarPath = "/pages/\(try withAvatar.requireID().uuidString)/avatar"
            try await app.testing().test(.GET, avatarPath) { res async in
                #expect(res.status == .ok && res.headers.contentType == .jpeg && !res.body.string.contains("GPSLatitude"))
            }
            try await app.testing().test(.GET, "/pages/\(try withAvatar.requireID().uuidString)") { res async in
                #expect(res.body.string.contains(avatarPath))
            }
            try await app.testing().test(.GET, "/pages/\(pageID.uuidString)/avatar") { res async in #expect(res.status == .notFound) }
            let pdfAvatar = await #expect(throws: ValidationFailure.self) {
                _ = try await fx.community.createPage(.init(name: "Trang thử ảnh PDF", area: "Phường Buôn Ma Thuột", hotline: nil, description: "Trang thử ảnh đại diện sai loại."),
                                                      unitID: try await fx.unit("CA24133"), avatar: pdf, by: admin)
            }
            #expect(pdfAvatar?.issues.first?.field == "avatar")
        }
    }

    @Test("The demo has verified pages, groups with members, posts of every category, a withdrawn post and a province-wide alert; seeding twice adds nothing")
    func demo() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let seeded = try await DemoCommunity.seed(app: app)
            #expect(seeded.pages == 4 && seeded.groups == DemoCommunity.places.count && seeded.members == 42)
            let again = try await DemoCommunity.seed(app: app)
            #expect(again.posts == 0)
            let categories = Set(try await Post.query(on: app.db).all().map(\.category))
            #expect(categories == Set(PostCategory.allCases))
            #expect(try await Post.query(on: app.db).filter(\.$status == .withdrawn).count() == 1)
            let citizen = try await Fixture(app: app).account(Self.citizen)
            let feed = try await PostService(db: app.db, app: app).feed(for: citizen.id, after: nil, limit: 50)
            #expect(feed.items.first?.post.pinned == true && feed.items.dropFirst().first?.post.priority == .urgent, "\(feed.items.prefix(3).map(\.post.title))")
        }
    }
}
