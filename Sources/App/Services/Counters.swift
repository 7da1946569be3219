import BinhYenCore
import Fluent
import Foundation
import SQLKit

/// What the province counts, by unit and day. Each metric is defined once, here, in words shown
/// with the figures, so every unit counts the same way.
enum Metric: String, CaseIterable, Sendable {
    case tipsReceived = "tips.received"
    case tipsValuable = "tips.valuable"
    case tipsClosedHandled = "tips.closed.handled"
    case tipsClosedTransferred = "tips.closed.transferred"
    case tipsClosedNotActionable = "tips.closed.not_actionable"
    case tipsClosedDuplicate = "tips.closed.duplicate"
    case tipsClosedFalseReport = "tips.closed.false_report"
    case tipsEscalated = "tips.escalated"
    case rapidResponses = "rapid_responses"
    case rapidResponsesOnSite = "rapid_responses.on_site"
    case rapidResponseSecondsToSite = "rapid_responses.seconds_to_site"
    case incidentsHandled = "incidents.handled"
    case peopleHeld = "outcomes.people_held"
    case vehiclesSeized = "outcomes.vehicles_seized"
    case weaponsSeized = "outcomes.weapons_seized"
    case scamIndicatorsVerified = "scam.indicators.verified"
    case takedownsRequested = "harmful.takedowns.requested"
    case takedownsRemoved = "harmful.takedowns.removed"
    case pagesVerified = "pages.verified"
    case followers = "pages.followers"
    case groupsCreated = "groups.created"
    case groupMembers = "groups.members"
    case postsPolicyLaw = "posts.policy_law"
    case postsCrimeMethods = "posts.crime_methods"
    case postsScamWarning = "posts.scam_warning"
    case postsAdminReform = "posts.admin_reform"
    case postsSecurityNews = "posts.security_news"
    case postsFalseInformation = "posts.false_information"
    case postsHelpRequest = "posts.help_request"
    case postsOther = "posts.other"
    case reactions = "interactions.reactions"
    case comments = "interactions.comments"
    case shares = "interactions.shares"
    case questionsReceived = "questions.received"
    case questionsAnswered = "questions.answered"
    case questionsAnswerSeconds = "questions.answer_seconds"
    case questionsEscalated = "questions.escalated"
    case faqsPublished = "questions.faqs_published"
    case dossiersReceived = "dossiers.received"
    case dossiersSettled = "dossiers.settled"
    case dossiersRefused = "dossiers.refused"

    var definitionVI: String {
        switch self {
        case .tipsReceived: "Tin báo đơn vị nhận (theo đơn vị thụ lý đầu tiên), kể cả ẩn danh, tính theo ngày nhận."
        case .tipsValuable: "Tin báo được đánh dấu có giá trị (bỏ đánh dấu thì trừ lại), tính theo ngày đánh dấu."
        case .tipsClosedHandled: "Tin báo kết thúc vì đã xử lý."
        case .tipsClosedTransferred: "Tin báo kết thúc vì đã chuyển cơ quan khác."
        case .tipsClosedNotActionable: "Tin báo kết thúc vì không đủ cơ sở xử lý."
        case .tipsClosedDuplicate: "Tin báo kết thúc vì trùng tin đã nhận (kể cả khi gộp)."
        case .tipsClosedFalseReport: "Tin báo kết thúc vì sai sự thật."
        case .tipsEscalated: "Lần tin báo quá hạn bị chuyển lên (chỉ huy đơn vị, rồi đơn vị cấp trên)."
        case .rapidResponses: "Lệnh điều động phản ứng nhanh, tính cho đơn vị xuất quân (cả ba mục dưới cũng vậy)."
        case .rapidResponsesOnSite: "Lần tổ công tác có mặt tại hiện trường."
        case .rapidResponseSecondsToSite: "Tổng số giây từ lúc nhận tin đến lúc có mặt (chia cho số lần có mặt để ra thời gian trung bình)."
        case .incidentsHandled: "Vụ việc có kết quả xử lý được ghi nhận, tính cho đơn vị xuất quân (mỗi tin báo tối đa một vụ)."
        case .peopleHeld: "Số đối tượng bị tạm giữ theo kết quả xử lý."
        case .vehiclesSeized: "Số phương tiện thu giữ theo kết quả xử lý."
        case .weaponsSeized: "Số hung khí, vũ khí thu giữ theo kết quả xử lý."
        case .takedownsRequested: "Yêu cầu gỡ nội dung xấu độc gửi tới nền tảng, tính cho đơn vị của cán bộ gửi (gửi lại sau khi bị từ chối cũng tính)."
        case .takedownsRemoved: "Nội dung xấu độc nền tảng đã gỡ theo yêu cầu, tính cho đơn vị của cán bộ ghi nhận."
        case .scamIndicatorsVerified: "Dấu hiệu lừa đảo (số điện thoại, tài khoản, trang web…) được xác minh lần đầu, tính cho đơn vị của cán bộ xác minh."
        case .pagesVerified: "Trang chính thức được quản trị cấp tỉnh xác minh, tính cho đơn vị sở hữu trang, theo ngày xác minh."
        case .followers: "Người quan tâm trang của đơn vị: mỗi lượt theo dõi cộng một, bỏ theo dõi trừ một (cộng dồn theo ngày ra tổng hiện có)."
        case .groupsCreated: "Nhóm thôn, buôn, tổ dân phố được lập, tính cho đơn vị quản lý nhóm."
        case .groupMembers: "Thành viên nhóm: vào nhóm cộng một, rời, bị mời ra hoặc bị chặn trừ một (cộng dồn ra tổng hiện có)."
        case .postsPolicyLaw, .postsCrimeMethods, .postsScamWarning, .postsAdminReform, .postsSecurityNews, .postsFalseInformation, .postsHelpRequest, .postsOther:
            "Bài viết được đăng (tính theo giờ đăng đã định, không tính bài thu hồi trước giờ đăng), tính cho đơn vị của bài."
        case .reactions: "Lượt bày tỏ cảm xúc trên bài viết (mỗi tài khoản một lượt mỗi bài, đổi loại không tính thêm), tính cho đơn vị của bài."
        case .comments: "Bình luận trên bài viết, tính cho đơn vị của bài."
        case .shares: "Lượt chia sẻ bài viết (mỗi liên kết chia sẻ được tạo), tính cho đơn vị của bài."
        case .questionsReceived: "Câu hỏi về thủ tục người dân gửi, tính cho đơn vị nhận câu hỏi, theo ngày gửi."
        case .questionsAnswered: "Câu hỏi đã được trả lời, tính cho đơn vị trả lời, theo ngày trả lời."
        case .questionsAnswerSeconds: "Tổng số giây từ lúc hỏi đến lúc trả lời (chia cho số câu đã trả lời ra thời gian trung bình; trung vị đọc từ từng câu hỏi)."
        case .questionsEscalated: "Lần câu hỏi quá hạn chưa trả lời bị chuyển lên (chỉ huy đơn vị, rồi đơn vị cấp trên)."
        case .faqsPublished: "Câu trả lời được công khai thành hỏi đáp (không kèm người hỏi), tính cho đơn vị trả lời."
        case .dossiersReceived: "Hồ sơ thủ tục người dân nộp, tính cho đơn vị tiếp nhận, theo ngày nộp."
        case .dossiersSettled: "Hồ sơ đã giải quyết xong (người dân đã nhận kết quả), tính cho đơn vị giải quyết, theo ngày xong."
        case .dossiersRefused: "Hồ sơ bị từ chối giải quyết (có lý do gửi người dân), tính cho đơn vị, theo ngày từ chối."
        }
    }

    static func posts(_ category: PostCategory) -> Metric {
        switch category {
        case .policyLaw: .postsPolicyLaw
        case .crimeMethods: .postsCrimeMethods
        case .scamWarning: .postsScamWarning
        case .adminReform: .postsAdminReform
        case .securityNews: .postsSecurityNews
        case .falseInformation: .postsFalseInformation
        case .helpRequest: .postsHelpRequest
        case .other: .postsOther
        }
    }

    static func closed(_ reason: TipClosingReason) -> Metric {
        switch reason {
        case .handled: .tipsClosedHandled
        case .transferred: .tipsClosedTransferred
        case .notActionable: .tipsClosedNotActionable
        case .duplicate: .tipsClosedDuplicate
        case .falseReport: .tipsClosedFalseReport
        }
    }
}

enum Counters {
    /// One counter: a metric of a unit on a day.
    struct Key: Hashable, Sendable {
        var unit: UUID
        var day: String
        var metric: Metric
    }

    /// Adds `delta` to a counter, inside the caller's transaction (in a group of replayable writes,
    /// once per counter at the group's end; see `WriteBatch`).
    static func add(_ metric: Metric, _ delta: Int, unit: UUID, at date: Date, on db: any Database) async throws {
        guard delta != 0 else { return }
        try await WriteBatch.count(Key(unit: unit, day: InternetTime.vietnamDay(date), metric: metric), Int64(delta), on: db)
    }

    /// Adds to several distinct counters in one statement (the same on both engines).
    static func upsert(_ deltas: [(Key, Int64)], on sql: any SQLDatabase) async throws {
        var start = 0
        while start < deltas.count {
            let end = min(start + 500, deltas.count)
            let rows = deltas[start..<end].map { key, delta in
                SQLGroupExpression([SQLBind(key.unit), SQLBind(key.day), SQLBind(key.metric.rawValue), SQLBind(delta)] as [any SQLExpression])
            }
            try await sql.raw("""
                INSERT INTO unit_daily_counts (unit_id, day, metric, value) VALUES \(SQLList(rows))
                ON CONFLICT (unit_id, day, metric) DO UPDATE SET value = unit_daily_counts.value + excluded.value
                """).run()
            start = end
        }
    }

    /// Totals of the unit and everything below it over [from, to] (days as yyyy-MM-dd), in one
    /// indexed query through the closure table.
    static func totals(under unit: UUID, from: String, to: String, on db: any Database) async throws -> [Metric: Int64] {
        let rows = try await db.requireSQL().raw("""
            SELECT d.metric, CAST(SUM(d.value) AS BIGINT) AS total FROM unit_closure c CROSS JOIN unit_daily_counts d
            WHERE c.ancestor_id = \(bind: unit) AND d.unit_id = c.descendant_id AND d.day >= \(bind: from) AND d.day <= \(bind: to)
            GROUP BY d.metric
            """).all()
        var out: [Metric: Int64] = [:]
        for row in rows {
            if let metric = Metric(rawValue: try row.decode(column: "metric", as: String.self)) {
                out[metric] = try row.decode(column: "total", as: Int64.self)
            }
        }
        return out
    }
}
