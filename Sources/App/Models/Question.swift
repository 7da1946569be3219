import Fluent
import Foundation

/// A citizen's question about a procedure (see `CreateQuestions`).
final class Question: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "questions"

    enum Status: String, Codable, Sendable, CaseIterable {
        case received, answered
    }

    @ID var id: UUID?
    /// What the citizen quotes ("HD-7KQ2M9XA").
    @Field(key: "reference") var reference: String
    @Parent(key: "asker_id") var asker: Account
    /// The unit that answers: the commune's police, or the unit the citizen chose; the parent unit
    /// once the question is escalated a second time.
    @Parent(key: "unit_id") var unit: Unit
    @OptionalParent(key: "area_id") var area: AdminArea?
    /// The procedure the citizen asked about, when they picked one.
    @OptionalParent(key: "procedure_id") var procedure: Procedure?
    @Field(key: "text") var text: String
    @Enum(key: "status") var status: Status
    @OptionalField(key: "answer") var answer: String?
    /// The article the officer pointed to in the answer.
    @OptionalParent(key: "answer_procedure_id") var answerProcedure: Procedure?
    @OptionalParent(key: "answered_by") var answeredBy: Account?
    @OptionalField(key: "answered_at") var answeredAt: Date?
    /// Seconds from the question to its answer (the median time to answer is read from these).
    @OptionalField(key: "answer_seconds") var answerSeconds: Int?
    @Field(key: "due_at") var dueAt: Date
    @Field(key: "escalation_level") var escalationLevel: Int
    /// The public answer made from it, if one was published.
    @OptionalParent(key: "faq_id") var faq: FAQ?
    /// web | api (the channels add zalo and telegram).
    @Field(key: "channel") var channel: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
}
