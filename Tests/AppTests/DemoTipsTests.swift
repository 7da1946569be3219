@testable import App
import BinhYenCore
import ConsoleKit
import Fluent
import Foundation
import Testing
import Vapor

@Suite("Demo tips and the audit command")
struct DemoTipsTests {
    @Test("The demo holds tips in every state, the kindergarten story with its outcome, and an intact audit log that `audit verify` accepts until it is edited")
    func demoTips() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let service = TipService(db: app.db, app: app)
            let seeded = try await DemoTips.seed(service, on: app.db)
            #expect(seeded.count == 10)
            #expect(try await DemoTips.seed(service, on: app.db).count == 0, "seeding twice adds nothing")
            let tips = try await Tip.query(on: app.db).all()
            #expect(Set(tips.map(\.status)) == Set(TipStatus.allCases))
            #expect(Set(tips.compactMap(\.closingReason)) == [.handled, .duplicate, .falseReport])
            #expect(tips.contains { $0.valuable } && tips.contains { !$0.anonymous } && tips.contains { $0.urgent && $0.status == .received })

            let receipt = try #require(seeded.sampleReceipt)
            #expect(try await service.tipForReceipt(receipt) != nil)

            let story = try #require(tips.first { $0.valuable })
            let dispatch = try #require(try await service.dispatchRecord(of: story))
            #expect(dispatch.outcome?.peopleHeld == 21 && dispatch.outcome?.vehiclesSeized == 7 && dispatch.outcome?.weaponsSeized == 4)
            #expect(dispatch.unit.code == "CA66-PK02")
            #expect(try await service.duplicates(of: story).count == 1)

            var context = CommandContext(console: Terminal(), input: CommandInput(arguments: ["binhyen", "audit", "verify"]))
            context.application = app
            var input = CommandInput(arguments: ["audit", "verify"])
            try await AuditCommand().run(using: context, signature: try AuditCommand.Signature(from: &input))

            try await app.db.requireSQL().raw("UPDATE audit_entries SET detail = '{}' WHERE seq = 3").run()
            var again = CommandInput(arguments: ["audit", "verify"])
            await #expect(throws: CommandFailure.self) {
                try await AuditCommand().run(using: context, signature: try AuditCommand.Signature(from: &again))
            }
        }
    }
}
