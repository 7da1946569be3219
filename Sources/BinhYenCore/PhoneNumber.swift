/// A Vietnamese phone number, normalised to E.164 (+84…). Every common way of writing one —
/// "0912 345 678", "+84 912.345.678", "84912345678", "(+84) 912-345-678", the pre-2018 eleven-digit
/// mobiles — becomes the same value.
public struct PhoneNumber: Hashable, Sendable, CustomStringConvertible {
    /// E.164, e.g. "+84912345678".
    public let e164: String

    /// The national significant number: what follows +84.
    private var significant: Substring { e164.dropFirst(3) }

    public var national: String { "0" + significant }
    public var isMobile: Bool { significant.count == 9 }
    public var description: String { e164 }

    /// Grouped for reading: "0912 345 678", "024 3123 4567".
    public var display: String {
        let n = Array(national)
        if isMobile { return String(n[0..<4]) + " " + String(n[4..<7]) + " " + String(n[7...]) }
        return String(n[0..<3]) + " " + String(n[3..<7]) + " " + String(n[7...])
    }

    /// Old eleven-digit mobile prefixes (without the leading 0) and what replaced them in 2018.
    static let legacyMobilePrefixes: [String: String] = [
        "162": "32", "163": "33", "164": "34", "165": "35", "166": "36", "167": "37", "168": "38", "169": "39",
        "120": "70", "121": "79", "122": "77", "126": "76", "128": "78",
        "123": "83", "124": "84", "125": "85", "127": "81", "129": "82",
        "186": "56", "188": "58", "199": "59",
    ]

    public init(parsing raw: String) throws(PhoneNumberError) {
        guard raw.utf8.count <= 64 else {
            throw raw.unicodeScalars.allSatisfy({ Self.digitValue($0) != nil || Self.separators.contains($0) }) ? .tooLong : .invalidCharacters
        }
        var digits = ""
        var plus = false
        for scalar in raw.unicodeScalars {
            if let digit = Self.digitValue(scalar) {
                digits.append(Character(Unicode.Scalar(UInt8(48 + digit))))
            } else if scalar == "+" || scalar == "\u{FF0B}" {
                guard digits.isEmpty, !plus else { throw .invalidCharacters }
                plus = true
            } else if !Self.separators.contains(scalar) {
                throw .invalidCharacters
            }
        }
        guard !digits.isEmpty else { throw .empty }

        var significant: Substring
        if plus {
            guard digits.hasPrefix("84") else { throw .unknownPrefix }
            significant = digits.dropFirst(2)
        } else if digits.hasPrefix("0084") {
            significant = digits.dropFirst(4)
        } else if digits.hasPrefix("0") {
            significant = digits.dropFirst(1)
        } else if digits.hasPrefix("84"), digits.count >= 11 {
            significant = digits.dropFirst(2)
        } else {
            significant = Substring(digits)
        }
        if significant.hasPrefix("0") { significant = significant.dropFirst() }

        if significant.count == 10, let replacement = Self.legacyMobilePrefixes[String(significant.prefix(3))] {
            significant = Substring(replacement + significant.dropFirst(3))
        }
        guard significant.count >= 9 else { throw .tooShort }
        guard significant.count <= 10 else { throw .tooLong }
        let first = significant.first!
        switch (significant.count, first) {
        case (9, "3"), (9, "5"), (9, "7"), (9, "8"), (9, "9"), (10, "2"):
            e164 = "+84" + significant
        case (9, "2"):
            throw .tooShort
        case (10, "3"), (10, "5"), (10, "7"), (10, "8"), (10, "9"):
            throw .tooLong
        default:
            throw .unknownPrefix
        }
    }

    private static let separators: Set<Unicode.Scalar> = [" ", ".", "-", "(", ")", "\u{00A0}", "\u{2013}", "/", "\t"]

    /// ASCII and full-width digits.
    private static func digitValue(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar.value {
        case 0x30...0x39: scalar.value - 0x30
        case 0xFF10...0xFF19: scalar.value - 0xFF10
        default: nil
        }
    }
}

public enum PhoneNumberError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty, invalidCharacters, tooShort, tooLong, unknownPrefix

    public var description: String {
        switch self {
        case .empty: "empty"
        case .invalidCharacters: "invalid_characters"
        case .tooShort: "too_short"
        case .tooLong: "too_long"
        case .unknownPrefix: "unknown_prefix"
        }
    }

    public var messageVI: String {
        switch self {
        case .empty: "Vui lòng nhập số điện thoại."
        case .invalidCharacters: "Số điện thoại chỉ gồm chữ số, có thể có dấu cách, dấu chấm, dấu gạch ngang và dấu + ở đầu."
        case .tooShort: "Số điện thoại thiếu chữ số: số di động Việt Nam có 10 chữ số (ví dụ 0912 345 678)."
        case .tooLong: "Số điện thoại thừa chữ số: số di động Việt Nam có 10 chữ số (ví dụ 0912 345 678)."
        case .unknownPrefix: "Đầu số không phải số điện thoại Việt Nam hợp lệ."
        }
    }

    public var messageEN: String {
        switch self {
        case .empty: "Please enter a phone number."
        case .invalidCharacters: "A phone number may contain only digits, spaces, dots, dashes and a leading +."
        case .tooShort: "The phone number has too few digits: Vietnamese mobiles have 10 (e.g. 0912 345 678)."
        case .tooLong: "The phone number has too many digits: Vietnamese mobiles have 10 (e.g. 0912 345 678)."
        case .unknownPrefix: "This is not a valid Vietnamese number prefix."
        }
    }
}
