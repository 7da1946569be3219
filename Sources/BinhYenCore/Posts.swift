import Foundation

/// What a post is about; the province counts posts by category.
public enum PostCategory: String, CaseIterable, Codable, Sendable {
    case policyLaw = "policy_law"
    case crimeMethods = "crime_methods"
    case scamWarning = "scam_warning"
    case adminReform = "admin_reform"
    case securityNews = "security_news"
    case falseInformation = "false_information"
    case helpRequest = "help_request"
    case other

    public var labelVI: String {
        switch self {
        case .policyLaw: "Chính sách, pháp luật"
        case .crimeMethods: "Phương thức, thủ đoạn tội phạm"
        case .scamWarning: "Cảnh báo lừa đảo"
        case .adminReform: "Cải cách hành chính"
        case .securityNews: "Tin an ninh trật tự"
        case .falseInformation: "Phản bác thông tin sai sự thật"
        case .helpRequest: "Tìm người, tìm nhân chứng"
        case .other: "Khác"
        }
    }

    public var labelEN: String {
        switch self {
        case .policyLaw: "Policy and law"
        case .crimeMethods: "Crime methods"
        case .scamWarning: "Scam warning"
        case .adminReform: "Administrative reform"
        case .securityNews: "Security and order news"
        case .falseInformation: "Countering false information"
        case .helpRequest: "Request for help"
        case .other: "Other"
        }
    }
}

/// How loudly a post speaks. Urgent posts come first in feeds and notify every targeted member.
public enum PostPriority: String, CaseIterable, Codable, Sendable {
    case information, warning, urgent

    public var labelVI: String {
        switch self {
        case .information: "Thông tin"
        case .warning: "Cảnh báo"
        case .urgent: "Khẩn cấp"
        }
    }

    public var labelEN: String { rawValue.capitalized }
}

/// Which groups a post goes to.
public enum PostAudience: String, CaseIterable, Codable, Sendable {
    /// No group: the page only.
    case none
    /// One group.
    case group
    /// Every group of one unit.
    case unitGroups = "unit_groups"
    /// Every group of a unit and of every unit below it (a province-wide alert from the province).
    case subtree
}

/// What an officer writes to publish a post.
public struct PostDraft: Sendable, Equatable {
    public var title: String
    public var body: String
    public var category: String
    public var priority: String
    public var publishAt: Date?
    public var expiresAt: Date?
    public var pinned: Bool

    public init(title: String, body: String, category: String, priority: String, publishAt: Date? = nil, expiresAt: Date? = nil, pinned: Bool = false) {
        self.title = title
        self.body = body
        self.category = category
        self.priority = priority
        self.publishAt = publishAt
        self.expiresAt = expiresAt
        self.pinned = pinned
    }
}

/// The cleaned post, ready to store.
public struct CheckedPost: Sendable, Equatable {
    public var title: String
    public var body: String
    public var category: PostCategory
    public var priority: PostPriority
    public var publishAt: Date
    public var expiresAt: Date?
    public var pinned: Bool

    /// Where it sorts in a feed: pinned first, then urgent, then the rest (newest first within each).
    public var rank: Int { pinned ? 2 : (priority == .urgent ? 1 : 0) }
}

/// Checks on free text shared by posts, comments and notices: cleaned (NFC, single spaces, no
/// invisible characters), then measured.
public enum TextRules {
    public static func text(_ raw: String?, field: String, nameVI: String, nameEN: String, length: ClosedRange<Int>, multiline: Bool = true) -> Result<String, FieldIssue> {
        let cleaned = multiline ? TipRules.cleanText(raw ?? "") : VietnameseText.clean(raw ?? "")
        if cleaned.isEmpty {
            return .failure(FieldIssue(field: field, code: "required", messageVI: "Vui lòng nhập \(nameVI.lowercased()).", messageEN: "Please enter the \(nameEN.lowercased())."))
        }
        guard length.contains(cleaned.count) else {
            return .failure(FieldIssue(field: field, code: "length",
                                       messageVI: "\(nameVI) phải dài từ \(length.lowerBound) đến \(length.upperBound) ký tự.",
                                       messageEN: "The \(nameEN.lowercased()) must be \(length.lowerBound) to \(length.upperBound) characters long."))
        }
        return .success(cleaned)
    }
}

public enum PostRules {
    public static let titleLength = 5...200
    public static let bodyLength = 10...20_000
    public static let commentLength = 1...2_000
    public static let noticeLength = 10...500
    /// An urgent post leaves the feeds after this long unless it says otherwise, so an old alert
    /// does not stay on top for ever.
    public static let urgentLifetime: TimeInterval = 7 * 86_400
    /// How far ahead a post may be scheduled.
    public static let maxSchedule: TimeInterval = 90 * 86_400

    public static func validate(_ draft: PostDraft, now: Date) -> Result<CheckedPost, ValidationIssues> {
        var issues: [FieldIssue] = []
        var title = "", body = ""
        switch TextRules.text(draft.title, field: "title", nameVI: "Tiêu đề", nameEN: "Title", length: titleLength, multiline: false) {
        case .success(let text): title = text
        case .failure(let issue): issues.append(issue)
        }
        switch TextRules.text(draft.body, field: "body", nameVI: "Nội dung", nameEN: "Text", length: bodyLength) {
        case .success(let text): body = text
        case .failure(let issue): issues.append(issue)
        }
        let category = PostCategory(rawValue: draft.category)
        if category == nil {
            issues.append(FieldIssue(field: "category", code: "unknown", messageVI: "Vui lòng chọn chuyên mục trong danh sách.", messageEN: "Choose a category from the list."))
        }
        let priority = PostPriority(rawValue: draft.priority)
        if priority == nil {
            issues.append(FieldIssue(field: "priority", code: "unknown", messageVI: "Vui lòng chọn mức độ: thông tin, cảnh báo hoặc khẩn cấp.",
                                     messageEN: "Choose a priority: information, warning or urgent."))
        }
        // A time already past means "now" (forms are filled in slowly).
        let publishAt = max(draft.publishAt ?? now, now)
        if let at = draft.publishAt, at.timeIntervalSince(now) > maxSchedule {
            issues.append(FieldIssue(field: "publishAt", code: "range", messageVI: "Chỉ hẹn giờ đăng trong vòng 90 ngày.", messageEN: "A post can be scheduled at most 90 days ahead."))
        }
        var expiresAt = draft.expiresAt
        if let end = expiresAt, end <= publishAt {
            issues.append(FieldIssue(field: "expiresAt", code: "range", messageVI: "Thời điểm hết hạn phải sau thời điểm đăng.", messageEN: "The expiry must be after the publishing time."))
        }
        if expiresAt == nil, priority == .urgent { expiresAt = publishAt.addingTimeInterval(urgentLifetime) }
        guard issues.isEmpty, let category, let priority else { return .failure(ValidationIssues(issues)) }
        return .success(CheckedPost(title: title, body: body, category: category, priority: priority, publishAt: publishAt, expiresAt: expiresAt, pinned: draft.pinned))
    }

    public static func comment(_ raw: String?) -> Result<String, FieldIssue> {
        TextRules.text(raw, field: "body", nameVI: "Bình luận", nameEN: "Comment", length: commentLength)
    }

    /// What readers see in place of a withdrawn post.
    public static func notice(_ raw: String?) -> Result<String, FieldIssue> {
        TextRules.text(raw, field: "notice", nameVI: "Thông báo thu hồi", nameEN: "Withdrawal notice", length: noticeLength)
    }
}

/// Several field issues as one error.
public struct ValidationIssues: Error, Sendable, Equatable {
    public var issues: [FieldIssue]
    public init(_ issues: [FieldIssue]) { self.issues = issues }
}

/// Reactions a reader can leave on a post.
public enum ReactionKind: String, CaseIterable, Codable, Sendable {
    case like, thanks, concerned

    public var labelVI: String {
        switch self {
        case .like: "Thích"
        case .thanks: "Cảm ơn"
        case .concerned: "Lo ngại"
        }
    }

    public var labelEN: String { rawValue.capitalized }
}

public enum GroupRules {
    /// "1" is a name: residential clusters are often numbered.
    public static let placeNameLength = 1...120
    /// Kinds of places below the commune are data (they differ by region); these are offered first.
    public static let suggestedPlaceKinds = ["Thôn", "Buôn", "Bản", "Ấp", "Tổ dân phố", "Khu phố"]

    /// Eight letters and digits that cannot be confused when read aloud or off paper (no 0/O, 1/I/L).
    public static func newInviteCode() -> String {
        let alphabet = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
        var rng = SystemRandomNumberGenerator()
        return String((0..<8).map { _ in alphabet.randomElement(using: &rng)! })
    }

    /// An invite code as people type it: spaces and dashes dropped, upper case.
    public static func normaliseInviteCode(_ raw: String) -> String {
        String(raw.uppercased().filter { $0.isLetter || $0.isNumber }.prefix(32))
    }
}
