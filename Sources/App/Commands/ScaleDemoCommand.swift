import BinhYenCore
import Fluent
import SQLKit
import Vapor

/// `scale-demo`: grows the demo province to a real province's size for load tests: GROUPS
/// neighbourhood groups spread over its communes (each with its area officer as owner), MEMBERS
/// citizens in them (each also following their commune's page), POSTS posts over the last year
/// (three in four to a group, the rest to the commune's page, and a few province-wide). Writes
/// API tokens of TOKENS members to a file for the load script. With `--alert`, then publishes a
/// province-wide urgent alert through the post service and runs the outbox until every member's
/// notification is written, and prints how long that took.
struct ScaleDemoCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "groups") var groups: Int?
        @Option(name: "members") var members: Int?
        @Option(name: "posts") var posts: Int?
        @Option(name: "tokens") var tokens: Int?
        @Option(name: "tokens-file") var tokensFile: String?
        @Flag(name: "alert") var alert: Bool
        init() {}
    }

    var help: String { "Mở rộng dữ liệu trình diễn cho thử tải / Grow the demo province for load tests (groups, members, posts)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let groupCount = max(1, signature.groups ?? 600)
        let memberCount = max(1, signature.members ?? 70_000)
        let postCount = max(0, signature.posts ?? 200_000)
        try await app.autoMigrate()
        _ = try await AreaImporter.importShipped(scheme: .current, resourcesDirectory: app.directory.resourcesDirectory, on: app.db)
        _ = try await DemoSeeder.seed(on: app.db, passwords: app.binhyenPasswords)
        let sql = try app.db.requireSQL()
        guard let province = try await UnitDirectory.find(code: "CA66", on: app.db)?.id else { throw Abort(.internalServerError, reason: "no demo province") }
        if try await sql.raw("SELECT COUNT(*) AS n FROM community_groups").first()?.decode(column: "n", as: Int.self) ?? 0 > 0 {
            context.console.print("Đã có nhóm: không tạo thêm / groups exist already: nothing written")
        } else {
            try await grow(app, province: province, groups: groupCount, members: memberCount, posts: postCount, console: context.console)
        }
        try await tokens(app, signature: signature, limit: memberCount, console: context.console)
        if signature.alert { try await alert(app, province: province, console: context.console) }
    }

    private func grow(_ app: Application, province: UUID, groups groupCount: Int, members memberCount: Int, posts postCount: Int, console: any Console) async throws {
        let sql = try app.db.requireSQL()
        let started = ContinuousClock.now
        // The communes of the province and their area officers.
        let communes = try await sql.raw("""
            SELECT u.id AS unit_id, m.account_id FROM units u JOIN unit_closure c ON c.descendant_id = u.id
            JOIN memberships m ON m.unit_id = u.id AND m.role = 'officer'
            WHERE c.ancestor_id = \(bind: province) AND u.kind = 'territorial' AND u.id <> \(bind: province) ORDER BY u.code
            """).all().map { (unit: try $0.decode(column: "unit_id", as: UUID.self), officer: try $0.decode(column: "account_id", as: UUID.self)) }
        var firstOfficer: [UUID: UUID] = [:]
        for commune in communes where firstOfficer[commune.unit] == nil { firstOfficer[commune.unit] = commune.officer }
        let units = Array(Set(communes.map(\.unit))).sorted { $0.uuidString < $1.uuidString }
        guard let hash = try await Account.query(on: app.db).filter(\.$kind == .citizen).first()?.passwordHash else { throw Abort(.internalServerError) }
        let now = Date()
        let officers = firstOfficer

        try await app.db.transaction { db in
            let sql = try db.requireSQL()
            // A page per commune.
            var pages: [UUID: UUID] = [:]
            var rows: [[any SQLExpression]] = []
            for unit in units {
                let id = UUID.timeOrdered(at: now)
                pages[unit] = id
                rows.append([SQLBind(id), SQLBind(unit), SQLBind("Trang công an xã \(pages.count)"), SQLBind("Địa bàn \(pages.count)"), SQLLiteral.null,
                             SQLBind("Trang chính thức của công an xã."), SQLLiteral.null, SQLBind(0), SQLBind(now), SQLLiteral.null, SQLBind(now)])
            }
            try await WriteBatch.write("pages", ["id", "unit_id", "name", "area", "hotline", "description", "avatar_path", "follower_count", "verified_at", "verified_by", "created_at"], rows, on: sql)
            // Groups, round-robin over the communes.
            var groups: [(id: UUID, unit: UUID)] = []
            var placeRows: [[any SQLExpression]] = [], groupRows: [[any SQLExpression]] = [], memberRows: [[any SQLExpression]] = [], ownerRows: [[any SQLExpression]] = []
            for index in 0..<groupCount {
                let unit = units[index % units.count]
                let place = UUID.timeOrdered(at: now), group = UUID.timeOrdered(at: now)
                let owner = officers[unit] ?? communes[0].officer
                groups.append((group, unit))
                placeRows.append([SQLBind(place), SQLBind(unit), SQLBind("Thôn"), SQLBind("\(index + 1)"), SQLBind(now)])
                groupRows.append([SQLBind(group), SQLBind(unit), SQLBind(place), SQLBind("Nhóm thôn \(index + 1)"), SQLBind(GroupRules.newInviteCode() + String(index, radix: 36).uppercased()),
                                  SQLBind(owner), SQLBind(1 + memberCount / groupCount + (index < memberCount % groupCount ? 1 : 0)), SQLBind(now)])
                memberRows.append([SQLBind(group), SQLBind(owner), SQLBind("owner"), SQLBind("active"), SQLBind(now)])
                ownerRows.append([SQLBind(UUID.timeOrdered(at: now)), SQLBind(group), SQLBind(owner), SQLBind(now), SQLLiteral.null, SQLLiteral.null])
            }
            try await WriteBatch.write("places", ["id", "unit_id", "kind", "name", "created_at"], placeRows, on: sql)
            try await WriteBatch.write("community_groups", ["id", "unit_id", "place_id", "name", "invite_code", "owner_id", "member_count", "created_at"], groupRows, on: sql)
            try await WriteBatch.write("group_owner_history", ["id", "group_id", "account_id", "from_at", "to_at", "handed_by"], ownerRows, on: sql)
            // Members: citizens, each in one group and following its commune's page.
            var accountRows: [[any SQLExpression]] = [], followRows: [[any SQLExpression]] = []
            for index in 0..<memberCount {
                let id = UUID.timeOrdered(at: now)
                let group = groups[index % groups.count]
                accountRows.append([SQLBind(id), SQLBind("+8497" + String(format: "%07d", index)), SQLBind("Cư dân \(index + 1)"), SQLBind(hash), SQLBind("citizen"), SQLBind("vi"), SQLBind(now), SQLLiteral.null])
                memberRows.append([SQLBind(group.id), SQLBind(id), SQLBind("member"), SQLBind("active"), SQLBind(now)])
                if let page = pages[group.unit] { followRows.append([SQLBind(page), SQLBind(id), SQLBind(now)]) }
            }
            try await WriteBatch.write("accounts", ["id", "phone", "display_name", "password_hash", "kind", "locale", "created_at", "disabled_at"], accountRows, on: sql)
            try await WriteBatch.write("group_members", ["group_id", "account_id", "role", "status", "updated_at"], memberRows, on: sql)
            try await WriteBatch.write("page_follows", ["page_id", "account_id", "created_at"], followRows, on: sql)
            try await sql.raw("UPDATE pages SET follower_count = (SELECT COUNT(*) FROM page_follows f WHERE f.page_id = pages.id)").run()
            // Posts over the last year.
            let categories = PostCategory.allCases
            var postRows: [[any SQLExpression]] = [], targetRows: [[any SQLExpression]] = []
            for index in 0..<postCount {
                let at = now.addingTimeInterval(-Double(UInt64.random(in: 60...(365 * 86_400))))
                let id = UUID.timeOrdered(at: at)
                let group = groups[index % groups.count]
                let wide = index % 2_000 == 0
                let toPage = !wide && index % 4 == 3
                let priority: PostPriority = wide ? .warning : (index % 10 == 0 ? .warning : .information)
                let author = officers[group.unit] ?? communes[0].officer
                postRows.append([SQLBind(id), SQLBind(wide ? province : group.unit), toPage ? SQLBind(pages[group.unit]) : SQLLiteral.null, SQLBind(author),
                                 SQLBind(categories[index % categories.count].rawValue), SQLBind(priority.rawValue),
                                 SQLBind(wide ? PostAudience.subtree.rawValue : (toPage ? PostAudience.none.rawValue : PostAudience.group.rawValue)),
                                 SQLBind("Bài viết số \(index + 1) gửi bà con"), SQLBind("Nội dung bài viết số \(index + 1): thông tin an ninh trật tự trên địa bàn, đề nghị bà con lưu ý."),
                                 SQLBind("published"), SQLBind(false), SQLBind(0), SQLBind(at), SQLBind(PostService.milliseconds(at)), SQLLiteral.null, SQLLiteral.null, SQLLiteral.null, SQLBind(1), SQLLiteral.null,
                                 SQLBind(0), SQLBind(0), SQLBind(0), SQLBind(0), SQLBind(0), SQLBind(at)])
                if wide {
                    for target in groups { targetRows.append([SQLBind(target.id), SQLBind(id), SQLBind(0), SQLBind(PostService.milliseconds(at)), SQLLiteral.null]) }
                } else if !toPage {
                    targetRows.append([SQLBind(group.id), SQLBind(id), SQLBind(0), SQLBind(PostService.milliseconds(at)), SQLLiteral.null])
                }
                if postRows.count == 20_000 {
                    try await WriteBatch.write("posts", Self.postColumns, postRows, on: sql)
                    try await WriteBatch.write("post_targets", ["group_id", "post_id", "rank", "publish_ms", "expires_at"], targetRows, on: sql)
                    postRows.removeAll(keepingCapacity: true)
                    targetRows.removeAll(keepingCapacity: true)
                }
            }
            try await WriteBatch.write("posts", Self.postColumns, postRows, on: sql)
            try await WriteBatch.write("post_targets", ["group_id", "post_id", "rank", "publish_ms", "expires_at"], targetRows, on: sql)
        }
        let seeded = ContinuousClock.now - started
        console.print("\(groupCount) nhóm, \(memberCount) thành viên, \(postCount) bài viết trong \(seeded) / groups, members, posts written")
    }

    /// API tokens of members spread over all groups, one a line, for the load script.
    private func tokens(_ app: Application, signature: Signature, limit memberCount: Int, console: any Console) async throws {
        let sql = try app.db.requireSQL()
        if let tokenCount = signature.tokens, tokenCount > 0, let path = signature.tokensFile {
            let members = try await sql.raw("SELECT account_id FROM group_members WHERE role = 'member' ORDER BY account_id LIMIT \(literal: memberCount)").all()
                .map { try $0.decode(column: "account_id", as: UUID.self) }
            var lines: [String] = []
            let tokens = TokenService(db: app.db)
            for index in 0..<min(tokenCount, members.count) {
                lines.append(try await tokens.issue(for: members[index * members.count / tokenCount], label: "scale-demo").token)
            }
            try lines.joined(separator: "\n").appending("\n").write(toFile: path, atomically: true, encoding: .utf8)
            console.print("\(lines.count) mã truy cập / tokens written to \(path)")
        }
    }

    /// Publishes a province-wide urgent alert and runs the outbox until its notifications are written.
    private func alert(_ app: Application, province: UUID, console: any Console) async throws {
        let sql = try app.db.requireSQL()
        guard let adminID = try await Account.query(on: app.db).filter(\.$phone == (try PhoneNumber(parsing: "0901000001").e164)).first()?.id,
              let admin = try await CurrentAccount.load(accountID: adminID, on: app.db) else { throw Abort(.internalServerError) }
        let members = try await sql.raw("""
            SELECT COUNT(DISTINCT m.account_id) AS n FROM group_members m JOIN community_groups g ON g.id = m.group_id
            JOIN unit_closure c ON c.descendant_id = g.unit_id WHERE c.ancestor_id = \(bind: province) AND m.status = 'active'
            """).first()?.decode(column: "n", as: Int.self) ?? 0
        let clock = ContinuousClock.now
        let post = try await PostService(db: app.db, app: app).publish(
            PostDraft(title: "Khẩn: cảnh báo toàn tỉnh", body: "Cảnh báo khẩn gửi mọi nhóm trên địa bàn tỉnh.", category: PostCategory.securityNews.rawValue,
                      priority: PostPriority.urgent.rawValue),
            to: .init(audience: .subtree, groupID: nil, unitID: province, pageID: nil), by: admin)
        let published = ContinuousClock.now - clock
        try await Outbox.drain(app: app)
        let total = ContinuousClock.now - clock
        let written = try await sql.raw("SELECT COUNT(*) AS n FROM notifications WHERE dedupe_key = \(bind: "post:" + (post.id?.uuidString ?? ""))").first()?
            .decode(column: "n", as: Int.self) ?? 0
        console.print("alert: published in \(published), \(written) of \(members) notifications written after \(total)")
    }

    static let postColumns = ["id", "unit_id", "page_id", "author_id", "category", "priority", "audience", "title", "body", "status", "pinned", "rank",
                              "publish_at", "publish_ms", "expires_at", "withdrawn_at", "withdrawal_notice", "revision", "edited_at", "reactions", "comments", "shares",
                              "share_opens", "views", "created_at"]
}
