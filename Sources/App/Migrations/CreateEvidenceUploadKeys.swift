import Fluent

/// One-time keys for adding screenshots through the API to a report just filed: the key's SHA-256,
/// whose report it is (`owner`, as on `evidence_files`) and until when it works.
struct CreateEvidenceUploadKeys: AsyncMigration {
    var name: String { "2026-12-02-01-create-evidence-upload-keys" }

    func prepare(on database: any Database) async throws {
        try await database.schema("evidence_upload_keys")
            .field("key_hash", .string, .identifier(auto: false))
            .field("owner", .string, .required)
            .field("expires_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("evidence_upload_keys").delete()
    }
}
