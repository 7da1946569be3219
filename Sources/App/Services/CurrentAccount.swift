import BinhYenCore
import Fluent
import Vapor

/// The logged-in account as the rest of a request sees it: who, and which roles where.
struct CurrentAccount: Authenticatable, Sendable {
    var id: UUID
    var phone: String
    var displayName: String
    var kind: Account.Kind
    var locale: String
    var grants: [Grant]
    /// Set when the request authenticated with a bearer token (so logout can revoke it).
    var tokenID: UUID?

    var isStaff: Bool { kind == .staff && !grants.isEmpty }

    static func load(accountID: UUID, tokenID: UUID? = nil, on db: any Database) async throws -> CurrentAccount? {
        guard let account = try await Account.query(on: db)
            .filter(\.$id == accountID).filter(\.$disabledAt == nil)
            .with(\.$memberships).first()
        else { return nil }
        return CurrentAccount(
            id: accountID,
            phone: account.phone,
            displayName: account.displayName,
            kind: account.kind,
            locale: account.locale,
            grants: account.memberships.map { Grant(role: $0.role, unitID: $0.$unit.id.uuidString) },
            tokenID: tokenID
        )
    }

    /// Whether the policy lets this account do `action` at `unitID` (one closure-table query).
    func may(_ action: Action, atUnit unitID: UUID, on db: any Database) async throws -> Bool {
        guard !grants.isEmpty else { return false }
        let ancestry = try await UnitTree.ancestry(of: unitID, on: db)
        return Policy.allows(grants, action, onUnitWithAncestry: Set(ancestry.map(\.uuidString)))
    }
}
