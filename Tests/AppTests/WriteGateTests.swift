@testable import App
import BinhYenCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

/// Lets a test hold the write gate until it says so, so the writes queued behind form one group.
private actor Latch {
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var open = false

    func untilOpen() async {
        if open { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        open = true
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }
}

@Suite("The write gate: grouped transactions")
struct WriteGateTests {
    /// Queues a job that holds the gate until `latch` opens, and waits until it runs.
    private static func holdGate(_ app: Application, until latch: Latch) async -> Task<Void, any Error> {
        let started = Latch()
        let holder = Task {
            try await app.writeGate.transaction { _ in
                await started.release()
                await latch.untilOpen()
            }
        }
        await started.untilOpen()
        return holder
    }

    /// Waits until `count` jobs wait behind the held gate (submissions validate and encrypt first).
    private static func waitForQueue(_ app: Application, _ count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            let queued = await app.writeGate.queued
            if queued >= count { return }
            try #require(ContinuousClock.now < deadline, "only \(queued) of \(count) jobs queued")
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    @Test("Tips submitted together are written in one group: every tip, route, counter, live event and audit entry is there, and the chain is whole")
    func groupedIntake() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let service = TipService(db: app.db, app: app)
            let before = try await AuditLog.verify(on: app.db).entries
            let statsBefore = await app.writeGate.statistics
            let latch = Latch()
            let holder = await Self.holdGate(app, until: latch)
            let count = 40
            let submissions = Task {
                try await withThrowingTaskGroup(of: TipService.Submitted.self) { group in
                    for index in 0..<count {
                        group.addTask {
                            // Every fourth is urgent ("happening now"), so it also goes to the mobile police and the outbox.
                            try await service.submit(TipDraft(categoryCode: "theft", description: "Tin thứ \(index): mất trộm xe máy trước chợ.",
                                                              communeCode: "24133", happeningNow: index % 4 == 0), by: .anonymous)
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            // Every submission queues behind the held gate before it opens.
            try await Self.waitForQueue(app, count)
            await latch.release()
            try await holder.value
            let submitted = try await submissions.value

            #expect(submitted.count == count)
            let stats = await app.writeGate.statistics
            #expect(stats.deferredGroups == statsBefore.deferredGroups + 1 && stats.largestGroup == count && stats.replays == statsBefore.replays,
                    "all \(count) went in one deferred group, none replayed: \(stats)")
            #expect(try await Tip.query(on: app.db).count() == count)
            let routes = submitted.reduce(0) { $0 + $1.placement.routes.count }
            #expect(try await TipUnit.query(on: app.db).count() == routes)
            #expect(routes > count, "urgent tips also go to the mobile police")
            let unit = try #require(try await UnitDirectory.find(code: "CA24133", on: app.db)?.id)
            let day = InternetTime.vietnamDay(Date())
            #expect(try await Counters.totals(under: unit, from: day, to: day, on: app.db)[.tipsReceived] == Int64(count))
            let events = try await OutboxMessage.query(on: app.db).filter(\.$topic == OutboxTopic.liveTipNew.rawValue).all()
            #expect(events.count == count / 4)
            let province = try #require(try await UnitDirectory.find(code: "CA66", on: app.db)?.id)
            #expect(events.allSatisfy { $0.payload.contains(province.uuidString) }, "each live event names the units above its routes")
            let verification = try await AuditLog.verify(on: app.db)
            #expect(verification.isIntact, "\(verification.problems)")
            #expect(verification.entries == before + count)
            for one in submitted.prefix(3) {
                let receipt = try #require(one.receipt)
                #expect(try await service.tip(receipt: receipt)?.reference == one.tip.reference)
            }
        }
    }

    @Test("When one write of a group fails, the group is rolled back and replayed one by one: only that request fails, the others are stored once")
    func failingMemberOfGroup() async throws {
        try await withTestApp { app in
            let latch = Latch()
            let holder = await Self.holdGate(app, until: latch)
            let codes = (0..<12).map { "test_\($0)" } + ["theft"] // "theft" exists: its insert breaks the unique code
            let outcomes = Task {
                await withTaskGroup(of: (String, Bool).self) { group in
                    for code in codes {
                        group.addTask {
                            do {
                                try await app.writeGate.transaction(replayable: true) { db in
                                    try await WriteBatch.insert(into: "tip_categories",
                                        columns: ["id", "code", "name_vi", "name_en", "urgent", "position", "retired"],
                                        rows: [[SQLBind(UUID()), SQLBind(code), SQLBind("Thử"), SQLBind("Test"), SQLBind(false), SQLBind(99), SQLBind(false)]],
                                        on: db)
                                    try await AuditLog.append(.system, "test.category", subject: code, at: Date(), on: db)
                                }
                                return (code, true)
                            } catch {
                                return (code, false)
                            }
                        }
                    }
                    return await group.reduce(into: [String: Bool]()) { $0[$1.0] = $1.1 }
                }
            }
            try await Self.waitForQueue(app, codes.count)
            await latch.release()
            try await holder.value
            let results = await outcomes.value

            #expect(results["theft"] == false)
            let stats = await app.writeGate.statistics
            #expect(stats.largestGroup == codes.count && stats.replays == codes.count && stats.deferredGroups == 0,
                    "the group of \(codes.count) failed at its flush and each ran again alone: \(stats)")
            #expect(results.filter(\.value).count == 12)
            let stored = try await TipCategory.query(on: app.db).filter(\.$code ~~ codes).all()
            #expect(stored.filter { $0.code.hasPrefix("test_") }.count == 12, "each good row once")
            #expect(stored.filter { $0.code == "theft" }.count == 1)
            let verification = try await AuditLog.verify(on: app.db)
            #expect(verification.isIntact, "\(verification.problems)")
            let audited = try await AuditEntry.query(on: app.db).filter(\.$action == "test.category").all().map(\.subject)
            #expect(Set(audited) == Set(codes.dropLast()) && audited.count == 12, "no audit entry for the failed request, none twice")
        }
    }
}
