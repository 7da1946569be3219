import Foundation

/// Where a report of harmful content online stands, up to the platform's answer to a takedown
/// request.
public enum HarmfulStatus: String, CaseIterable, Codable, Sendable {
    case received
    case triaged
    case takedownRequested = "takedown_requested"
    case removed
    case refused
    case dismissed

    public var labelVI: String {
        switch self {
        case .received: "Mới nhận"
        case .triaged: "Đã phân loại"
        case .takedownRequested: "Đã yêu cầu gỡ"
        case .removed: "Đã gỡ"
        case .refused: "Nền tảng từ chối gỡ"
        case .dismissed: "Không xử lý"
        }
    }

    public var labelEN: String {
        switch self {
        case .received: "Received"
        case .triaged: "Triaged"
        case .takedownRequested: "Takedown requested"
        case .removed: "Removed"
        case .refused: "Refused by the platform"
        case .dismissed: "Dismissed"
        }
    }

    /// The steps allowed from here. A refused request can be made again.
    public var next: Set<HarmfulStatus> {
        switch self {
        case .received: [.triaged, .dismissed]
        case .triaged: [.takedownRequested, .dismissed]
        case .takedownRequested: [.removed, .refused]
        case .refused: [.takedownRequested, .dismissed]
        case .removed, .dismissed: []
        }
    }
}

public struct HarmfulReportDraft: Sendable, Equatable {
    public var url: String
    public var categoryCode: String
    public var description: String

    public init(url: String, categoryCode: String, description: String) {
        self.url = url
        self.categoryCode = categoryCode
        self.description = description
    }
}

public enum HarmfulContentRules {
    public static let descriptionLength = 10...3000

    /// The cleaned report: the address normalised like a website indicator, or every problem.
    public static func validate(_ draft: HarmfulReportDraft, knownCategories: Set<String>) -> (url: Indicator?, description: String, issues: [FieldIssue]) {
        var issues: [FieldIssue] = []
        var url: Indicator?
        switch IndicatorRules.normalise(kind: .website, raw: draft.url) {
        case .success(let found): url = found
        case .failure(var issue):
            issue.field = "url"
            issues.append(issue)
        }
        let category = draft.categoryCode.trimmingCharacters(in: .whitespaces)
        if category.isEmpty {
            issues.append(FieldIssue(field: "category", code: "required", messageVI: "Vui lòng chọn loại nội dung.", messageEN: "Please choose what kind of content it is."))
        } else if !knownCategories.contains(category) {
            issues.append(FieldIssue(field: "category", code: "unknown", messageVI: "Loại nội dung không có trong danh sách.", messageEN: "This category is not in the list."))
        }
        let description = TipRules.cleanText(draft.description)
        if description.isEmpty {
            issues.append(FieldIssue(field: "description", code: "required", messageVI: "Vui lòng mô tả nội dung xấu độc.", messageEN: "Please describe the content."))
        } else if !descriptionLength.contains(description.count) {
            issues.append(FieldIssue(field: "description", code: "length",
                                     messageVI: "Phần mô tả phải dài từ \(descriptionLength.lowerBound) đến \(descriptionLength.upperBound) ký tự.",
                                     messageEN: "The description must be \(descriptionLength.lowerBound) to \(descriptionLength.upperBound) characters long."))
        }
        return (url, description, issues)
    }

    public static func transition(from current: HarmfulStatus, to next: HarmfulStatus) -> FieldIssue? {
        guard current.next.contains(next) else {
            return FieldIssue(field: "status", code: "transition",
                              messageVI: "Không thể chuyển từ \"\(current.labelVI)\" sang \"\(next.labelVI)\".",
                              messageEN: "A report cannot go from \(current.labelEN) to \(next.labelEN).")
        }
        return nil
    }
}
