import BinhYenCore
import Fluent
import Foundation
import Vapor

/// A screenshot or document attached to a report (see `CreateEvidenceFiles`).
final class EvidenceFile: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "evidence_files"

    @ID var id: UUID?
    @Field(key: "owner") var owner: String
    @Enum(key: "kind") var kind: AttachmentKind
    @Field(key: "byte_count") var byteCount: Int
    @Field(key: "metadata_removed") var metadataRemoved: Bool
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// Writes cleaned files (checked by content, metadata removed) encrypted to the attachment store
/// before the rows commit; the caller creates the rows in its transaction and calls `discard` if
/// the transaction fails.
enum EvidenceFiles {
    static func write(_ files: [SanitizedAttachment], owner: String, store: AttachmentStore, at now: Date) throws -> [EvidenceFile] {
        var rows: [EvidenceFile] = []
        do {
            for file in files {
                let row = EvidenceFile()
                let id = UUID.timeOrdered(at: now)
                row.id = id
                row.owner = owner
                row.kind = file.kind
                row.byteCount = file.bytes.count
                row.metadataRemoved = file.metadataRemoved
                row.createdAt = now
                try store.write(file.data, id: id)
                rows.append(row)
            }
        } catch {
            discard(rows, store: store)
            throw error
        }
        return rows
    }

    static func discard(_ rows: [EvidenceFile], store: AttachmentStore) {
        for row in rows { if let id = row.id { store.remove(id) } }
    }

    /// A stored file (evidence or a tip's attachment) as a download the browser shows but never runs.
    static func response(_ kind: AttachmentKind, data: Data, name: String) -> Response {
        let response = Response(status: .ok, body: .init(data: data))
        let parts = kind.mimeType.split(separator: "/").map(String.init)
        response.headers.contentType = HTTPMediaType(type: parts[0], subType: parts[1])
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        response.headers.replaceOrAdd(name: "Content-Security-Policy", value: "sandbox; default-src 'none'")
        response.headers.replaceOrAdd(name: .cacheControl, value: "private, no-store")
        let disposition = kind == .pdf ? "attachment" : "inline"
        response.headers.replaceOrAdd(name: .contentDisposition, value: "\(disposition); filename=\"\(name).\(kind.fileExtension)\"")
        return response
    }
}
