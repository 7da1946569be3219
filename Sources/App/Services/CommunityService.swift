import BinhYenCore
import Fluent
import Foundation
import SQLKit
import Vapor

/// Unit pages and neighbourhood groups: who follows which page, who belongs to which group, who
/// runs it. Every change is audited and counted for the unit in the same transaction.
struct CommunityService: Sendable {
    let db: any Database
    let gate: WriteGate
    /// Forgets a reader's feed sources when they change.
    let cache: FeedCache
    /// Where page avatars are kept (encrypted, like every uploaded file).
    let store: AttachmentStore

    init(db: any Database, app: Application) {
        self.db = db
        gate = app.writeGate
        cache = app.feedCache
        store = app.attachmentStore
    }

    init(db: any Database, gate: WriteGate, cache: FeedCache, store: AttachmentStore) {
        self.db = db
        self.gate = gate
        self.cache = cache
        self.store = store
    }

    // MARK: pages

    struct PageDraft: Sendable {
        var name: String
        var area: String
        var hotline: String?
        var description: String
    }

    /// A unit admin (or the province) opens a page for a unit; it is not verified yet. The avatar
    /// was checked by content and stripped of metadata (`AttachmentRules.sanitize`).
    func createPage(_ draft: PageDraft, unitID: UUID, avatar: SanitizedAttachment? = nil, by account: CurrentAccount, now: Date = Date()) async throws -> Page {
        guard try await account.may(.editUnit, atUnit: unitID, on: db) else { throw TipService.NotFound() }
        var issues: [FieldIssue] = []
        func take(_ result: Result<String, FieldIssue>) -> String {
            switch result {
            case .success(let text): return text
            case .failure(let issue): issues.append(issue); return ""
            }
        }
        let page = Page()
        page.id = UUID.timeOrdered(at: now)
        page.$unit.id = unitID
        page.name = take(TextRules.text(draft.name, field: "name", nameVI: "Tên trang", nameEN: "Page name", length: 3...120, multiline: false))
        page.area = take(TextRules.text(draft.area, field: "area", nameVI: "Địa bàn", nameEN: "Area", length: 2...160, multiline: false))
        page.description = take(TextRules.text(draft.description, field: "description", nameVI: "Giới thiệu", nameEN: "Description", length: 10...2_000))
        if let hotline = draft.hotline?.trimmingCharacters(in: .whitespaces), !hotline.isEmpty {
            switch AccountRules.phone(hotline, field: "hotline") {
            case .success(let phone): page.hotline = phone.e164
            case .failure(let issue): issues.append(issue)
            }
        }
        if avatar?.kind == .pdf {
            issues.append(FieldIssue(field: "avatar", code: "kind", messageVI: "Ảnh đại diện phải là ảnh JPEG hoặc PNG.", messageEN: "The avatar must be a JPEG or PNG image."))
        }
        guard issues.isEmpty else { throw ValidationFailure(issues: issues) }
        page.followerCount = 0
        page.createdAt = now
        let pageID = try page.requireID()
        let files = try EvidenceFiles.write(avatar.map { [$0] } ?? [], owner: "page:" + pageID.uuidString, store: store, at: now)
        page.avatarPath = files.first?.id?.uuidString
        do {
            try await gate.transaction { db in
                try await page.create(on: db)
                for file in files { try await file.create(on: db) }
                try await AuditLog.append(.staff(account.id), "page.create", subject: "page:" + pageID.uuidString, detail: ["name": page.name], at: now, on: db)
            }
        } catch {
            EvidenceFiles.discard(files, store: store)
            throw error
        }
        return page
    }

    /// Only a province admin verifies a page; the verified mark shows from then on.
    func verifyPage(_ id: UUID, by account: CurrentAccount, now: Date = Date()) async throws -> Page {
        guard let page = try await Page.find(id, on: db), try await account.may(.verifyPages, atUnit: page.$unit.id, on: db) else { throw TipService.NotFound() }
        guard page.verifiedAt == nil else { return page }
        page.verifiedAt = now
        page.$verifiedBy.id = account.id
        try await gate.transaction { db in
            // Verified once, even when the form is sent twice.
            guard try await db.requireSQL().raw("""
                UPDATE pages SET verified_at = \(bind: now), verified_by = \(bind: account.id) WHERE id = \(bind: id) AND verified_at IS NULL RETURNING id
                """).first() != nil else { return }
            try await AuditLog.append(.staff(account.id), "page.verify", subject: "page:" + id.uuidString, at: now, on: db)
            try await Counters.add(.pagesVerified, 1, unit: page.$unit.id, at: now, on: db)
            // Posts carry their page's mark: stamped as changed, every node forgets them.
            try await db.requireSQL().raw("UPDATE posts SET changed_ms = changed_ms WHERE page_id = \(bind: id)").run()
        }
        cache.forgetPosts()
        return page
    }

    /// Follows a page; following twice changes nothing. Returns the page's follower count.
    @discardableResult
    func follow(_ pageID: UUID, account: UUID, now: Date = Date()) async throws -> Int {
        try await setFollowing(pageID, account: account, following: true, now: now)
    }

    @discardableResult
    func unfollow(_ pageID: UUID, account: UUID, now: Date = Date()) async throws -> Int {
        try await setFollowing(pageID, account: account, following: false, now: now)
    }

    private func setFollowing(_ pageID: UUID, account: UUID, following: Bool, now: Date) async throws -> Int {
        guard let page = try await Page.find(pageID, on: db) else { throw TipService.NotFound() }
        let unit = page.$unit.id
        let count = try await gate.transaction { db in
            let sql = try db.requireSQL()
            let changed: Bool
            if following {
                changed = try await sql.raw("""
                    INSERT INTO page_follows (page_id, account_id, created_at) VALUES (\(bind: pageID), \(bind: account), \(bind: now))
                    ON CONFLICT DO NOTHING RETURNING page_id
                    """).first() != nil
            } else {
                changed = try await sql.raw("DELETE FROM page_follows WHERE page_id = \(bind: pageID) AND account_id = \(bind: account) RETURNING page_id").first() != nil
            }
            if changed {
                try await Self.countFollowers(following ? 1 : -1, page: pageID, unit: unit, at: now, on: db)
            }
            let row = try await sql.raw("SELECT follower_count FROM pages WHERE id = \(bind: pageID)").first()
            return try row?.decode(column: "follower_count", as: Int.self) ?? 0
        }
        cache.forgetSources(of: account)
        return count
    }

    /// Adds to a page's followers (in the app or on a linked channel), its daily history and its
    /// unit's counter, in the caller's transaction.
    static func countFollowers(_ delta: Int, page pageID: UUID, unit: UUID, at now: Date, on db: any Database) async throws {
        let sql = try db.requireSQL()
        try await sql.raw("UPDATE pages SET follower_count = follower_count + \(bind: delta) WHERE id = \(bind: pageID)").run()
        try await sql.raw("""
            INSERT INTO page_daily_followers (page_id, day, change) VALUES (\(bind: pageID), \(bind: InternetTime.vietnamDay(now)), \(bind: delta))
            ON CONFLICT (page_id, day) DO UPDATE SET change = page_daily_followers.change + excluded.change
            """).run()
        try await Counters.add(.followers, delta, unit: unit, at: now, on: db)
    }

    /// A page's followers at the end of each day of `days` (Vietnam time), with the day's net
    /// change: counted back from today's count through the daily changes, so follows written
    /// before the history began count as always there.
    func followerHistory(_ pageID: UUID, days: Range<Date>) async throws -> [(day: String, followers: Int, change: Int)] {
        guard let page = try await Page.find(pageID, on: db) else { throw TipService.NotFound() }
        let first = InternetTime.vietnamDay(days.lowerBound)
        var changes: [String: Int] = [:]
        for row in try await db.requireSQL().raw("""
            SELECT day, change FROM page_daily_followers WHERE page_id = \(bind: pageID) AND day >= \(bind: first)
            """).all() {
            changes[try row.decode(column: "day", as: String.self)] = try row.decode(column: "change", as: Int.self)
        }
        var dayKeys: [String] = []
        var moment = days.lowerBound
        while moment < days.upperBound {
            dayKeys.append(InternetTime.vietnamDay(moment))
            moment = moment.addingTimeInterval(86_400)
        }
        let last = dayKeys.last ?? first
        // Changes after the range, then each day's own, walking back from the current count.
        var followers = page.followerCount - changes.filter { $0.key > last }.values.reduce(0, +)
        var history: [(day: String, followers: Int, change: Int)] = []
        for day in dayKeys.reversed() {
            let change = changes[day] ?? 0
            history.append((day, followers, change))
            followers -= change
        }
        return history.reversed()
    }

    /// The pages of a unit and everything below it (all pages when nil), verified first.
    func pages(under unitID: UUID?, limit: Int = 200) async throws -> [Page] {
        var query = Page.query(on: db)
        if let unitID {
            let units = try await db.requireSQL().raw("SELECT descendant_id FROM unit_closure WHERE ancestor_id = \(bind: unitID)").all()
                .map { try $0.decode(column: "descendant_id", as: UUID.self) }
            query = query.filter(\.$unit.$id ~~ units)
        }
        let pages = try await query.sort(\.$name).limit(limit).all()
        return pages.sorted { ($0.verifiedAt != nil ? 0 : 1, $0.name) < ($1.verifiedAt != nil ? 0 : 1, $1.name) }
    }

    /// A page's avatar (pages are public).
    func avatar(of pageID: UUID) async throws -> (EvidenceFile, Data) {
        guard let page = try await Page.find(pageID, on: db), let name = page.avatarPath, let id = UUID(uuidString: name),
              let file = try await EvidenceFile.find(id, on: db), file.owner == "page:" + pageID.uuidString else { throw TipService.NotFound() }
        return (file, try store.read(id))
    }

    func isFollowing(_ pageID: UUID, account: UUID) async throws -> Bool {
        try await db.requireSQL().raw("SELECT 1 AS x FROM page_follows WHERE page_id = \(bind: pageID) AND account_id = \(bind: account)").first() != nil
    }

    // MARK: groups

    enum MemberRole: String, Codable, Sendable { case owner, deputy, member }
    enum MemberStatus: String, Codable, Sendable { case active, pending, banned, left }

    struct Membership: Sendable, Equatable {
        var role: MemberRole
        var status: MemberStatus
    }

    /// An officer creates a place below the commune and its group in one step, and owns it.
    func createGroup(unitID: UUID, placeKind: String, placeName: String, by account: CurrentAccount, now: Date = Date()) async throws -> CommunityGroup {
        guard account.isStaff, try await account.may(.manageGroups, atUnit: unitID, on: db) else { throw TipService.NotFound() }
        var issues: [FieldIssue] = []
        var kindText = "", nameText = ""
        switch TextRules.text(placeKind, field: "placeKind", nameVI: "Loại địa bàn", nameEN: "Kind of place", length: 2...40, multiline: false) {
        case .success(let text): kindText = text
        case .failure(let issue): issues.append(issue)
        }
        switch TextRules.text(placeName, field: "placeName", nameVI: "Tên thôn, buôn, tổ dân phố", nameEN: "Place name", length: GroupRules.placeNameLength, multiline: false) {
        case .success(let text): nameText = text
        case .failure(let issue): issues.append(issue)
        }
        guard issues.isEmpty else { throw ValidationFailure(issues: issues) }
        let (kind, name) = (kindText, nameText)
        let placeID = UUID.timeOrdered(at: now)
        let group = CommunityGroup()
        group.id = UUID.timeOrdered(at: now)
        group.$unit.id = unitID
        group.placeID = placeID
        group.name = "Nhóm \(kind.lowercased()) \(name)"
        group.inviteCode = GroupRules.newInviteCode()
        group.$owner.id = account.id
        group.memberCount = 1
        group.createdAt = now
        try await gate.transaction { db in
            let sql = try db.requireSQL()
            // Checked inside the write, so two officers creating the same place get one group
            // and a clear answer, not a constraint error.
            if try await sql.raw("SELECT 1 AS x FROM places WHERE unit_id = \(bind: unitID) AND kind = \(bind: kind) AND name = \(bind: name)").first() != nil {
                throw ValidationFailure(issues: [FieldIssue(field: "placeName", code: "exists", messageVI: "\(kind) \(name) đã có nhóm.", messageEN: "\(kind) \(name) already has a group.")])
            }
            try await sql.insert(into: "places").columns("id", "unit_id", "kind", "name", "created_at")
                .values(SQLBind(placeID), SQLBind(unitID), SQLBind(kind), SQLBind(name), SQLBind(now)).run()
            try await group.create(on: db)
            let groupID = try group.requireID()
            try await Self.upsertMember(groupID, account.id, role: .owner, status: .active, now: now, on: sql)
            try await Self.openOwnership(groupID, owner: account.id, handedBy: nil, now: now, on: sql)
            try await AuditLog.append(.staff(account.id), "group.create", subject: "group:" + groupID.uuidString, detail: ["name": group.name], at: now, on: db)
            try await Counters.add(.groupsCreated, 1, unit: unitID, at: now, on: db)
            try await Counters.add(.groupMembers, 1, unit: unitID, at: now, on: db)
        }
        return group
    }

    /// A citizen joins by the code on the invite sheet. A banned account cannot come back this way.
    func join(code raw: String, account: UUID, now: Date = Date()) async throws -> CommunityGroup {
        let code = GroupRules.normaliseInviteCode(raw)
        guard !code.isEmpty, let group = try await CommunityGroup.query(on: db).filter(\.$inviteCode == code).first() else {
            throw ValidationFailure(issues: [FieldIssue(field: "code", code: "unknown", messageVI: "Mã mời không đúng. Vui lòng kiểm tra lại mã trên phiếu mời.",
                                                        messageEN: "The invite code is not valid. Check the code on the invite sheet.")])
        }
        let groupID = try group.requireID()
        let current = try await membership(groupID, account: account)
        if current?.status == .banned {
            throw ValidationFailure(issues: [FieldIssue(field: "code", code: "banned", messageVI: "Bạn không thể tham gia nhóm này. Vui lòng liên hệ cán bộ quản lý nhóm.",
                                                        messageEN: "You cannot join this group. Contact the officer who runs it.")])
        }
        if current?.status == .active { return group }
        try await setStatus(group, account: account, role: current?.role ?? .member, to: .active, from: [nil, .left, .pending], actor: .citizen(account), action: "group.join", now: now)
        return try await CommunityGroup.find(groupID, on: db) ?? group
    }

    /// Asks to join a group; its officers approve.
    func requestToJoin(_ groupID: UUID, account: UUID, now: Date = Date()) async throws -> Membership {
        guard let group = try await CommunityGroup.find(groupID, on: db) else { throw TipService.NotFound() }
        if let current = try await membership(groupID, account: account), current.status != .left {
            if current.status == .banned {
                throw ValidationFailure(issues: [FieldIssue(field: "group", code: "banned", messageVI: "Bạn không thể tham gia nhóm này.", messageEN: "You cannot join this group.")])
            }
            return current
        }
        try await setStatus(group, account: account, role: .member, to: .pending, from: [nil, .left], actor: .citizen(account), action: "group.request", now: now)
        return Membership(role: .member, status: .pending)
    }

    enum MemberDecision: String, Sendable, CaseIterable {
        case approve, remove, ban, unban, makeDeputy = "make_deputy", makeMember = "make_member"
    }

    /// The group's officers (its owner, deputies, and staff who manage groups at its unit) approve,
    /// remove or ban members and name deputies. The owner is never removed: ownership is handed
    /// over first.
    func decide(_ groupID: UUID, member: UUID, _ decision: MemberDecision, by account: CurrentAccount, now: Date = Date()) async throws -> Membership {
        guard let group = try await CommunityGroup.find(groupID, on: db), try await mayManage(group, account) else { throw TipService.NotFound() }
        guard let current = try await membership(groupID, account: member) else { throw TipService.NotFound() }
        if current.role == .owner {
            throw ValidationFailure(issues: [FieldIssue(field: "member", code: "owner", messageVI: "Không thể thay đổi người phụ trách nhóm; hãy bàn giao nhóm trước.",
                                                        messageEN: "The group's owner cannot be changed here; hand the group over first.")])
        }
        var next = current
        switch decision {
        case .approve:
            guard current.status == .pending else { return current }
            next.status = .active
        case .remove:
            guard current.status == .active || current.status == .pending else { return current }
            next.status = .left
            next.role = .member
        case .ban:
            next.status = .banned
            next.role = .member
        case .unban:
            // Free to join again (by code or by asking), not a member yet.
            guard current.status == .banned else { return current }
            next.status = .left
        case .makeDeputy, .makeMember:
            guard current.status == .active else {
                throw ValidationFailure(issues: [FieldIssue(field: "member", code: "not_member", messageVI: "Người này chưa là thành viên nhóm.", messageEN: "This person is not a member yet.")])
            }
            next.role = decision == .makeDeputy ? .deputy : .member
        }
        try await setStatus(group, account: member, role: next.role, to: next.status, from: [current.status], actor: .staff(account.id), action: "group." + decision.rawValue, now: now)
        return next
    }

    /// Leaves a group. The owner hands it over first.
    func leave(_ groupID: UUID, account: UUID, now: Date = Date()) async throws {
        guard let group = try await CommunityGroup.find(groupID, on: db), let current = try await membership(groupID, account: account) else { throw TipService.NotFound() }
        if current.role == .owner {
            throw ValidationFailure(issues: [FieldIssue(field: "group", code: "owner", messageVI: "Người phụ trách cần bàn giao nhóm trước khi rời.", messageEN: "The owner must hand the group over before leaving.")])
        }
        guard current.status == .active || current.status == .pending else { return }
        try await setStatus(group, account: account, role: .member, to: .left, from: [.active, .pending], actor: .citizen(account), action: "group.leave", now: now)
    }

    /// Hands a group to another officer of its unit: the previous owner leaves, the history keeps
    /// both with their dates, and members, posts and the invite code stay as they are.
    func handOver(_ groupID: UUID, to newOwner: UUID, by account: CurrentAccount, now: Date = Date()) async throws -> CommunityGroup {
        let group = try await requireHandover(groupID, by: account)
        let previous = group.$owner.id
        guard newOwner != previous else { return group }
        guard let successor = try await CurrentAccount.load(accountID: newOwner, on: db), successor.isStaff,
              try await successor.may(.manageGroups, atUnit: group.$unit.id, on: db) else {
            throw ValidationFailure(issues: [FieldIssue(field: "owner", code: "not_officer", messageVI: "Người nhận bàn giao phải là cán bộ quản lý nhóm của đơn vị.",
                                                        messageEN: "The new owner must be an officer who runs groups at this unit.")])
        }
        let unit = group.$unit.id
        try await gate.transaction { db in
            let sql = try db.requireSQL()
            // Another handover got there first: nothing changes.
            guard try await sql.raw("""
                UPDATE community_groups SET owner_id = \(bind: newOwner) WHERE id = \(bind: groupID) AND owner_id = \(bind: previous) RETURNING id
                """).first() != nil else {
                throw ValidationFailure(issues: [FieldIssue(field: "owner", code: "conflict", messageVI: "Nhóm vừa được bàn giao. Vui lòng tải lại trang.",
                                                            messageEN: "The group has just been handed over. Reload the page.")])
            }
            let before = try await sql.raw("SELECT status FROM group_members WHERE group_id = \(bind: groupID) AND account_id = \(bind: newOwner)").first()
                .map { try $0.decode(column: "status", as: String.self) }
            try await Self.upsertMember(groupID, newOwner, role: .owner, status: .active, now: now, on: sql)
            try await Self.upsertMember(groupID, previous, role: .member, status: .left, now: now, on: sql)
            // The previous owner leaves; the new one joins unless already a member.
            let delta = before == MemberStatus.active.rawValue ? -1 : 0
            try await sql.raw("UPDATE community_groups SET member_count = member_count + \(bind: delta) WHERE id = \(bind: groupID)").run()
            try await Counters.add(.groupMembers, delta, unit: unit, at: now, on: db)
            try await sql.raw("UPDATE group_owner_history SET to_at = \(bind: now) WHERE group_id = \(bind: groupID) AND to_at IS NULL").run()
            try await Self.openOwnership(groupID, owner: newOwner, handedBy: account.id, now: now, on: sql)
            try await AuditLog.append(.staff(account.id), "group.handover", subject: "group:" + groupID.uuidString,
                                      detail: ["from": previous.uuidString, "to": newOwner.uuidString], at: now, on: db)
        }
        cache.forgetSources(of: previous)
        cache.forgetSources(of: newOwner)
        return try await CommunityGroup.find(groupID, on: db) ?? group
    }

    /// The group, if the account may hand it over: its owner, or staff who run groups at its
    /// unit (a deputy may not). Anyone else gets "not found", before anything else is looked at.
    func requireHandover(_ groupID: UUID, by account: CurrentAccount) async throws -> CommunityGroup {
        guard account.isStaff, let group = try await CommunityGroup.find(groupID, on: db) else { throw TipService.NotFound() }
        if group.$owner.id == account.id { return group }
        guard try await account.may(.manageGroups, atUnit: group.$unit.id, on: db) else { throw TipService.NotFound() }
        return group
    }

    /// The account's standing in each of these groups (absent: never asked or joined), in one query.
    func statuses(of account: UUID, in groups: [UUID]) async throws -> [UUID: MemberStatus] {
        guard !groups.isEmpty else { return [:] }
        var out: [UUID: MemberStatus] = [:]
        for row in try await db.requireSQL().raw("""
            SELECT group_id, status FROM group_members WHERE account_id = \(bind: account) AND group_id IN (\(binds: groups))
            """).all() {
            out[try row.decode(column: "group_id", as: UUID.self)] = MemberStatus(rawValue: try row.decode(column: "status", as: String.self))
        }
        return out
    }

    func membership(_ groupID: UUID, account: UUID) async throws -> Membership? {
        guard let row = try await db.requireSQL().raw("SELECT role, status FROM group_members WHERE group_id = \(bind: groupID) AND account_id = \(bind: account)").first(),
              let role = MemberRole(rawValue: try row.decode(column: "role", as: String.self)),
              let status = MemberStatus(rawValue: try row.decode(column: "status", as: String.self))
        else { return nil }
        return Membership(role: role, status: status)
    }

    /// Owner, deputy, or staff who manage groups at the group's unit.
    func mayManage(_ group: CommunityGroup, _ account: CurrentAccount) async throws -> Bool {
        if let current = try await membership(try group.requireID(), account: account.id), current.status == .active, current.role != .member { return true }
        return try await account.may(.manageGroups, atUnit: group.$unit.id, on: db)
    }

    struct MemberRow: Sendable {
        var accountID: UUID
        var name: String
        var phone: String
        var role: MemberRole
        var status: MemberStatus
    }

    /// The members of a group (for its officers), owner and deputies first.
    func members(_ groupID: UUID, statuses: [MemberStatus], by account: CurrentAccount, limit: Int = 500) async throws -> [MemberRow] {
        guard let group = try await CommunityGroup.find(groupID, on: db), try await mayManage(group, account) else { throw TipService.NotFound() }
        let rows = try await db.requireSQL().raw("""
            SELECT m.account_id, m.role, m.status, a.display_name, a.phone FROM group_members m JOIN accounts a ON a.id = m.account_id
            WHERE m.group_id = \(bind: groupID) AND m.status IN (\(binds: statuses.map(\.rawValue)))
            ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'deputy' THEN 1 ELSE 2 END, a.display_name LIMIT \(literal: limit)
            """).all()
        return try rows.map {
            MemberRow(accountID: try $0.decode(column: "account_id", as: UUID.self), name: try $0.decode(column: "display_name", as: String.self),
                      phone: try $0.decode(column: "phone", as: String.self),
                      role: MemberRole(rawValue: try $0.decode(column: "role", as: String.self)) ?? .member,
                      status: MemberStatus(rawValue: try $0.decode(column: "status", as: String.self)) ?? .left)
        }
    }

    /// Groups the account is an active member of.
    func joinedGroups(_ account: UUID) async throws -> [CommunityGroup] {
        let ids = try await db.requireSQL().raw("SELECT group_id FROM group_members WHERE account_id = \(bind: account) AND status = 'active'").all()
            .map { try $0.decode(column: "group_id", as: UUID.self) }
        guard !ids.isEmpty else { return [] }
        return try await CommunityGroup.query(on: db).filter(\.$id ~~ ids).sort(\.$name).all()
    }

    /// Groups of the units where the account runs groups, or that it owns or deputises.
    func managedGroups(_ account: CurrentAccount, limit: Int = 500) async throws -> [CommunityGroup] {
        let units = TipService.units(of: account, allowing: .manageGroups)
        let sql = try db.requireSQL()
        var ids = Set(try await sql.raw("SELECT group_id FROM group_members WHERE account_id = \(bind: account.id) AND status = 'active' AND role <> 'member'").all()
            .map { try $0.decode(column: "group_id", as: UUID.self) })
        if !units.isEmpty {
            ids.formUnion(try await sql.raw("""
                SELECT g.id FROM community_groups g JOIN unit_closure c ON c.descendant_id = g.unit_id
                WHERE c.ancestor_id IN (\(binds: units)) LIMIT \(literal: limit)
                """).all().map { try $0.decode(column: "id", as: UUID.self) })
        }
        guard !ids.isEmpty else { return [] }
        return try await CommunityGroup.query(on: db).filter(\.$id ~~ Array(ids)).sort(\.$name).limit(limit).all()
    }

    /// The owners a group has had, oldest first.
    func ownerHistory(_ groupID: UUID) async throws -> [(name: String, from: Date, to: Date?)] {
        try await db.requireSQL().raw("""
            SELECT a.display_name, h.from_at, h.to_at FROM group_owner_history h JOIN accounts a ON a.id = h.account_id
            WHERE h.group_id = \(bind: groupID) ORDER BY h.from_at
            """).all().map { (try $0.decode(column: "display_name", as: String.self), try $0.decode(column: "from_at", as: Date.self), try $0.decode(column: "to_at", as: Date?.self)) }
    }

    // MARK: writing

    /// Moves an account's membership to `status`, keeping the group's member count and the unit's
    /// counter in step (only moves into or out of `active` count).
    /// - Parameter from: the statuses the move may start from (nil: no row yet), checked inside
    ///   the transaction, so a ban and a join at the same moment cannot both win.
    private func setStatus(_ group: CommunityGroup, account: UUID, role: MemberRole, to status: MemberStatus, from allowed: Set<MemberStatus?>,
                           actor: AuditActor, action: String, now: Date) async throws {
        let groupID = try group.requireID()
        let unit = group.$unit.id
        try await gate.transaction { db in
            let sql = try db.requireSQL()
            let before = try await sql.raw("SELECT status FROM group_members WHERE group_id = \(bind: groupID) AND account_id = \(bind: account)").first()
                .map { try $0.decode(column: "status", as: String.self) }
            guard allowed.contains(before.flatMap(MemberStatus.init(rawValue:))) else {
                throw ValidationFailure(issues: [FieldIssue(field: "member", code: "conflict", messageVI: "Tư cách thành viên vừa thay đổi. Vui lòng tải lại trang.",
                                                            messageEN: "The membership has just changed. Reload the page.")])
            }
            try await Self.upsertMember(groupID, account, role: role, status: status, now: now, on: sql)
            let wasActive = before == MemberStatus.active.rawValue
            let delta = (status == .active ? 1 : 0) - (wasActive ? 1 : 0)
            if delta != 0 {
                try await sql.raw("UPDATE community_groups SET member_count = member_count + \(bind: delta) WHERE id = \(bind: groupID)").run()
                try await Counters.add(.groupMembers, delta, unit: unit, at: now, on: db)
            }
            try await AuditLog.append(actor, action, subject: "group:" + groupID.uuidString,
                                      detail: ["account": account.uuidString, "status": status.rawValue, "role": role.rawValue], at: now, on: db)
        }
        cache.forgetSources(of: account)
    }

    private static func upsertMember(_ groupID: UUID, _ account: UUID, role: MemberRole, status: MemberStatus, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.raw("""
            INSERT INTO group_members (group_id, account_id, role, status, updated_at)
            VALUES (\(bind: groupID), \(bind: account), \(bind: role.rawValue), \(bind: status.rawValue), \(bind: now))
            ON CONFLICT (group_id, account_id) DO UPDATE SET role = excluded.role, status = excluded.status, updated_at = excluded.updated_at
            """).run()
    }

    private static func openOwnership(_ groupID: UUID, owner: UUID, handedBy: UUID?, now: Date, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "group_owner_history").columns("id", "group_id", "account_id", "from_at", "to_at", "handed_by")
            .values(SQLBind(UUID.timeOrdered(at: now)), SQLBind(groupID), SQLBind(owner), SQLBind(now), SQLLiteral.null, SQLBind(handedBy)).run()
    }
}

extension Request {
    var community: CommunityService { CommunityService(db: db, app: application) }
}
