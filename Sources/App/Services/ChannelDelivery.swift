import BinhYenCore
import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// The channels' send APIs: Zalo's consultation message, Telegram's sendMessage, Zalo's token
/// refresh (OAuth v4) and where a channel serves a file a citizen sent.
struct ChannelClient: Sendable {
    let app: Application
    var endpoints: AppConfig.ChannelEndpoints { app.binhyenConfig.channelEndpoints }

    func send(_ text: String, to userID: String, account: ChannelAccount, secrets: ChannelSecrets) async throws -> ChannelSendOutcome {
        switch account.kind {
        case .zalo:
            struct Body: Content {
                struct Recipient: Codable { var user_id: String }
                struct Message: Codable { var text: String }
                var recipient: Recipient
                var message: Message
            }
            let response = try await app.client.post(URI(string: endpoints.zaloAPI + "/v3.0/oa/message/cs"),
                                                     headers: ["access_token": secrets.accessToken ?? ""]) { req in
                try req.content.encode(Body(recipient: .init(user_id: userID), message: .init(text: text)), as: .json)
            }
            return .zalo(status: Int(response.status.code), body: response.body.map { Array(buffer: $0) } ?? [])
        case .web:
            throw Abort(.internalServerError, reason: "the site has no send API: its messages are delivered as notifications")
        case .telegram:
            struct Body: Content {
                var chat_id: String
                var text: String
            }
            let response = try await app.client.post(URI(string: endpoints.telegramAPI + "/bot\(secrets.botToken ?? "")/sendMessage")) { req in
                try req.content.encode(Body(chat_id: userID, text: text), as: .json)
            }
            return .telegram(status: Int(response.status.code), body: response.body.map { Array(buffer: $0) } ?? [])
        }
    }

    struct RefreshRefused: Error, CustomStringConvertible {
        var description: String
    }

    /// A new token pair from Zalo. The refresh token is single-use: the caller saves the new pair
    /// before using it.
    func refreshZaloTokens(appID: String, secrets: ChannelSecrets) async throws -> (access: String, refresh: String, expiresIn: TimeInterval) {
        struct Form: Content {
            var refresh_token: String
            var app_id: String
            var grant_type: String
        }
        struct Answer: Decodable {
            var access_token: String?
            var refresh_token: String?
            var expires_in: String?
            var error: Int?
            var error_name: String?
            var error_description: String?
        }
        let response = try await app.client.post(URI(string: endpoints.zaloOAuth + "/v4/oa/access_token"), headers: ["secret_key": secrets.appSecret ?? ""]) { req in
            try req.content.encode(Form(refresh_token: secrets.refreshToken ?? "", app_id: appID, grant_type: "refresh_token"), as: .urlEncodedForm)
        }
        guard response.status == .ok else { throw Abort(.badGateway, reason: "Zalo OAuth answered HTTP \(response.status.code)") }
        let answer = try response.content.decode(Answer.self, as: .json)
        guard let access = answer.access_token, let refresh = answer.refresh_token else {
            throw RefreshRefused(description: "Zalo OAuth \(answer.error.map(String.init) ?? "?") \(answer.error_name ?? "") \(answer.error_description ?? "")")
        }
        return (access, refresh, answer.expires_in.flatMap(TimeInterval.init) ?? 90_000)
    }

    /// Where to download an attachment: Zalo gives its address; Telegram gives a file id to resolve.
    func fileURL(_ attachment: ChannelAttachment, account: ChannelAccount, secrets: ChannelSecrets) async throws -> String {
        switch account.kind {
        case .zalo, .web:
            return attachment.reference
        case .telegram:
            struct Answer: Decodable {
                struct File: Decodable { var file_path: String? }
                var ok: Bool
                var result: File?
            }
            let token = secrets.botToken ?? ""
            var uri = URI(string: endpoints.telegramAPI + "/bot\(token)/getFile")
            uri.query = "file_id=" + (attachment.reference.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            let answer = try await app.client.get(uri).content.decode(Answer.self, as: .json)
            guard answer.ok, let path = answer.result?.file_path else { throw Abort(.badGateway, reason: "Telegram getFile gave no path") }
            return endpoints.telegramAPI + "/file/bot\(token)/" + path
        }
    }
}

/// Sends queued messages to the channels, oldest first. One pass at a time per process (so a
/// Zalo token is never refreshed twice at once); sends to Zalo are paced to the app's limit.
/// A rate limit or an outage pushes back every queued message of that account, so they still
/// go out in order; errors no retry can fix make the message undeliverable with the reason.
extension ChannelService {
    /// How long a message is retried before it is given up as undeliverable.
    static let retryWindow: TimeInterval = 48 * 3600
    /// How long a pass holds the messages it claimed.
    static let lease: TimeInterval = 120
    /// Refresh a Zalo access token this long before it expires.
    static let refreshMargin: TimeInterval = 3600

    /// Conversations served at once in a pass. Each conversation's messages go one after another
    /// (they keep their order); several conversations share the wait for Zalo and for the commit.
    static let parallelConversations = 16

    @discardableResult
    func deliverDue(limit: Int = 500, now fixedNow: Date? = nil) async throws -> Int {
        guard app.channelDeliveryPass.withLockedValue({ running in defer { running = true }; return !running }) else { return 0 }
        defer { app.channelDeliveryPass.withLockedValue { $0 = false } }
        let start = fixedNow ?? Date()
        // Claimed for the pass: pushed past the lease in one statement, so another node's pass
        // (PostgreSQL) skips them; if this one stops midway, they are due again after the lease.
        let lease = start.addingTimeInterval(Self.lease)
        let claimed = try await gate.transaction { db in
            try await (try db.requireSQL()).raw("""
                UPDATE conversation_messages SET next_attempt_at = \(bind: lease)
                WHERE id IN (SELECT id FROM conversation_messages WHERE status = 'queued' AND next_attempt_at <= \(bind: start)
                             ORDER BY created_at, id LIMIT \(literal: limit))
                AND status = 'queued' AND next_attempt_at <= \(bind: start)
                RETURNING id
                """).all().map { try $0.decode(column: "id", as: UUID.self) }
        }
        guard !claimed.isEmpty else { return 0 }
        let due = try await ConversationMessage.query(on: db).filter(\.$id ~~ claimed)
            .sort(\.$createdAt).sort(\.$id).with(\.$conversation) { $0.with(\.$account) }.all()
        // Conversations in the order of their oldest due message.
        var order: [UUID] = []
        var threads: [UUID: [ConversationMessage]] = [:]
        for message in due {
            let key = message.$conversation.id
            if threads[key] == nil { order.append(key) }
            threads[key, default: []].append(message)
        }
        let pass = DeliveryPass()
        let handled = try await withThrowingTaskGroup(of: Int.self) { group in
            var next = order.makeIterator()
            var handled = 0
            func addNext() -> Bool {
                guard let key = next.next(), let thread = threads[key] else { return false }
                group.addTask { try await self.deliver(thread, pass: pass, fixedNow: fixedNow) }
                return true
            }
            for _ in 0..<Self.parallelConversations where !addNext() { break }
            while let count = try await group.next() {
                handled += count
                if !Task.isCancelled { _ = addNext() }
            }
            return handled
        }
        // Claimed but not tried (held behind a failure, or the pass was stopped): due again when
        // their account may be tried again, or at once.
        var release: [Date: [UUID]] = [:]
        for message in due {
            guard let id = message.id, await !pass.wasTried(id) else { continue }
            var until = start
            if let account = message.conversation.$account.id, let held = await pass.heldUntil(account) { until = held }
            release[until, default: []].append(id)
        }
        if !release.isEmpty {
            let groups = release
            try await gate.transaction { db in
                for (until, ids) in groups {
                    try await (try db.requireSQL()).update(ConversationMessage.schema).set("next_attempt_at", to: until)
                        .where("id", .in, ids).where("status", .equal, "queued").run()
                }
            }
        }
        return handled
    }

    /// One conversation's due messages, in order; stops at the first that must wait.
    private func deliver(_ thread: [ConversationMessage], pass: DeliveryPass, fixedNow: Date?) async throws -> Int {
        let client = ChannelClient(app: app)
        var handled = 0
        for message in thread where !Task.isCancelled {
            let now = fixedNow ?? Date()
            if message.conversation.channel == .web {
                await pass.tried(try message.requireID())
                try await deliverOnSite(message, now: now)
                handled += 1
                continue
            }
            guard let account = message.conversation.account, let accountID = account.id, await !pass.isHeld(accountID) else { break }
            let id = try message.requireID()
            await pass.tried(id)
            let content = try vault.open(MessageContent.self, from: message.sealed, for: id)
            let user = message.conversation.externalUserID
            do {
                var secrets = try await pass.secrets(accountID) { try self.secrets(of: account) }
                if account.kind == .zalo, let expires = account.tokenExpiresAt, expires.timeIntervalSince(now) < Self.refreshMargin {
                    secrets = try await pass.refreshOnce(accountID, replacing: secrets) { try await self.refreshTokens(account, $0, now: now) }
                }
                if account.kind == .zalo { await app.zaloPacer.wait(perMinute: app.binhyenConfig.zaloSendsPerMinute) }
                var outcome = try await client.send(content.text, to: user, account: account, secrets: secrets)
                if outcome == .refreshToken {
                    secrets = try await pass.refresh(accountID, replacing: secrets) { try await self.refreshTokens(account, $0, now: now) }
                    outcome = try await client.send(content.text, to: user, account: account, secrets: secrets)
                }
                let retryAt = try await record(outcome, for: message, account: accountID, now: now)
                handled += 1
                if let retryAt {
                    await pass.hold(accountID, until: retryAt)
                    break
                }
            } catch {
                // No answer (connection refused, timeout) or the token could not be refreshed.
                let retryAt = try await record(.retry(reason: String(describing: error), after: nil), for: message, account: accountID, now: now)
                await pass.hold(accountID, until: retryAt ?? now)
                return handled + 1
            }
        }
        return handled
    }

    /// On the site, a message is delivered by telling the citizen (an in-app notification).
    private func deliverOnSite(_ message: ConversationMessage, now: Date) async throws {
        let id = try message.requireID()
        let conversation = message.conversation
        let page = try await Page.find(conversation.$page.id, on: db)
        try await gate.transaction { db in
            try await (try db.requireSQL()).update(ConversationMessage.schema).set("status", to: "sent").set("sent_at", to: now)
                .set("attempts", to: message.attempts + 1).where("id", .equal, id).run()
            guard let citizen = UUID(uuidString: conversation.externalUserID) else { return }
            try await InAppNotification(account: citizen, kind: "channel.reply", titleVI: "\(page?.name ?? "Công an") đã trả lời tin nhắn của bạn",
                                        titleEN: "\(page?.name ?? "The police") answered your message", link: "/pages/\(conversation.$page.id.uuidString)/message",
                                        dedupeKey: "channel.reply:" + id.uuidString, at: now).create(on: db)
        }
    }

    /// Writes what the channel answered; returns when to try again, if the message waits.
    @discardableResult
    private func record(_ outcome: ChannelSendOutcome, for message: ConversationMessage, account accountID: UUID, now: Date) async throws -> Date? {
        let id = try message.requireID()
        return try await gate.transaction { db -> Date? in
            let sql = try db.requireSQL()
            switch outcome {
            case .sent(let externalID):
                try await sql.update(ConversationMessage.schema).set("status", to: "sent").set("external_id", to: externalID).set("sent_at", to: now)
                    .set("attempts", to: message.attempts + 1).set("failure", to: SQLLiteral.null).where("id", .equal, id).run()
                return nil
            case .undeliverable(let reasonVI, let reasonEN):
                try await Self.giveUp(id, reason: reasonVI + " / " + reasonEN, attempts: message.attempts + 1, on: sql)
                return nil
            case .retry, .refreshToken:
                var reasonText = "the access token was refused after a refresh"
                var wait: TimeInterval = 60
                if case .retry(let text, let given) = outcome {
                    reasonText = text
                    wait = given ?? min(pow(2, Double(message.attempts + 1)), 300)
                }
                if now.timeIntervalSince(message.createdAt) > Self.retryWindow {
                    try await Self.giveUp(id, reason: "Không gửi được sau 48 giờ thử lại / Not delivered after 48 hours of retries: " + reasonText,
                                          attempts: message.attempts + 1, on: sql)
                    return nil
                }
                wait = max(wait, 1)
                let next = now.addingTimeInterval(wait)
                try await sql.update(ConversationMessage.schema).set("attempts", to: message.attempts + 1).set("failure", to: String(reasonText.prefix(300)))
                    .set("next_attempt_at", to: next).where("id", .equal, id).run()
                // The account's other queued messages wait as long, so they keep their order.
                try await sql.raw("""
                    UPDATE conversation_messages SET next_attempt_at = \(bind: next)
                    WHERE status = 'queued' AND next_attempt_at < \(bind: next)
                    AND conversation_id IN (SELECT id FROM conversations WHERE account_id = \(bind: accountID))
                    """).run()
                return next
            }
        }
    }

    private static func giveUp(_ id: UUID, reason: String, attempts: Int, on sql: any SQLDatabase) async throws {
        try await sql.update(ConversationMessage.schema).set("status", to: "undeliverable").set("failure", to: String(reason.prefix(500)))
            .set("attempts", to: attempts).set("next_attempt_at", to: SQLLiteral.null).where("id", .equal, id).run()
    }

    /// Refreshes a Zalo OA's tokens and saves the new pair before it is used (the old refresh
    /// token stops working the moment Zalo answers). A refused refresh marks the account as
    /// needing a new link; its messages stay queued.
    private func refreshTokens(_ account: ChannelAccount, _ secrets: ChannelSecrets, now: Date) async throws -> ChannelSecrets {
        let id = try account.requireID()
        do {
            let pair = try await ChannelClient(app: app).refreshZaloTokens(appID: account.appID ?? "", secrets: secrets)
            var renewed = secrets
            renewed.accessToken = pair.access
            renewed.refreshToken = pair.refresh
            let sealed = try vault.seal(renewed, for: id)
            let expires = now.addingTimeInterval(pair.expiresIn)
            try await gate.transaction { db in
                try await (try db.requireSQL()).update(ChannelAccount.schema).set("sealed", to: sealed).set("token_expires_at", to: expires)
                    .set("status", to: ChannelAccount.Status.active.rawValue).set("last_error", to: SQLLiteral.null).set("updated_at", to: now)
                    .where("id", .equal, id).run()
                try await AuditLog.append(.system, "channel.token_refresh", subject: "channel_account:" + id.uuidString, detail: [:], at: now, on: db)
            }
            return renewed
        } catch let refused as ChannelClient.RefreshRefused {
            try await gate.transaction { db in
                try await (try db.requireSQL()).update(ChannelAccount.schema).set("status", to: ChannelAccount.Status.needsConsent.rawValue)
                    .set("last_error", to: String(refused.description.prefix(300))).set("updated_at", to: now).where("id", .equal, id).run()
            }
            app.logger.error("a Zalo OA refused the token refresh: link it again", metadata: ["account": .string(id.uuidString)])
            throw refused
        }
    }
}

/// What the conversations of one delivery pass share: each account's secrets, read once and
/// refreshed once at a time (Zalo's refresh token is single-use: two refreshes at once would
/// leave the second with a dead token), and the accounts held back by a rate limit or an outage.
actor DeliveryPass {
    private var known: [UUID: ChannelSecrets] = [:]
    private var refreshing: [UUID: Task<ChannelSecrets, any Error>] = [:]
    private var refreshedEarly: Set<UUID> = []
    private var held: [UUID: Date] = [:]
    private var triedMessages: Set<UUID> = []

    func hold(_ account: UUID, until: Date) { held[account] = max(held[account] ?? until, until) }
    func isHeld(_ account: UUID) -> Bool { held[account] != nil }
    func heldUntil(_ account: UUID) -> Date? { held[account] }
    func tried(_ message: UUID) { triedMessages.insert(message) }
    func wasTried(_ message: UUID) -> Bool { triedMessages.contains(message) }

    func secrets(_ account: UUID, load: () throws -> ChannelSecrets) rethrows -> ChannelSecrets {
        if let found = known[account] { return found }
        let loaded = try load()
        known[account] = loaded
        return loaded
    }

    /// New secrets after `used` was refused: refreshed here unless another conversation already did.
    func refresh(_ account: UUID, replacing used: ChannelSecrets, _ body: @escaping @Sendable (ChannelSecrets) async throws -> ChannelSecrets) async throws -> ChannelSecrets {
        if let current = known[account], current.accessToken != used.accessToken { return current }
        if let running = refreshing[account] { return try await running.value }
        let task = Task { try await body(used) }
        refreshing[account] = task
        defer { refreshing[account] = nil }
        let renewed = try await task.value
        known[account] = renewed
        return renewed
    }

    /// A token close to expiry is refreshed once in the pass, before the first send.
    func refreshOnce(_ account: UUID, replacing used: ChannelSecrets, _ body: @escaping @Sendable (ChannelSecrets) async throws -> ChannelSecrets) async throws -> ChannelSecrets {
        guard !refreshedEarly.contains(account) else { return known[account] ?? used }
        refreshedEarly.insert(account)
        return try await refresh(account, replacing: used, body)
    }
}

/// Spaces sends evenly: at most `perMinute` a minute (0: no limit).
actor SendPacer {
    private var next = ContinuousClock.now

    func wait(perMinute: Int) async {
        guard perMinute > 0 else { return }
        let gap = Duration.nanoseconds(Int64(60_000_000_000 / perMinute))
        let now = ContinuousClock.now
        let slot = max(next, now)
        next = slot + gap
        if slot > now { try? await Task.sleep(until: slot, clock: .continuous) }
    }
}

extension Application {
    private struct ZaloPacerKey: StorageKey { typealias Value = SendPacer }
    private struct DeliveryPassKey: StorageKey { typealias Value = NIOLockedValueBox<Bool> }

    var zaloPacer: SendPacer {
        get { storage[ZaloPacerKey.self] ?? SendPacer() }
        set { storage[ZaloPacerKey.self] = newValue }
    }

    /// Set while a delivery pass runs.
    var channelDeliveryPass: NIOLockedValueBox<Bool> {
        get { storage[DeliveryPassKey.self] ?? NIOLockedValueBox(false) }
        set { storage[DeliveryPassKey.self] = newValue }
    }
}
