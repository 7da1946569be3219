import Foundation

/// The kinds of file a citizen may attach to a tip. The kind is always decided from the file's
/// content (its first bytes), never from its name or the MIME type the browser declared.
public enum AttachmentKind: String, Sendable, CaseIterable, Codable {
    case jpeg
    case png
    case pdf

    /// The type to store and to serve the file with (together with `X-Content-Type-Options: nosniff`).
    public var mimeType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .pdf: "application/pdf"
        }
    }

    /// The extension to give a stored or downloaded copy, without the dot.
    public var fileExtension: String {
        switch self {
        case .jpeg: "jpg"
        case .png: "png"
        case .pdf: "pdf"
        }
    }

    /// Every extension (lower case, without the dot) a file name of this kind may carry.
    public var acceptedExtensions: Set<String> {
        switch self {
        case .jpeg: ["jpg", "jpeg", "jpe", "jfif"]
        case .png: ["png"]
        case .pdf: ["pdf"]
        }
    }

    public var labelVI: String {
        switch self {
        case .jpeg: "ảnh JPEG"
        case .png: "ảnh PNG"
        case .pdf: "tài liệu PDF"
        }
    }

    public var labelEN: String {
        switch self {
        case .jpeg: "JPEG photo"
        case .png: "PNG image"
        case .pdf: "PDF document"
        }
    }

    /// The kind these bytes are, from their signature alone, or nil for anything else.
    public static func detect(_ bytes: [UInt8]) -> AttachmentKind? {
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if bytes.starts(with: AttachmentRules.pngSignature) { return .png }
        if bytes.starts(with: Array("%PDF-".utf8)) { return .pdf }
        return nil
    }
}

/// An attachment that has been through `AttachmentRules.sanitize`: its kind is known from its
/// content and, for photos, everything that could identify the citizen has been removed. Only
/// `sanitize` makes one, so holding a value is proof the bytes were checked.
public struct SanitizedAttachment: Sendable, Equatable {
    public let kind: AttachmentKind
    /// The bytes to store. For JPEG and PNG these are a rewritten copy; for PDF the upload as it came.
    public let bytes: [UInt8]
    /// False for PDF: its metadata (author, creating software, dates, embedded files) is still
    /// there, so the app should warn officers and the citizen before it is shared further.
    public let metadataRemoved: Bool

    init(kind: AttachmentKind, bytes: [UInt8], metadataRemoved: Bool) {
        self.kind = kind
        self.bytes = bytes
        self.metadataRemoved = metadataRemoved
    }

    public var byteCount: Int { bytes.count }
    public var data: Data { Data(bytes) }
}

/// The rules for files attached to tips. Pure: the web form and the API refuse the same files with
/// the same words, and store the same cleaned bytes.
///
/// What is removed, by kind:
/// - JPEG: the segment structure is walked from SOI to the first EOI and rebuilt. Kept: the APP0
///   JFIF header (rewritten without its thumbnail, which can show the uncropped picture), APP2
///   `ICC_PROFILE` segments, the APP14 `Adobe` colour-transform header (rewritten to its 12 bytes),
///   and everything that draws the picture (SOFn, DHT, DQT, DAC, DRI, DNL, DHP, EXP, SOS and the
///   entropy-coded scan data, byte for byte). Dropped: every other APPn (EXIF with GPS, XMP, IPTC,
///   MPF, maker notes…), COM, reserved markers, and anything after EOI (phones append a second
///   picture there, and trailing data can hide anything).
///   The ICC profile is kept on purpose: colour can matter as evidence (a vehicle's colour), and a
///   profile describes a model of screen or camera shared by millions of devices, not a person. It
///   may name the maker (e.g. "Apple"), a weaker hint than the EXIF that is removed.
/// - PNG: the chunks are walked from the signature to IEND. Kept: IHDR, PLTE, IDAT, IEND, tRNS,
///   gAMA, cHRM, sRGB, iCCP, sBIT, bKGD, pHYs, in their order. Dropped: tEXt, zTXt, iTXt, eXIf,
///   tIME and every other chunk (an animated PNG shows its first frame), and anything after IEND.
/// - PDF: checked for its header and its end marker, and kept unchanged. Its metadata cannot be
///   removed safely without a PDF library, hence `SanitizedAttachment.metadataRemoved == false`.
///   A PDF can carry scripts and links: serve it as a download, never inline on an app page.
public enum AttachmentRules {
    /// Largest accepted file, before cleaning: 10 MB.
    public static let maxBytes = 10 * 1024 * 1024
    /// Most files on one tip or message.
    public static let maxFiles = 5

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Detects the kind from the content, checks the size and that the declared name does not say
    /// otherwise, and removes metadata. `declaredName` is only used for that check and for the
    /// messages (a name without an extension, or nil, is fine); `field` names the form field.
    public static func sanitize(_ bytes: [UInt8], declaredName: String?, field: String = "attachments") -> Result<SanitizedAttachment, FieldIssue> {
        let name = declaredName.map(displayName) ?? ""
        let theVI = name.isEmpty ? "Tệp" : "Tệp “\(name)”"
        let theEN = name.isEmpty ? "The file" : "The file “\(name)”"
        if bytes.isEmpty {
            return .failure(FieldIssue(field: field, code: "empty", messageVI: "\(theVI) trống, không có nội dung.", messageEN: "\(theEN) is empty."))
        }
        if bytes.count > maxBytes {
            let mb = maxBytes / (1024 * 1024)
            return .failure(FieldIssue(field: field, code: "too_large", messageVI: "\(theVI) lớn quá \(mb) MB.", messageEN: "\(theEN) is larger than \(mb) MB."))
        }
        guard let kind = AttachmentKind.detect(bytes) else {
            return .failure(FieldIssue(field: field, code: "unsupported_type",
                                       messageVI: "\(theVI) không thuộc loại được nhận. Chỉ nhận ảnh JPEG, PNG hoặc tài liệu PDF.",
                                       messageEN: "\(theEN) is not a type we accept. Only JPEG or PNG photos and PDF documents are accepted."))
        }
        if let ext = declaredName.flatMap(nameExtension), !kind.acceptedExtensions.contains(ext) {
            let claimed = AttachmentKind.allCases.first { $0.acceptedExtensions.contains(ext) }
            let claimedVI = claimed?.labelVI ?? "tệp .\(ext)"
            let claimedEN = claimed?.labelEN ?? "a .\(ext) file"
            return .failure(FieldIssue(field: field, code: "type_mismatch",
                                       messageVI: "Nội dung tệp “\(name)” không phải \(claimedVI) như tên tệp cho biết, mà là \(kind.labelVI). Vui lòng chọn đúng tệp hoặc đổi tên cho đúng.",
                                       messageEN: "The content of “\(name)” is not what its name says (\(claimedEN)): it is a \(kind.labelEN). Please choose the right file or rename it."))
        }
        let cleaned: [UInt8]?
        switch kind {
        case .jpeg: cleaned = strippedJPEG(bytes)
        case .png: cleaned = strippedPNG(bytes)
        case .pdf: cleaned = isWholePDF(bytes) ? bytes : nil
        }
        guard let cleaned else {
            return .failure(FieldIssue(field: field, code: "corrupt",
                                       messageVI: "\(theVI) bị hỏng hoặc không đầy đủ, không đọc được \(kind.labelVI). Vui lòng gửi lại tệp gốc.",
                                       messageEN: "\(theEN) is damaged or incomplete: it cannot be read as a \(kind.labelEN). Please send the original file again."))
        }
        return .success(SanitizedAttachment(kind: kind, bytes: cleaned, metadataRemoved: kind != .pdf))
    }

    /// The same, for an upload read as `Data`.
    public static func sanitize(_ data: Data, declaredName: String?, field: String = "attachments") -> Result<SanitizedAttachment, FieldIssue> {
        sanitize([UInt8](data), declaredName: declaredName, field: field)
    }

    /// Refuses more than `maxFiles` files at once; nil when the count is fine.
    public static func checkCount(_ count: Int, field: String = "attachments") -> FieldIssue? {
        guard count > maxFiles else { return nil }
        return FieldIssue(field: field, code: "too_many", messageVI: "Chỉ được đính kèm tối đa \(maxFiles) tệp.",
                          messageEN: "At most \(maxFiles) files can be attached.")
    }

    // MARK: - Names

    /// The last path component (browsers may send "C:\fakepath\…"), without control characters,
    /// cut to 80 characters: safe to repeat in a message.
    static func displayName(_ raw: String) -> String {
        let last = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let visible = String(String.UnicodeScalarView(last.unicodeScalars.filter { $0.properties.generalCategory != .control && $0.properties.generalCategory != .format }))
        let trimmed = visible.trimmingCharacters(in: .whitespaces)
        return trimmed.count > 80 ? String(trimmed.prefix(79)) + "…" : trimmed
    }

    /// The lower-cased extension, when the name has one: 2 to 5 ASCII letters or digits with at
    /// least one letter after the last dot. "Biên bản 12.05.2024" and "Nguyen.Van.A" have none.
    static func nameExtension(_ raw: String) -> String? {
        var name = displayName(raw)
        while let last = name.last, last == "." || last == " " { name.removeLast() }
        guard let dot = name.lastIndex(of: ".") else { return nil }
        let ext = name[name.index(after: dot)...].lowercased()
        guard (2...5).contains(ext.count), ext.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }),
              ext.contains(where: \.isLetter) else { return nil }
        return ext
    }

    // MARK: - JPEG

    /// The rebuilt JPEG, or nil when its structure cannot be walked from SOI to EOI.
    static func strippedJPEG(_ b: [UInt8]) -> [UInt8]? {
        let n = b.count
        guard n >= 4, b[0] == 0xFF, b[1] == 0xD8 else { return nil }
        var out: [UInt8] = [0xFF, 0xD8]
        out.reserveCapacity(n)
        var i = 2
        var sawFrame = false
        var sawScan = false
        var sawJFIF = false
        while true {
            // A marker is 0xFF and a code; more 0xFF bytes before the code are fill.
            guard i < n, b[i] == 0xFF else { return nil }
            while i < n && b[i] == 0xFF { i += 1 }
            guard i < n else { return nil }
            let marker = b[i]
            i += 1
            switch marker {
            case 0xD9:
                guard sawScan else { return nil }
                out += [0xFF, 0xD9]
                return out
            case 0x00, 0xD8:
                return nil
            case 0x01, 0xD0...0xD7:
                out += [0xFF, marker] // no length, no payload
                continue
            default:
                break
            }
            guard i + 2 <= n else { return nil }
            let length = Int(b[i]) << 8 | Int(b[i + 1])
            guard length >= 2, length <= n - i else { return nil }
            let end = i + length
            let payload = b[(i + 2)..<end]
            switch marker {
            case 0xE0:
                // Only the JFIF header, rewritten with a 0×0 thumbnail; JFXX and the rest go.
                if !sawJFIF && payload.count >= 14 && payload.starts(with: Array("JFIF\0".utf8)) {
                    out += [0xFF, 0xE0, 0x00, 0x10]
                    out += payload.prefix(12)
                    out += [0x00, 0x00]
                    sawJFIF = true
                }
            case 0xE2:
                if payload.starts(with: Array("ICC_PROFILE\0".utf8)) {
                    out += [0xFF, marker]
                    out += b[i..<end]
                }
            case 0xEE:
                if payload.count >= 12 && payload.starts(with: Array("Adobe".utf8)) {
                    out += [0xFF, 0xEE, 0x00, 0x0E]
                    out += payload.prefix(12)
                }
            case 0xC0...0xC3, 0xC5...0xC7, 0xC9...0xCB, 0xCD...0xCF:
                // SOFn: precision, height, width, component count, 3 bytes per component.
                guard payload.count >= 6, payload.count == 6 + 3 * Int(payload[payload.startIndex + 5]) else { return nil }
                sawFrame = true
                out += [0xFF, marker]
                out += b[i..<end]
            case 0xC4, 0xCC, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF:
                // DHT, DAC, DQT, DNL, DRI, DHP, EXP: tables and counts the decoder needs.
                out += [0xFF, marker]
                out += b[i..<end]
            case 0xDA:
                // SOS: component count, 2 bytes per component, 3 bytes of spectral selection.
                guard sawFrame, payload.count >= 1, payload.count == 4 + 2 * Int(payload[payload.startIndex]) else { return nil }
                out += [0xFF, 0xDA]
                out += b[i..<end]
                // The scan runs to the first 0xFF that is neither stuffing (FF 00) nor a restart
                // marker (FF D0…D7); that 0xFF starts the next segment, or EOI.
                var j = end
                while true {
                    guard let ff = b[j..<n].firstIndex(of: 0xFF), ff + 1 < n else { return nil }
                    let next = b[ff + 1]
                    if next == 0x00 || (0xD0...0xD7).contains(next) {
                        j = ff + 2
                        continue
                    }
                    out += b[end..<ff]
                    i = ff
                    break
                }
                sawScan = true
                continue
            default:
                break // APP1, APP3…APP13, APP15, COM, reserved and JPEG-extension markers: dropped.
            }
            i = end
        }
    }

    // MARK: - PNG

    static let keptPNGChunks: Set<String> = ["IHDR", "PLTE", "IDAT", "IEND", "tRNS", "gAMA", "cHRM", "sRGB", "iCCP", "sBIT", "bKGD", "pHYs"]

    /// The PNG with only display chunks, or nil when its chunks cannot be walked to IEND.
    static func strippedPNG(_ b: [UInt8]) -> [UInt8]? {
        let n = b.count
        guard b.starts(with: pngSignature) else { return nil }
        var out = pngSignature
        out.reserveCapacity(n)
        var i = pngSignature.count
        var sawIDAT = false
        while true {
            // Length (4), type (4), data (length), CRC (4).
            guard n - i >= 12 else { return nil }
            let length = Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard length <= 0x7FFF_FFFF, length <= n - i - 12 else { return nil }
            let type = b[(i + 4)..<(i + 8)]
            guard type.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else { return nil }
            let name = String(decoding: type, as: UTF8.self)
            let end = i + 12 + length
            if i == pngSignature.count && (name != "IHDR" || length != 13) { return nil }
            if name == "IDAT" { sawIDAT = true }
            if keptPNGChunks.contains(name) { out += b[i..<end] }
            if name == "IEND" { return sawIDAT ? out : nil }
            i = end
        }
    }

    // MARK: - PDF

    /// Starts with "%PDF-" and has "%%EOF" in its last 1024 bytes.
    static func isWholePDF(_ b: [UInt8]) -> Bool {
        let marker = Array("%%EOF".utf8)
        guard b.starts(with: Array("%PDF-".utf8)) else { return false }
        let tail = b.suffix(1024)
        var start = tail.startIndex
        while start + marker.count <= tail.endIndex {
            if tail[start..<(start + marker.count)].elementsEqual(marker) { return true }
            start += 1
        }
        return false
    }
}
