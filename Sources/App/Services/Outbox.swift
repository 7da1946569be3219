import BinhYenCore
import Fluent
import Foundation
import SQLKit
import NIOConcurrencyHelpers
import Vapor

/// What the outbox carries.
enum OutboxTopic: String, Sendable {
    /// A new urgent tip for the duty desks whose units it reaches.
    case liveTipNew = "live.tip.new"
    /// An urgent tip was acknowledged: duty desks drop it.
    case liveTipAcknowledged = "live.tip.acknowledged"
    /// A tip is overdue: alert the commanders of the unit (level 1) or of the parent unit (level 2).
    case tipEscalation = "tip.escalation"
    /// An urgent post reached its publishing time: notify every member of the groups it targets.
    case postUrgent = "post.urgent"
    /// An urgent page post reached its publishing time: send it to the page's followers on Zalo and Telegram.
    case postChannels = "post.channels"
    /// A fraud tip named phone numbers, accounts or sites: count them in the scam registry.
    case tipIndicators = "tip.indicators"
}

/// What a fraud tip named, as the normalisers gave it.
struct TipIndicatorsPayload: Codable, Sendable {
    struct Item: Codable, Sendable {
        var kind: String
        var value: String
        var display: String
        var matchKey: String
    }
    var tipID: UUID
    var indicators: [Item]
}

struct UrgentPostPayload: Codable, Sendable {
    var postID: UUID
}

/// A live event for duty desks. `audience` lists every unit at or above the units the tip was
/// routed to: a desk receives it when one of its units is in that list.
struct LiveTipEvent: Codable, Sendable {
    var kind: String
    var id: UUID
    var reference: String
    var category: String
    var commune: String
    var createdAt: Date
    var audience: [UUID]
}

struct EscalationPayload: Codable, Sendable {
    var tipID: UUID
    var reference: String
    var level: Int
    /// The units whose commanders are alerted.
    var unitID: UUID
}

enum Outbox {
    /// Writes a message in the caller's transaction; it is delivered only if that commits.
    /// - Parameter availableAt: not delivered before then (a scheduled post's time); now by default.
    static func enqueue(_ topic: OutboxTopic, _ payload: some Encodable, at now: Date, availableAt: Date? = nil, on db: any Database) async throws {
        try await WriteBatch.insert(into: OutboxMessage.schema,
            columns: ["id", "topic", "payload", "status", "attempts", "available_at", "created_at"],
            rows: [[SQLBind(UUID.timeOrdered(at: now)), SQLBind(topic.rawValue), SQLBind(String(decoding: try JSONEncoder().encode(payload), as: UTF8.self)),
                    SQLBind(OutboxMessage.Status.pending.rawValue), SQLBind(0), SQLBind(availableAt ?? now), SQLBind(now)]],
            on: db)
    }

    static let maxAttempts = 8

    /// Delivers every message that is due, oldest first; returns how many were handled. On
    /// PostgreSQL, rows are claimed with SKIP LOCKED so several nodes can drain together.
    @discardableResult
    static func drain(app: Application, at fixedTime: Date? = nil, batch: Int = 100) async throws -> Int {
        var handled = 0
        while true {
            let now = fixedTime ?? Date()
            // Through the write gate: on SQLite two writing transactions must not overlap.
            let claimed = try await app.writeGate.transaction { db -> Int in
                let sql = try db.requireSQL()
                let locking = sql.dialect.name == "postgresql" ? " FOR UPDATE SKIP LOCKED" : ""
                let rows = try await sql.raw("""
                    SELECT id FROM outbox WHERE status = 'pending' AND available_at <= \(bind: now)
                    ORDER BY created_at LIMIT \(literal: batch)\(unsafeRaw: locking)
                    """).all()
                let ids = try rows.map { try $0.decode(column: "id", as: UUID.self) }
                guard !ids.isEmpty else { return 0 }
                let messages = try await OutboxMessage.query(on: db).filter(\.$id ~~ ids).sort(\.$createdAt).all()
                for message in messages {
                    do {
                        try await deliver(message, app: app, db: db, now: now)
                        message.status = .done
                        message.processedAt = now
                    } catch {
                        message.attempts += 1
                        message.lastError = String(describing: error).prefix(500).description
                        if message.attempts >= maxAttempts {
                            message.status = .dead
                            app.logger.error("outbox message gave up", metadata: ["topic": .string(message.topic), "id": .string(message.id?.uuidString ?? "")])
                        } else {
                            // Exponential backoff: 2, 4, 8… seconds.
                            message.availableAt = now.addingTimeInterval(pow(2, Double(message.attempts)))
                        }
                    }
                    try await message.save(on: db)
                }
                return messages.count
            }
            handled += claimed
            if claimed < batch { return handled }
        }
    }

    private static func deliver(_ message: OutboxMessage, app: Application, db: any Database, now: Date) async throws {
        let data = Data(message.payload.utf8)
        switch OutboxTopic(rawValue: message.topic) {
        case .liveTipNew, .liveTipAcknowledged:
            await app.liveHub.publish(try JSONDecoder().decode(LiveTipEvent.self, from: data))
        case .tipEscalation:
            try await TipEscalation.notify(try JSONDecoder().decode(EscalationPayload.self, from: data), on: db, now: now)
        case .tipIndicators:
            try await ScamRegistry.countTipIndicators(try JSONDecoder().decode(TipIndicatorsPayload.self, from: data), on: db, now: now)
        case .postUrgent:
            try await PostService.notifyMembers(of: try JSONDecoder().decode(UrgentPostPayload.self, from: data).postID, on: db, now: now)
        case .postChannels:
            try await ChannelService(db: db, app: app).warnFollowers(of: try JSONDecoder().decode(UrgentPostPayload.self, from: data).postID, now: now)
        case nil:
            throw Abort(.internalServerError, reason: "unknown outbox topic \(message.topic)")
        }
    }
}

/// Runs the outbox and the deadline check in the background of `serve` and `demo` (started once
/// the database is known to be migrated): the outbox drains as soon as a change commits (and every
/// second in case a wake-up was missed), deadlines every 30 seconds.
final class BackgroundJobs: LifecycleHandler, Sendable {
    private let wakeUp: AsyncStream<Void>.Continuation
    private let stream: AsyncStream<Void>
    /// The channels have their own loop: a long delivery queue must not hold up notifications.
    private let wakeChannels: AsyncStream<Void>.Continuation
    private let channelStream: AsyncStream<Void>
    private let tasks = NIOLockedValueBox<[Task<Void, Never>]>([])

    init() {
        (stream, wakeUp) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        (channelStream, wakeChannels) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func wake() {
        wakeUp.yield()
        wakeChannels.yield()
    }

    func start(_ app: Application) {
        guard tasks.withLockedValue({ $0.isEmpty }) else { return }
        let stream = self.stream
        let drain = Task {
            for await _ in stream {
                do { try await Outbox.drain(app: app) } catch { app.logger.report(error: error) }
            }
        }
        let channelStream = self.channelStream
        let channels = Task {
            for await _ in channelStream {
                do {
                    let service = ChannelService(db: app.db, app: app)
                    while try await service.processEvents() > 0 {}
                    while try await service.deliverDue() > 0 {}
                } catch {
                    app.logger.report(error: error)
                }
            }
        }
        let ticker = Task { [wakeUp, wakeChannels] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                wakeUp.yield()
                wakeChannels.yield()
            }
        }
        let deadlines = Task {
            while !Task.isCancelled {
                do {
                    let escalated = try await TipEscalation.run(app: app)
                    if escalated > 0 { wakeUp.yield() }
                    _ = try await QuestionEscalation.run(app: app)
                } catch {
                    app.logger.report(error: error)
                }
                try? await Task.sleep(for: .seconds(30))
            }
        }
        tasks.withLockedValue { $0 = [drain, channels, ticker, deadlines] }
    }

    func shutdownAsync(_ app: Application) async {
        wakeUp.finish()
        wakeChannels.finish()
        let running = tasks.withLockedValue { tasks in defer { tasks = [] }; return tasks }
        for task in running { task.cancel() }
        for task in running { await task.value }
    }
}

extension Application {
    private struct BackgroundJobsKey: StorageKey { typealias Value = BackgroundJobs }

    /// Present when the background jobs run (serve and demo; tests drain by hand).
    var backgroundJobs: BackgroundJobs? {
        get { storage[BackgroundJobsKey.self] }
        set { storage[BackgroundJobsKey.self] = newValue }
    }
}
