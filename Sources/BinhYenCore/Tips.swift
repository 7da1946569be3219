import Foundation

/// Where a tip is in its handling. The order is the order of work; a tip only moves forward,
/// and a closed tip stays closed.
public enum TipStatus: String, CaseIterable, Codable, Sendable, Comparable {
    case received
    case acknowledged
    case verifying
    case dispatched
    case closed

    public var labelVI: String {
        switch self {
        case .received: "Mới nhận"
        case .acknowledged: "Đã tiếp nhận"
        case .verifying: "Đang xác minh"
        case .dispatched: "Đã điều lực lượng"
        case .closed: "Đã kết thúc"
        }
    }

    public var labelEN: String {
        switch self {
        case .received: "Received"
        case .acknowledged: "Acknowledged"
        case .verifying: "Verifying"
        case .dispatched: "Dispatched"
        case .closed: "Closed"
        }
    }

    private var rank: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (lhs: TipStatus, rhs: TipStatus) -> Bool { lhs.rank < rhs.rank }

    /// Forward moves only; steps may be skipped (a tip can be closed straight from "received" as a
    /// duplicate). Closing needs a reason, which `TipRules.transition` checks.
    public func canMove(to next: TipStatus) -> Bool { self != .closed && next > self }
}

/// Why a tip was closed.
public enum TipClosingReason: String, CaseIterable, Codable, Sendable {
    case handled
    case transferred
    case notActionable = "not_actionable"
    case duplicate
    case falseReport = "false_report"

    public var labelVI: String {
        switch self {
        case .handled: "Đã xử lý"
        case .transferred: "Đã chuyển cơ quan khác"
        case .notActionable: "Không đủ cơ sở xử lý"
        case .duplicate: "Trùng tin đã nhận"
        case .falseReport: "Tin báo sai sự thật"
        }
    }

    public var labelEN: String {
        switch self {
        case .handled: "Handled"
        case .transferred: "Transferred to another agency"
        case .notActionable: "Not actionable"
        case .duplicate: "Duplicate"
        case .falseReport: "False report"
        }
    }
}

/// What a citizen sends, before it is stored.
public struct TipDraft: Sendable, Equatable {
    public var categoryCode: String
    public var description: String
    public var communeCode: String
    public var address: String?
    public var latitude: Double?
    public var longitude: Double?
    public var occurredAt: Date?
    public var happeningNow: Bool

    public init(categoryCode: String, description: String, communeCode: String, address: String? = nil,
                latitude: Double? = nil, longitude: Double? = nil, occurredAt: Date? = nil, happeningNow: Bool = false) {
        self.categoryCode = categoryCode
        self.description = description
        self.communeCode = communeCode
        self.address = address
        self.latitude = latitude
        self.longitude = longitude
        self.occurredAt = occurredAt
        self.happeningNow = happeningNow
    }
}

public enum TipRules {
    public static let descriptionLength = 10...5000
    public static let addressMaxLength = 300
    public static let messageLength = 1...5000
    public static let transferReasonLength = 5...1000

    /// Cleans a draft (NFC, single spaces, no control characters) and lists every problem at once.
    /// `knownCategories` comes from the category list kept as data.
    public static func validate(_ draft: TipDraft, knownCategories: Set<String>, now: Date) -> (TipDraft, [FieldIssue]) {
        var clean = draft
        var issues: [FieldIssue] = []
        clean.categoryCode = draft.categoryCode.trimmingCharacters(in: .whitespaces)
        if clean.categoryCode.isEmpty {
            issues.append(FieldIssue(field: "category", code: "required", messageVI: "Vui lòng chọn loại tin báo.", messageEN: "Please choose what the tip is about."))
        } else if !knownCategories.contains(clean.categoryCode) {
            issues.append(FieldIssue(field: "category", code: "unknown", messageVI: "Loại tin báo không có trong danh sách.", messageEN: "This category is not in the list."))
        }

        clean.description = cleanText(draft.description)
        if clean.description.isEmpty {
            issues.append(FieldIssue(field: "description", code: "required", messageVI: "Vui lòng mô tả sự việc.", messageEN: "Please describe what happened."))
        } else if clean.description.count < descriptionLength.lowerBound {
            issues.append(FieldIssue(field: "description", code: "length", messageVI: "Mô tả quá ngắn (ít nhất \(descriptionLength.lowerBound) ký tự).", messageEN: "The description is too short (at least \(descriptionLength.lowerBound) characters)."))
        } else if clean.description.count > descriptionLength.upperBound {
            issues.append(FieldIssue(field: "description", code: "length", messageVI: "Mô tả dài quá \(descriptionLength.upperBound) ký tự.", messageEN: "The description is longer than \(descriptionLength.upperBound) characters."))
        }

        clean.communeCode = draft.communeCode.trimmingCharacters(in: .whitespaces)
        if clean.communeCode.isEmpty {
            issues.append(FieldIssue(field: "commune", code: "required", messageVI: "Vui lòng chọn xã, phường nơi xảy ra sự việc.", messageEN: "Please choose the commune or ward where it happened."))
        } else if clean.communeCode.count > 16 || !clean.communeCode.allSatisfy({ $0.isASCII && $0.isNumber }) {
            issues.append(FieldIssue(field: "commune", code: "format", messageVI: "Mã xã, phường không hợp lệ.", messageEN: "The commune code is not valid."))
        }

        if let address = draft.address {
            let cleaned = VietnameseText.clean(address)
            clean.address = cleaned.isEmpty ? nil : cleaned
            if cleaned.count > addressMaxLength {
                issues.append(FieldIssue(field: "address", code: "length", messageVI: "Địa chỉ dài quá \(addressMaxLength) ký tự.", messageEN: "The address is longer than \(addressMaxLength) characters."))
            }
        }

        switch (draft.latitude, draft.longitude) {
        case (nil, nil):
            break
        case (let lat?, let lon?):
            // Vietnam with its islands lies well inside this box; a point outside it is a typo.
            if !(lat.isFinite && lon.isFinite && (6.0...24.0).contains(lat) && (101.0...118.0).contains(lon)) {
                issues.append(FieldIssue(field: "location", code: "range", messageVI: "Toạ độ nằm ngoài lãnh thổ Việt Nam.", messageEN: "The coordinates are outside Vietnam."))
            }
        default:
            issues.append(FieldIssue(field: "location", code: "incomplete", messageVI: "Cần cả vĩ độ và kinh độ.", messageEN: "Both latitude and longitude are needed."))
        }

        if let when = draft.occurredAt {
            if when > now.addingTimeInterval(10 * 60) {
                issues.append(FieldIssue(field: "occurred_at", code: "future", messageVI: "Thời điểm xảy ra không thể ở tương lai.", messageEN: "The time it happened cannot be in the future."))
            } else if when < now.addingTimeInterval(-5 * 365 * 24 * 3600) {
                issues.append(FieldIssue(field: "occurred_at", code: "range", messageVI: "Thời điểm xảy ra quá xa (hơn 5 năm).", messageEN: "The time it happened is more than 5 years ago."))
            }
        }
        return (clean, issues)
    }

    /// A reply, note or answer: cleaned, not empty, bounded.
    public static func message(_ text: String, field: String = "body") -> Result<String, FieldIssue> {
        let cleaned = cleanText(text)
        if cleaned.isEmpty {
            return .failure(FieldIssue(field: field, code: "required", messageVI: "Vui lòng nhập nội dung.", messageEN: "Please write something."))
        }
        if cleaned.count > messageLength.upperBound {
            return .failure(FieldIssue(field: field, code: "length", messageVI: "Nội dung dài quá \(messageLength.upperBound) ký tự.", messageEN: "The text is longer than \(messageLength.upperBound) characters."))
        }
        return .success(cleaned)
    }

    /// Checks a status change. Closing requires a reason; a reason is only for closing.
    public static func transition(from current: TipStatus, to next: TipStatus, reason: TipClosingReason?) -> FieldIssue? {
        guard current.canMove(to: next) else {
            return FieldIssue(field: "status", code: "transition",
                              messageVI: "Không thể chuyển từ \"\(current.labelVI)\" sang \"\(next.labelVI)\".",
                              messageEN: "A tip cannot go from \(current.labelEN) to \(next.labelEN).")
        }
        if next == .closed && reason == nil {
            return FieldIssue(field: "reason", code: "required", messageVI: "Vui lòng chọn lý do kết thúc.", messageEN: "Please choose why the tip is closed.")
        }
        if next != .closed && reason != nil {
            return FieldIssue(field: "reason", code: "unexpected", messageVI: "Chỉ chọn lý do khi kết thúc tin báo.", messageEN: "A reason is only given when closing.")
        }
        return nil
    }

    /// Multi-line text: each line cleaned, runs of blank lines collapsed to one, ends trimmed.
    public static func cleanText(_ text: String) -> String {
        var lines: [String] = []
        for raw in VietnameseText.nfc(text).split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            let line = VietnameseText.clean(String(raw))
            if line.isEmpty && (lines.last?.isEmpty ?? true) { continue }
            lines.append(line)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}

/// A routing rule kept as data: tips of a category (any category when nil), urgent ones only or
/// all, also go to the province department with this code (e.g. "PA05", cyber security).
public struct TipRoutingRule: Sendable, Equatable {
    public var categoryCode: String?
    public var urgentOnly: Bool
    public var departmentCode: String

    public init(categoryCode: String?, urgentOnly: Bool, departmentCode: String) {
        self.categoryCode = categoryCode
        self.urgentOnly = urgentOnly
        self.departmentCode = departmentCode
    }
}

public enum TipRouting {
    /// The extra departments a tip goes to, in rule order, each once. Urgency is the citizen's
    /// "happening now" or a category that is urgent by nature (weapons).
    public static func departments(for categoryCode: String, urgent: Bool, rules: [TipRoutingRule]) -> [String] {
        var out: [String] = []
        for rule in rules where (rule.categoryCode == nil || rule.categoryCode == categoryCode) && (!rule.urgentOnly || urgent) {
            if !out.contains(rule.departmentCode) { out.append(rule.departmentCode) }
        }
        return out
    }
}

/// The anonymous citizen's only key to a tip: 16 digits, shown once, stored as a keyed hash.
public enum TipReceipt {
    public static let digitCount = 16

    public static func generate<R: RandomNumberGenerator>(using rng: inout R) -> String {
        String((0..<digitCount).map { _ in Character(String(Int.random(in: 0...9, using: &rng))) })
    }

    public static func generate() -> String {
        var rng = SystemRandomNumberGenerator()
        return generate(using: &rng)
    }

    /// Accepts the receipt as people copy it: spaces, dashes and dots between groups.
    public static func normalise(_ input: String) -> String? {
        guard input.count <= 64 else { return nil }
        let digits = input.filter { !" -.\t".contains($0) }
        guard digits.count == digitCount, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return digits
    }

    /// "1234 5678 9012 3456": four groups are easier to read aloud and to copy.
    public static func display(_ digits: String) -> String {
        stride(from: 0, to: digits.count, by: 4).map { start -> String in
            let from = digits.index(digits.startIndex, offsetBy: start)
            return String(digits[from..<digits.index(from, offsetBy: min(4, digits.count - start))])
        }.joined(separator: " ")
    }
}

/// How long a unit has to acknowledge and to close a tip, by urgency.
public struct TipDeadlines: Sendable, Equatable {
    public var acknowledgeUrgent: TimeInterval
    public var acknowledgeNormal: TimeInterval
    public var closeUrgent: TimeInterval
    public var closeNormal: TimeInterval

    /// Urgent: acknowledged within 15 minutes, closed within 3 days. Others: 24 hours and 30 days.
    /// A province changes them with BINHYEN_TIP_*_MINUTES (see README).
    public static let standard = TipDeadlines(acknowledgeUrgent: 15 * 60, acknowledgeNormal: 24 * 3600,
                                              closeUrgent: 3 * 24 * 3600, closeNormal: 30 * 24 * 3600)

    public init(acknowledgeUrgent: TimeInterval, acknowledgeNormal: TimeInterval, closeUrgent: TimeInterval, closeNormal: TimeInterval) {
        self.acknowledgeUrgent = acknowledgeUrgent
        self.acknowledgeNormal = acknowledgeNormal
        self.closeUrgent = closeUrgent
        self.closeNormal = closeNormal
    }

    public func due(urgent: Bool, from start: Date) -> (acknowledge: Date, close: Date) {
        (start.addingTimeInterval(urgent ? acknowledgeUrgent : acknowledgeNormal),
         start.addingTimeInterval(urgent ? closeUrgent : closeNormal))
    }

    /// Overdue: not acknowledged in time, or not closed in time.
    public static func isOverdue(status: TipStatus, acknowledgeBy: Date, closeBy: Date, now: Date) -> Bool {
        switch status {
        case .closed: false
        case .received: now > acknowledgeBy || now > closeBy
        default: now > closeBy
        }
    }
}

/// A rapid-response dispatch, from assignment to the end of the operation.
public enum DispatchStatus: String, CaseIterable, Codable, Sendable, Comparable {
    case assigned
    case acknowledged
    case enRoute = "en_route"
    case onSite = "on_site"
    case closed

    public var labelVI: String {
        switch self {
        case .assigned: "Đã giao nhiệm vụ"
        case .acknowledged: "Tổ công tác đã nhận lệnh"
        case .enRoute: "Đang di chuyển"
        case .onSite: "Đã có mặt tại hiện trường"
        case .closed: "Đã kết thúc"
        }
    }

    public var labelEN: String {
        switch self {
        case .assigned: "Assigned"
        case .acknowledged: "Team acknowledged"
        case .enRoute: "En route"
        case .onSite: "On site"
        case .closed: "Closed"
        }
    }

    public static func < (lhs: DispatchStatus, rhs: DispatchStatus) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    public func canMove(to next: DispatchStatus) -> Bool { self != .closed && next > self }
}

/// What an operation achieved: counted by the province as "incidents handled".
public struct DispatchOutcome: Sendable, Equatable, Codable {
    public var peopleHeld: Int
    public var vehiclesSeized: Int
    public var weaponsSeized: Int
    public var otherItems: String
    public var summary: String

    public init(peopleHeld: Int, vehiclesSeized: Int, weaponsSeized: Int, otherItems: String = "", summary: String) {
        self.peopleHeld = peopleHeld
        self.vehiclesSeized = vehiclesSeized
        self.weaponsSeized = weaponsSeized
        self.otherItems = otherItems
        self.summary = summary
    }

    public static let countRange = 0...100_000

    /// Cleans the texts and checks the counts; every problem at once.
    public static func validate(_ outcome: DispatchOutcome) -> (DispatchOutcome, [FieldIssue]) {
        var clean = outcome
        var issues: [FieldIssue] = []
        for (field, value) in [("people_held", outcome.peopleHeld), ("vehicles_seized", outcome.vehiclesSeized), ("weapons_seized", outcome.weaponsSeized)]
        where !countRange.contains(value) {
            issues.append(FieldIssue(field: field, code: "range", messageVI: "Số lượng phải từ 0 đến 100.000.", messageEN: "The number must be from 0 to 100,000."))
        }
        clean.otherItems = TipRules.cleanText(outcome.otherItems)
        if clean.otherItems.count > 2000 {
            issues.append(FieldIssue(field: "other_items", code: "length", messageVI: "Tang vật khác dài quá 2.000 ký tự.", messageEN: "Other items are longer than 2,000 characters."))
        }
        clean.summary = TipRules.cleanText(outcome.summary)
        if clean.summary.isEmpty {
            issues.append(FieldIssue(field: "summary", code: "required", messageVI: "Vui lòng tóm tắt kết quả xử lý.", messageEN: "Please summarise the outcome."))
        } else if clean.summary.count > 5000 {
            issues.append(FieldIssue(field: "summary", code: "length", messageVI: "Tóm tắt dài quá 5.000 ký tự.", messageEN: "The summary is longer than 5,000 characters."))
        }
        return (clean, issues)
    }
}
