import Fluent
import Foundation

/// One entry of the hash-chained audit log. Never updated or deleted.
final class AuditEntry: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "audit_entries"

    @ID var id: UUID?
    @Field(key: "seq") var seq: Int64
    /// Milliseconds since 1970: an integer hashes the same on every database engine.
    @Field(key: "at_ms") var atMilliseconds: Int64
    @Field(key: "actor_kind") var actorKind: String
    @OptionalField(key: "actor_id") var actorID: UUID?
    @Field(key: "action") var action: String
    @Field(key: "subject") var subject: String
    @Field(key: "detail") var detail: String
    @Field(key: "prev_hash") var prevHash: String
    @Field(key: "hash") var hash: String

    init() {}
}
