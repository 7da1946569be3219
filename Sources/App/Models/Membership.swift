import BinhYenCore
import Fluent
import Foundation

/// A role held by an account at a unit; it reaches the unit's whole subtree.
final class Membership: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "memberships"

    @ID var id: UUID?
    @Parent(key: "account_id") var account: Account
    @Parent(key: "unit_id") var unit: Unit
    @Enum(key: "role") var role: Role
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(accountID: UUID, unitID: UUID, role: Role) {
        self.$account.id = accountID
        self.$unit.id = unitID
        self.role = role
    }
}
