import BinhYenCore
import Fluent
import Foundation

/// A report of harmful content online and what became of it (see `CreateHarmfulReports`).
final class HarmfulReport: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "harmful_reports"

    @ID var id: UUID?
    @Field(key: "reference") var reference: String
    /// The address normalised like a website indicator (no scheme, no tracking parameters).
    @Field(key: "url") var url: String
    @Field(key: "host") var host: String
    @Field(key: "category_code") var categoryCode: String
    @Field(key: "description") var description: String
    @OptionalParent(key: "citizen_id") var citizen: Account?
    @Enum(key: "status") var status: HarmfulStatus
    @OptionalField(key: "note") var note: String?
    @OptionalParent(key: "handled_by") var handledBy: Account?
    @OptionalField(key: "takedown_requested_at") var takedownRequestedAt: Date?
    @OptionalField(key: "resolved_at") var resolvedAt: Date?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}
