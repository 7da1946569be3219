import Foundation

/// Comma-separated values as RFC 4180 writes them: fields with commas, quotes or line breaks are
/// quoted, quotes inside doubled. Lines are split by the caller (imported lists keep one record a
/// line).
public enum CSV {
    /// The fields of one line; a quoted field may hold commas and doubled quotes.
    public static func fields(_ line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var index = line.startIndex
        while index < line.endIndex {
            let char = line[index]
            line.formIndex(after: &index)
            if quoted {
                if char == "\"" {
                    if index < line.endIndex, line[index] == "\"" {
                        current.append("\"")
                        line.formIndex(after: &index)
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(char)
                }
            } else if char == "\"" && current.isEmpty {
                quoted = true
            } else if char == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(char)
            }
        }
        fields.append(current)
        return fields
    }

    public static func fields(_ line: String) -> [String] { fields(line[...]) }

    /// One record, quoted where it must be.
    public static func line(_ fields: [String]) -> String {
        fields.map { field in
            guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }.joined(separator: ",")
    }
}
