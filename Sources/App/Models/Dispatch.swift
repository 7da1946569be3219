import BinhYenCore
import Fluent
import Foundation

/// A rapid response to a tip and, once recorded, the outcome of the operation.
final class Dispatch: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "dispatches"

    @ID var id: UUID?
    @Parent(key: "tip_id") var tip: Tip
    /// The unit whose team responds (the commune police, the mobile police…).
    @Parent(key: "unit_id") var unit: Unit
    @Field(key: "team") var team: String
    @Enum(key: "status") var status: DispatchStatus
    @Parent(key: "created_by") var createdBy: Account
    @Field(key: "assigned_at") var assignedAt: Date
    @OptionalField(key: "acknowledged_at") var acknowledgedAt: Date?
    @OptionalField(key: "en_route_at") var enRouteAt: Date?
    @OptionalField(key: "on_site_at") var onSiteAt: Date?
    @OptionalField(key: "closed_at") var closedAt: Date?
    @OptionalField(key: "people_held") var peopleHeld: Int?
    @OptionalField(key: "vehicles_seized") var vehiclesSeized: Int?
    @OptionalField(key: "weapons_seized") var weaponsSeized: Int?
    @OptionalField(key: "other_items") var otherItems: String?
    @OptionalField(key: "summary") var summary: String?
    @OptionalField(key: "outcome_at") var outcomeAt: Date?

    init() {}

    var outcome: DispatchOutcome? {
        guard outcomeAt != nil else { return nil }
        return DispatchOutcome(peopleHeld: peopleHeld ?? 0, vehiclesSeized: vehiclesSeized ?? 0, weaponsSeized: weaponsSeized ?? 0,
                               otherItems: otherItems ?? "", summary: summary ?? "")
    }

    /// Stamps the time a step was reached.
    func stamp(_ status: DispatchStatus, at now: Date) {
        switch status {
        case .assigned: assignedAt = now
        case .acknowledged: acknowledgedAt = now
        case .enRoute: enRouteAt = now
        case .onSite: onSiteAt = now
        case .closed: closedAt = now
        }
    }
}
