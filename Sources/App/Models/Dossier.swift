import BinhYenCore
import Fluent
import Foundation

/// A citizen's file for a procedure at a unit (see `CreateDossiers`).
final class Dossier: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "dossiers"

    @ID var id: UUID?
    /// What the citizen quotes at the counter ("HS-7KQ2M9XA").
    @Field(key: "reference") var reference: String
    @Parent(key: "applicant_id") var applicant: Account
    @Parent(key: "procedure_id") var procedure: Procedure
    /// The unit that settles it: the commune's police, or the unit the citizen chose.
    @Parent(key: "unit_id") var unit: Unit
    @OptionalParent(key: "area_id") var area: AdminArea?
    /// What the citizen wrote when filing.
    @Field(key: "note") var note: String
    @Enum(key: "status") var status: DossierStatus
    /// The current appointment, while one is set.
    @OptionalField(key: "appointment_at") var appointmentAt: Date?
    @OptionalField(key: "appointment_place") var appointmentPlace: String?
    /// web | api (the channels add zalo and telegram).
    @Field(key: "channel") var channel: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    /// When it was settled or refused.
    @OptionalField(key: "closed_at") var closedAt: Date?

    init() {}
}

/// One step of a dossier, kept for ever: who moved it, from where to where, and what they said.
final class DossierStep: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "dossier_steps"

    @ID var id: UUID?
    @Parent(key: "dossier_id") var dossier: Dossier
    /// Nil for the first step (filing).
    @OptionalEnum(key: "from_status") var fromStatus: DossierStatus?
    @Enum(key: "status") var status: DossierStatus
    /// Shown to the citizen: what is missing, why it was refused, what to bring.
    @Field(key: "message") var message: String
    @OptionalField(key: "appointment_at") var appointmentAt: Date?
    @OptionalField(key: "appointment_place") var appointmentPlace: String?
    @Parent(key: "actor_id") var actor: Account
    @Field(key: "by_citizen") var byCitizen: Bool
    @Field(key: "created_at") var createdAt: Date

    init() {}
}
