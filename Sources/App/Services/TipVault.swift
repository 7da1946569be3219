import Fluent
import Foundation
import SQLKit
import Vapor

/// Encrypts what citizens write in tips (AES-GCM, bound to the tip's id so a sealed value cannot
/// be moved to another tip) and hashes anonymous receipts with a key (HMAC-SHA256), so a copy of
/// the database alone can neither read tips nor test receipts. Both keys derive from one master
/// key (`BINHYEN_TIP_KEY`).
struct TipVault: Sendable {
    private let sealingKey: SymmetricKey
    private let receiptKey: SymmetricKey

    init(masterKey: SymmetricKey) {
        sealingKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: masterKey, info: Data("binhyen tips sealing v1".utf8), outputByteCount: 32)
        receiptKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: masterKey, info: Data("binhyen tips receipts v1".utf8), outputByteCount: 32)
    }

    func seal(_ value: some Encodable, for id: UUID) throws -> Data {
        let plain = try JSONEncoder().encode(value)
        guard let combined = try AES.GCM.seal(plain, using: sealingKey, authenticating: Self.bytes(of: id)).combined else {
            throw Abort(.internalServerError, reason: "sealing failed")
        }
        return combined
    }

    func open<T: Decodable>(_ type: T.Type, from sealed: Data, for id: UUID) throws -> T {
        let box = try AES.GCM.SealedBox(combined: sealed)
        let plain = try AES.GCM.open(box, using: sealingKey, authenticating: Self.bytes(of: id))
        return try JSONDecoder().decode(type, from: plain)
    }

    /// Raw bytes (attachments), without the JSON wrapping.
    func sealBytes(_ plain: Data, for id: UUID) throws -> Data {
        guard let combined = try AES.GCM.seal(plain, using: sealingKey, authenticating: Self.bytes(of: id)).combined else {
            throw Abort(.internalServerError, reason: "sealing failed")
        }
        return combined
    }

    func openBytes(_ sealed: Data, for id: UUID) throws -> Data {
        try AES.GCM.open(try AES.GCM.SealedBox(combined: sealed), using: sealingKey, authenticating: Self.bytes(of: id))
    }

    func receiptHash(_ digits: String) -> String {
        Hex.string(HMAC<SHA256>.authenticationCode(for: Data(digits.utf8), using: receiptKey))
    }

    private static func bytes(of id: UUID) -> Data {
        withUnsafeBytes(of: id.uuid) { Data($0) }
    }

    /// The configured key, or for a single-machine SQLite install a key generated once under the
    /// data directory (with a warning: losing that file makes every tip unreadable).
    static func masterKey(config: AppConfig, logger: Logger) throws -> SymmetricKey {
        if let key = config.tipKey { return SymmetricKey(data: key) }
        let folder = config.dataDirectory + "/keys"
        let path = folder + "/tips.key"
        if let existing = FileManager.default.contents(atPath: path), let key = Data(base64Encoded: String(decoding: existing, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)), key.count == 32 {
            return SymmetricKey(data: key)
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let key = SymmetricKey(size: .bits256)
        let encoded = key.withUnsafeBytes { Data($0).base64EncodedString() }
        guard FileManager.default.createFile(atPath: path, contents: Data((encoded + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw Abort(.internalServerError, reason: "cannot write \(path)")
        }
        logger.warning("BINHYEN_TIP_KEY is not set: generated a tip encryption key at \(path). Back it up, or set BINHYEN_TIP_KEY; without it stored tips cannot be read.")
        return key
    }
}

/// Serialises the transactions that write tips and the audit chain, and commits them in groups.
/// Each audit entry depends on the one before it, and on SQLite two writers must not overlap; but
/// one commit per request would make every citizen wait for a disk flush in turn. So requests that
/// arrive while a commit is under way run together in the next transaction, each in its own
/// savepoint, and share its flush; nobody is answered before the flush. PostgreSQL adds an advisory lock for the audit chain, so
/// other nodes stay in order too.
actor WriteGate {
    private struct Job: Sendable {
        var body: @Sendable (any Database) async throws -> any Sendable
        var continuation: CheckedContinuation<any Sendable, any Error>
        var replayable: Bool
    }

    private var queue: [Job] = []
    private var draining = false
    /// Most requests in one transaction, to keep each commit short.
    static let batchLimit = 128

    /// - Parameter replayable: the body only inserts rows with plain SQL (no Fluent model saves,
    ///   whose change tracking would think a rolled-back save had happened), so it may run again.
    ///   A group of such bodies runs without savepoints; if one fails, the group is rolled back
    ///   and each runs again alone.
    func transaction<T: Sendable>(on db: any Database, replayable: Bool = false, _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        let value = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<any Sendable, any Error>) in
            queue.append(Job(body: { try await body($0) }, continuation: continuation, replayable: replayable))
            if !draining {
                draining = true
                Task { await self.drain(on: db) }
            }
        }
        guard let typed = value as? T else { throw Abort(.internalServerError, reason: "write gate returned \(type(of: value))") }
        return typed
    }

    /// The next group: queued jobs of one kind (replayable or not), in arrival order.
    private func take() -> [Job] {
        let kind = queue.first?.replayable
        let batch = Array(queue.prefix(Self.batchLimit).prefix { $0.replayable == kind })
        queue.removeFirst(batch.count)
        if batch.isEmpty { draining = false }
        return batch
    }

    private func drain(on db: any Database) async {
        while true {
            let batch = take()
            if batch.isEmpty { return }
            await Self.run(batch, on: db)
        }
    }

    /// One transaction for the whole batch, with the write lock taken first. Each request runs in
    /// its own savepoint: one that fails is rolled back alone (with its audit entries) and gets its
    /// error; the others commit together.
    private static func run(_ batch: [Job], on db: any Database) async {
        if batch.count > 1, batch.allSatisfy(\.replayable) {
            do {
                let values = try await db.transaction { tx -> [any Sendable] in
                    try await lockForWriting(tx)
                    let audit = AuditBatch()
                    var values: [any Sendable] = []
                    try await AuditBatch.$current.withValue(audit) {
                        for job in batch { values.append(try await job.body(tx)) }
                    }
                    try await audit.flush(on: tx)
                    return values
                }
                for (job, value) in zip(batch, values) { job.continuation.resume(returning: value) }
            } catch {
                // Rolled back as a whole: run each again alone, so only the failing one fails.
                for job in batch { await run([job], on: db) }
            }
            return
        }
        let results: [Result<any Sendable, any Error>]
        do {
            results = try await db.transaction { tx -> [Result<any Sendable, any Error>] in
                let sql = try tx.requireSQL()
                try await lockForWriting(tx)
                let audit = AuditBatch()
                var outcomes: [Result<any Sendable, any Error>] = []
                try await AuditBatch.$current.withValue(audit) {
                    if batch.count == 1 {
                        outcomes.append(.success(try await batch[0].body(tx)))
                        return
                    }
                    for (index, job) in batch.enumerated() {
                        let savepoint = SQLIdentifier("w\(index)")
                        let head = audit.head
                        try await sql.raw("SAVEPOINT \(savepoint)").run()
                        do {
                            outcomes.append(.success(try await job.body(tx)))
                            try await sql.raw("RELEASE SAVEPOINT \(savepoint)").run()
                        } catch {
                            try await sql.raw("ROLLBACK TO SAVEPOINT \(savepoint)").run()
                            try await sql.raw("RELEASE SAVEPOINT \(savepoint)").run()
                            audit.head = head
                            outcomes.append(.failure(error))
                        }
                    }
                }
                try await audit.flush(on: tx)
                return outcomes
            }
        } catch {
            // The transaction (or the commit) failed: nothing of the batch is stored.
            for job in batch { job.continuation.resume(throwing: error) }
            return
        }
        for (job, result) in zip(batch, results) { job.continuation.resume(with: result) }
    }

    /// Takes SQLite's write lock at the start (BEGIN IMMEDIATE in effect): a transaction that read
    /// first could not upgrade later while another connection writes.
    private static func lockForWriting(_ tx: any Database) async throws {
        let sql = try tx.requireSQL()
        if sql.dialect.name == "sqlite" {
            try await sql.raw("UPDATE audit_head SET seq = seq WHERE 1 = 0").run()
        }
    }
}

extension Application {
    private struct TipVaultKey: StorageKey { typealias Value = TipVault }
    private struct WriteGateKey: StorageKey { typealias Value = WriteGate }

    var tipVault: TipVault {
        get {
            guard let vault = storage[TipVaultKey.self] else { preconditionFailure("configure(_:config:) sets up the tip vault") }
            return vault
        }
        set { storage[TipVaultKey.self] = newValue }
    }

    var writeGate: WriteGate {
        get {
            guard let gate = storage[WriteGateKey.self] else { preconditionFailure("configure(_:config:) sets up the write gate") }
            return gate
        }
        set { storage[WriteGateKey.self] = newValue }
    }
}
