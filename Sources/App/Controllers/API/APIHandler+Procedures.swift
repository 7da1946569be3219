import BinhYenAPI
import BinhYenCore
import Foundation
import Vapor

/// The procedures knowledge base: articles, their published answers, and search.
extension APIHandler {
    func listProcedures(_ input: Operations.ListProcedures.Input) async throws -> Operations.ListProcedures.Output {
        let req = try APIRequestContext.current()
        let articles = try await req.knowledge.articles()
        return .ok(.init(body: .json(.init(items: articles.map {
            .init(slug: $0.slug, title: $0.title, summary: $0.summary, checkedOn: $0.checkedOn, revision: $0.revision)
        }))))
    }

    func searchProcedures(_ input: Operations.SearchProcedures.Input) async throws -> Operations.SearchProcedures.Output {
        let req = try APIRequestContext.current()
        let limit = input.query.limit ?? 10
        let issues = Self.searchIssues(input.query.q, limit: limit)
        guard issues.isEmpty else { return .badRequest(.init(body: .json(Self.validationError(issues)))) }
        let hits = try await req.knowledge.search(input.query.q, limit: limit)
        return .ok(.init(body: .json(.init(items: hits.map(Self.searchHit)))))
    }

    func getProcedure(_ input: Operations.GetProcedure.Input) async throws -> Operations.GetProcedure.Output {
        let req = try APIRequestContext.current()
        guard let article = try await req.knowledge.article(slug: input.path.slug) else {
            return .notFound(.init(body: .json(Self.procedureNotFound)))
        }
        let faqs = try await req.knowledge.faqs(of: article)
        return .ok(.init(body: .json(.init(
            slug: article.slug, title: article.title, summary: article.summary, keywords: article.keywords, audience: article.audience,
            documents: article.documents, filing: article.filing, fee: article.fee, processingTime: article.processingTime,
            legalBasis: article.legalBasis, steps: article.steps, checkedOn: article.checkedOn, revision: article.revision,
            updatedAt: article.updatedAt,
            faqs: faqs.map { .init(id: $0.id?.uuidString ?? "", question: $0.question, answer: $0.answer, publishedAt: $0.publishedAt) }))))
    }

    /// Why a search is refused (the web form and the API say the same).
    static func searchIssues(_ text: String, limit: Int = 10) -> [FieldIssue] {
        var issues: [FieldIssue] = []
        let cleaned = VietnameseText.clean(text)
        if cleaned.isEmpty {
            issues.append(FieldIssue(field: "q", code: "required", messageVI: "Hãy gõ điều bạn cần tìm, ví dụ \"làm căn cước\".",
                                     messageEN: "Type what you are looking for, e.g. \"làm căn cước\"."))
        } else if cleaned.count > KnowledgeSearch.maxQueryLength {
            issues.append(FieldIssue(field: "q", code: "length", messageVI: "Từ khoá tìm kiếm dài quá \(KnowledgeSearch.maxQueryLength) ký tự.",
                                     messageEN: "The search text is longer than \(KnowledgeSearch.maxQueryLength) characters."))
        }
        if !(1...KnowledgeBase.maxResults).contains(limit) {
            issues.append(FieldIssue(field: "limit", code: "range", messageVI: "limit phải từ 1 đến \(KnowledgeBase.maxResults).",
                                     messageEN: "limit must be from 1 to \(KnowledgeBase.maxResults)."))
        }
        return issues
    }

    static func searchHit(_ hit: KnowledgeBase.Hit) -> Schemas.ProcedureSearchHit {
        .init(kind: hit.kind == .faq ? .faq : .procedure, slug: hit.slug, procedureTitle: hit.procedureTitle, faqId: hit.faqID?.uuidString,
              title: hit.title.map(Self.segment), excerpt: hit.excerpt.map(Self.segment), matched: hit.matched)
    }

    static func segment(_ segment: KnowledgeSearch.Segment) -> Components.Schemas.TextSegment {
        .init(text: segment.text, matched: segment.matched)
    }

    static let procedureNotFound = error("procedure_not_found", "Không tìm thấy thủ tục.", "There is no such procedure.")
}
