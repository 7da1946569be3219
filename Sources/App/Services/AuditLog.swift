import BinhYenCore
import Fluent
import Foundation
import SQLKit
import Vapor

/// Who did something, as the audit log records it. An anonymous citizen leaves no identifier.
enum AuditActor: Sendable, Equatable {
    case staff(UUID)
    case citizen(UUID)
    case anonymous
    case system

    var kind: String {
        switch self {
        case .staff: "staff"
        case .citizen: "citizen"
        case .anonymous: "anonymous"
        case .system: "system"
        }
    }

    var id: UUID? {
        switch self {
        case .staff(let id), .citizen(let id): id
        case .anonymous, .system: nil
        }
    }
}

/// The append-only, hash-chained audit log: each entry's hash covers its fields and the previous
/// entry's hash, so editing or removing any entry breaks the chain from there on.
enum AuditLog {
    static let genesis = String(repeating: "0", count: 64)

    /// Appends one entry. Call inside a transaction held through `WriteGate`, so entries are
    /// chained in order; on PostgreSQL an advisory lock also orders writers on other nodes.
    static func append(_ actor: AuditActor, _ action: String, subject: String, detail: [String: String] = [:], at: Date, on db: any Database) async throws {
        let sql = try db.requireSQL()
        // In a grouped transaction the head is read once and written once, at the end.
        let batch = WriteBatch.current
        var head: (seq: Int64, hash: String, stored: Bool)
        if let known = batch?.auditHead {
            head = known
        } else {
            if sql.dialect.name == "postgresql" {
                try await sql.raw("SELECT pg_advisory_xact_lock(\(literal: 7_246_001))").run()
            }
            let row = try await sql.raw("SELECT seq, hash FROM audit_head WHERE id = 1").first()
            head = (try row?.decode(column: "seq", as: Int64.self) ?? 0, try row?.decode(column: "hash", as: String.self) ?? genesis, row != nil)
        }

        let entry = AuditEntry()
        entry.seq = head.seq + 1
        entry.atMilliseconds = Int64((at.timeIntervalSince1970 * 1000).rounded())
        entry.actorKind = actor.kind
        entry.actorID = actor.id
        entry.action = action
        entry.subject = subject
        entry.detail = try canonical(detail)
        entry.prevHash = head.hash
        entry.hash = hash(entry)
        // A plain insert (deferred to the end of a group of replayable writes): every tip read and
        // change writes one entry, and Fluent's create costs reflection over the model on each row.
        try await WriteBatch.insert(into: AuditEntry.schema,
            columns: ["id", "seq", "at_ms", "actor_kind", "actor_id", "action", "subject", "detail", "prev_hash", "hash"],
            rows: [[SQLBind(UUID.timeOrdered(at: at)), SQLBind(entry.seq), SQLBind(entry.atMilliseconds), SQLBind(entry.actorKind), SQLBind(entry.actorID),
                    SQLBind(entry.action), SQLBind(entry.subject), SQLBind(entry.detail), SQLBind(entry.prevHash), SQLBind(entry.hash)]],
            on: db)
        if let batch {
            batch.auditHead = (entry.seq, entry.hash, head.stored)
        } else {
            try await storeHead(seq: entry.seq, hash: entry.hash, exists: head.stored, on: sql)
        }
    }

    static func storeHead(seq: Int64, hash: String, exists: Bool, on sql: any SQLDatabase) async throws {
        if exists {
            try await sql.raw("UPDATE audit_head SET seq = \(bind: seq), hash = \(bind: hash) WHERE id = 1").run()
        } else {
            try await sql.raw("INSERT INTO audit_head (id, seq, hash) VALUES (1, \(bind: seq), \(bind: hash))").run()
        }
    }

    /// The detail as JSON with sorted keys: the same text for the same detail, which the hash needs.
    /// Written by hand because it runs for every audited read and change.
    static func canonical(_ detail: [String: String]) throws -> String {
        var out = "{"
        for (index, key) in detail.keys.sorted().enumerated() {
            if index > 0 { out += "," }
            out += quoted(key) + ":" + quoted(detail[key] ?? "")
        }
        return out + "}"
    }

    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = Hex.string([UInt8(scalar.value >> 8), UInt8(scalar.value & 0xFF)])
                out += "\\u" + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func hash(_ entry: AuditEntry) -> String {
        let fields = [
            entry.prevHash, String(entry.seq), String(entry.atMilliseconds), entry.actorKind,
            entry.actorID?.uuidString ?? "", entry.action, entry.subject, entry.detail,
        ]
        // U+001F (unit separator) cannot occur in the fields, so no two entries hash the same text.
        let text = fields.joined(separator: "\u{1F}")
        return Hex.string(SHA256.hash(data: Data(text.utf8)))
    }

    struct Verification: Sendable {
        var entries: Int
        var problems: [String]
        var isIntact: Bool { problems.isEmpty }
    }

    /// Walks the whole chain in order, in pages, and reports every break.
    static func verify(on db: any Database, pageSize: Int = 5_000) async throws -> Verification {
        var problems: [String] = []
        var expectedSeq: Int64 = 1
        var previousHash = genesis
        var count = 0
        while true {
            let page = try await AuditEntry.query(on: db).filter(\.$seq >= expectedSeq).sort(\.$seq).limit(pageSize).all()
            for entry in page {
                count += 1
                if entry.seq != expectedSeq {
                    problems.append("entries \(expectedSeq)…\(entry.seq - 1) are missing")
                    previousHash = entry.prevHash
                }
                if entry.prevHash != previousHash {
                    problems.append("entry \(entry.seq): does not follow the entry before it")
                }
                if hash(entry) != entry.hash {
                    problems.append("entry \(entry.seq): its contents were changed after it was written")
                }
                previousHash = entry.hash
                expectedSeq = entry.seq + 1
            }
            if page.count < pageSize { break }
        }
        let head = try await db.requireSQL().raw("SELECT seq, hash FROM audit_head WHERE id = 1").first()
        let headSeq = try head?.decode(column: "seq", as: Int64.self) ?? 0
        let headHash = try head?.decode(column: "hash", as: String.self) ?? genesis
        if headSeq != expectedSeq - 1 || headHash != previousHash {
            problems.append("the log ends at entry \(expectedSeq - 1) but its head says \(headSeq): entries were removed or added at the end")
        }
        return Verification(entries: count, problems: problems)
    }
}
