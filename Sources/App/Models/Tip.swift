import BinhYenCore
import Fluent
import Foundation

/// A tip (tin báo). Everything the citizen wrote is in `sealed`, encrypted with the tip vault;
/// the plain columns are what routing, the inbox filters and the statistics need.
final class Tip: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "tips"

    @ID var id: UUID?
    /// Short code officers say aloud and write on paper, e.g. TB-7K3M9Q2X.
    @Field(key: "reference") var reference: String
    /// The unit that owns the tip now (the commune police, or where it was transferred).
    @Parent(key: "unit_id") var unit: Unit
    @Parent(key: "area_id") var area: AdminArea
    @Field(key: "category_code") var categoryCode: String
    @Field(key: "urgent") var urgent: Bool
    @Enum(key: "status") var status: TipStatus
    @OptionalEnum(key: "closing_reason") var closingReason: TipClosingReason?
    @Field(key: "valuable") var valuable: Bool
    @Field(key: "anonymous") var anonymous: Bool
    @OptionalParent(key: "citizen_id") var citizen: Account?
    /// HMAC of the anonymous receipt; nil for named tips.
    @OptionalField(key: "receipt_hash") var receiptHash: String?
    @Field(key: "sealed") var sealed: Data
    @OptionalField(key: "occurred_at") var occurredAt: Date?
    @OptionalParent(key: "assignee_id") var assignee: Account?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    @OptionalField(key: "acknowledged_at") var acknowledgedAt: Date?
    @OptionalField(key: "closed_at") var closedAt: Date?
    @Field(key: "ack_due_at") var ackDueAt: Date
    @Field(key: "close_due_at") var closeDueAt: Date
    /// 0: not escalated; 1: the unit's commanders were alerted; 2: the parent unit was brought in.
    @Field(key: "escalation_level") var escalationLevel: Int
    /// Set when the tip was merged into another one (and closed as a duplicate).
    @OptionalParent(key: "duplicate_of") var duplicateOf: Tip?

    init() {}
}

/// The sealed part of a tip.
struct TipContent: Codable, Sendable, Equatable {
    var description: String
    var address: String?
    var latitude: Double?
    var longitude: Double?
}

/// The sealed body of a message.
struct SealedText: Codable, Sendable {
    var text: String
}

/// A unit a tip was routed or transferred to.
final class TipUnit: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "tip_units"

    enum Reason: String, Codable, Sendable {
        /// The police of the commune where it happened.
        case commune
        /// No police unit for the commune: the nearest unit above it.
        case fallback
        /// A routing rule (category or urgency).
        case rule
        /// An officer transferred it.
        case transfer
        /// It was overdue below, so the parent unit was brought in.
        case escalation
    }

    @ID var id: UUID?
    @Parent(key: "tip_id") var tip: Tip
    @Parent(key: "unit_id") var unit: Unit
    @Enum(key: "reason") var reason: Reason
    @Field(key: "created_at") var createdAt: Date

    init() {}

    init(tipID: UUID, unitID: UUID, reason: Reason, at: Date) {
        self.$tip.id = tipID
        self.$unit.id = unitID
        self.reason = reason
        self.createdAt = at
    }
}

/// One message on a tip.
final class TipMessage: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "tip_messages"

    enum Kind: String, Codable, Sendable {
        /// From the citizen (by receipt or from their account).
        case citizen
        /// An officer's reply, which the citizen reads.
        case reply
        /// An officer's internal note, never shown to the citizen.
        case note
    }

    @ID var id: UUID?
    @Parent(key: "tip_id") var tip: Tip
    @Enum(key: "kind") var kind: Kind
    @OptionalParent(key: "author_id") var author: Account?
    @Field(key: "sealed") var sealed: Data
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// A tip category (kept as data).
final class TipCategory: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "tip_categories"

    @ID var id: UUID?
    @Field(key: "code") var code: String
    @Field(key: "name_vi") var nameVI: String
    @Field(key: "name_en") var nameEN: String
    /// Tips of this category are urgent whatever the citizen ticked (weapons).
    @Field(key: "urgent") var urgent: Bool
    @Field(key: "position") var position: Int
    @Field(key: "retired") var retired: Bool

    init() {}
}

/// A routing rule (kept as data).
final class TipRoutingRuleRecord: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "tip_routing_rules"

    @ID var id: UUID?
    @OptionalField(key: "category_code") var categoryCode: String?
    @Field(key: "urgent_only") var urgentOnly: Bool
    @Field(key: "department_code") var departmentCode: String
    @Field(key: "position") var position: Int

    init() {}

    var rule: TipRoutingRule {
        TipRoutingRule(categoryCode: categoryCode, urgentOnly: urgentOnly, departmentCode: departmentCode)
    }
}
