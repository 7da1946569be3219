import BinhYenCore
import Crypto
import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// The channels behind pages: webhooks in (verified, stored before the answer, applied in the
/// background), one inbox per page for officers, replies out through the delivery queue.
struct ChannelService: Sendable {
    let db: any Database
    let app: Application
    var vault: TipVault { app.tipVault }
    var gate: WriteGate { app.writeGate }

    /// Why a webhook request was refused: its status, a code and a sentence for the sender's log.
    struct Refusal: Error, Equatable {
        var status: HTTPStatus
        var code: String
        var message: String
    }

    enum Ingested: Equatable {
        /// Zalo's unsigned `{}` when the webhook address is saved: answered, stored nowhere.
        case probe
        case stored
        /// The same event again (a retry): nothing new stored.
        case duplicate
        /// A valid update the inbox does not use (Telegram edits, group chats): stored nowhere.
        case ignored
    }

    // MARK: linking

    struct Link: Sendable {
        var kind: ChannelKind
        var pageID: UUID
        var externalID: String
        var appID: String?
        var secrets: ChannelSecrets
        var tokenExpiresAt: Date?
    }

    /// Links a page to an account on a channel, or replaces the secrets of a linked one.
    @discardableResult
    func link(_ link: Link, by actor: AuditActor, now: Date = Date()) async throws -> ChannelAccount {
        var issues: [FieldIssue] = []
        if link.externalID.isEmpty || link.externalID.count > 64 || !link.externalID.allSatisfy(\.isNumber) {
            issues.append(FieldIssue(field: "external_id", code: "invalid", messageVI: "Mã tài khoản phải là một dãy số.", messageEN: "The account id must be a number."))
        }
        switch link.kind {
        case .zalo:
            if (link.appID ?? "").isEmpty { issues.append(Self.required("app_id")) }
            for (field, value) in [("oa_secret_key", link.secrets.oaSecretKey), ("app_secret", link.secrets.appSecret),
                                   ("access_token", link.secrets.accessToken), ("refresh_token", link.secrets.refreshToken)] where (value ?? "").isEmpty {
                issues.append(Self.required(field))
            }
        case .web:
            issues.append(FieldIssue(field: "kind", code: "unknown", messageVI: "Chỉ liên kết được Zalo hoặc Telegram.", messageEN: "Only Zalo and Telegram can be linked."))
        case .telegram:
            if (link.secrets.botToken ?? "").isEmpty { issues.append(Self.required("bot_token")) }
            if !TelegramWebhook.isValidSecret(link.secrets.webhookSecret ?? "") {
                issues.append(FieldIssue(field: "webhook_secret", code: "invalid", messageVI: "Mã bí mật webhook gồm 1–256 ký tự A–Z, a–z, 0–9, _ và -.",
                                         messageEN: "The webhook secret is 1–256 characters from A–Z, a–z, 0–9, _ and -."))
            }
        }
        guard issues.isEmpty else { throw ValidationFailure(issues: issues) }
        guard try await Page.find(link.pageID, on: db) != nil else {
            throw ValidationFailure(issues: [FieldIssue(field: "page", code: "unknown", messageVI: "Không có trang này.", messageEN: "There is no such page.")])
        }
        let existing = try await ChannelAccount.query(on: db).filter(\.$kind == link.kind).filter(\.$externalID == link.externalID).first()
        let account = existing ?? ChannelAccount()
        let id = existing?.id ?? UUID.timeOrdered(at: now)
        account.id = id
        account.$page.id = link.pageID
        account.kind = link.kind
        account.externalID = link.externalID
        account.appID = link.appID
        account.secretHash = link.secrets.webhookSecret.map(Self.hash)
        account.sealed = try vault.seal(link.secrets, for: id)
        account.tokenExpiresAt = link.tokenExpiresAt
        account.status = .active
        account.lastError = nil
        account.updatedAt = now
        if existing == nil { account.createdAt = now }
        app.channelVerifiers.withLockedValue { $0.removeAll() }
        try await gate.transaction { db in
            try await account.save(on: db)
            try await AuditLog.append(actor, "channel.link", subject: "channel_account:" + id.uuidString,
                                      detail: ["kind": link.kind.rawValue, "external_id": link.externalID, "page": link.pageID.uuidString], at: now, on: db)
        }
        return account
    }

    func secrets(of account: ChannelAccount) throws -> ChannelSecrets {
        try vault.open(ChannelSecrets.self, from: account.sealed, for: try account.requireID())
    }

    // MARK: webhooks in

    /// A Zalo webhook request: the signature (`X-ZEvent-Signature`) is checked with the OA's
    /// secret key before anything is stored.
    func ingestZalo(body: [UInt8], signature: String?, now: Date = Date()) async throws -> Ingested {
        let signature = signature?.trimmingCharacters(in: .whitespaces) ?? ""
        if signature.isEmpty, ZaloWebhook.isProbe(body) { return .probe }
        let envelope: ZaloWebhook.Envelope
        do {
            envelope = try ZaloWebhook.envelope(body)
        } catch {
            throw Refusal(status: .badRequest, code: "malformed", message: error.description)
        }
        guard !signature.isEmpty else { throw Refusal(status: .unauthorized, code: "signature_missing", message: "X-ZEvent-Signature is missing") }
        guard let account = try await verifier(.zalo, envelope.accountID, now: now) else {
            throw Refusal(status: .notFound, code: "unknown_account", message: "no page is linked to this Official Account")
        }
        guard let appID = account.appID, Self.constantTimeEqual(appID, envelope.appID) else {
            throw Refusal(status: .unauthorized, code: "wrong_app", message: "app_id does not match the linked Official Account")
        }
        guard ZaloSignature.isValid(signature, appID: appID, body: body, timestamp: envelope.timestamp, oaSecretKey: account.secret) else {
            throw Refusal(status: .unauthorized, code: "signature_invalid", message: "X-ZEvent-Signature does not match")
        }
        let key = "zalo:\(envelope.accountID):" + (envelope.dedupeKey ?? "\(envelope.eventName):" + Self.hash(body))
        return try await store(body, account: account.id, dedupeKey: key, eventName: envelope.eventName, at: now)
    }

    /// A Telegram update: the bot is found by the secret token header it was registered with.
    func ingestTelegram(body: [UInt8], secretToken: String?, now: Date = Date()) async throws -> Ingested {
        guard let secret = secretToken, !secret.isEmpty, let account = try await verifier(.telegram, Self.hash(secret), now: now),
              Self.constantTimeEqual(account.secret, secret)
        else {
            throw Refusal(status: .forbidden, code: "secret_invalid", message: "X-Telegram-Bot-Api-Secret-Token is missing or wrong")
        }
        let update: TelegramWebhook.Update
        do {
            update = try TelegramWebhook.update(body, botID: account.externalID)
        } catch {
            throw Refusal(status: .badRequest, code: "malformed", message: error.description)
        }
        guard update.event != nil else { return .ignored }
        return try await store(body, account: account.id, dedupeKey: "telegram:\(account.externalID):\(update.updateID)", eventName: "message", at: now)
    }

    /// What checking a webhook needs of a linked account, kept for a few seconds: a burst of
    /// events does not read and unseal the account each time. (Kept by OA id for Zalo, by the
    /// secret's hash for Telegram.)
    struct Verifier: Sendable {
        var id: UUID
        var externalID: String
        var appID: String?
        /// The Zalo OA secret key, or the Telegram webhook secret.
        var secret: String
        var loadedAt: Date
    }

    static let verifierLifetime: TimeInterval = 5

    private func verifier(_ kind: ChannelKind, _ key: String, now: Date) async throws -> Verifier? {
        let cacheKey = kind.rawValue + ":" + key
        if let kept = app.channelVerifiers.withLockedValue({ $0[cacheKey] }), now.timeIntervalSince(kept.loadedAt) < Self.verifierLifetime {
            return kept
        }
        var query = ChannelAccount.query(on: db).filter(\.$kind == kind)
        query = kind == .telegram ? query.filter(\.$secretHash == key) : query.filter(\.$externalID == key)
        guard let account = try await query.first() else { return nil }
        let secrets = try secrets(of: account)
        guard let secret = kind == .telegram ? secrets.webhookSecret : secrets.oaSecretKey else { return nil }
        let found = Verifier(id: try account.requireID(), externalID: account.externalID, appID: account.appID, secret: secret, loadedAt: now)
        app.channelVerifiers.withLockedValue { kept in
            if kept.count > 10_000 { kept.removeAll() }
            kept[cacheKey] = found
        }
        return found
    }

    /// Stores an accepted event; the same event again is stored once. Replayable, so events that
    /// arrive together are written in one multi-row statement and one commit.
    private func store(_ body: [UInt8], account accountID: UUID, dedupeKey: String, eventName: String, at now: Date) async throws -> Ingested {
        let duplicate = try await db.requireSQL().select().column("id").from(ChannelEventRecord.schema).where("dedupe_key", .equal, dedupeKey).first() != nil
        guard !duplicate else { return .duplicate }
        let id = UUID.timeOrdered(at: now)
        let sealed = try vault.sealBytes(Data(body), for: id)
        try await gate.transaction(replayable: true) { db in
            // Two deliveries of one event at the same moment: the second row is skipped.
            try await WriteBatch.insert(into: ChannelEventRecord.schema,
                                        columns: ["id", "account_id", "dedupe_key", "event_name", "sealed", "status", "attempts", "received_at"],
                                        rows: [[SQLBind(id), SQLBind(accountID), SQLBind(dedupeKey), SQLBind(String(eventName.prefix(64))), SQLBind(sealed),
                                                SQLBind(ChannelEventRecord.Status.pending.rawValue), SQLBind(0), SQLBind(now)]],
                                        skippingConflictsOn: "dedupe_key", on: db)
        }
        app.backgroundJobs?.wake()
        return .stored
    }

    // MARK: applying events

    static let maxEventAttempts = 5

    /// Applies stored events, oldest first; returns how many were handled.
    @discardableResult
    func processEvents(limit: Int = 500, now: Date = Date()) async throws -> Int {
        let pending = try await ChannelEventRecord.query(on: db).filter(\.$status == .pending).sort(\.$receivedAt).sort(\.$id).limit(limit).with(\.$account).all()
        // One citizen's events in order; different citizens' side by side, so their commits are
        // shared. While the server is busy answering requests (a burst of webhooks), one at a
        // time: answering Zalo within its 2 seconds comes first, and the events wait stored.
        var order: [String] = []
        var byCitizen: [String: [(ChannelEventRecord, Result<ChannelEvent?, any Error>)]] = [:]
        for record in pending {
            let parsed = Result { try self.event(of: record) }
            let key = (try? parsed.get()).flatMap { $0.map { "\(record.$account.id):\($0.userID)" } } ?? (record.id?.uuidString ?? "")
            if byCitizen[key] == nil { order.append(key) }
            byCitizen[key, default: []].append((record, parsed))
        }
        let inFlight = app.inFlightRequests
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = order.makeIterator()
            var running = 0
            func fill() {
                let allowed = (inFlight?.count ?? 0) > Self.busyRequests ? 1 : Self.parallelConversations
                while running < allowed, !Task.isCancelled, let key = next.next(), let events = byCitizen[key] {
                    running += 1
                    group.addTask {
                        for (record, parsed) in events where !Task.isCancelled { try await self.applyOrCount(record, parsed, now: now) }
                    }
                }
            }
            fill()
            while try await group.next() != nil {
                running -= 1
                fill()
            }
        }
        return pending.count
    }

    private func event(of record: ChannelEventRecord) throws -> ChannelEvent? {
        let body = [UInt8](try vault.openBytes(record.sealed, for: try record.requireID()))
        switch record.account.kind {
        case .zalo: return try ZaloWebhook.event(body)
        case .telegram: return try TelegramWebhook.update(body, botID: record.account.externalID).event
        case .web: return nil
        }
    }

    /// More requests under way than this, and events are applied one citizen at a time.
    static let busyRequests = 4

    /// Applies an event; a failure is counted, and after a few the event is set aside with its error.
    private func applyOrCount(_ record: ChannelEventRecord, _ parsed: Result<ChannelEvent?, any Error>, now: Date) async throws {
        do {
            try await apply(record, try parsed.get(), now: now)
        } catch {
            record.attempts += 1
            record.lastError = String(describing: error).prefix(500).description
            if record.attempts >= Self.maxEventAttempts {
                record.status = .failed
                app.logger.error("channel event could not be applied", metadata: ["event": .string(record.id?.uuidString ?? ""), "name": .string(record.eventName)])
            }
            try await gate.transaction { db in try await record.save(on: db) }
        }
    }

    private func apply(_ record: ChannelEventRecord, _ event: ChannelEvent?, now: Date) async throws {
        let account = record.account
        guard let event else {
            try await markDone(record, now: now, on: nil)
            return
        }
        // Files are fetched before the transaction (a slow download must not hold the write gate).
        let messageID = UUID.timeOrdered(at: record.receivedAt)
        var files: [SanitizedAttachment] = []
        if event.kind == .message {
            files = await download(event.attachments, account: account)
        }
        let menu = event.kind == .message ? try await menuAnswer(to: event, account: account, now: now) : MenuAnswer()
        let menuReplies = menu.replies
        let content = MessageContent(text: event.text ?? "", attachments: event.attachments, latitude: event.latitude, longitude: event.longitude)
        // The message is dated when it arrived, so the thread keeps the citizen's order.
        let arrived = record.receivedAt
        try await EvidenceFiles.storing(files, owner: Self.fileOwner(messageID), store: app.attachmentStore, at: now) { rows in
            try await gate.transaction { db in
                let conversation = try await self.conversation(for: event, account: account, now: now, on: db)
                let conversationID = try conversation.requireID()
                switch event.kind {
                case .message, .submittedInfo:
                    var content = content
                    if event.kind == .submittedInfo { content.text = "Thông tin người dân gửi / Details the citizen sent:\n" + content.text }
                    try await self.insertMessage(id: messageID, conversationID, .inbound, .citizen, content: content, externalID: event.messageID,
                                                 status: .received, at: arrived, on: db)
                    for row in rows { try await row.create(on: db) }
                    conversation.lastInboundAt = arrived
                    conversation.lastMessageAt = arrived
                    conversation.unread += 1
                    if let name = event.displayName { conversation.displayName = name }
                    for reply in menuReplies {
                        try await self.queue(reply.text, origin: .menu, author: nil, in: conversationID, at: now, on: db)
                        if reply.welcome { conversation.menuWelcomedAt = now }
                    }
                    switch menu.flow {
                    case .keep: break
                    case .clear:
                        conversation.flow = nil
                        conversation.flowSealed = nil
                    case .set(let step, let draft):
                        conversation.flow = step
                        conversation.flowSealed = try self.vault.seal(draft, for: conversationID)
                    }
                    if let tipID = menu.tip {
                        try await (try db.requireSQL()).update(ConversationMessage.schema).set("tip_id", to: tipID).where("id", .equal, messageID).run()
                    }
                case .follow, .unfollow:
                    let following = event.kind == .follow
                    if conversation.following != following {
                        conversation.following = following
                        try await CommunityService.countFollowers(following ? 1 : -1, page: account.$page.id, unit: try await self.unitOfPage(account.$page.id, on: db), at: now, on: db)
                    }
                    if following { conversation.lastInboundAt = now }
                case .echo(fromAdminTool: true):
                    // Written by an officer in Zalo's own tool: kept as the page's message.
                    let known = try await ConversationMessage.query(on: db).filter(\.$conversation.$id == conversationID)
                        .filter(\.$externalID == event.messageID).first()
                    if known == nil {
                        try await self.insertMessage(id: messageID, conversationID, .outbound, .channelTool, content: content, externalID: event.messageID,
                                                     status: .sent, at: now, sentAt: now, on: db)
                        conversation.lastMessageAt = now
                    }
                case .echo(fromAdminTool: false), .other:
                    // Our own send coming back, or an event the inbox does not use.
                    break
                case .received(let ids):
                    try await self.mark(ids, seen: false, in: conversationID, at: now, on: db)
                case .seen(let ids):
                    try await self.mark(ids, seen: true, in: conversationID, at: now, on: db)
                }
                try await conversation.save(on: db)
                try await self.markDone(record, now: now, on: db)
            }
        }
        if !menuReplies.isEmpty { app.backgroundJobs?.wake() }
    }

    private func markDone(_ record: ChannelEventRecord, now: Date, on db: (any Database)?) async throws {
        record.status = .done
        record.processedAt = now
        if let db {
            try await record.save(on: db)
        } else {
            try await gate.transaction { db in try await record.save(on: db) }
        }
    }

    private func conversation(for event: ChannelEvent, account: ChannelAccount, now: Date, on db: any Database) async throws -> Conversation {
        let accountID = try account.requireID()
        if let found = try await Conversation.query(on: db).filter(\.$account.$id == accountID).filter(\.$externalUserID == event.userID).first() {
            return found
        }
        let conversation = Conversation()
        conversation.id = UUID.timeOrdered(at: now)
        conversation.$page.id = account.$page.id
        conversation.channel = account.kind
        conversation.$account.id = accountID
        conversation.externalUserID = event.userID
        conversation.displayName = event.displayName
        conversation.following = false
        conversation.lastMessageAt = now
        conversation.unread = 0
        conversation.createdAt = now
        try await conversation.create(on: db)
        return conversation
    }

    private func unitOfPage(_ pageID: UUID, on db: any Database) async throws -> UUID {
        guard let page = try await Page.find(pageID, on: db) else { throw TipService.NotFound() }
        return page.$unit.id
    }

    private func insertMessage(id: UUID, _ conversationID: UUID, _ direction: ConversationMessage.Direction, _ origin: ConversationMessage.Origin,
                               author: UUID? = nil, content: MessageContent, externalID: String?, status: ConversationMessage.Status,
                               at now: Date, sentAt: Date? = nil, on db: any Database) async throws {
        let message = ConversationMessage()
        message.id = id
        message.$conversation.id = conversationID
        message.direction = direction
        message.origin = origin
        message.$author.id = author
        message.sealed = try vault.seal(content, for: id)
        message.externalID = externalID
        message.status = status
        message.attempts = 0
        message.nextAttemptAt = status == .queued ? now : nil
        message.createdAt = now
        message.sentAt = sentAt
        try await message.create(on: db)
    }

    /// Queues a message to the citizen (delivered by `deliverDue`).
    @discardableResult
    private func queue(_ text: String, origin: ConversationMessage.Origin, author: UUID?, in conversationID: UUID, at now: Date, on db: any Database) async throws -> UUID {
        let id = UUID.timeOrdered(at: now)
        try await insertMessage(id: id, conversationID, .outbound, origin, author: author, content: MessageContent(text: text), externalID: nil,
                                status: .queued, at: now, on: db)
        return id
    }

    /// Delivery and read marks of the page's messages (a mark never goes back: seen stays seen).
    private func mark(_ ids: [String], seen: Bool, in conversationID: UUID, at now: Date, on db: any Database) async throws {
        guard !ids.isEmpty else { return }
        let sql = try db.requireSQL()
        let column = seen ? "seen_at" : "delivered_at"
        let allowed = seen ? ["sent", "delivered"] : ["sent"]
        try await sql.raw("""
            UPDATE conversation_messages SET \(ident: column) = \(bind: now), status = \(bind: seen ? "seen" : "delivered")
            WHERE conversation_id = \(bind: conversationID) AND direction = 'out' AND external_id IN (\(binds: ids)) AND status IN (\(binds: allowed))
            """).run()
    }

    static func fileOwner(_ messageID: UUID) -> String { "conversation_message:" + messageID.uuidString }

    /// Photos and files the citizen sent, fetched from the channel, checked by content and cleaned
    /// like tip attachments. One that cannot be fetched or is refused stays a link in the message.
    private func download(_ attachments: [ChannelAttachment], account: ChannelAccount) async -> [SanitizedAttachment] {
        var files: [SanitizedAttachment] = []
        for attachment in attachments where attachment.kind == .image || attachment.kind == .file {
            guard files.count < AttachmentRules.maxFiles else { break }
            do {
                let url = try await ChannelClient(app: app).fileURL(attachment, account: account, secrets: try secrets(of: account))
                let response = try await app.client.get(URI(string: url))
                guard response.status == .ok, let body = response.body, body.readableBytes <= AttachmentRules.maxBytes else { continue }
                if case .success(let file) = AttachmentRules.sanitize(Data(buffer: body), declaredName: attachment.name) { files.append(file) }
            } catch {
                app.logger.warning("a channel attachment could not be fetched", metadata: ["error": .string(String(describing: error))])
            }
        }
        return files
    }

    // MARK: chat menu

    private struct MenuReply {
        var text: String
        var welcome: Bool
    }

    private enum FlowChange {
        case keep
        case clear
        case set(String, TipFlowDraft)
    }

    private struct MenuAnswer {
        var replies: [MenuReply] = []
        var flow = FlowChange.keep
        /// The tip the guided report filed with this message.
        var tip: UUID?
    }

    /// The menu's answer to a citizen's message: the next step of a guided tip report under way,
    /// else the entry its first words name, else (once a day) the welcome listing what can be asked.
    private func menuAnswer(to event: ChannelEvent, account: ChannelAccount, now: Date) async throws -> MenuAnswer {
        let menu = app.chatMenu
        // The page and its hotline are read only for an answer that names them.
        func filled(_ text: String) async throws -> String {
            guard let page = try await Page.find(account.$page.id, on: db) else { return text }
            var hotline = page.hotline
            if hotline == nil { hotline = try await Unit.find(page.$unit.id, on: db)?.hotline }
            let number = hotline ?? "113"
            return text.replacingOccurrences(of: "{page}", with: page.name).replacingOccurrences(of: "{hotline}", with: number)
        }
        let conversation = try await Conversation.query(on: db).filter(\.$account.$id == account.requireID()).filter(\.$externalUserID == event.userID).first()
        if let conversation, let step = conversation.flow, let flow = menu.tipFlow {
            return try await tipFlowStep(step, conversation: conversation, text: event.text ?? "", flow: flow, now: now)
        }
        guard let text = event.text, let (entry, rest) = menu.match(text) else {
            if let welcomed = conversation?.menuWelcomedAt, now.timeIntervalSince(welcomed) < 24 * 3600 { return MenuAnswer() }
            return MenuAnswer(replies: [MenuReply(text: try await filled(menu.welcomeVI), welcome: true)])
        }
        switch entry.action {
        case "scam_lookup":
            guard !rest.isEmpty else { return MenuAnswer(replies: [MenuReply(text: try await filled(entry.replyVI), welcome: false)]) }
            return MenuAnswer(replies: [MenuReply(text: try await lookupAnswer(rest, now: now), welcome: false)])
        case "tip_flow" where menu.tipFlow != nil:
            return MenuAnswer(replies: [MenuReply(text: try await filled(entry.replyVI), welcome: false)], flow: .set(Self.stepDescription, TipFlowDraft()))
        default:
            return MenuAnswer(replies: [MenuReply(text: try await filled(entry.replyVI), welcome: false)])
        }
    }

    static let stepDescription = "tip.description"
    static let stepCommune = "tip.commune"
    static let stepConfirm = "tip.confirm"

    /// The guided tip report: what happened, then where (a commune found by name, with or without
    /// diacritics), then the citizen's go-ahead; the tip is filed anonymously ("other" category,
    /// for the commune's police to sort), its reference sent back. `HUỶ` ends it at any step.
    private func tipFlowStep(_ step: String, conversation: Conversation, text raw: String, flow: ChatMenu.TipFlow, now: Date) async throws -> MenuAnswer {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        func reply(_ text: String) -> [MenuReply] { [MenuReply(text: text, welcome: false)] }
        if flow.isCancel(text) { return MenuAnswer(replies: reply(flow.cancelledVI), flow: .clear) }
        var draft = try conversation.flowSealed.map { try vault.open(TipFlowDraft.self, from: $0, for: try conversation.requireID()) } ?? TipFlowDraft()
        if step == Self.stepDescription {
            guard TipRules.descriptionLength.contains(VietnameseText.clean(text).count) else { return MenuAnswer(replies: reply(flow.tooShortVI)) }
            draft.description = text
            return MenuAnswer(replies: reply(flow.askCommuneVI), flow: .set(Self.stepCommune, draft))
        }
        if step == Self.stepConfirm, flow.isSend(text), let commune = draft.communeCode {
            let submitted = try await TipService(db: db, app: app).submit(TipDraft(categoryCode: "other", description: draft.description, communeCode: commune),
                                                                          by: .anonymous, now: now)
            return MenuAnswer(replies: reply(flow.sentVI.replacingOccurrences(of: "{reference}", with: submitted.tip.reference)), flow: .clear,
                              tip: try submitted.tip.requireID())
        }
        // Where: a commune's name (also a correction at the last step).
        guard !text.isEmpty, let found = try await AreaSearch.communes(matching: String(text.prefix(100)), limit: 1, on: db).first else {
            return MenuAnswer(replies: reply(flow.communeNotFoundVI.replacingOccurrences(of: "{text}", with: String(text.prefix(100)))))
        }
        draft.communeCode = found.code
        draft.communeName = found.name + ", " + found.provinceName
        return MenuAnswer(replies: reply(flow.confirmVI.replacingOccurrences(of: "{commune}", with: draft.communeName ?? found.name)),
                          flow: .set(Self.stepConfirm, draft))
    }

    /// The registry's answer in the site's own words (`ScamLookupText`), with the patrol's warning.
    private func lookupAnswer(_ raw: String, now: Date) async throws -> String {
        do {
            let answer = try await ScamRegistry(db: db, app: app).lookup(raw, now: now)
            return ScamLookupText.message(answer).vi + (answer.warning.map { "\n" + $0 } ?? "")
        } catch let failure as ValidationFailure {
            return "Không tra cứu được \"\(raw.prefix(100))\": " + (failure.issues.first?.messageVI ?? "")
        }
    }

    // MARK: the inbox

    /// Conversations of the pages of units where the account may handle tips, latest first.
    func conversations(for account: CurrentAccount, limit: Int = 100) async throws -> [(Conversation, Page)] {
        let units = TipService.units(of: account, allowing: .handleTips)
        guard !units.isEmpty else { return [] }
        let rows = try await Conversation.query(on: db).join(Page.self, on: \Conversation.$page.$id == \Page.$id)
            .filter(.sql(embed: "\(ident: "pages").\(ident: "unit_id") IN (SELECT descendant_id FROM unit_closure WHERE ancestor_id IN (\(binds: units)))"))
            .sort(\.$lastMessageAt, .descending).limit(limit).all()
        return try rows.map { ($0, try $0.joined(Page.self)) }
    }

    /// A conversation the account may read and answer, or nil.
    func conversation(_ id: UUID, for account: CurrentAccount) async throws -> (Conversation, Page)? {
        guard let conversation = try await Conversation.query(on: db).filter(\.$id == id).with(\.$page).first(),
              try await account.may(.handleTips, atUnit: conversation.page.$unit.id, on: db) else { return nil }
        return (conversation, conversation.page)
    }

    struct Shown: Sendable {
        var message: ConversationMessage
        var content: MessageContent
        var files: [EvidenceFile]
    }

    func messages(of conversation: Conversation) async throws -> [Shown] {
        let messages = try await ConversationMessage.query(on: db).filter(\.$conversation.$id == conversation.requireID()).sort(\.$createdAt).sort(\.$id).all()
        let files = try await EvidenceFiles.byOwner(Dictionary(uniqueKeysWithValues: try messages.map { (try $0.requireID(), Self.fileOwner(try $0.requireID())) }), on: db)
        return try messages.map { message in
            let id = try message.requireID()
            return Shown(message: message, content: try vault.open(MessageContent.self, from: message.sealed, for: id), files: files[id] ?? [])
        }
    }

    func markRead(_ conversation: Conversation) async throws {
        guard conversation.unread > 0 else { return }
        let id = try conversation.requireID()
        try await gate.transaction { db in
            try await (try db.requireSQL()).update(Conversation.schema).set("unread", to: 0).where("id", .equal, id).run()
        }
        conversation.unread = 0
    }

    /// Zalo takes consultation replies for 7 days after the citizen's last interaction.
    static let replyWindow: TimeInterval = 7 * 24 * 3600
    static let replyLength = 1...2000

    /// A message as written in the console or on the site: NFC, trimmed, 1 to 2000 characters (what
    /// Zalo takes), no control characters but line breaks and tabs.
    static func messageText(_ raw: String) throws -> String {
        let text = VietnameseText.nfc(raw).trimmingCharacters(in: .whitespacesAndNewlines)
        guard replyLength.contains(text.count), !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\n" && $0 != "\r" && $0 != "\t" }) else {
            throw ValidationFailure(issues: [FieldIssue(field: "text", code: "length", messageVI: "Tin nhắn dài từ 1 đến 2000 ký tự, không chứa ký tự điều khiển.",
                                                        messageEN: "A message is 1 to 2000 characters long, without control characters.")])
        }
        return text
    }

    /// An officer's reply: queued in the same transaction as its audit entry, sent by the worker.
    @discardableResult
    func reply(_ raw: String, to conversation: Conversation, by account: CurrentAccount, now: Date = Date()) async throws -> UUID {
        let text = try Self.messageText(raw)
        if conversation.channel == .zalo, now.timeIntervalSince(conversation.lastInboundAt ?? .distantPast) > Self.replyWindow {
            throw ValidationFailure(issues: [FieldIssue(field: "text", code: "window_closed",
                messageVI: "Người dân chưa nhắn tin cho trang trong 7 ngày qua: Zalo không cho phép trả lời đến khi họ nhắn lại.",
                messageEN: "The citizen has not written to the page in the last 7 days: Zalo allows no reply until they write again.")])
        }
        let conversationID = try conversation.requireID()
        let id = try await gate.transaction { db in
            let id = try await self.queue(text, origin: .officer, author: account.id, in: conversationID, at: now, on: db)
            try await (try db.requireSQL()).update(Conversation.schema).set("last_message_at", to: now).set("unread", to: 0).where("id", .equal, conversationID).run()
            try await AuditLog.append(.staff(account.id), "channel.reply", subject: "conversation:" + conversationID.uuidString, detail: ["message": id.uuidString], at: now, on: db)
            return id
        }
        app.backgroundJobs?.wake()
        return id
    }

    /// What a citizen's message in this conversation says, if it has not been turned into a tip
    /// or a question yet.
    private func unconvertedMessage(_ messageID: UUID, in conversationID: UUID) async throws -> MessageContent {
        guard let message = try await ConversationMessage.query(on: db).filter(\.$id == messageID).filter(\.$conversation.$id == conversationID)
            .filter(\.$direction == .inbound).first() else { throw TipService.NotFound() }
        guard message.$tip.id == nil, message.$question.id == nil else {
            throw ValidationFailure(issues: [FieldIssue(field: "message", code: "already", messageVI: "Tin nhắn này đã được chuyển đi.",
                                                        messageEN: "This message has already been turned into a tip or a question.")])
        }
        return try vault.open(MessageContent.self, from: message.sealed, for: messageID)
    }

    private enum Conversion {
        case tip(UUID)
        case question(UUID)
    }

    /// Records what a citizen's message became, tells the citizen in the conversation, and audits it.
    private func converted(_ messageID: UUID, in conversationID: UUID, to target: Conversion, by account: CurrentAccount, notice: String, now: Date) async throws {
        let (column, name, id): (String, String, UUID) = switch target {
        case .tip(let id): ("tip_id", "tip", id)
        case .question(let id): ("question_id", "question", id)
        }
        try await gate.transaction { db in
            try await (try db.requireSQL()).update(ConversationMessage.schema).set(SQLIdentifier(column), to: id).where("id", .equal, messageID).run()
            try await self.queue(notice, origin: .system, author: nil, in: conversationID, at: now, on: db)
            try await AuditLog.append(.staff(account.id), "channel.\(name)", subject: "conversation:" + conversationID.uuidString,
                                      detail: ["message": messageID.uuidString, name: id.uuidString], at: now, on: db)
        }
        app.backgroundJobs?.wake()
    }

    /// Turns a citizen's message (its text, photos and location) into a tip of the page's unit's
    /// area, and tells the citizen its reference in the same conversation.
    func makeTip(from messageID: UUID, in conversation: Conversation, categoryCode: String, communeCode: String, description: String?,
                 by account: CurrentAccount, now: Date = Date()) async throws -> Tip {
        let conversationID = try conversation.requireID()
        let content = try await unconvertedMessage(messageID, in: conversationID)
        let stored = try await EvidenceFiles.byOwner([messageID: Self.fileOwner(messageID)], on: db)[messageID] ?? []
        let attachments = try stored.compactMap { file -> SanitizedAttachment? in
            guard case .success(let clean) = AttachmentRules.sanitize(try app.attachmentStore.read(try file.requireID()), declaredName: nil) else { return nil }
            return clean
        }
        let text = (description?.isEmpty == false ? description : nil) ?? content.text
        let draft = TipDraft(categoryCode: categoryCode, description: text, communeCode: communeCode, latitude: content.latitude, longitude: content.longitude)
        var tips = TipService(db: db, app: app)
        tips.outboxWritten = { app.backgroundJobs?.wake() }
        // A citizen writing on the site has an account: the tip is theirs to follow there too.
        let submitter: TipService.Submitter = conversation.channel == .web ? UUID(uuidString: conversation.externalUserID).map { .citizen($0) } ?? .anonymous : .anonymous
        let submitted = try await tips.submit(draft, by: submitter, attachments: attachments, now: now)
        try await converted(messageID, in: conversationID, to: .tip(try submitted.tip.requireID()), by: account,
                            notice: "Công an đã tiếp nhận tin báo của bạn, mã \(submitted.tip.reference). Cán bộ sẽ trao đổi tiếp trong cuộc trò chuyện này.", now: now)
        return submitted.tip
    }

    /// The account questions from the channels are filed under: citizens there have no account
    /// of ours. It cannot log in (disabled, no phone number); the question's answer goes back to
    /// the conversation it came from.
    static let channelAskerPhone = "channel-citizens"

    /// Turns a citizen's message into a question to the police of a commune; the answer, when an
    /// officer gives it in the questions inbox, is sent back in this conversation.
    func makeQuestion(from messageID: UUID, in conversation: Conversation, communeCode: String, text: String?, by account: CurrentAccount,
                      now: Date = Date()) async throws -> Question {
        let conversationID = try conversation.requireID()
        let content = try await unconvertedMessage(messageID, in: conversationID)
        let asker = try await channelAsker(now: now)
        let question = try await QuestionService(db: db, app: app).ask(
            .init(communeCode: communeCode, text: (text?.isEmpty == false ? text : nil) ?? content.text, channel: conversation.channel.rawValue), by: asker, now: now)
        try await converted(messageID, in: conversationID, to: .question(try question.requireID()), by: account,
                            notice: "Câu hỏi của bạn đã được chuyển đến công an phụ trách, mã \(question.reference). Câu trả lời sẽ được gửi trong cuộc trò chuyện này.", now: now)
        return question
    }

    private func channelAsker(now: Date) async throws -> UUID {
        if let found = try await Account.query(on: db).filter(\.$phone == Self.channelAskerPhone).first() { return try found.requireID() }
        let account = Account()
        account.id = UUID.timeOrdered(at: now)
        account.phone = Self.channelAskerPhone
        account.displayName = "Người dân qua Zalo, Telegram"
        account.passwordHash = "!"
        account.kind = .citizen
        account.locale = "vi"
        account.disabledAt = now
        try await gate.transaction { db in try await account.create(on: db) }
        return try account.requireID()
    }

    /// In the caller's transaction (the answer's): queues the answer to the conversation the
    /// question came from, if it came from one.
    func forwardAnswer(to question: Question, text: String, now: Date) async throws {
        guard let message = try await ConversationMessage.query(on: db).filter(\.$question.$id == question.requireID()).first() else { return }
        try await queue("Trả lời câu hỏi \(question.reference):\n\(text)".prefix(Self.replyLength.upperBound).description, origin: .officer,
                        author: question.$answeredBy.id, in: message.$conversation.id, at: now, on: db)
        app.backgroundJobs?.wake()
    }

    // MARK: the site

    /// A logged-in citizen writes to a page from the site: the message joins the page's inbox like
    /// one from Zalo; replies reach the citizen as in-app notifications.
    func writeFromSite(_ raw: String, to pageID: UUID, by citizen: CurrentAccount, now: Date = Date()) async throws {
        let text = try Self.messageText(raw)
        guard try await Page.find(pageID, on: db) != nil else { throw TipService.NotFound() }
        let user = citizen.id.uuidString
        let messageID = UUID.timeOrdered(at: now)
        try await gate.transaction { db in
            let conversation = try await Conversation.query(on: db).filter(\.$page.$id == pageID).filter(\.$channel == .web)
                .filter(\.$externalUserID == user).first() ?? Conversation()
            if conversation.id == nil {
                conversation.id = UUID.timeOrdered(at: now)
                conversation.$page.id = pageID
                conversation.channel = .web
                conversation.externalUserID = user
                conversation.following = false
                conversation.unread = 0
                conversation.createdAt = now
            }
            conversation.displayName = citizen.displayName
            conversation.lastInboundAt = now
            conversation.lastMessageAt = now
            conversation.unread += 1
            try await conversation.save(on: db)
            try await self.insertMessage(id: messageID, try conversation.requireID(), .inbound, .citizen, content: MessageContent(text: text),
                                         externalID: nil, status: .received, at: now, on: db)
            try await AuditLog.append(.citizen(citizen.id), "channel.site_message", subject: "conversation:" + (try conversation.requireID()).uuidString,
                                      detail: [:], at: now, on: db)
        }
    }

    /// The citizen's conversation with a page on the site, if they have written to it.
    func siteConversation(page pageID: UUID, citizen: UUID) async throws -> Conversation? {
        try await Conversation.query(on: db).filter(\.$page.$id == pageID).filter(\.$channel == .web).filter(\.$externalUserID == citizen.uuidString).first()
    }

    // MARK: warnings to followers

    struct WarningCounts: Encodable, Sendable, Equatable {
        var sent = 0
        var queued = 0
        var failed = 0
    }

    /// Queues an urgent page post for the page's followers on its linked channels, in the
    /// caller's transaction (the outbox's): on Zalo to followers who wrote in the last 7 days
    /// (the others are recorded as not deliverable, with the reason), on Telegram to everyone who
    /// started a chat with the bot. A follower who already has it is skipped, so a repeated
    /// delivery sends nothing twice.
    func warnFollowers(of postID: UUID, now: Date) async throws {
        guard let post = try await Post.find(postID, on: db), post.status == .published, let pageID = post.$page.id,
              let page = try await Page.find(pageID, on: db) else { return }
        let sql = try db.requireSQL()
        let rows = try await sql.raw("""
            SELECT c.id, c.channel, c.following, c.last_inbound_at FROM conversations c
            WHERE c.page_id = \(bind: pageID) AND c.account_id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM conversation_messages m WHERE m.post_id = \(bind: postID) AND m.conversation_id = c.id)
            """).all()
        let text = String("CẢNH BÁO KHẨN – \(page.name): \(post.title)\n\(post.body)".prefix(Self.replyLength.upperBound))
        let outside = "Người quan tâm chưa nhắn tin cho trang trong 7 ngày qua: Zalo không cho phép gửi. / The follower has not written to the page in the last 7 days: Zalo does not allow sending."
        var values: [[any SQLExpression]] = []
        for row in rows {
            let conversationID = try row.decode(column: "id", as: UUID.self)
            let channel = ChannelKind(rawValue: try row.decode(column: "channel", as: String.self))
            var failure: String?
            if channel == .zalo {
                guard try row.decode(column: "following", as: Bool.self) else { continue }
                let last = try row.decode(column: "last_inbound_at", as: Date?.self) ?? .distantPast
                if now.timeIntervalSince(last) > Self.replyWindow { failure = outside }
            }
            let id = UUID.timeOrdered(at: now)
            let sealed = try vault.seal(MessageContent(text: text), for: id)
            values.append([SQLBind(id), SQLBind(conversationID), SQLBind("out"), SQLBind("system"), SQLBind(sealed),
                           SQLBind(failure == nil ? "queued" : "undeliverable"), SQLBind(0), SQLBind(failure == nil ? now : nil), SQLBind(failure),
                           SQLBind(postID), SQLBind(now)])
        }
        try await WriteBatch.insert(into: ConversationMessage.schema,
                                    columns: ["id", "conversation_id", "direction", "origin", "sealed", "status", "attempts", "next_attempt_at", "failure", "post_id", "created_at"],
                                    rows: values, on: db)
    }

    /// For each post: its warnings sent (or further: delivered, seen), waiting, and not deliverable.
    func warningCounts(of postIDs: [UUID]) async throws -> [UUID: WarningCounts] {
        guard !postIDs.isEmpty else { return [:] }
        let rows = try await db.requireSQL().raw("""
            SELECT post_id, status, COUNT(*) AS n FROM conversation_messages WHERE post_id IN (\(binds: postIDs)) GROUP BY post_id, status
            """).all()
        var counts: [UUID: WarningCounts] = [:]
        for row in rows {
            let id = try row.decode(column: "post_id", as: UUID.self)
            let n = try row.decode(column: "n", as: Int.self)
            switch ConversationMessage.Status(rawValue: try row.decode(column: "status", as: String.self)) {
            case .queued: counts[id, default: .init()].queued += n
            case .undeliverable: counts[id, default: .init()].failed += n
            default: counts[id, default: .init()].sent += n
            }
        }
        return counts
    }

    // MARK: helpers

    static func hash(_ text: String) -> String { hash(Array(text.utf8)) }
    static func hash(_ bytes: [UInt8]) -> String { Hex.string(SHA256.hash(data: bytes)) }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private static func required(_ field: String) -> FieldIssue {
        let (vi, en) = switch field {
        case "app_id": ("mã ứng dụng Zalo (app id)", "the Zalo app id")
        case "oa_secret_key": ("khoá bí mật của OA (OA secret key, trong cài đặt Webhook)", "the OA secret key (from the Webhook settings)")
        case "app_secret": ("khoá bí mật của ứng dụng (app secret)", "the app secret")
        case "access_token": ("access token", "the access token")
        case "refresh_token": ("refresh token", "the refresh token")
        case "bot_token": ("token của bot Telegram", "the Telegram bot token")
        default: (field, field)
        }
        return FieldIssue(field: field, code: "required", messageVI: "Vui lòng nhập \(vi).", messageEN: "Please enter \(en).")
    }
}

/// `X-ZEvent-Signature`: the hex SHA-256 of app id + raw body + the body's timestamp + the OA
/// secret key (not an HMAC), optionally written `mac=<hex>`.
enum ZaloSignature {
    static func compute(appID: String, body: [UInt8], timestamp: String, oaSecretKey: String) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(appID.utf8))
        hasher.update(data: body)
        hasher.update(data: Array(timestamp.utf8))
        hasher.update(data: Array(oaSecretKey.utf8))
        return Hex.string(hasher.finalize())
    }

    static func isValid(_ header: String, appID: String, body: [UInt8], timestamp: String, oaSecretKey: String) -> Bool {
        var given = header.trimmingCharacters(in: .whitespaces).lowercased()
        if given.hasPrefix("mac=") { given.removeFirst(4) }
        return ChannelService.constantTimeEqual(given, compute(appID: appID, body: body, timestamp: timestamp, oaSecretKey: oaSecretKey))
    }
}

extension Request {
    var channels: ChannelService { ChannelService(db: db, app: application) }
}

extension Application {
    private struct ChatMenuKey: StorageKey { typealias Value = ChatMenu }
    private struct VerifiersKey: StorageKey { typealias Value = NIOLockedValueBox<[String: ChannelService.Verifier]> }

    /// Linked accounts as webhooks check them (see `ChannelService.Verifier`).
    var channelVerifiers: NIOLockedValueBox<[String: ChannelService.Verifier]> {
        get { storage[VerifiersKey.self] ?? NIOLockedValueBox([:]) }
        set { storage[VerifiersKey.self] = newValue }
    }

    /// The chat menu shipped as data (Resources/Channels/menu.json), read at start.
    var chatMenu: ChatMenu {
        get { storage[ChatMenuKey.self] ?? ChatMenu(entries: [], welcomeVI: "") }
        set { storage[ChatMenuKey.self] = newValue }
    }
}
