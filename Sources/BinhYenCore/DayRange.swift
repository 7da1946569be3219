import Foundation

/// A range of whole days in Vietnam (UTC+7) as reports ask for them: "2026-11-01" to "2026-11-30",
/// both included.
public enum DayRange {
    public static let longest = 366

    /// The moments from the start of day `from` to the end of day `to`, or why not (fields `from`
    /// and `to`).
    public static func parse(from: String, to: String) -> (Range<Date>?, [FieldIssue]) {
        let start = InternetTime.vietnamDayStart(from), end = InternetTime.vietnamDayStart(to)
        var issues: [FieldIssue] = []
        if start == nil {
            issues.append(FieldIssue(field: "from", code: "invalid", messageVI: "Ngày bắt đầu viết dạng năm-tháng-ngày, ví dụ 2026-11-01.",
                                     messageEN: "The first day is written year-month-day, e.g. 2026-11-01."))
        }
        if end == nil {
            issues.append(FieldIssue(field: "to", code: "invalid", messageVI: "Ngày kết thúc viết dạng năm-tháng-ngày, ví dụ 2026-11-30.",
                                     messageEN: "The last day is written year-month-day, e.g. 2026-11-30."))
        }
        guard let start, let end else { return (nil, issues) }
        let after = end.addingTimeInterval(86_400)
        guard start < after, after.timeIntervalSince(start) <= Double(longest) * 86_400 else {
            return (nil, [FieldIssue(field: "to", code: "invalid", messageVI: "Khoảng ngày phải từ 1 đến \(longest) ngày, ngày kết thúc không trước ngày bắt đầu.",
                                     messageEN: "The range is 1–\(longest) days, and its last day is not before its first.")])
        }
        return (start..<after, [])
    }

    /// The first day of the month that holds `now`, and the day of `now`.
    public static func monthToDate(_ now: Date) -> (from: String, to: String) {
        let today = InternetTime.vietnamDay(now)
        return (String(today.prefix(8)) + "01", today)
    }
}
