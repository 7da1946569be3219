import BinhYenCore
import Fluent
import Foundation
import SQLKit

extension StatsRebuild {
    /// Pages, groups, posts and what readers did with them, from the records:
    /// - pages verified: `pages.verified_at` (a page is verified once);
    /// - followers: `page_daily_followers`, written with every follow and unfollow (in the app or
    ///   on a linked channel) for the same day as the counter; `page_follows` forgets unfollows;
    /// - groups created: `community_groups.created_at`;
    /// - group members: `group_members` keeps only the current status, so the group audit entries
    ///   are replayed in order (create, every status change, handover) as the service moves them;
    /// - posts: counted on their publishing day unless withdrawn before it;
    /// - reactions: the reactions still there on the day they were made, and each one taken back
    ///   (`post.unreact`, which keeps when it was made) on both days;
    /// - comments and shares: their rows, which are never removed.
    static func community(on db: any Database) async throws -> Tally {
        let sql = try db.requireSQL()
        var tally = Tally()

        // Pages and groups change units only when a reorganisation moves them.
        let pageOwners = try await Owners.load(action: "page.move", prefix: "page:", on: sql)
        let groupOwners = try await Owners.load(action: "group.move", prefix: "group:", on: sql)

        for row in try await sql.raw("SELECT id, unit_id, verified_at FROM pages WHERE verified_at IS NOT NULL").all() {
            let at = try row.decode(column: "verified_at", as: Date.self)
            tally.add(.pagesVerified, 1, unit: pageOwners.unit(of: try row.decode(column: "id", as: UUID.self), current: try row.decode(column: "unit_id", as: UUID.self), at: at), at: at)
        }

        for row in try await sql.raw("SELECT p.id, p.unit_id, f.day, f.change FROM page_daily_followers f JOIN pages p ON p.id = f.page_id").all() {
            // The history is kept by Vietnamese day, the counter's own key; a page moved during a
            // day counts that day's follows for the unit it ended the day with (the move shifts them).
            guard let day = InternetTime.vietnamDayStart(try row.decode(column: "day", as: String.self)) else { continue }
            let unit = pageOwners.unit(of: try row.decode(column: "id", as: UUID.self), current: try row.decode(column: "unit_id", as: UUID.self),
                                       at: day.addingTimeInterval(86_399.999))
            tally.add(.followers, Int64(try row.decode(column: "change", as: Int.self)), unit: unit, at: day)
        }

        var groups: [UUID: (unit: UUID, createdAt: Date)] = [:]
        for row in try await sql.raw("SELECT id, unit_id, created_at FROM community_groups").all() {
            let id = try row.decode(column: "id", as: UUID.self)
            let unit = try row.decode(column: "unit_id", as: UUID.self), createdAt = try row.decode(column: "created_at", as: Date.self)
            groups[id] = (unit, createdAt)
            tally.add(.groupsCreated, 1, unit: groupOwners.unit(of: id, current: unit, at: createdAt), at: createdAt)
        }
        try await replayMembers(groups, owners: groupOwners, on: sql, into: &tally)

        var postUnits: [UUID: UUID] = [:]
        for row in try await sql.raw("SELECT id, unit_id, category, status, publish_at, withdrawn_at FROM posts").all() {
            let id = try row.decode(column: "id", as: UUID.self), unit = try row.decode(column: "unit_id", as: UUID.self)
            postUnits[id] = unit
            guard let category = PostCategory(rawValue: try row.decode(column: "category", as: String.self)) else { continue }
            let publishAt = try row.decode(column: "publish_at", as: Date.self)
            // Withdrawn before its time, it was never published (the service takes its count back).
            if try row.decode(column: "status", as: String.self) == Post.Status.withdrawn.rawValue,
               let withdrawnAt = try row.decode(column: "withdrawn_at", as: Date?.self), withdrawnAt < publishAt { continue }
            tally.add(Metric.posts(category), 1, unit: unit, at: publishAt)
        }

        let interactions: [(Metric, String)] = [(.reactions, "post_reactions"), (.comments, "post_comments"), (.shares, "post_shares")]
        for (metric, table) in interactions {
            for row in try await sql.raw("SELECT p.unit_id, x.created_at FROM \(ident: table) x JOIN posts p ON p.id = x.post_id").all() {
                tally.add(metric, 1, unit: try row.decode(column: "unit_id", as: UUID.self), at: try row.decode(column: "created_at", as: Date.self))
            }
        }
        let decoder = JSONDecoder()
        for row in try await sql.raw("SELECT subject, at_ms, detail FROM audit_entries WHERE action = 'post.unreact'").all() {
            let subject = try row.decode(column: "subject", as: String.self)
            guard subject.hasPrefix("post:"), let post = UUID(uuidString: String(subject.dropFirst(5))), let unit = postUnits[post] else { continue }
            let detail = try decoder.decode([String: String].self, from: Data(try row.decode(column: "detail", as: String.self).utf8))
            guard let reacted = detail["reacted_ms"].flatMap(Int64.init) else { continue }
            tally.add(.reactions, 1, unit: unit, at: date(milliseconds: reacted))
            tally.add(.reactions, -1, unit: unit, at: date(milliseconds: try row.decode(column: "at_ms", as: Int64.self)))
        }
        return tally
    }

    /// Replays every change of membership in log order, keeping each account's status per group,
    /// and counts what `CommunityService` counts: moves into or out of `active`, and on a handover
    /// the previous owner leaving and the new one joining unless already a member.
    private static func replayMembers(_ groups: [UUID: (unit: UUID, createdAt: Date)], owners: Owners, on sql: any SQLDatabase,
                                      into tally: inout Tally) async throws {
        struct Member: Hashable {
            var group: UUID
            var account: UUID
        }
        let active = CommunityService.MemberStatus.active.rawValue
        let left = CommunityService.MemberStatus.left.rawValue
        let actions = ["group.create", "group.handover", "group.join", "group.request", "group.leave"]
            + CommunityService.MemberDecision.allCases.map { "group." + $0.rawValue }
        var statuses: [Member: String] = [:]
        let decoder = JSONDecoder()
        for row in try await sql.raw("""
            SELECT at_ms, action, subject, actor_id, detail FROM audit_entries WHERE action IN (\(binds: actions)) ORDER BY seq
            """).all() {
            let subject = try row.decode(column: "subject", as: String.self)
            guard subject.hasPrefix("group:"), let groupID = UUID(uuidString: String(subject.dropFirst(6))), var group = groups[groupID] else { continue }
            let at = date(milliseconds: try row.decode(column: "at_ms", as: Int64.self))
            group.unit = owners.unit(of: groupID, current: group.unit, at: at)
            let detail = try decoder.decode([String: String].self, from: Data(try row.decode(column: "detail", as: String.self).utf8))
            switch try row.decode(column: "action", as: String.self) {
            case "group.create":
                // The creating officer owns the group and is its first member.
                guard let owner = try row.decode(column: "actor_id", as: UUID?.self) else { continue }
                statuses[Member(group: groupID, account: owner)] = active
                tally.add(.groupMembers, 1, unit: group.unit, at: group.createdAt)
            case "group.handover":
                guard let from = detail["from"].flatMap(UUID.init(uuidString:)), let to = detail["to"].flatMap(UUID.init(uuidString:)) else { continue }
                let successor = Member(group: groupID, account: to)
                tally.add(.groupMembers, statuses[successor] == active ? -1 : 0, unit: group.unit, at: at)
                statuses[successor] = active
                statuses[Member(group: groupID, account: from)] = left
            default:
                guard let account = detail["account"].flatMap(UUID.init(uuidString:)), let status = detail["status"] else { continue }
                let member = Member(group: groupID, account: account)
                tally.add(.groupMembers, (status == active ? 1 : 0) - (statuses[member] == active ? 1 : 0), unit: group.unit, at: at)
                statuses[member] = status
            }
        }
    }

    private static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}
