import Fluent
import Foundation
import Metrics
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// Serialises the transactions that write tips and the audit chain, and commits them in groups.
/// Each audit entry depends on the one before it, and on SQLite two writers must not overlap; but
/// one commit per request would make every citizen wait for a disk flush in turn. So requests that
/// arrive while a commit is under way run together in the next transaction and share its flush;
/// nobody is answered before the flush. PostgreSQL adds an advisory lock for the audit chain, so
/// other nodes stay in order too.
///
/// The gate has its own database connections (the application's database, opened again), and
/// leases one for as long as it has work: consecutive groups do not queue for a pool, and reads on
/// the application's connections never wait behind a write. A group of replayable requests costs
/// a handful of statements.
actor WriteGate: LifecycleHandler {
    private struct Job: Sendable {
        var body: @Sendable (any Database) async throws -> any Sendable
        var continuation: CheckedContinuation<any Sendable, any Error>
        var replayable: Bool
    }

    /// What the gate has done, for tests (the group sizes and times are also on /metrics).
    struct Statistics: Sendable, Equatable {
        /// Transactions committed with their rows deferred (groups of replayable requests).
        var deferredGroups = 0
        /// Requests run again alone after their group was rolled back.
        var replays = 0
        var largestGroup = 0
    }

    private let databases: Databases
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private var queue: [Job] = []
    private var draining = false
    private(set) var statistics = Statistics()
    /// Jobs waiting for a transaction.
    var queued: Int { queue.count }
    /// Most requests in one transaction, to keep each commit short.
    static let batchLimit = 128

    init(configuration: any DatabaseConfiguration, threadPool: NIOThreadPool, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        databases = Databases(threadPool: threadPool, on: eventLoopGroup)
        databases.use(configuration, as: DatabaseID(string: "writes"), isDefault: true)
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    /// Writes asked for after shutdown began; they fail with 503 at once.
    private var closing = false
    /// Shutdown, waiting for the groups under way to commit.
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []

    /// Lets the writes under way and queued finish (they were promised an answer), then closes the
    /// gate's connections: closing a pool under a leased connection would drop it unclosed.
    nonisolated func shutdownAsync(_ app: Application) async {
        await close()
        await databases.shutdownAsync()
    }

    private func close() async {
        closing = true
        guard draining else { return }
        await withCheckedContinuation { idleWaiters.append($0) }
    }

    /// - Parameter replayable: the body only inserts rows with `WriteBatch.insert` and counts with
    ///   `Counters.add` (no Fluent model saves, whose change tracking would think a rolled-back save
    ///   had happened; no reads of what it wrote), so it may run again. A group of such bodies runs
    ///   without savepoints, their rows written together in multi-row statements at the end; if a
    ///   statement of the group fails, it is rolled back and each body runs again alone.
    func transaction<T: Sendable>(replayable: Bool = false, _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        guard !closing else { throw Abort(.serviceUnavailable, reason: "the server is shutting down") }
        let value = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<any Sendable, any Error>) in
            queue.append(Job(body: { try await body($0) }, continuation: continuation, replayable: replayable))
            if !draining {
                draining = true
                Task { await self.drain() }
            }
        }
        guard let typed = value as? T else { throw Abort(.internalServerError, reason: "write gate returned \(type(of: value))") }
        return typed
    }

    /// The next group: queued jobs of one kind (replayable or not), in arrival order; nil when
    /// nothing is queued.
    private func take() -> [Job]? {
        guard let kind = queue.first?.replayable else { return nil }
        let batch = Array(queue.prefix(Self.batchLimit).prefix { $0.replayable == kind })
        queue.removeFirst(batch.count)
        statistics.largestGroup = max(statistics.largestGroup, batch.count)
        return batch
    }

    /// Ends the drain when nothing is queued; checked on the gate, so a job queued meanwhile is
    /// never left without a drain, and two drains never overlap.
    private func finishIfIdle() -> Bool {
        if queue.isEmpty {
            draining = false
            for waiter in idleWaiters { waiter.resume() }
            idleWaiters = []
        }
        return !draining
    }

    private func record(_ outcome: Outcome) {
        if outcome.deferred { statistics.deferredGroups += 1 }
        statistics.replays += outcome.replays
    }

    /// How many requests each transaction carried and how long it took (commit included), for /metrics.
    private static let groupSize = Recorder(label: "binhyen_write_group_requests")
    private static let groupDuration = Metrics.Timer(label: "binhyen_write_group_seconds")

    /// Runs groups until the queue is empty, on one leased connection. After a group whose
    /// transaction failed, the connection goes back to the pool (it may be broken) and a new one
    /// is leased for the next.
    private func drain() async {
        while !finishIfIdle() {
            guard let db = databases.database(logger: logger, on: eventLoopGroup.any()) else {
                fail(take() ?? [], Abort(.serviceUnavailable, reason: "the database is shut down"))
                continue
            }
            do {
                try await db.withConnection { connection in
                    while let batch = await self.take() {
                        let started = ContinuousClock.now
                        let outcome = await Self.run(batch, on: connection)
                        await self.record(outcome)
                        Self.groupSize.record(batch.count)
                        let elapsed = (ContinuousClock.now - started).components
                        Self.groupDuration.recordNanoseconds(elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000)
                        if outcome.failed { return }
                    }
                }
            } catch {
                // No connection to be had: the next group gets the error; later ones try again.
                fail(take() ?? [], error)
            }
        }
    }

    private func fail(_ batch: [Job], _ error: any Error) {
        for job in batch { job.continuation.resume(throwing: error) }
    }

    private struct Outcome {
        var deferred = false
        var replays = 0
        /// The transaction failed (a statement or the commit): the connection may be broken.
        var failed = false
    }

    /// One transaction for the whole batch, with the write lock taken first. A group of
    /// replayable jobs defers its rows to the end; if a statement fails, the group is rolled back
    /// and each job runs again alone, so only the failing one fails. (When the commit itself fails,
    /// whether it took effect is unknown, so nothing is run again: every job gets the error.)
    /// Other jobs run each in its own savepoint: one that fails is rolled back alone (with its
    /// audit entries) and gets its error; the others commit together.
    private static func run(_ batch: [Job], on db: any Database) async -> Outcome {
        var outcome = Outcome()
        if batch.count > 1, batch.allSatisfy(\.replayable) {
            // Set when a statement inside the transaction failed (not the commit).
            let inside = NIOLockedValueBox(false)
            do {
                let values = try await Self.transaction(db) { tx -> [any Sendable] in
                    do {
                        let writes = WriteBatch(defersRows: true)
                        try await lockForWriting(tx, writes)
                        var values: [any Sendable] = []
                        try await WriteBatch.$current.withValue(writes) {
                            for job in batch { values.append(try await job.body(tx)) }
                        }
                        try await writes.flush(on: tx)
                        return values
                    } catch {
                        inside.withLockedValue { $0 = true }
                        throw error
                    }
                }
                for (job, value) in zip(batch, values) { job.continuation.resume(returning: value) }
                outcome.deferred = true
            } catch where inside.withLockedValue({ $0 }) {
                for job in batch {
                    let alone = await run([job], on: db)
                    outcome.failed = outcome.failed || alone.failed
                }
                outcome.replays = batch.count
            } catch {
                for job in batch { job.continuation.resume(throwing: error) }
                outcome.failed = true
            }
            return outcome
        }
        let results: [Result<any Sendable, any Error>]
        do {
            results = try await Self.transaction(db) { tx -> [Result<any Sendable, any Error>] in
                let sql = try tx.requireSQL()
                let writes = WriteBatch(defersRows: false)
                try await lockForWriting(tx, writes)
                var outcomes: [Result<any Sendable, any Error>] = []
                try await WriteBatch.$current.withValue(writes) {
                    if batch.count == 1 {
                        outcomes.append(.success(try await batch[0].body(tx)))
                        return
                    }
                    for (index, job) in batch.enumerated() {
                        let savepoint = SQLIdentifier("w\(index)")
                        let head = writes.auditHead
                        try await sql.raw("SAVEPOINT \(savepoint)").run()
                        do {
                            outcomes.append(.success(try await job.body(tx)))
                            try await sql.raw("RELEASE SAVEPOINT \(savepoint)").run()
                        } catch {
                            try await sql.raw("ROLLBACK TO SAVEPOINT \(savepoint)").run()
                            try await sql.raw("RELEASE SAVEPOINT \(savepoint)").run()
                            writes.auditHead = head
                            outcomes.append(.failure(error))
                        }
                    }
                }
                try await writes.flush(on: tx)
                return outcomes
            }
        } catch {
            // The transaction (or the commit) failed: nothing of the batch is stored.
            for job in batch { job.continuation.resume(throwing: error) }
            outcome.failed = true
            return outcome
        }
        for (job, result) in zip(batch, results) { job.continuation.resume(with: result) }
        return outcome
    }

    /// A transaction on the leased connection. Fluent's PostgreSQL driver treats a connection it
    /// lent (`withConnection`) as already inside a transaction, so its `transaction` would run the
    /// body without BEGIN (each statement committing alone, savepoints refused); on PostgreSQL the
    /// gate says BEGIN and COMMIT itself.
    private static func transaction<T: Sendable>(_ db: any Database, _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        guard let sql = db as? any SQLDatabase, sql.dialect.name == "postgresql" else {
            return try await db.transaction(body)
        }
        try await sql.raw("BEGIN").run()
        let result: T
        do {
            result = try await body(db)
        } catch {
            try? await sql.raw("ROLLBACK").run()
            throw error
        }
        do {
            try await sql.raw("COMMIT").run()
        } catch {
            try? await sql.raw("ROLLBACK").run()
            throw error
        }
        return result
    }

    /// Takes SQLite's write lock at the start (BEGIN IMMEDIATE in effect: a transaction that read
    /// first could not upgrade later while another connection writes), reading the audit head in
    /// the same statement.
    private static func lockForWriting(_ tx: any Database, _ writes: WriteBatch) async throws {
        let sql = try tx.requireSQL()
        guard sql.dialect.name == "sqlite" else { return }
        if let head = try await sql.raw("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash").first() {
            let seq = try head.decode(column: "seq", as: Int64.self)
            writes.auditHead = (seq, try head.decode(column: "hash", as: String.self), true)
            writes.storedHeadSeq = seq
        }
    }
}

/// What the jobs of one grouped transaction (see `WriteGate`) write together at its end: the
/// audit head (entries are chained in memory, the head row written once) and, for a group of
/// replayable jobs, their rows and counts, so a hundred tips cost a handful of statements instead
/// of several each. Used by one transaction's jobs, one after another.
final class WriteBatch: @unchecked Sendable { // a TaskLocal of one transaction, used by its jobs one after another, never at once
    @TaskLocal static var current: WriteBatch?

    var auditHead: (seq: Int64, hash: String, stored: Bool)?
    /// The head as the database has it, when read at the start: unchanged, it is not written again.
    var storedHeadSeq: Int64?
    let defersRows: Bool

    private struct Rows {
        var table: String
        var columns: [String]
        /// Rows that collide with an existing row on this unique column are skipped.
        var skipping: String?
        var values: [[any SQLExpression]] = []
    }

    /// In order of first use, so rows that refer to another table's rows come after them.
    private var tables: [Rows] = []
    private var counts: [Counters.Key: Int64] = [:]

    init(defersRows: Bool) {
        self.defersRows = defersRows
    }

    /// Inserts rows now, or, in a group of replayable jobs, with the group's rows at its end.
    /// - Parameter skippingConflictsOn: a unique column; a row whose value is already there is
    ///   skipped instead of failing the statement (deliveries that may come twice).
    static func insert(into table: String, columns: [String], rows: [[any SQLExpression]], skippingConflictsOn skipping: String? = nil,
                       on db: any Database) async throws {
        guard !rows.isEmpty else { return }
        if let batch = current, batch.defersRows {
            batch.add(table, columns, skipping, rows)
            return
        }
        try await write(table, columns, rows, skipping: skipping, on: try db.requireSQL())
    }

    /// Adds to a counter now, or, in a group of replayable jobs, once per counter at its end.
    static func count(_ key: Counters.Key, _ delta: Int64, on db: any Database) async throws {
        if let batch = current, batch.defersRows {
            batch.counts[key, default: 0] += delta
            return
        }
        try await Counters.upsert([(key, delta)], on: try db.requireSQL())
    }

    private func add(_ table: String, _ columns: [String], _ skipping: String?, _ rows: [[any SQLExpression]]) {
        if let index = tables.firstIndex(where: { $0.table == table && $0.columns == columns && $0.skipping == skipping }) {
            tables[index].values += rows
        } else {
            tables.append(Rows(table: table, columns: columns, skipping: skipping, values: rows))
        }
    }

    /// Writes what was held back, then the audit head.
    func flush(on db: any Database) async throws {
        let sql = try db.requireSQL()
        for rows in tables {
            try await Self.write(rows.table, rows.columns, rows.values, skipping: rows.skipping, on: sql)
        }
        tables.removeAll()
        if !counts.isEmpty {
            try await Counters.upsert(counts.map { ($0.key, $0.value) }, on: sql)
            counts.removeAll()
        }
        if let head = auditHead, head.seq != storedHeadSeq {
            try await AuditLog.storeHead(seq: head.seq, hash: head.hash, exists: head.stored, on: sql)
        }
    }

    /// Multi-row inserts, in statements small enough for any driver's limit on bound values.
    static func write(_ table: String, _ columns: [String], _ rows: [[any SQLExpression]], skipping: String? = nil, on sql: any SQLDatabase) async throws {
        let perStatement = max(1, min(256, 16_000 / max(columns.count, 1)))
        var start = 0
        while start < rows.count {
            let end = min(start + perStatement, rows.count)
            var insert = sql.insert(into: table).columns(columns)
            for row in rows[start..<end] { insert = insert.values(row) }
            if let skipping { insert = insert.ignoringConflicts(with: [skipping]) }
            try await insert.run()
            start = end
        }
    }
}

extension Application {
    private struct WriteGateKey: StorageKey { typealias Value = WriteGate }

    var writeGate: WriteGate {
        get {
            guard let gate = storage[WriteGateKey.self] else { preconditionFailure("configure(_:config:) sets up the write gate") }
            return gate
        }
        set { storage[WriteGateKey.self] = newValue }
    }
}

