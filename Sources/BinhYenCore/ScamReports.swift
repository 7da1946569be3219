import Foundation

/// One indicator as a citizen or officer types it: the kind they chose (or nil: guessed from the
/// text) and, for an account, the bank.
public struct IndicatorInput: Sendable, Equatable {
    public var kind: String?
    public var value: String
    public var bank: String?

    public init(kind: String? = nil, value: String, bank: String? = nil) {
        self.kind = kind
        self.value = value
        self.bank = bank
    }
}

/// A citizen's report of a scam, before validation.
public struct ScamReportDraft: Sendable, Equatable {
    public var indicators: [IndicatorInput]
    public var description: String
    /// In đồng.
    public var moneyLost: Int64?
    public var occurredAt: Date?

    public init(indicators: [IndicatorInput], description: String, moneyLost: Int64? = nil, occurredAt: Date? = nil) {
        self.indicators = indicators
        self.description = description
        self.moneyLost = moneyLost
        self.occurredAt = occurredAt
    }
}

/// The rules of scam reports and of the patrol's decisions. Pure, so the form, the API and the
/// import refuse the same inputs with the same words.
public enum ScamReportRules {
    public static let indicatorCount = 1...10
    public static let descriptionLength = 10...5000
    /// Ten thousand billion đồng: anything larger is a typo.
    public static let moneyLostRange: ClosedRange<Int64> = 0...10_000_000_000_000
    public static let warningLength = 20...2000
    public static let noteLength = 5...1000

    /// The normalised indicators (duplicates written differently collapse into one) and the cleaned
    /// description, or every problem at once.
    public static func validate(_ draft: ScamReportDraft, now: Date) -> (indicators: [Indicator], description: String, issues: [FieldIssue]) {
        var issues: [FieldIssue] = []
        var indicators: [Indicator] = []
        if draft.indicators.isEmpty {
            issues.append(FieldIssue(field: "indicators", code: "required", messageVI: "Vui lòng nhập ít nhất một số điện thoại, tài khoản, trang web hoặc tài khoản mạng xã hội của kẻ lừa đảo.",
                                     messageEN: "Please give at least one phone number, account, website or social account of the scammer."))
        } else if draft.indicators.count > indicatorCount.upperBound {
            issues.append(FieldIssue(field: "indicators", code: "too_many", messageVI: "Mỗi phản ánh tối đa \(indicatorCount.upperBound) dấu hiệu.",
                                     messageEN: "A report names at most \(indicatorCount.upperBound) indicators."))
        } else {
            for (index, input) in draft.indicators.enumerated() {
                switch indicator(input) {
                case .success(let indicator):
                    if !indicators.contains(indicator) { indicators.append(indicator) }
                case .failure(var issue):
                    issue.field = "indicators[\(index)]." + issue.field
                    issues.append(issue)
                }
            }
        }

        let description = TipRules.cleanText(draft.description)
        if description.isEmpty {
            issues.append(FieldIssue(field: "description", code: "required", messageVI: "Vui lòng kể lại sự việc.", messageEN: "Please describe what happened."))
        } else if !descriptionLength.contains(description.count) {
            issues.append(FieldIssue(field: "description", code: "length",
                                     messageVI: "Phần kể lại phải dài từ \(descriptionLength.lowerBound) đến \(descriptionLength.upperBound) ký tự.",
                                     messageEN: "The description must be \(descriptionLength.lowerBound) to \(descriptionLength.upperBound) characters long."))
        }
        if let money = draft.moneyLost, !moneyLostRange.contains(money) {
            issues.append(FieldIssue(field: "moneyLost", code: "range", messageVI: "Số tiền bị mất phải từ 0 đến 10.000 tỷ đồng.", messageEN: "The amount lost must be from 0 to 10,000 billion đồng."))
        }
        if let when = draft.occurredAt, when > now.addingTimeInterval(10 * 60) {
            issues.append(FieldIssue(field: "occurredAt", code: "future", messageVI: "Thời điểm xảy ra không thể ở tương lai.", messageEN: "The time it happened cannot be in the future."))
        }
        return (indicators, description, issues)
    }

    /// One input: by its kind when given, otherwise guessed from the text.
    public static func indicator(_ input: IndicatorInput) -> Result<Indicator, FieldIssue> {
        guard let kind = input.kind?.trimmingCharacters(in: .whitespaces), !kind.isEmpty else {
            return IndicatorRules.guess(input.value)
        }
        return IndicatorRules.normalise(kindName: kind, raw: input.value, bank: input.bank)
    }

    /// The warning a verified indicator carries, shown to everyone who looks it up.
    public static func warning(_ text: String?) -> Result<String, FieldIssue> {
        let cleaned = TipRules.cleanText(text ?? "")
        guard warningLength.contains(cleaned.count) else {
            return .failure(FieldIssue(field: "warning", code: "length",
                                       messageVI: "Lời cảnh báo phải dài từ \(warningLength.lowerBound) đến \(warningLength.upperBound) ký tự.",
                                       messageEN: "The warning must be \(warningLength.lowerBound) to \(warningLength.upperBound) characters long."))
        }
        return .success(cleaned)
    }

    /// Why an indicator is rejected, kept with the decision.
    public static func note(_ text: String?) -> Result<String, FieldIssue> {
        let cleaned = TipRules.cleanText(text ?? "")
        guard noteLength.contains(cleaned.count) else {
            return .failure(FieldIssue(field: "note", code: "length",
                                       messageVI: "Lý do phải dài từ \(noteLength.lowerBound) đến \(noteLength.upperBound) ký tự.",
                                       messageEN: "The reason must be \(noteLength.lowerBound) to \(noteLength.upperBound) characters long."))
        }
        return .success(cleaned)
    }
}
