import BinhYenCore
import Fluent
import Vapor

/// A tip as the citizen pages show it.
struct TipView: Encodable {
    struct MessageView: Encodable {
        var kind: String
        var from: String
        var body: String
        var at: String
    }

    var id: String
    var reference: String
    var category: String
    var status: String
    var statusLabel: String
    var closingReason: String?
    var urgent: Bool
    var valuable: Bool
    var anonymous: Bool
    var overdue: Bool
    var commune: String
    var unit: String
    var unitCode: String
    var description: String
    var address: String?
    var latitude: Double?
    var longitude: Double?
    var occurredAt: String?
    var createdAt: String
    var acknowledgeBy: String
    var closeBy: String
    var isClosed: Bool
    var messages: [MessageView]

    /// - Parameter forStaff: officers see internal notes and who wrote each message.
    static func make(_ tip: Tip, context: TipListContext, service: TipService, forStaff: Bool, req: Request) async throws -> TipView {
        let texts = req.language.texts
        let vi = req.language == .vi
        let content = try service.content(of: tip)
        let messages = try await service.messages(of: tip, includeNotes: forStaff)
        let category = context.categories[tip.categoryCode]
        return TipView(
            id: tip.id?.uuidString ?? "", reference: tip.reference,
            category: (vi ? category?.nameVI : category?.nameEN) ?? tip.categoryCode,
            status: tip.status.rawValue, statusLabel: vi ? tip.status.labelVI : tip.status.labelEN,
            closingReason: tip.closingReason.map { vi ? $0.labelVI : $0.labelEN },
            urgent: tip.urgent, valuable: tip.valuable, anonymous: tip.anonymous,
            overdue: TipDeadlines.isOverdue(status: tip.status, acknowledgeBy: tip.ackDueAt, closeBy: tip.closeDueAt, now: Date()),
            commune: context.areas[tip.$area.id]?.name ?? "", unit: context.units[tip.$unit.id]?.name ?? "",
            unitCode: context.units[tip.$unit.id]?.code ?? "",
            description: content.description, address: content.address, latitude: content.latitude, longitude: content.longitude,
            occurredAt: tip.occurredAt.map(DisplayTime.string), createdAt: DisplayTime.string(tip.createdAt),
            acknowledgeBy: DisplayTime.string(tip.ackDueAt), closeBy: DisplayTime.string(tip.closeDueAt),
            isClosed: tip.status == .closed,
            messages: messages.map { message in
                let from: String = switch message.kind {
                case .citizen: forStaff ? (texts["tipCitizen"] ?? "") : (texts["tipFromYou"] ?? "")
                case .reply: forStaff ? (message.authorName ?? "") : (texts["tipFromPolice"] ?? "")
                case .note: (texts["tipNote"] ?? "") + " · " + (message.authorName ?? "")
                }
                return MessageView(kind: message.kind.rawValue, from: from, body: message.body, at: DisplayTime.string(message.at))
            })
    }
}

extension Request {
    /// Files from a form, each checked by its content and stripped of metadata before anything is
    /// stored; the first problem in the page's language, if any. Empty file inputs are ignored.
    func sanitizedUploads(_ files: [File]?) -> (files: [SanitizedAttachment], error: String?) {
        let uploads = (files ?? []).filter { $0.data.readableBytes > 0 || !$0.filename.isEmpty }
        if let tooMany = AttachmentRules.checkCount(uploads.count) { return ([], message(tooMany.messageVI, tooMany.messageEN)) }
        var clean: [SanitizedAttachment] = []
        var error: String?
        for upload in uploads {
            switch AttachmentRules.sanitize(Data(buffer: upload.data), declaredName: upload.filename) {
            case .success(let file): clean.append(file)
            case .failure(let issue): error = error ?? message(issue.messageVI, issue.messageEN)
            }
        }
        return (clean, error)
    }

    /// Field errors in the page's language, keyed by field.
    func fieldErrors(_ issues: [FieldIssue]) -> [String: String] {
        var errors: [String: String] = [:]
        for issue in issues where errors[issue.field] == nil {
            errors[issue.field] = message(issue.messageVI, issue.messageEN)
        }
        return errors
    }
}

extension Response {
    /// Pages that show a receipt or an anonymous tip: never cached, never sent as a referrer.
    func privateNoStore() -> Response {
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        headers.replaceOrAdd(name: "Referrer-Policy", value: "no-referrer")
        return self
    }
}
