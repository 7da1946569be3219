import Foundation

/// A table as the reports hand it out: a header row and rows of text or numbers, written as CSV
/// (for any tool) or as an XLSX workbook (for Excel and LibreOffice, numbers kept as numbers).
public struct Spreadsheet: Sendable, Equatable {
    public enum Cell: Sendable, Equatable {
        case text(String)
        case number(Double)
    }

    public var sheetName: String
    public var headers: [String]
    public var rows: [[Cell]]

    public init(sheetName: String, headers: [String], rows: [[Cell]]) {
        self.sheetName = sheetName
        self.headers = headers
        self.rows = rows
    }

    /// CSV in UTF-8 with a byte-order mark (so spreadsheet programs read Vietnamese letters right)
    /// and CRLF line ends. A text cell that a spreadsheet would run as a formula (`=`, `+`, `-`,
    /// `@` first) is written with a leading apostrophe.
    public func csv() -> String {
        var out = "\u{FEFF}" + CSV.line(headers) + "\r\n"
        for row in rows {
            out += CSV.line(row.map { cell in
                switch cell {
                case .text(let text): Self.defused(text)
                case .number(let value): Self.number(value)
                }
            }) + "\r\n"
        }
        return out
    }

    /// An Office Open XML workbook with one sheet; cells hold inline strings, so no shared-string
    /// table is needed.
    public func xlsx() -> [UInt8] {
        var zip = StoredZip()
        zip.add("[Content_Types].xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
            <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
            <Default Extension="xml" ContentType="application/xml"/>\
            <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
            <Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
            </Types>
            """)
        zip.add("_rels/.rels", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
            </Relationships>
            """)
        zip.add("xl/workbook.xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
            <sheets><sheet name="\(xmlEscaped(Self.sheetTitle(sheetName)))" sheetId="1" r:id="rId1"/></sheets></workbook>
            """)
        zip.add("xl/_rels/workbook.xml.rels", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>\
            </Relationships>
            """)
        var sheet = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
            """
        for (index, row) in ([headers.map(Cell.text)] + rows).enumerated() {
            let number = index + 1
            sheet += "<row r=\"\(number)\">"
            for (column, cell) in row.enumerated() {
                let ref = Self.column(column) + String(number)
                switch cell {
                case .text(let text): sheet += "<c r=\"\(ref)\" t=\"inlineStr\"><is><t xml:space=\"preserve\">\(xmlEscaped(text))</t></is></c>"
                case .number(let value): sheet += "<c r=\"\(ref)\"><v>\(Self.number(value))</v></c>"
                }
            }
            sheet += "</row>"
        }
        sheet += "</sheetData></worksheet>"
        zip.add("xl/worksheets/sheet1.xml", sheet)
        return zip.finish()
    }

    /// "A", "B", … "Z", "AA", … for a zero-based column.
    public static func column(_ index: Int) -> String {
        var index = index
        var name = ""
        repeat {
            name = String(UnicodeScalar(UInt8(65 + index % 26))) + name
            index = index / 26 - 1
        } while index >= 0
        return name
    }

    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    static func defused(_ text: String) -> String {
        guard let first = text.first, "=+-@\t\r".contains(first) else { return text }
        return "'" + text
    }

    /// Sheet names are at most 31 characters, without `[]:*?/\`.
    static func sheetTitle(_ name: String) -> String {
        let clean = String(name.filter { !"[]:*?/\\".contains($0) }.prefix(31))
        return clean.isEmpty ? "Sheet1" : clean
    }
}

/// A ZIP archive whose entries are stored without compression: what an XLSX needs, in a few lines.
struct StoredZip {
    private var body: [UInt8] = []
    private var directory: [UInt8] = []
    private var count: UInt16 = 0

    mutating func add(_ name: String, _ text: String) {
        let data = Array(text.utf8), path = Array(name.utf8)
        let crc = Spreadsheet.crc32(data), offset = UInt32(body.count)
        // Local header: signature, version 2.0, no flags, stored, time and date 1980-01-01 00:00.
        body += le32(0x0403_4B50) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21)
        body += le32(crc) + le32(UInt32(data.count)) + le32(UInt32(data.count)) + le16(UInt16(path.count)) + le16(0)
        body += path + data
        directory += le32(0x0201_4B50) + le16(20) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21)
        directory += le32(crc) + le32(UInt32(data.count)) + le32(UInt32(data.count)) + le16(UInt16(path.count))
        directory += le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(offset) + path
        count += 1
    }

    func finish() -> [UInt8] {
        body + directory + le32(0x0605_4B50) + le16(0) + le16(0) + le16(count) + le16(count)
            + le32(UInt32(directory.count)) + le32(UInt32(body.count)) + le16(0)
    }

    private func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    private func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }
}

extension Spreadsheet {
    static let crcTable: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    /// CRC-32 as ZIP uses it (polynomial 0xEDB88320).
    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
