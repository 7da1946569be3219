import BinhYenCore
import Fluent
import Vapor

/// The pages' inbox in the console: conversations from Zalo and Telegram, latest first; a thread
/// with its photos and locations, a reply form, and "turn into a tip" on each citizen message.
/// Officers see the pages of units where they may handle tips; others get "not found".
struct ConsoleInboxController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let inbox = routes.grouped("console", "inbox").grouped(StaffOnlyMiddleware())
        inbox.get(use: list)
        inbox.get(":id", use: thread)
        inbox.post(":id", "reply", use: reply)
        inbox.post(":id", "messages", ":message", "tip", use: makeTip)
        inbox.post(":id", "messages", ":message", "question", use: makeQuestion)
        inbox.get(":id", "files", ":file", use: file)
    }

    struct Row: Encodable {
        var id: String
        var page: String
        var channel: String
        var citizen: String
        var unread: Int
        var following: Bool
        var lastMessageAt: String
    }

    struct ListPage: Encodable {
        var page: PageMeta
        var rows: [Row]
    }

    @Sendable func list(req: Request) async throws -> View {
        let account = try req.auth.require(CurrentAccount.self)
        let rows = try await req.channels.conversations(for: account).map { conversation, page in
            Row(id: conversation.id?.uuidString ?? "", page: page.name, channel: conversation.channel.rawValue.capitalized,
                citizen: conversation.displayName ?? conversation.externalUserID, unread: conversation.unread, following: conversation.following,
                lastMessageAt: DisplayTime.string(conversation.lastMessageAt))
        }
        return try await req.view.render("console/inbox", ListPage(page: req.pageMeta(titleKey: "channelInboxTitle"), rows: rows))
    }

    struct MessageRow: Encodable {
        var id: String
        var inbound: Bool
        var who: String
        var text: String
        var time: String
        var status: String
        var failure: String?
        var location: String?
        var links: [String]
        var files: [String]
        var tipMade: Bool
        var questionMade: Bool
    }

    struct ThreadPage: Encodable {
        var page: PageMeta
        var id: String
        var pageName: String
        var channel: String
        var citizen: String
        var messages: [MessageRow]
        var categories: [TipController.Option]
        var commune: String
        var notice: String?
        var errorField: String?
        var error: String?
        var errorMessageID: String?
        /// The error of the reply form (not of a tip form).
        var replyError: String?
        var draft: String?
    }

    struct ReplyForm: Content { var text: String? }
    struct TipForm: Content {
        var category: String?
        var commune: String?
        var description: String?
    }

    @Sendable func thread(req: Request) async throws -> Response {
        let notice: String? = switch req.query[String.self, at: "done"] {
        case "reply": req.language.texts["channelReplyQueued"]
        case "tip": req.language.texts["channelTipCreated"]
        case "question": req.language.texts["channelQuestionCreated"]
        default: nil
        }
        return try await threadPage(req, notice: notice, status: .ok)
    }

    @Sendable func reply(req: Request) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        let (conversation, _) = try await found(req, account)
        let form = try req.content.decode(ReplyForm.self)
        do {
            try await req.channels.reply(form.text ?? "", to: conversation, by: account)
            return req.redirect(to: "/console/inbox/\(try conversation.requireID().uuidString)?done=reply")
        } catch let failure as ValidationFailure {
            return try await threadPage(req, failure: failure, draft: form.text, status: .unprocessableEntity)
        }
    }

    @Sendable func makeTip(req: Request) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        let (conversation, _) = try await found(req, account)
        guard let messageID = req.parameters.get("message", as: UUID.self) else { throw Abort(.notFound) }
        let form = try req.content.decode(TipForm.self)
        do {
            _ = try await req.channels.makeTip(from: messageID, in: conversation, categoryCode: form.category ?? "", communeCode: form.commune ?? "",
                                               description: form.description, by: account)
            return req.redirect(to: "/console/inbox/\(try conversation.requireID().uuidString)?done=tip")
        } catch is TipService.NotFound {
            throw Abort(.notFound)
        } catch let failure as ValidationFailure {
            return try await threadPage(req, failure: failure, messageID: messageID.uuidString, status: .unprocessableEntity)
        }
    }

    struct QuestionForm: Content {
        var commune: String?
        var text: String?
    }

    @Sendable func makeQuestion(req: Request) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        let (conversation, _) = try await found(req, account)
        guard let messageID = req.parameters.get("message", as: UUID.self) else { throw Abort(.notFound) }
        let form = try req.content.decode(QuestionForm.self)
        do {
            _ = try await req.channels.makeQuestion(from: messageID, in: conversation, communeCode: form.commune ?? "", text: form.text, by: account)
            return req.redirect(to: "/console/inbox/\(try conversation.requireID().uuidString)?done=question")
        } catch is TipService.NotFound {
            throw Abort(.notFound)
        } catch let failure as ValidationFailure {
            return try await threadPage(req, failure: failure, messageID: messageID.uuidString, status: .unprocessableEntity)
        }
    }

    /// A photo or file a citizen sent, for the officers of the page.
    @Sendable func file(req: Request) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        let (conversation, _) = try await found(req, account)
        guard let fileID = req.parameters.get("file", as: UUID.self), let row = try await EvidenceFile.find(fileID, on: req.db),
              row.owner.hasPrefix("conversation_message:"), let messageID = UUID(uuidString: String(row.owner.dropFirst("conversation_message:".count))),
              try await ConversationMessage.query(on: req.db).filter(\.$id == messageID).filter(\.$conversation.$id == conversation.requireID()).first() != nil
        else { throw Abort(.notFound) }
        return EvidenceFiles.response(row.kind, data: try req.application.attachmentStore.read(fileID), name: "tin-nhan-" + fileID.uuidString.prefix(8))
    }

    private func found(_ req: Request, _ account: CurrentAccount) async throws -> (Conversation, Page) {
        guard let id = req.parameters.get("id", as: UUID.self), let found = try await req.channels.conversation(id, for: account) else { throw Abort(.notFound) }
        return found
    }

    private func threadPage(_ req: Request, notice: String? = nil, failure: ValidationFailure? = nil, messageID: String? = nil, draft: String? = nil,
                            status: HTTPStatus) async throws -> Response {
        let account = try req.auth.require(CurrentAccount.self)
        let (conversation, page) = try await found(req, account)
        try await req.channels.markRead(conversation)
        let conversationID = try conversation.requireID().uuidString
        let messages = try await req.channels.messages(of: conversation).map { shown in
            let message = shown.message
            let who: String = switch message.origin {
            case .citizen: req.language.texts["channelCitizen"] ?? ""
            case .officer: message.$author.id == account.id ? account.displayName : (req.language.texts["navConsole"] ?? "")
            case .channelTool: req.language.texts["channelOfficerTool"] ?? ""
            case .menu: req.language.texts["channelMenu"] ?? ""
            case .system: req.language.texts["channelSystem"] ?? ""
            }
            let location = shown.content.latitude.flatMap { lat in shown.content.longitude.map { String(format: "%.6f, %.6f", lat, $0) } }
            return MessageRow(id: message.id?.uuidString ?? "", inbound: message.direction == .inbound, who: who, text: shown.content.text,
                              time: DisplayTime.string(message.createdAt), status: req.message(message.status.labelVI, message.status.labelEN),
                              failure: message.failure, location: location,
                              links: shown.content.attachments.filter { $0.kind == .link }.map(\.reference),
                              files: shown.files.compactMap { $0.id.map { "/console/inbox/\(conversationID)/files/\($0.uuidString)" } },
                              tipMade: message.$tip.id != nil, questionMade: message.$question.id != nil)
        }
        let categories = try await req.tips.categories().map { TipController.Option(value: $0.code, label: req.message($0.nameVI, $0.nameEN), selected: false) }
        var commune = ""
        if let unit = try await Unit.find(page.$unit.id, on: req.db), let areaID = unit.$area.id, let area = try await AdminArea.find(areaID, on: req.db),
           area.level == .commune {
            commune = area.code
        }
        let issue = failure?.issues.first
        let error = failure.map { $0.issues.map { req.message($0.messageVI, $0.messageEN) }.joined(separator: " ") }
        let body = ThreadPage(page: req.pageMeta(titleKey: "channelThreadTitle"), id: conversationID, pageName: page.name,
                              channel: conversation.channel.rawValue.capitalized, citizen: conversation.displayName ?? conversation.externalUserID,
                              messages: messages, categories: categories, commune: commune, notice: notice, errorField: issue?.field,
                              error: error, errorMessageID: messageID, replyError: messageID == nil ? error : nil, draft: draft)
        return try await req.view.render("console/conversation", body).encodeResponse(status: status, for: req)
    }
}
