import Foundation

/// Vietnamese text for storage and search (see shared/reference/vietnamese-text.md).
public enum VietnameseText {
    /// Unicode NFC, the form text is stored and compared in.
    public static func nfc(_ s: String) -> String {
        // ASCII is its own NFC; most phone numbers, accounts and addresses are ASCII.
        if s.utf8.allSatisfy({ $0 < 0x80 }) { return s }
        return s.precomposedStringWithCanonicalMapping
    }

    /// Without white space (and line breaks) at either end; Foundation's trimming, without its
    /// round trip through NSString.
    public static func trim<S: StringProtocol>(_ s: S) -> String {
        guard let first = s.firstIndex(where: { !$0.isWhitespace }), let last = s.lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(s[first...last])
    }

    /// User text ready to store: NFC, no control characters, single spaces, trimmed.
    public static func clean(_ s: String) -> String {
        // Invisible format characters (zero-width spaces, bidi overrides, BOM) are dropped: they
        // hide text from people reading it and split words for search.
        let scalars = nfc(s).unicodeScalars.compactMap { scalar -> Character? in
            switch scalar.properties.generalCategory {
            case .format: nil
            case .control: " "
            default: scalar.properties.isWhitespace ? " " : Character(scalar)
            }
        }
        return String(scalars).split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    /// Apostrophes inside ethnic-minority names ("Ea H'Leo", "M’Drắk") vanish, so "hleo" matches.
    private static let apostrophes: Set<Unicode.Scalar> = ["'", "\u{2018}", "\u{2019}", "\u{02BC}", "`", "\u{00B4}"]

    /// Base letter of every precomposed Latin letter (ế → e, Ư → U…), worked out once from the
    /// Unicode decompositions. Folding then walks the scalars once instead of normalising the whole
    /// string, which is what makes ranking hundreds of names per request cheap.
    private static let baseLetters: [UInt32: Unicode.Scalar] = {
        var table: [UInt32: Unicode.Scalar] = [:]
        for range in [0x00C0...0x024F, 0x1E00...0x1EFF] {
            for value in range {
                guard let scalar = Unicode.Scalar(UInt32(value)),
                      let base = String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars.first,
                      base != scalar
                else { continue }
                table[scalar.value] = base
            }
        }
        return table
    }()

    /// The accent-insensitive search key: no tones or vowel marks, đ→d, lower case, apostrophes
    /// removed, every other non-alphanumeric a single space. Works on NFC, NFD and mixed input.
    public static func fold(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in s.unicodeScalars {
            let category = scalar.properties.generalCategory
            if category == .nonspacingMark || category == .spacingMark || category == .enclosingMark || apostrophes.contains(scalar) {
                continue
            }
            var mapped = baseLetters[scalar.value] ?? scalar
            if mapped == "đ" || mapped == "Đ" || mapped == "\u{00D0}" || mapped == "\u{00F0}" { mapped = "d" }
            if mapped.properties.isAlphabetic || mapped.properties.numericType != nil {
                if pendingSpace && !out.isEmpty { out.append(" ") }
                pendingSpace = false
                if mapped.isASCII {
                    out.append(Unicode.Scalar(UInt8(ascii: mapped).lowercasedASCII))
                } else {
                    out.append(contentsOf: mapped.properties.lowercaseMapping.unicodeScalars)
                }
            } else {
                pendingSpace = true
            }
        }
        return String(out)
    }

    /// The folded words of `s`.
    public static func tokens(_ s: String) -> [String] {
        fold(s).split(separator: " ").map(String.init)
    }

    /// Unit-type prefixes, longest first so "Thành phố" wins over "Thị".
    private static let prefixes = [
        "thành phố", "thị trấn", "thị xã", "đặc khu", "phường", "huyện", "quận", "tỉnh", "xã",
    ]
    private static let abbreviations = ["tp.", "tp", "tt.", "tx.", "p.", "x.", "q."]

    /// "Phường Buôn Ma Thuột" → "Buôn Ma Thuột". Numbered wards ("Phường 15") stay whole.
    public static func stripAdministrativePrefix(_ name: String) -> String {
        let cleaned = clean(name)
        let lower = cleaned.lowercased()
        for prefix in prefixes + abbreviations {
            guard lower.hasPrefix(prefix) else { continue }
            let rest = lower.dropFirst(prefix.count)
            let separated = prefix.hasSuffix(".") || rest.first == " "
            guard separated else { continue }
            let remainder = String(cleaned.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
            if remainder.isEmpty || remainder.allSatisfy(\.isNumber) { return cleaned }
            return remainder
        }
        return cleaned
    }
}

private extension UInt8 {
    init(ascii scalar: Unicode.Scalar) { self = UInt8(truncatingIfNeeded: scalar.value) }

    var lowercasedASCII: UInt8 { (65...90).contains(self) ? self + 32 : self }
}
