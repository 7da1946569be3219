import BinhYenCore
import Fluent
import SQLKit
import Vapor

/// `scale-stats`: the statistics at a country's size for load tests: police units for every
/// province and commune of the current list (3,321 communes), and YEARS years of daily counters for
/// each commune and province, drawn from a fixed seed (about four counters a unit a day: tips,
/// valuable tips, closures, questions, posts, interactions, follows, members). The counters are
/// written directly, not derived from records: they stand for the history a real deployment would
/// have counted.
struct ScaleStatsCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "years") var years: Int?
        init() {}
    }

    var help: String { "Dữ liệu thống kê cỡ cả nước cho thử tải / Country-sized statistics for load tests." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let years = min(max(signature.years ?? 3, 1), 10)
        try await app.autoMigrate()
        _ = try await AreaImporter.importShipped(scheme: .current, resourcesDirectory: app.directory.resourcesDirectory, on: app.db)
        _ = try await DemoSeeder.seed(on: app.db, passwords: app.binhyenPasswords)
        let provinces = try await AdminArea.query(on: app.db).filter(\.$scheme == .current).filter(\.$level == .province).all().map(\.code)
        for code in provinces where try await UnitDirectory.find(code: ProvincePolice.provinceUnitCode(code), on: app.db) == nil {
            _ = try await app.db.transaction { db in
                try await ProvincePolice.create(provinceAreaCode: code, validFrom: Date(timeIntervalSince1970: 1_751_328_000), on: db)
            }
        }
        let sql = try app.db.requireSQL()
        let units = try await sql.raw("SELECT id FROM units WHERE kind = 'territorial' ORDER BY code").all().map { try $0.decode(column: "id", as: UUID.self) }
        context.console.print("\(units.count) đơn vị lãnh thổ / territorial units; \(years) năm / years of counters")
        let started = ContinuousClock.now
        let today = InternetTime.vietnamDayStart(InternetTime.vietnamDay(Date()))!
        let days = years * 365
        // What a commune counts on an ordinary day, and how often: (metric, chance in 100, largest value).
        let shape: [(Metric, Int, Int)] = [(.tipsReceived, 60, 4), (.tipsValuable, 20, 2), (.tipsClosedHandled, 45, 3), (.questionsReceived, 40, 3),
                                           (.questionsAnswered, 35, 3), (.postsSecurityNews, 25, 2), (.reactions, 50, 40), (.followers, 55, 12),
                                           (.groupMembers, 30, 6), (.comments, 20, 8)]
        var random = SeededRandom(seed: 3321)
        var rows: [[any SQLExpression]] = []
        var written = 0
        func flush() async throws {
            let batch = rows
            rows.removeAll(keepingCapacity: true)
            try await app.db.transaction { db in
                try await WriteBatch.write("unit_daily_counts", ["unit_id", "day", "metric", "value"], batch, on: try db.requireSQL())
            }
            written += batch.count
        }
        for unit in units {
            for offset in 0..<days {
                let day = InternetTime.vietnamDay(today.addingTimeInterval(-Double(offset) * 86_400))
                for (metric, chance, largest) in shape where random.next(upTo: 100) < chance / 2 {
                    rows.append([SQLBind(unit), SQLBind(day), SQLBind(metric.rawValue), SQLBind(Int64(1 + random.next(upTo: largest)))])
                }
            }
            if rows.count >= 100_000 { try await flush() }
        }
        if !rows.isEmpty { try await flush() }
        let elapsed = ContinuousClock.now - started
        context.console.print("counters: \(written) in \(elapsed.components.seconds) s")
    }
}
