import BinhYenCore
import Fluent
import SQLKit
import NIOConcurrencyHelpers
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

    /// Whether `token` has the shape of one this service issues (worth looking up at all).
    static func wellFormed(_ token: String) -> Bool {
        token.hasPrefix(prefix) && token.count < 200
    }

    /// The account behind a live token (not expired, not revoked, account not disabled), with its
    /// roles, in one statement; nil otherwise.
    func account(for token: String, now: Date = Date()) async throws -> CurrentAccount? {
        guard Self.wellFormed(token) else { return nil }
        let rows = try await db.requireSQL().raw("""
            SELECT t.id AS token_id, a.id AS account_id, a.phone, a.display_name, a.kind, a.locale, m.role, m.unit_id
            FROM api_tokens t JOIN accounts a ON a.id = t.account_id LEFT JOIN memberships m ON m.account_id = a.id
            WHERE t.token_hash = \(bind: Self.hash(token)) AND t.revoked_at IS NULL AND t.expires_at > \(bind: now) AND a.disabled_at IS NULL
            """).all()
        guard let first = rows.first, let kind = Account.Kind(rawValue: try first.decode(column: "kind", as: String.self)) else { return nil }
        let grants: [Grant] = try rows.compactMap { row in
            guard let role = try row.decode(column: "role", as: String?.self).flatMap(Role.init(rawValue:)),
                  let unit = try row.decode(column: "unit_id", as: UUID?.self) else { return nil }
            return Grant(role: role, unitID: unit.uuidString)
        }
        return CurrentAccount(id: try first.decode(column: "account_id", as: UUID.self), phone: try first.decode(column: "phone", as: String.self),
                              displayName: try first.decode(column: "display_name", as: String.self), kind: kind,
                              locale: try first.decode(column: "locale", as: String.self), grants: grants,
                              tokenID: try first.decode(column: "token_id", as: UUID.self))
    }

    func revoke(tokenID: UUID, now: Date = Date()) async throws {
        try await APIToken.query(on: db).filter(\.$id == tokenID).set(\.$revokedAt, to: now).update()
    }
}

/// Bearer tokens found valid in the last few seconds, with their account and roles, for the API's
/// most frequent reads: a member's feed and the statistics. Revoking a token forgets them all at
/// once; a change of roles or a token's expiry is seen at the latest `lifetime` later. Writes
/// always check the token in the database.
final class BearerCache: Sendable {
    private struct State {
        var kept: KeptValues<String, CurrentAccount>
        /// Bumped by `forgetAll`: a check that began before it is not kept (it may have seen the
        /// token live just before it was revoked).
        var generation = 0
    }

    private let state: NIOLockedValueBox<State>
    let lifetime: Duration
    /// At most this many tokens are kept (then all are forgotten and read again).
    static let limit = 20_000

    init(seconds: Int) {
        lifetime = .seconds(seconds)
        state = NIOLockedValueBox(State(kept: KeptValues(lifetime: lifetime, spread: true)))
    }

    /// The account behind `token` as `check` found it at most `lifetime` ago; `check` asks the
    /// database (a token it finds not live is not kept).
    func account(for token: String, check: () async throws -> CurrentAccount?) async throws -> CurrentAccount? {
        let key = TokenService.hash(token)
        let (known, generation) = state.withLockedValue { ($0.kept.value(for: key), $0.generation) }
        if let known { return known }
        guard let account = try await check() else { return nil }
        state.withLockedValue { state in
            if state.generation == generation { state.kept.keep(account, for: key, limit: Self.limit) }
        }
        return account
    }

    func forgetAll() {
        state.withLockedValue { state in
            state.kept = KeptValues(lifetime: lifetime, spread: true)
            state.generation += 1
        }
    }
}

extension Application {
    private struct BearerCacheKey: StorageKey { typealias Value = BearerCache }

    /// nil when BINHYEN_TOKEN_SECONDS is 0: every request checks its token in the database.
    var bearerCache: BearerCache? {
        get { storage[BearerCacheKey.self] }
        set { storage[BearerCacheKey.self] = newValue }
    }
}
