import BinhYenCore
import Fluent
import Vapor

/// The procedures knowledge base on the web: search and read for everyone; edit, with the earlier
/// wordings shown, for province admins in the console.
struct ProceduresController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("procedures", use: index)
        routes.get("procedures", ":slug", use: article)
        let console = routes.grouped("console").grouped(StaffOnlyMiddleware())
        console.get("procedures", ":slug", "edit", use: edit)
        console.post("procedures", ":slug", "edit", use: save)
    }

    // MARK: reading

    struct Segment: Encodable {
        var text: String
        var matched: Bool
    }

    struct Result: Encodable {
        var href: String
        var kind: String
        var title: [Segment]
        var excerpt: [Segment]
        var procedureTitle: String
        var matched: String
    }

    struct Row: Encodable {
        var slug: String
        var title: String
        var summary: String
    }

    struct IndexView: Encodable {
        var page: PageMeta
        var query: String
        var error: String?
        var searched: Bool
        var results: [Result]
        var rows: [Row]
        var canEdit: Bool
    }

    @Sendable func index(req: Request) async throws -> Response {
        let query = (try? req.query.get(String.self, at: "q")) ?? ""
        var results: [Result] = []
        var error: String?
        let searched = !query.trimmingCharacters(in: .whitespaces).isEmpty
        if searched {
            if let issue = APIHandler.searchIssues(query).first {
                error = req.message(issue.messageVI, issue.messageEN)
            } else {
                results = try await req.knowledge.search(query).map { hit in
                    Result(href: "/procedures/\(hit.slug)" + (hit.faqID.map { "#faq-\($0.uuidString)" } ?? ""), kind: hit.kind.rawValue,
                           title: hit.title.map(Self.segment), excerpt: hit.excerpt.map(Self.segment), procedureTitle: hit.procedureTitle,
                           matched: hit.matched.joined(separator: ", "))
                }
            }
        }
        let rows = try await req.knowledge.articles().map { Row(slug: $0.slug, title: $0.title, summary: $0.summary) }
        let view = IndexView(page: req.pageMeta(titleKey: "proceduresTitle"), query: query, error: error, searched: searched && error == nil,
                             results: results, rows: rows, canEdit: Self.canEdit(req))
        return try await req.view.render("procedures/index", view).encodeResponse(status: error == nil ? .ok : .badRequest, for: req)
    }

    static func segment(_ segment: KnowledgeSearch.Segment) -> Segment {
        Segment(text: segment.text, matched: segment.matched)
    }

    static func canEdit(_ req: Request) -> Bool {
        req.auth.get(CurrentAccount.self).map { Policy.allowsSomewhere($0.grants, .editKnowledgeBase) } ?? false
    }

    struct FAQItem: Encodable {
        var id: String
        var question: String
        var answer: String
        var time: String
    }

    struct ArticleView: Encodable {
        var page: PageMeta
        var article: ProcedureContent
        var revision: Int
        var faqs: [FAQItem]
        var canEdit: Bool
        var saved: Bool
    }

    @Sendable func article(req: Request) async throws -> View {
        guard let slug = req.parameters.get("slug"), let procedure = try await req.knowledge.article(slug: slug) else { throw Abort(.notFound) }
        let faqs = try await req.knowledge.faqs(of: procedure).map {
            FAQItem(id: $0.id?.uuidString ?? "", question: $0.question, answer: $0.answer, time: DisplayTime.string($0.publishedAt))
        }
        var meta = req.pageMeta(titleKey: "proceduresTitle")
        meta.title = procedure.title
        return try await req.view.render("procedures/article", ArticleView(page: meta, article: procedure.content, revision: procedure.revision,
                                                                           faqs: faqs, canEdit: Self.canEdit(req),
                                                                           saved: (try? req.query.get(String.self, at: "saved")) != nil))
    }

    // MARK: editing

    struct RevisionItem: Encodable {
        var revision: Int
        var note: String
        var editor: String
        var time: String
        var title: String
        var summary: String
    }

    struct EditView: Encodable {
        var page: PageMeta
        var slug: String
        var revision: Int
        var values: [String: String]
        var errors: [String: String]
        var revisions: [RevisionItem]
    }

    struct EditForm: Content {
        var revision: Int?
        var title: String?
        var summary: String?
        var keywords: String?
        var audience: String?
        var documents: String?
        var filing: String?
        var fee: String?
        var processingTime: String?
        var legalBasis: String?
        var steps: String?
        var checkedOn: String?
        var note: String?

        /// One list item a line.
        static func lines(_ text: String?) -> [String] {
            (text ?? "").split(whereSeparator: \.isNewline).map(String.init)
        }

        func content(slug: String) -> ProcedureContent {
            ProcedureContent(slug: slug, title: title ?? "", summary: summary ?? "", keywords: Self.lines(keywords), audience: audience ?? "",
                             documents: Self.lines(documents), filing: filing ?? "", fee: fee ?? "", processingTime: processingTime ?? "",
                             legalBasis: Self.lines(legalBasis), steps: Self.lines(steps), checkedOn: checkedOn ?? "")
        }
    }

    static func values(_ c: ProcedureContent, note: String = "") -> [String: String] {
        ["title": c.title, "summary": c.summary, "keywords": c.keywords.joined(separator: "\n"), "audience": c.audience,
         "documents": c.documents.joined(separator: "\n"), "filing": c.filing, "fee": c.fee, "processingTime": c.processingTime,
         "legalBasis": c.legalBasis.joined(separator: "\n"), "steps": c.steps.joined(separator: "\n"), "checkedOn": c.checkedOn, "note": note]
    }

    private func requireEditor(_ req: Request) throws -> CurrentAccount {
        let account = try req.auth.require(CurrentAccount.self)
        guard Policy.allowsSomewhere(account.grants, .editKnowledgeBase) else { throw Abort(.forbidden) }
        return account
    }

    @Sendable func edit(req: Request) async throws -> Response {
        _ = try requireEditor(req)
        guard let slug = req.parameters.get("slug"), let procedure = try await req.knowledge.article(slug: slug) else { throw Abort(.notFound) }
        return try await editPage(req, procedure, revision: procedure.revision, values: Self.values(procedure.content), errors: [:], status: .ok)
    }

    @Sendable func save(req: Request) async throws -> Response {
        let editor = try requireEditor(req)
        guard let slug = req.parameters.get("slug"), let procedure = try await req.knowledge.article(slug: slug) else { throw Abort(.notFound) }
        let form = try req.content.decode(EditForm.self)
        let content = form.content(slug: slug)
        let started = form.revision ?? 0
        do {
            _ = try await req.knowledge.update(slug: slug, content: content, note: form.note ?? "", expectedRevision: started, by: editor.id)
        } catch let failure as ValidationFailure {
            return try await editPage(req, procedure, revision: started, values: Self.values(content, note: form.note ?? ""),
                                      errors: req.fieldErrors(failure.issues), status: .unprocessableEntity)
        } catch KnowledgeBase.Failure.stale(let current) {
            let message = req.message("Bài này vừa được người khác sửa (phiên bản \(current)). Nội dung bên dưới là của bạn; hãy xem lại lịch sử rồi lưu lại.",
                                      "Someone else saved this article meanwhile (revision \(current)). Below is your text; check the history and save again.")
            return try await editPage(req, procedure, revision: current, values: Self.values(content, note: form.note ?? ""),
                                      errors: ["status": message], status: .conflict)
        }
        return req.redirect(to: "/procedures/\(slug)?saved=1")
    }

    private func editPage(_ req: Request, _ procedure: Procedure, revision: Int, values: [String: String], errors: [String: String],
                          status: HTTPStatus) async throws -> Response {
        let revisions = try await req.knowledge.revisions(of: procedure).map { entry in
            let content = try? JSONDecoder().decode(ProcedureContent.self, from: Data(entry.content.utf8))
            return RevisionItem(revision: entry.revision, note: entry.note, editor: entry.editedBy?.displayName ?? "BinhYen",
                                time: DisplayTime.string(entry.createdAt), title: content?.title ?? "", summary: content?.summary ?? "")
        }
        var meta = req.pageMeta(titleKey: "procedureEditTitle")
        meta.title += ": " + procedure.title
        let view = EditView(page: meta, slug: procedure.slug, revision: revision, values: values, errors: errors, revisions: revisions)
        return try await req.view.render("procedures/edit", view).encodeResponse(status: status, for: req)
    }
}
