import BinhYenCore
import Fluent
import Foundation

/// A knowledge-base article: how to do one administrative procedure (see `CreateKnowledgeBase`).
final class Procedure: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "procedures"

    @ID var id: UUID?
    @Field(key: "slug") var slug: String
    @Field(key: "title") var title: String
    @Field(key: "summary") var summary: String
    /// What citizens type for it: old names, abbreviations, everyday phrasings.
    @Field(key: "keywords") var keywords: [String]
    @Field(key: "audience") var audience: String
    @Field(key: "documents") var documents: [String]
    /// Where and how to file: online (national portal, VNeID) or in person.
    @Field(key: "filing") var filing: String
    @Field(key: "fee") var fee: String
    @Field(key: "processing_time") var processingTime: String
    @Field(key: "legal_basis") var legalBasis: [String]
    @Field(key: "steps") var steps: [String]
    /// The day someone last checked it against the law in force (yyyy-MM-dd).
    @Field(key: "checked_on") var checkedOn: String
    @Field(key: "revision") var revision: Int
    @Field(key: "updated_at") var updatedAt: Date
    @OptionalParent(key: "updated_by") var updatedBy: Account?

    init() {}

    var content: ProcedureContent {
        get {
            ProcedureContent(slug: slug, title: title, summary: summary, keywords: keywords, audience: audience, documents: documents,
                             filing: filing, fee: fee, processingTime: processingTime, legalBasis: legalBasis, steps: steps, checkedOn: checkedOn)
        }
        set {
            slug = newValue.slug; title = newValue.title; summary = newValue.summary; keywords = newValue.keywords
            audience = newValue.audience; documents = newValue.documents; filing = newValue.filing; fee = newValue.fee
            processingTime = newValue.processingTime; legalBasis = newValue.legalBasis; steps = newValue.steps; checkedOn = newValue.checkedOn
        }
    }

    /// What search reads: title, keywords and summary weigh more than the rest.
    var searchDocument: KnowledgeSearch.Document {
        KnowledgeSearch.Document(
            title: title, keywords: keywords, summary: summary,
            body: ([audience, filing, fee, processingTime] + documents + steps + legalBasis).joined(separator: " "))
    }
}

/// An article's words, as shipped in Resources/Procedures/procedures.json, edited in the console
/// and kept in each revision.
struct ProcedureContent: Codable, Equatable, Sendable {
    var slug: String
    var title: String
    var summary: String
    var keywords: [String]
    var audience: String
    var documents: [String]
    var filing: String
    var fee: String
    var processingTime: String
    var legalBasis: [String]
    var steps: [String]
    var checkedOn: String
}

/// One wording of an article, kept when it is replaced.
final class ProcedureRevision: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "procedure_revisions"

    @ID var id: UUID?
    @Parent(key: "procedure_id") var procedure: Procedure
    @Field(key: "revision") var revision: Int
    /// `ProcedureContent` as JSON.
    @Field(key: "content") var content: String
    /// Why it changed, as the editor wrote it.
    @Field(key: "note") var note: String
    @OptionalParent(key: "edited_by") var editedBy: Account?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// A question and its answer published without the asker, under an article.
final class FAQ: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "faqs"

    @ID var id: UUID?
    @Parent(key: "procedure_id") var procedure: Procedure
    @Field(key: "question") var question: String
    @Field(key: "answer") var answer: String
    /// The unit whose officer answered.
    @Parent(key: "unit_id") var unit: Unit
    @OptionalField(key: "source_question_id") var sourceQuestionID: UUID?
    @OptionalParent(key: "published_by") var publishedBy: Account?
    @Field(key: "published_at") var publishedAt: Date

    init() {}

    var searchDocument: KnowledgeSearch.Document {
        KnowledgeSearch.Document(title: question, summary: "", body: answer)
    }
}
