import BinhYenCore
import Foundation
import Testing

/// Hand-made files, small enough to check byte by byte.
private enum Fixture {
    static func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

    // MARK: JPEG

    static func segment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let length = payload.count + 2
        return [0xFF, marker, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
    }

    static let soi: [UInt8] = [0xFF, 0xD8]
    static let eoi: [UInt8] = [0xFF, 0xD9]
    /// JFIF 1.01, 72×72 dpi, no thumbnail.
    static let jfif = segment(0xE0, ascii("JFIF\0") + [1, 1, 1, 0, 72, 0, 72, 0, 0])
    static let gps = ascii("GPSLatitude 12.6667")
    static let tag: [UInt8] = [0xCA, 0xFE, 0xBA, 0xBE, 0x13, 0x37]
    static let exif = segment(0xE1, ascii("Exif\0\0") + ascii("MM") + [0x00, 0x2A, 0, 0, 0, 8] + gps + tag)
    static let xmp = segment(0xE1, ascii("http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>Nguyen Van A</x:xmpmeta>"))
    static let iptc = segment(0xED, ascii("Photoshop 3.0\08BIM") + ascii("By-line: Tran Thi B"))
    static let comment = segment(0xFE, ascii("Chụp bởi Nguyễn Văn A, 0912345678"))
    static let dqt = segment(0xDB, [0x00] + (1...64).map { UInt8($0) })
    /// Baseline, 8 bits, 16×16, one component.
    static let sof0 = segment(0xC0, [8, 0, 16, 0, 16, 1, 1, 0x11, 0])
    static let sof2 = segment(0xC2, [8, 0, 16, 0, 16, 1, 1, 0x11, 0])
    static let dht = segment(0xC4, [0x00, 1] + Array(repeating: 0, count: 15) + [0x00])
    static let dht2 = segment(0xC4, [0x10, 1] + Array(repeating: 0, count: 15) + [0x01])
    static let sos = segment(0xDA, [1, 1, 0x00, 0, 63, 0])
    static let sos2 = segment(0xDA, [1, 1, 0x10, 1, 63, 0])
    /// Scan data with byte stuffing (FF 00) and a restart marker (FF D0): both belong to the scan.
    static let scan: [UInt8] = [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0x78, 0xFF, 0x00, 0x9A, 0xBC]
    static let scan2: [UInt8] = [0x33, 0xFF, 0xD1, 0x44, 0xFF, 0x00, 0x55]

    static var cleanJPEG: [UInt8] { soi + jfif + dqt + sof0 + dht + sos + scan + eoi }
    static var phoneJPEG: [UInt8] { soi + jfif + exif + dqt + sof0 + dht + sos + scan + eoi }

    // MARK: PNG

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let n = UInt32(data.count)
        let body = ascii(type) + data
        let crc = crc32(body)
        return [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + body
            + [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)]
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    /// 1×1, 8-bit grey.
    static let ihdr = chunk("IHDR", [0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0])
    static let idat = chunk("IDAT", [0x78, 0x9C, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01])
    static let iend = chunk("IEND", [])
    static let phys = chunk("pHYs", [0, 0, 0x0B, 0x13, 0, 0, 0x0B, 0x13, 1])
    static let text = chunk("tEXt", ascii("Author\0Nguyen Van A"))
    static let ztxt = chunk("zTXt", ascii("Comment\0\0") + [0x78, 0x9C, 0x01, 0x02])
    static let itxt = chunk("iTXt", ascii("Location\0\0\0vi\0\0") + ascii("Buôn Ma Thuột"))
    static let exifChunk = chunk("eXIf", ascii("MM") + [0x00, 0x2A] + gps + tag)
    static let time = chunk("tIME", [0x07, 0xE8, 5, 12, 8, 30, 0])
    static let privateChunk = chunk("prVt", ascii("device-id 8F3A"))

    static var cleanPNG: [UInt8] { pngSignature + ihdr + idat + iend }

    // MARK: PDF

    static let pdf = ascii("%PDF-1.7\n1 0 obj\n<< /Author (Nguyen Van A) /Producer (Scanner) >>\nendobj\ntrailer\n<< /Info 1 0 R >>\n%%EOF\n")
}

private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, haystack.count >= needle.count else { return needle.isEmpty }
    return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
}

private func sanitized(_ bytes: [UInt8], name: String? = nil) -> SanitizedAttachment? {
    try? AttachmentRules.sanitize(bytes, declaredName: name).get()
}

private func refusal(_ bytes: [UInt8], name: String? = nil, field: String = "attachments") -> FieldIssue? {
    if case .failure(let issue) = AttachmentRules.sanitize(bytes, declaredName: name, field: field) { return issue }
    return nil
}

@Suite("Attachment rules")
struct AttachmentTests {
    // MARK: JPEG

    @Test("A phone photo loses its EXIF block with the GPS position; SOI, EOI and the scan data stay")
    func jpegDropsExif() throws {
        let result = try #require(sanitized(Fixture.phoneJPEG, name: "IMG_2031.jpg"))
        #expect(result.kind == .jpeg && result.metadataRemoved)
        #expect(result.bytes.starts(with: [0xFF, 0xD8]))
        #expect(Array(result.bytes.suffix(2)) == [0xFF, 0xD9])
        #expect(contains(result.bytes, Fixture.scan), "scan data, with its stuffing and restart marker, copied verbatim")
        #expect(!contains(result.bytes, Fixture.gps))
        #expect(!contains(result.bytes, Fixture.tag))
        #expect(!contains(result.bytes, Fixture.ascii("Exif")))
        #expect(result.byteCount == Fixture.phoneJPEG.count - Fixture.exif.count)
    }

    @Test("Everything that draws the picture is copied byte for byte and in order")
    func jpegKeepsImageSegmentsExactly() throws {
        let result = try #require(sanitized(Fixture.phoneJPEG))
        #expect(result.bytes == Fixture.cleanJPEG)
        #expect(sanitized(Fixture.cleanJPEG)?.bytes == Fixture.cleanJPEG, "a clean file comes back unchanged")
    }

    @Test("Comments, XMP and IPTC segments are removed wherever they sit")
    func jpegDropsCommentXmpIptc() throws {
        let input = Fixture.soi + Fixture.jfif + Fixture.comment + Fixture.xmp + Fixture.dqt + Fixture.iptc + Fixture.sof0
            + Fixture.comment + Fixture.dht + Fixture.sos + Fixture.scan + Fixture.eoi
        let result = try #require(sanitized(input))
        #expect(result.bytes == Fixture.cleanJPEG)
        #expect(!contains(result.bytes, Fixture.ascii("Nguy")))
        #expect(!contains(result.bytes, Fixture.ascii("0912345678")))
    }

    @Test("The JFIF header is kept without its thumbnail, and JFXX thumbnails are dropped")
    func jpegDropsThumbnails() throws {
        let thumbnail: [UInt8] = [0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0x11]
        let jfifWithThumbnail = Fixture.segment(0xE0, Fixture.ascii("JFIF\0") + [1, 2, 1, 0, 96, 0, 96, 2, 1] + thumbnail)
        let jfxx = Fixture.segment(0xE0, Fixture.ascii("JFXX\0") + [0x13, 2, 1] + thumbnail)
        let input = Fixture.soi + jfifWithThumbnail + jfxx + Fixture.dqt + Fixture.sof0 + Fixture.dht + Fixture.sos + Fixture.scan + Fixture.eoi
        let result = try #require(sanitized(input))
        let header = Fixture.segment(0xE0, Fixture.ascii("JFIF\0") + [1, 2, 1, 0, 96, 0, 96, 0, 0])
        #expect(result.bytes == Fixture.soi + header + Fixture.dqt + Fixture.sof0 + Fixture.dht + Fixture.sos + Fixture.scan + Fixture.eoi)
        #expect(!contains(result.bytes, thumbnail))
    }

    @Test("Colour information stays (ICC profile, Adobe transform) while other APP2 data (MPF) goes")
    func jpegKeepsColour() throws {
        let icc = Fixture.segment(0xE2, Fixture.ascii("ICC_PROFILE\0") + [1, 1] + Fixture.ascii("Display P3 profile"))
        let mpf = Fixture.segment(0xE2, Fixture.ascii("MPF\0MM") + [0, 0x2A] + Fixture.tag)
        let adobe = Fixture.segment(0xEE, Fixture.ascii("Adobe") + [0, 100, 0, 0, 0, 0, 1])
        let input = Fixture.soi + Fixture.jfif + Fixture.exif + icc + mpf + adobe + Fixture.dqt + Fixture.sof0 + Fixture.dht
            + Fixture.sos + Fixture.scan + Fixture.eoi
        let result = try #require(sanitized(input))
        #expect(result.bytes == Fixture.soi + Fixture.jfif + icc + adobe + Fixture.dqt + Fixture.sof0 + Fixture.dht + Fixture.sos + Fixture.scan + Fixture.eoi)
        #expect(!contains(result.bytes, Fixture.ascii("MPF")))
    }

    @Test("A progressive file keeps both scans and the tables between them; a comment between scans goes")
    func jpegProgressiveScans() throws {
        let input = Fixture.soi + Fixture.jfif + Fixture.dqt + Fixture.sof2 + Fixture.dht + Fixture.sos + Fixture.scan
            + Fixture.comment + Fixture.dht2 + Fixture.sos2 + Fixture.scan2 + Fixture.eoi
        let result = try #require(sanitized(input))
        #expect(result.bytes == Fixture.soi + Fixture.jfif + Fixture.dqt + Fixture.sof2 + Fixture.dht + Fixture.sos + Fixture.scan
            + Fixture.dht2 + Fixture.sos2 + Fixture.scan2 + Fixture.eoi)
    }

    @Test("Bytes after EOI (a second picture with its own EXIF, or anything hidden) are dropped")
    func jpegDropsTrailingData() throws {
        let result = try #require(sanitized(Fixture.cleanJPEG + Fixture.phoneJPEG + Fixture.ascii("PK\u{3}\u{4}secret.zip")))
        #expect(result.bytes == Fixture.cleanJPEG)
    }

    @Test("A JPEG cut anywhere before its end is refused as corrupt")
    func jpegTruncated() {
        let whole = Fixture.phoneJPEG
        for length in 3..<whole.count {
            #expect(refusal(Array(whole.prefix(length)))?.code == "corrupt", "cut at \(length) of \(whole.count)")
        }
    }

    @Test("JPEG structures that cannot be walked are refused as corrupt", arguments: [
        Fixture.soi + Fixture.eoi,                                                                     // no picture at all
        Fixture.soi + Fixture.jfif + Fixture.dqt + Fixture.dht + Fixture.sos + Fixture.scan + Fixture.eoi, // scan before any frame
        Fixture.soi + [0xFF, 0xE1, 0xFF, 0xF0] + Fixture.gps + Fixture.eoi,                            // segment longer than the file
        Fixture.soi + [0xFF, 0xE1, 0x00, 0x01] + Fixture.eoi,                                          // length below its own size
        Fixture.soi + Fixture.jfif + [0x00, 0x42] + Fixture.sof0 + Fixture.sos + Fixture.scan + Fixture.eoi, // junk between segments
        Fixture.soi + Fixture.soi + Fixture.cleanJPEG,                                                 // a second SOI
    ])
    func jpegMalformed(bytes: [UInt8]) {
        #expect(refusal(bytes)?.code == "corrupt")
    }

    // MARK: PNG

    @Test("A PNG loses tEXt, zTXt, iTXt, eXIf, tIME and unknown chunks; the display chunks stay in order")
    func pngDropsMetadata() throws {
        let input = Fixture.pngSignature + Fixture.ihdr + Fixture.text + Fixture.exifChunk + Fixture.phys + Fixture.time
            + Fixture.ztxt + Fixture.privateChunk + Fixture.idat + Fixture.itxt + Fixture.iend
        let result = try #require(sanitized(input, name: "chup-man-hinh.png"))
        #expect(result.kind == .png && result.metadataRemoved)
        #expect(result.bytes == Fixture.pngSignature + Fixture.ihdr + Fixture.phys + Fixture.idat + Fixture.iend)
        #expect(!contains(result.bytes, Fixture.ascii("Nguyen Van A")))
        #expect(!contains(result.bytes, Fixture.gps))
        #expect(!contains(result.bytes, Fixture.ascii("device-id")))
    }

    @Test("Bytes after IEND are dropped")
    func pngDropsTrailingData() throws {
        let result = try #require(sanitized(Fixture.cleanPNG + Fixture.text + Fixture.ascii("hidden")))
        #expect(result.bytes == Fixture.cleanPNG)
    }

    @Test("A PNG cut anywhere, or with a chunk running past the end, is refused as corrupt")
    func pngTruncated() {
        let whole = Fixture.pngSignature + Fixture.ihdr + Fixture.text + Fixture.idat + Fixture.iend
        for length in Fixture.pngSignature.count..<whole.count {
            #expect(refusal(Array(whole.prefix(length)))?.code == "corrupt", "cut at \(length) of \(whole.count)")
        }
        let overlong = Fixture.pngSignature + Fixture.ihdr + [0x00, 0x10, 0x00, 0x00] + Fixture.ascii("IDAT") + [1, 2, 3, 4, 5, 6, 7, 8]
        #expect(refusal(overlong)?.code == "corrupt")
        let huge = Fixture.pngSignature + Fixture.ihdr + [0xFF, 0xFF, 0xFF, 0xFF] + Fixture.ascii("tEXt") + [0, 0, 0, 0] + Fixture.iend
        #expect(refusal(huge)?.code == "corrupt")
    }

    @Test("PNG files that do not start with IHDR, have no IDAT or a malformed chunk type are corrupt", arguments: [
        Fixture.pngSignature + Fixture.text + Fixture.ihdr + Fixture.idat + Fixture.iend,
        Fixture.pngSignature + Fixture.ihdr + Fixture.iend,
        Fixture.pngSignature + Fixture.ihdr + Fixture.chunk("ID1T", [0]) + Fixture.idat + Fixture.iend,
    ])
    func pngMalformed(bytes: [UInt8]) {
        #expect(refusal(bytes)?.code == "corrupt")
    }

    // MARK: PDF

    @Test("A PDF is accepted unchanged and flagged as still carrying its metadata")
    func pdfKeptAsIs() throws {
        let result = try #require(sanitized(Fixture.pdf, name: "don-trinh-bao.PDF"))
        #expect(result.kind == .pdf)
        #expect(result.bytes == Fixture.pdf)
        #expect(result.metadataRemoved == false)
        #expect(result.kind.mimeType == "application/pdf" && result.kind.fileExtension == "pdf")
        #expect(refusal(Fixture.ascii("%PDF-1.7\n1 0 obj\n"))?.code == "corrupt", "no %%EOF: cut off")
        let eofFarFromEnd = Fixture.ascii("%PDF-1.7\n%%EOF\n") + Array(repeating: 0x20, count: 2000)
        #expect(refusal(eofFarFromEnd)?.code == "corrupt")
    }

    // MARK: Refusals

    @Test("An empty file and a file over 10 MB are refused; exactly 10 MB is accepted")
    func sizeLimits() throws {
        #expect(AttachmentRules.maxBytes == 10 * 1024 * 1024)
        let empty = try #require(refusal([], name: "anh.jpg"))
        #expect(empty.code == "empty" && empty.messageVI.contains("anh.jpg"))

        let head = Fixture.ascii("%PDF-1.4\n")
        let tail = Fixture.ascii("\n%%EOF\n")
        let padding = AttachmentRules.maxBytes - head.count - tail.count
        let exact = head + Array(repeating: 0x20, count: padding) + tail
        #expect(sanitized(exact)?.byteCount == AttachmentRules.maxBytes)

        let over = head + Array(repeating: 0x20, count: padding + 1) + tail
        let issue = try #require(refusal(over))
        #expect(issue.code == "too_large")
        #expect(issue.messageVI.contains("10 MB") && issue.messageEN.contains("10 MB"))
    }

    @Test("Content that is not JPEG, PNG or PDF is refused, whatever its name says", arguments: [
        (Fixture.ascii("GIF89a") + [1, 0, 1, 0, 0, 0, 0, 0x3B], "anh.gif"),
        (Fixture.ascii("GIF89a") + [1, 0, 1, 0], "anh.jpg"),
        (Fixture.ascii("RIFF") + [0x24, 0, 0, 0] + Fixture.ascii("WEBPVP8 "), "anh.webp"),
        ([0, 0, 0, 0x18] + Fixture.ascii("ftypheic") + [0, 0, 0, 0], "IMG_0001.HEIC"),
        (Fixture.ascii("MZ") + [0x90, 0, 3, 0], "anh.png"),
        (Fixture.ascii("<html><script>alert(1)</script>"), "don.pdf"),
        ([0xFF, 0xD8], "anh.jpg"),
        (pseudoRandomBytes(count: 512), "du-lieu.bin"),
    ] as [([UInt8], String)])
    func unsupported(bytes: [UInt8], name: String) throws {
        let issue = try #require(refusal(bytes, name: name))
        #expect(issue.code == "unsupported_type")
        #expect(issue.messageVI.contains("JPEG") && issue.messageVI.contains("PNG") && issue.messageVI.contains("PDF"))
        #expect(issue.messageEN.contains("JPEG") && issue.messageEN.contains("PNG") && issue.messageEN.contains("PDF"))
    }

    @Test("A name whose extension contradicts the content is refused; case, paths and no extension are fine", arguments: [
        (Fixture.cleanPNG, "giay-to.pdf", "type_mismatch"),
        (Fixture.cleanJPEG, "anh.png", "type_mismatch"),
        (Fixture.pdf, "bien-ban.docx", "type_mismatch"),
        (Fixture.cleanJPEG, "anh.jpg.exe", "type_mismatch"),
        (Fixture.cleanJPEG, "anh\u{202E}gpj.exe", "type_mismatch"),
        (Fixture.cleanJPEG, "anh.JPG", nil),
        (Fixture.cleanJPEG, "C:\\fakepath\\Ảnh hiện trường.jpeg", nil),
        (Fixture.cleanJPEG, "IMG_2031.jfif", nil),
        (Fixture.cleanJPEG, "anh", nil),
        (Fixture.cleanJPEG, "Biên bản 12.05.2024", nil),
        (Fixture.cleanPNG, "chup-man-hinh.png. ", nil),
        (Fixture.pdf, "/tmp/don.Pdf", nil),
    ] as [([UInt8], String, String?)])
    func namesAndContent(bytes: [UInt8], name: String, code: String?) {
        #expect(refusal(bytes, name: name)?.code == code)
    }

    @Test("The mismatch message names the file, what its name claims and what it really is")
    func mismatchMessage() throws {
        let issue = try #require(refusal(Fixture.cleanPNG, name: "giay-to.pdf", field: "photos"))
        #expect(issue.field == "photos")
        #expect(issue.code == "type_mismatch")
        #expect(issue.messageVI.contains("giay-to.pdf") && issue.messageVI.contains("tài liệu PDF") && issue.messageVI.contains("ảnh PNG"))
        #expect(issue.messageEN.contains("not what its name says"))
        let hidden = try #require(refusal(Fixture.cleanJPEG, name: "anh\u{202E}gpj.exe"))
        #expect(!hidden.messageVI.unicodeScalars.contains("\u{202E}"), "direction overrides never reach the page")
    }

    @Test("A nameless upload is judged by content alone; Data and byte arrays give the same answer")
    func namelessAndData() {
        #expect(sanitized(Fixture.phoneJPEG, name: nil)?.bytes == Fixture.cleanJPEG)
        #expect(AttachmentRules.sanitize(Data(Fixture.phoneJPEG), declaredName: "a.jpg") == AttachmentRules.sanitize(Fixture.phoneJPEG, declaredName: "a.jpg"))
        #expect(AttachmentRules.sanitize(Data(Fixture.phoneJPEG), declaredName: nil).map(\.data) == .success(Data(Fixture.cleanJPEG)))
    }

    @Test("Kinds are detected from the first bytes and carry their MIME type and extension")
    func kinds() {
        #expect(AttachmentKind.detect(Fixture.cleanJPEG) == .jpeg)
        #expect(AttachmentKind.detect(Fixture.cleanPNG) == .png)
        #expect(AttachmentKind.detect(Fixture.pdf) == .pdf)
        #expect(AttachmentKind.detect(Fixture.ascii("hello")) == nil)
        #expect(AttachmentKind.allCases.map(\.mimeType) == ["image/jpeg", "image/png", "application/pdf"])
        #expect(AttachmentKind.allCases.map(\.fileExtension) == ["jpg", "png", "pdf"])
    }

    @Test("At most five files per tip")
    func fileCount() {
        #expect(AttachmentRules.maxFiles == 5)
        for count in 0...5 { #expect(AttachmentRules.checkCount(count) == nil) }
        let issue = AttachmentRules.checkCount(6)
        #expect(issue?.code == "too_many" && issue?.field == "attachments")
        #expect(issue?.messageVI.contains("5") == true)
    }
}

/// Deterministic noise (a linear congruential generator), with a first byte no signature starts with.
private func pseudoRandomBytes(count: Int) -> [UInt8] {
    var state: UInt64 = 0x2545_F491_4F6C_DD1D
    var bytes = (0..<count).map { _ -> UInt8 in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: state >> 33)
    }
    bytes[0] = 0x42
    return bytes
}
