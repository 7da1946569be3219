import Fluent
import Foundation

/// One indicator in the scam registry (see `CreateScamIndicators`).
final class ScamIndicator: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "scam_indicators"

    @ID var id: UUID?
    /// An `IndicatorKind` raw value.
    @Field(key: "kind") var kind: String
    /// The canonical value, the registry's key with `kind`.
    @Field(key: "value") var value: String
    @Field(key: "match_key") var matchKey: String
    @Field(key: "display") var display: String
    @Enum(key: "status") var status: ScamStatus
    /// Citizens' reports naming it (and imported counts).
    @Field(key: "report_count") var reportCount: Int
    /// What lookups show once it is verified.
    @OptionalField(key: "warning_vi") var warningVI: String?
    /// Why it was rejected.
    @OptionalField(key: "decision_note") var decisionNote: String?
    @OptionalParent(key: "decided_by") var decidedBy: Account?
    /// The indicator this one was merged into (another spelling or account of the same scammer).
    @OptionalParent(key: "merged_into") var mergedInto: ScamIndicator?
    @OptionalField(key: "decided_at") var decidedAt: Date?
    /// Where it first came from: report, tip or import.
    @Field(key: "source") var source: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}
