import BinhYenCore
import Fluent
import Foundation
import SQLKit
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

    /// Writes the files, runs `body` with their rows (which it creates in its transaction), and
    /// removes the files again when `body` fails, so a refused or failed write leaves none behind.
    static func storing<T>(_ files: [SanitizedAttachment], owner: String, store: AttachmentStore, at now: Date,
                           _ body: ([EvidenceFile]) async throws -> T) async throws -> T {
        let rows = try write(files, owner: owner, store: store, at: now)
        do {
            return try await body(rows)
        } catch {
            discard(rows, store: store)
            throw error
        }
    }

    /// The files kept under each owner name (`owners` maps a caller's key to it), oldest first,
    /// in one query.
    static func byOwner<Key: Hashable>(_ owners: [Key: String], on db: any Database) async throws -> [Key: [EvidenceFile]] {
        guard !owners.isEmpty else { return [:] }
        let keyOf = Dictionary(owners.map { ($0.value, $0.key) }) { first, _ in first }
        var found: [Key: [EvidenceFile]] = [:]
        for file in try await EvidenceFile.query(on: db).filter(\.$owner ~~ Set(owners.values)).sort(\.$createdAt).all() {
            if let key = keyOf[file.owner] { found[key, default: []].append(file) }
        }
        return found
    }

    /// Where the cyber patrol opens a file in the console.
    static func consoleLink(_ file: EvidenceFile) -> String? {
        file.id.map { "/console/scams/evidence/" + $0.uuidString }
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

/// Keys for adding screenshots through the API to a report just filed (its JSON cannot carry
/// files): shown once in the answer that files it, kept as SHA-256, good for an hour and for
/// `AttachmentRules.maxFiles` files in all.
enum EvidenceUploadKeys {
    static let lifetime: TimeInterval = 3600
    static let prefix = "byk_"

    /// Makes a key for `owner`, inside the transaction that files the report.
    static func issue(for owner: String, at now: Date, on db: any Database) async throws -> String {
        let key = prefix + TokenService.randomSecret()
        try await db.requireSQL().insert(into: "evidence_upload_keys").columns("key_hash", "owner", "expires_at")
            .values(SQLBind(TokenService.hash(key)), SQLBind(owner), SQLBind(now.addingTimeInterval(lifetime))).run()
        return key
    }

    /// Stores one more file for the report `key` was given for. `TipService.NotFound` when the key
    /// is unknown or expired; a field error when the report has all its files already.
    static func add(_ file: SanitizedAttachment, key: String, db: any Database, gate: WriteGate, store: AttachmentStore,
                    now: Date = Date()) async throws -> EvidenceFile {
        guard key.hasPrefix(prefix), key.count <= 128, let owner = try await owner(of: key, at: now, on: db) else { throw TipService.NotFound() }
        return try await EvidenceFiles.storing([file], owner: owner, store: store, at: now) { rows in
            try await gate.transaction { db in
                // Checked again in the serial writer: two uploads at once cannot pass the limit together.
                guard try await Self.owner(of: key, at: now, on: db) == owner else { throw TipService.NotFound() }
                let stored = try await EvidenceFile.query(on: db).filter(\.$owner == owner).count()
                if let tooMany = AttachmentRules.checkCount(stored + 1, field: "file") { throw ValidationFailure(issues: [tooMany]) }
                for row in rows { try await row.create(on: db) }
                try await AuditLog.append(.anonymous, "evidence.add", subject: owner, detail: ["kind": file.kind.rawValue], at: now, on: db)
            }
            return rows[0]
        }
    }

    private static func owner(of key: String, at now: Date, on db: any Database) async throws -> String? {
        try await db.requireSQL().raw("""
            SELECT owner FROM evidence_upload_keys WHERE key_hash = \(bind: TokenService.hash(key)) AND expires_at > \(bind: now)
            """).first()?.decode(column: "owner", as: String.self)
    }
}
