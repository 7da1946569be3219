import Fluent
import Vapor

/// Bearer tokens for the API. The token is shown once; the database keeps its SHA-256 only, so a
/// leaked backup cannot be replayed.
struct TokenService: Sendable {
    let db: any Database
    static let lifetime: TimeInterval = 30 * 24 * 3600
    static let prefix = "byt_"

    struct Issued: Sendable {
        var token: String
        var record: APIToken
    }

    static func hash(_ token: String) -> String {
        Hex.string(SHA256.hash(data: Data(token.utf8)))
    }

    /// 32 random bytes in URL-safe base64, for secrets shown once.
    static func randomSecret() -> String {
        Data([UInt8].random(count: 32)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    func issue(for accountID: UUID, label: String, now: Date = Date()) async throws -> Issued {
        let token = Self.prefix + Self.randomSecret()
        let record = APIToken()
        record.$account.id = accountID
        record.tokenHash = Self.hash(token)
        record.label = String(label.prefix(80))
        record.expiresAt = now.addingTimeInterval(Self.lifetime)
        try await record.create(on: db)
        return Issued(token: token, record: record)
    }

    /// The live token record for `token`, or nil when unknown, expired or revoked.
    func validate(_ token: String, now: Date = Date()) async throws -> APIToken? {
        guard token.hasPrefix(Self.prefix), token.count < 200 else { return nil }
        guard let record = try await APIToken.query(on: db).filter(\.$tokenHash == Self.hash(token)).first(),
              record.revokedAt == nil, record.expiresAt > now
        else { return nil }
        return record
    }

    func revoke(tokenID: UUID, now: Date = Date()) async throws {
        try await APIToken.query(on: db).filter(\.$id == tokenID).set(\.$revokedAt, to: now).update()
    }
}
