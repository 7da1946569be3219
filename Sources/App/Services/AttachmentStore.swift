import BinhYenCore
import Fluent
import Foundation
import Vapor

/// A photo or document on a tip.
final class TipAttachment: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "tip_attachments"

    @ID var id: UUID?
    @Parent(key: "tip_id") var tip: Tip
    @Enum(key: "kind") var kind: AttachmentKind
    @Field(key: "byte_count") var byteCount: Int
    /// False for PDFs, whose metadata is kept as it came.
    @Field(key: "metadata_removed") var metadataRemoved: Bool
    @Field(key: "from_citizen") var fromCitizen: Bool
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// Encrypted attachment files under `<data>/attachments`. A file is written completely (and
/// flushed to disk) under a temporary name, then renamed, so a crash never leaves half a file
/// under a real name. Files are written before the database row commits; a failed commit removes
/// them again.
struct AttachmentStore: Sendable {
    let directory: String
    let vault: TipVault

    func path(_ id: UUID) -> String {
        let name = id.uuidString.lowercased()
        return "\(directory)/\(name.prefix(2))/\(name)"
    }

    func write(_ plain: Data, id: UUID) throws {
        let final = path(id)
        let folder = (final as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let temporary = final + ".partial"
        guard FileManager.default.createFile(atPath: temporary, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forWritingAtPath: temporary)
        else { throw Abort(.internalServerError, reason: "cannot write \(temporary)") }
        do {
            try handle.write(contentsOf: try vault.sealBytes(plain, for: id))
            try handle.synchronize()
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        guard rename(temporary, final) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw Abort(.internalServerError, reason: "cannot rename \(temporary)")
        }
    }

    func read(_ id: UUID) throws -> Data {
        guard let sealed = FileManager.default.contents(atPath: path(id)) else { throw Abort(.notFound) }
        return try vault.openBytes(sealed, for: id)
    }

    func remove(_ id: UUID) {
        try? FileManager.default.removeItem(atPath: path(id))
    }
}

extension Application {
    var attachmentStore: AttachmentStore {
        AttachmentStore(directory: binhyenConfig.dataDirectory + "/attachments", vault: tipVault)
    }
}
