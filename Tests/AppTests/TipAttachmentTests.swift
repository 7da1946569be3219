@testable import App
import BinhYenCore
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite("Tip attachments")
struct TipAttachmentTests {
    // A photo as phones send it: JFIF, then EXIF with a GPS position, then the picture itself.
    static func segment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let length = payload.count + 2
        return [0xFF, marker, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
    }
    static let gps = Array("GPSLatitude 12.6667 GPSLongitude 108.0377".utf8)
    static let scan: [UInt8] = [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0x78, 0x9A, 0xBC]
    static var phoneJPEG: [UInt8] {
        [0xFF, 0xD8] + segment(0xE0, Array("JFIF\0".utf8) + [1, 1, 1, 0, 72, 0, 72, 0, 0])
            + segment(0xE1, Array("Exif\0\0MM".utf8) + [0x00, 0x2A, 0, 0, 0, 8] + gps)
            + segment(0xDB, [0x00] + (1...64).map { UInt8($0) })
            + segment(0xC0, [8, 0, 16, 0, 16, 1, 1, 0x11, 0])
            + segment(0xC4, [0x00, 1] + Array(repeating: 0, count: 15) + [0x00])
            + segment(0xDA, [1, 1, 0x00, 0, 63, 0]) + scan + [0xFF, 0xD9]
    }
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8) + Array(repeating: 1, count: 17)

    struct Part {
        var name: String
        var filename: String?
        var bytes: [UInt8]
    }

    /// A multipart form body the way a browser sends it.
    static func multipart(_ parts: [Part]) -> (boundary: String, body: Data) {
        let boundary = "----binhyen\(UUID().uuidString)"
        var body = Data()
        for part in parts {
            body.append(Data("--\(boundary)\r\n".utf8))
            if let filename = part.filename {
                body.append(Data("Content-Disposition: form-data; name=\"\(part.name)\"; filename=\"\(filename)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8))
            } else {
                body.append(Data("Content-Disposition: form-data; name=\"\(part.name)\"\r\n\r\n".utf8))
            }
            body.append(Data(part.bytes))
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        return (boundary, body)
    }

    /// Posts a multipart form without a session.
    static func post(_ app: Application, _ path: String, _ parts: [Part]) async throws -> (HTTPStatus, String) {
        let (boundary, body) = multipart(parts)
        var result: (HTTPStatus, String)?
        try await app.testing().test(.POST, path, beforeRequest: { req in
            req.headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
            req.body = ByteBuffer(data: body)
        }, afterResponse: { res async in
            result = (res.status, res.body.string)
        })
        return try #require(result)
    }

    static func fields(_ extra: [Part]) -> [Part] {
        [Part(name: "category", bytes: Array("drugs".utf8)),
         Part(name: "description", bytes: Array("Ảnh chụp nhóm người mua bán ma tuý ở bãi xe sau chợ.".utf8)),
         Part(name: "commune", bytes: Array("24133".utf8))] + extra
    }

    @Test("A photo's GPS position is gone before it is stored; the officer gets the picture back intact, served so the browser never runs it")
    func photoWithoutGPS() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let (status, page) = try await Self.post(app, "/tips/anonymous", Self.fields([Part(name: "attachments[]", filename: "IMG_2041.JPG", bytes: Self.phoneJPEG)]))
            #expect(status == .created, "\(page.prefix(300))")
            let tip = try #require(try await Tip.query(on: app.db).first())
            let rows = try await TipAttachment.query(on: app.db).all()
            #expect(rows.count == 1 && rows[0].kind == .jpeg && rows[0].metadataRemoved)

            // On disk: encrypted, so neither the position nor the picture's bytes can be read.
            let stored = try #require(FileManager.default.contents(atPath: app.attachmentStore.path(try rows[0].requireID())))
            #expect(stored.range(of: Data(Self.gps)) == nil && stored.range(of: Data(Self.scan)) == nil)

            let officer = try await TipWebTests.login(app, TipAPITests.communeOfficer)
            let detail = try await officer.get("/console/tips/\(try tip.requireID())")
            let link = "/console/tips/\(try tip.requireID())/attachments/\(try rows[0].requireID())"
            #expect(detail.body.contains(link))
            var served: (HTTPHeaders, Data)?
            try await app.testing().test(.GET, link, beforeRequest: { req in
                req.headers.replaceOrAdd(name: .cookie, value: officer.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
            }, afterResponse: { res async in
                served = (res.headers, Data(buffer: res.body))
            })
            let (headers, bytes) = try #require(served)
            #expect(headers.contentType == .jpeg)
            #expect(headers.first(name: "X-Content-Type-Options") == "nosniff")
            #expect(bytes.range(of: Data(Self.gps)) == nil, "the GPS position was removed")
            #expect(bytes.range(of: Data(Array("Exif".utf8))) == nil)
            #expect(bytes.range(of: Data(Self.scan)) != nil, "the picture itself is untouched")
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "tip.attachment.read").count() == 1)

            let other = try await TipWebTests.login(app, TipAPITests.otherCommuneOfficer)
            #expect(try await other.get(link).status == .notFound)
        }
    }

    @Test("A PNG named .pdf, a 50 MB file and six files are refused with the reason next to the field, and nothing is stored")
    func refusals() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let (mismatch, page) = try await Self.post(app, "/tips/anonymous", Self.fields([Part(name: "attachments[]", filename: "giay-to.pdf", bytes: Self.png)]))
            #expect(mismatch == .unprocessableEntity)
            #expect(page.contains("data-field=\"attachments\"") && page.contains("không phải tài liệu PDF"))

            let huge = [UInt8](repeating: 0xFF, count: 50 * 1024 * 1024)
            let (tooLarge, largePage) = try await Self.post(app, "/tips/anonymous", Self.fields([Part(name: "attachments[]", filename: "video.jpg", bytes: huge)]))
            #expect(tooLarge == .unprocessableEntity)
            #expect(largePage.contains("lớn quá 10 MB"))

            let six = (1...6).map { Part(name: "attachments[]", filename: "anh\($0).jpg", bytes: Self.phoneJPEG) }
            let (tooMany, manyPage) = try await Self.post(app, "/tips/anonymous", Self.fields(six))
            #expect(tooMany == .unprocessableEntity)
            #expect(manyPage.contains("tối đa 5 tệp"))

            #expect(try await Tip.query(on: app.db).count() == 0)
            #expect(try await TipAttachment.query(on: app.db).count() == 0)
            let folder = app.attachmentStore.directory
            #expect((try? FileManager.default.contentsOfDirectory(atPath: folder))?.isEmpty ?? true, "no file was written")
        }
    }

    static func upload(_ app: Application, _ path: String, _ bytes: [UInt8], headers: HTTPHeaders) async throws -> (HTTPStatus, String) {
        var result: (HTTPStatus, String)?
        try await app.testing().test(.POST, path, headers: headers, beforeRequest: { req in
            req.headers.replaceOrAdd(name: .contentType, value: "application/octet-stream")
            req.body = ByteBuffer(bytes: bytes)
        }, afterResponse: { res async in
            result = (res.status, res.body.string)
        })
        // The API pretty-prints its JSON; compare without the spaces.
        return try #require(result.map { ($0.0, $0.1.replacingOccurrences(of: " ", with: "")) })
    }

    @Test("Through the API: a file per request with the receipt in a header, cleaned like the form's; oversized bodies are refused before they are read")
    func apiUploads() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let created = try await TipAPITests.submit(app, ["category": "theft", "description": "Camera nhà tôi quay được kẻ trộm xe.", "commune": TipAPITests.buonMaThuot])
            let receipt = try #require(created.receipt)
            let withReceipt = HTTPHeaders([("X-Tip-Receipt", TipReceipt.display(receipt))])

            let (status, body) = try await Self.upload(app, "/api/v1/anonymous-tips/attachments?filename=camera.jpg", Self.phoneJPEG, headers: withReceipt)
            #expect(status == .created, "\(body)")
            #expect(body.contains("\"kind\":\"jpeg\"") && body.contains("\"metadataRemoved\":true"))
            let (mismatch, mismatchBody) = try await Self.upload(app, "/api/v1/anonymous-tips/attachments?filename=scan.pdf", Self.png, headers: withReceipt)
            #expect(mismatch == .badRequest && mismatchBody.contains("\"field\":\"file\"") && mismatchBody.contains("type_mismatch"))
            let (unknown, _) = try await Self.upload(app, "/api/v1/anonymous-tips/attachments", Self.phoneJPEG, headers: ["X-Tip-Receipt": "1111 2222 3333 4444"])
            #expect(unknown == .notFound)
            let (huge, hugeBody) = try await Self.upload(app, "/api/v1/anonymous-tips/attachments", [UInt8](repeating: 0xFF, count: 11 * 1024 * 1024), headers: withReceipt)
            #expect(huge == .payloadTooLarge && hugeBody.contains("\"field\":\"file\""))
            for _ in 2...5 {
                #expect(try await Self.upload(app, "/api/v1/anonymous-tips/attachments", Self.phoneJPEG, headers: withReceipt).0 == .created)
            }
            let (sixth, sixthBody) = try await Self.upload(app, "/api/v1/anonymous-tips/attachments", Self.phoneJPEG, headers: withReceipt)
            #expect(sixth == .badRequest && sixthBody.contains("too_many"))

            let officer = try await TipAPITests.bearer(app, TipAPITests.communeOfficer)
            let id = try #require(try await Tip.query(on: app.db).first()?.requireID())
            let attachmentID = try #require(try await TipAttachment.query(on: app.db).first()?.requireID())
            try await app.testing().test(.GET, "/api/v1/tips/\(id)/attachments/\(attachmentID)", headers: officer) { res async in
                #expect(res.status == .ok)
                #expect(res.headers.contentType == .jpeg)
                let bytes = Data(buffer: res.body)
                #expect(bytes.range(of: Data(Self.gps)) == nil && bytes.range(of: Data(Self.scan)) != nil)
            }
            let opened = try await TipAPITests.json(app, .POST, "/api/v1/anonymous-tips/status", body: ["receipt": receipt], expect: .ok, as: CitizenTipFiles.self)
            #expect(opened.attachments.count == 5)

            let big = ["category": "theft", "description": String(repeating: "x", count: 300 * 1024), "commune": TipAPITests.buonMaThuot]
            let tooBig = try await TipAPITests.json(app, .POST, "/api/v1/tips", body: big, expect: .payloadTooLarge, as: APITests.ErrorBody.self)
            #expect(tooBig.error.fields?.first?.field == "body")
        }
    }

    struct CitizenTipFiles: Content {
        struct File: Content { var id: String; var kind: String }
        var attachments: [File]
    }
}
