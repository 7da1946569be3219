@testable import App
import BinhYenCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

/// The dashboard's roll-up over the unit tree, its screens, downloads and the ranking, on counters
/// written as the services write them.
struct StatisticsTests {
    func unit(_ code: String, _ app: Application) async throws -> UUID {
        try #require(try await UnitDirectory.find(code: code, on: app.db)).requireID()
    }

    /// Tips in two communes and at the province itself, followers before and during the period.
    func seed(_ app: Application) async throws {
        let province = try await unit("CA66", app), ward = try await unit("CA24133", app), commune = try await unit("CA24121", app)
        try await Counters.upsert([
            (.init(unit: ward, day: "2026-11-10", metric: .tipsReceived), 3),
            (.init(unit: ward, day: "2026-11-11", metric: .tipsReceived), 2),
            (.init(unit: ward, day: "2026-11-11", metric: .tipsValuable), 2),
            (.init(unit: commune, day: "2026-11-10", metric: .tipsReceived), 4),
            (.init(unit: province, day: "2026-11-10", metric: .tipsReceived), 1),
            // Outside the period: counted in the previous one, not in this one.
            (.init(unit: commune, day: "2026-11-08", metric: .tipsReceived), 7),
            (.init(unit: ward, day: "2026-10-01", metric: .followers), 10),
            (.init(unit: ward, day: "2026-11-11", metric: .followers), -2),
            (.init(unit: ward, day: "2026-11-10", metric: .rapidResponsesOnSite), 2),
            (.init(unit: ward, day: "2026-11-10", metric: .rapidResponseSecondsToSite), 1_500),
        ], on: try app.db.requireSQL())
    }

    @Test("Roll-up: a unit's subtree over a period, levels at its end, the period before, and a daily series")
    func rollUp() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            try await seed(app)
            let stats = Statistics(db: app.db)
            let period = Statistics.Period(from: "2026-11-10", to: "2026-11-11")
            #expect(period.previous == Statistics.Period(from: "2026-11-08", to: "2026-11-09"))
            let province = try await stats.figures(of: try await unit("CA66", app), over: period)
            #expect(province.value(.tipsReceived) == 10)
            #expect(province.value(.tipsValuable) == 2)
            #expect(province.value(.followers) == 8)
            #expect(province.change(.followers) == -2)
            #expect(province.value(.minutesToSite) == 12.5)
            #expect(province.value(.medianHoursToAnswer) == nil)
            let before = try await stats.figures(of: try await unit("CA66", app), over: period.previous)
            #expect(before.value(.tipsReceived) == 7)
            #expect(before.value(.followers) == 10)

            let ward = try await unit("CA24133", app), commune = try await unit("CA24121", app)
            let children = try await stats.figures(of: [ward, commune], over: period)
            #expect(children[ward]?.value(.tipsReceived) == 5)
            #expect(children[commune]?.value(.tipsReceived) == 4)

            let series = try await stats.series(.tipsReceived, under: try await unit("CA66", app), over: Statistics.Period(from: "2026-11-09", to: "2026-11-11"))
            #expect(series.map(\.day) == ["2026-11-09", "2026-11-10", "2026-11-11"])
            #expect(series.map(\.value) == [0, 8, 2])
            let followers = try await stats.series(.followers, under: ward, over: period)
            #expect(followers.map(\.value) == [10, 8])

            // Whole months are read from the monthly sums, the days around them from the daily
            // counters: the same totals either way.
            #expect(Statistics.Period(from: "2026-11-01", to: "2026-11-30").parts.months == "2026-11"..."2026-11")
            #expect(Statistics.Period(from: "2026-11-01", to: "2026-11-30").parts.days.isEmpty)
            let mixed = Statistics.Period(from: "2026-10-15", to: "2026-12-05").parts
            #expect(mixed.months == "2026-11"..."2026-11" && mixed.days == ["2026-10-15"..."2026-10-31", "2026-12-01"..."2026-12-05"])
            #expect(Statistics.Period(from: "2026-11-10", to: "2026-11-11").parts.months == nil)
            #expect(Statistics.Period(from: "2025-12-01", to: "2026-02-28").parts.months == "2025-12"..."2026-02")
            #expect(Statistics.Period(from: "2024-02-01", to: "2024-02-28").parts.months == nil, "29 February 2024 is left out")
            let provinceID = try await unit("CA66", app)
            for (from, to, tips) in [("2026-10-01", "2026-11-30", 17), ("2026-10-15", "2026-11-10", 15), ("2026-11-01", "2026-11-10", 15), ("2026-09-01", "2026-10-31", 0)] {
                let figures = try await stats.figures(of: provinceID, over: .init(from: from, to: to))
                #expect(figures.value(.tipsReceived) == Double(tips), "\(from)–\(to)")
                let daily = try await Counters.totals(under: provinceID, from: from, to: to, on: app.db)
                #expect(figures.sums.filter { $0.value != 0 } == daily.filter { $0.value != 0 }, "\(from)–\(to)")
            }
        }
    }

    @Test("Dashboard: totals with the previous period, a chart, child units with drill-down and sorting; only those who may read statistics")
    func dashboard() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            try await seed(app)
            let admin = try await TipWebTests.login(app, "0901 000 001") // province admin, CA66
            let page = try await admin.get("/console/stats?from=2026-11-10&to=2026-11-11&chart=tips")
            #expect(page.status == .ok)
            #expect(page.body.contains("data-testid=\"nav-stats\""))
            #expect(page.text(after: "data-testid=\"stats-unit\"")?.hasSuffix("Công an tỉnh Đắk Lắk") == true)
            #expect(page.text(after: #"<tr data-line="tips"><th scope="row">Tin báo nhận được</th><td class="num" data-testid="stats-value""#) == "10")
            #expect(page.body.contains(#"<td class="num trend-up">7</td>"#))
            #expect(page.body.contains(#"<tr data-line="followers"><th scope="row">Người quan tâm trang</th><td class="num" data-testid="stats-value">8 <span class="hint">(-2)</span>"#))
            #expect(page.body.contains("<svg"))
            #expect(page.body.contains(#"data-label="11-10" data-value="8""#))
            #expect(page.body.contains(Metric.tipsReceived.definitionVI))
            // The child table: every commune of the province, with its own figures and a link down.
            let wardRow = try #require(page.body.range(of: #"<tr data-unit="CA24133">"#))
            let wardCells = page.body[wardRow.upperBound...].prefix(400)
            #expect(wardCells.contains(#"<td class="num">5</td><td class="num">2</td>"#))
            #expect(wardCells.contains("href=\"/console/stats?unit=CA24133&amp;from=2026-11-10&amp;to=2026-11-11\""))
            // Sorted by tips, most first: the ward (5) before the commune (4) before the rest.
            let sorted = try await admin.get("/console/stats?unit=CA66&from=2026-11-10&to=2026-11-11&sort=tips&dir=desc")
            let order = ["CA24133", "CA24121"].map { sorted.body.range(of: "<tr data-unit=\"\($0)\">")!.lowerBound }
            #expect(order[0] < order[1])
            #expect(sorted.body.contains(#"aria-sort="descending""#))
            // Drill-down to the ward: its own figures only.
            let drilled = try await admin.get("/console/stats?unit=CA24133&from=2026-11-10&to=2026-11-11")
            #expect(drilled.text(after: #"<tr data-line="tips"><th scope="row">Tin báo nhận được</th><td class="num" data-testid="stats-value""#) == "5")
            #expect(drilled.body.contains("Công an tỉnh Đắk Lắk</a> › "))
            // Bad dates: the field and the reason, nothing else shown wrong.
            let bad = try await admin.get("/console/stats?from=2026-13-01&to=2026-11-11")
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.text(after: #"data-field="from""#) == "Ngày bắt đầu viết dạng năm-tháng-ngày, ví dụ 2026-11-01.")
            #expect(try await admin.get("/console/stats?unit=NOPE").status == .notFound)

            // A commander reads their own ward by default, and not the province above it.
            let commander = try await TipWebTests.login(app, "0901 000 002")
            let own = try await commander.get("/console/stats?from=2026-11-10&to=2026-11-11")
            #expect(own.text(after: "data-testid=\"stats-unit\"")?.hasSuffix("Buôn Ma Thuột") == true)
            #expect(try await commander.get("/console/stats?unit=CA66").status == .notFound)
            #expect(try await commander.get("/console/stats/export?unit=CA66&table=children&format=csv").status == .notFound)
            // An officer has no statistics, and no link to them.
            let officer = WebClient(app)
            try await officer.get("/login")
            let home = try await officer.post("/login", ["phone": "0901 000 003", "password": DemoSeeder.password])
            #expect(home.status == .seeOther)
            #expect(try await officer.get("/console/stats").status == .notFound)
            #expect(!(try await officer.get("/console").body.contains("data-testid=\"nav-stats\"")))
        }
    }

    @Test("Downloads: the child table as CSV and XLSX with the same figures; the totals with their definitions")
    func downloads() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            try await seed(app)
            let admin = try await TipWebTests.login(app, "0901 000 001")
            let csv = try await admin.get("/console/stats/export?unit=CA66&from=2026-11-10&to=2026-11-11&table=children&format=csv")
            #expect(csv.headers.contentType?.subType == "csv")
            #expect(csv.headers.first(name: .contentDisposition) == "attachment; filename=\"binhyen-children-CA66-2026-11-10-2026-11-11.csv\"")
            let lines = csv.body.components(separatedBy: "\r\n")
            #expect(lines[0] == "\u{FEFF}Mã đơn vị,Đơn vị," + ConsoleStatsController.childLines.map(\.labelVI).map { CSV.line([$0]) }.joined(separator: ",") + ",Giai đoạn triển khai")
            #expect(lines.contains("CA24133,Công an phường Buôn Ma Thuột,5,2,0,0,0,0,8,0,Chưa triển khai"))
            #expect(lines.contains { $0.hasPrefix("CA24121,") && $0.contains(",4,0,") })

            let xlsx = try await admin.get("/console/stats/export?unit=CA66&from=2026-11-10&to=2026-11-11&table=children&format=xlsx")
            #expect(xlsx.headers.contentType?.subType == "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            #expect(xlsx.body.hasPrefix("PK"))
            #expect(xlsx.body.contains(#"<t xml:space="preserve">Công an phường Buôn Ma Thuột</t></is></c><c r="C"#))

            let totals = try await admin.get("/console/stats/export?unit=CA66&from=2026-11-10&to=2026-11-11&table=totals&format=csv")
            #expect(totals.body.contains("Tin báo nhận được,10,7,"))
            #expect(totals.body.contains(Metric.tipsReceived.definitionVI))
            #expect(try await admin.get("/console/stats/export?unit=CA66&table=secrets&format=csv").status == .notFound)
            #expect(try await admin.get("/console/stats/export?unit=CA66&table=totals&format=pdf").status == .notFound)
            #expect(try await admin.get("/console/stats/export?unit=CA66&from=x&table=totals&format=csv").status == .unprocessableEntity)
        }
    }

    @Test("Ranking: units below the minimum sample are listed, not ranked; each score shows its parts")
    func ranking() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let ward = try await unit("CA24133", app), commune = try await unit("CA24121", app)
            try await Counters.upsert([
                (.init(unit: ward, day: "2026-11-10", metric: .tipsReceived), 20),
                (.init(unit: ward, day: "2026-11-10", metric: .tipsValuable), 10),
                (.init(unit: ward, day: "2026-11-10", metric: .groupMembers), 400),
                (.init(unit: commune, day: "2026-11-10", metric: .tipsReceived), 3),
                (.init(unit: commune, day: "2026-11-10", metric: .groupMembers), 50),
            ], on: try app.db.requireSQL())
            let admin = try await TipWebTests.login(app, "0901 000 001")
            let page = try await admin.get("/console/stats/ranking?unit=CA66&from=2026-11-01&to=2026-11-30")
            #expect(page.status == .ok)
            #expect(page.body.contains(#"<li data-unit="CA24133" data-place="1">"#))
            #expect(page.body.contains("Tỷ lệ tin báo có giá trị: 0,5 → 100/100 × trọng số 3"))
            let communeRow = try #require(page.body.range(of: #"<li data-unit="CA24121" data-place="—">"#))
            #expect(page.body[communeRow.upperBound...].prefix(400).contains("Chưa xếp hạng: mới có 3 tin báo và câu hỏi trong kỳ, cần ít nhất 10."))
            let csv = try await admin.get("/console/stats/export?unit=CA66&from=2026-11-01&to=2026-11-30&table=ranking&format=csv")
            #expect(csv.body.components(separatedBy: "\r\n")[1].hasPrefix("1,CA24133,Công an phường Buôn Ma Thuột,"))
        }
    }

    @Test("Rollout: a province admin sets a unit's pilot and province-wide dates, shown on its dashboard and in its parent's table; a wrong order is named and changes nothing; a commander cannot set it")
    func rollout() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            let admin = try await TipWebTests.login(app, "0901 000 001")
            let page = try await admin.get("/console/stats?unit=CA24133")
            #expect(page.text(after: #"data-testid="stats-rollout""#) == "Giai đoạn triển khai: Chưa triển khai")
            let bad = try await admin.post("/console/stats/rollout?unit=CA24133", ["pilotFrom": "2026-09-01", "wideFrom": "2026-06-01"])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.text(after: #"data-field="wideFrom""#) == "Triển khai toàn tỉnh không thể trước khi thí điểm.")
            #expect(try await Rollout.stages(of: [try await unit("CA24133", app)], on: app.db).isEmpty)
            let saved = try await admin.post("/console/stats/rollout?unit=CA24133", ["pilotFrom": "2026-06-01", "wideFrom": "2026-09-01"])
            #expect(saved.location?.hasPrefix("/console/stats?unit=CA24133&") == true)
            let shown = try await admin.get(try #require(saved.location))
            #expect(shown.text(after: #"data-testid="stats-notice""#) == "Đã lưu giai đoạn triển khai của đơn vị.")
            #expect(shown.text(after: #"data-testid="stats-rollout""#) == "Giai đoạn triển khai: Toàn tỉnh từ 2026-09-01, thí điểm từ 2026-06-01")
            let parent = try await admin.get("/console/stats?unit=CA66")
            let row = try #require(parent.body.range(of: #"<tr data-unit="CA24133">"#))
            #expect(parent.body[row.upperBound...].prefix(1200).contains(#"<td data-testid="stats-child-rollout">Toàn tỉnh từ 2026-09-01, thí điểm từ 2026-06-01</td>"#))
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "unit.rollout").count() == 1)
            let commander = try await TipWebTests.login(app, "0901 000 002")
            #expect(!(try await commander.get("/console/stats").body.contains("rollout-form")))
            #expect(try await commander.post("/console/stats/rollout?unit=CA24133", ["pilotFrom": "2026-01-01", "wideFrom": ""]).status == .notFound)
        }
    }

    @Test("Population: a province admin enters the residents of a unit's own area; the dashboard, the download and the API give rates per 1,000 residents and per 1,000 group members over the subtree; a wrong number is named and changes nothing; a commander cannot set it")
    func population() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            try await seed(app)
            let ward = try await unit("CA24133", app), commune = try await unit("CA24121", app)
            try await Counters.upsert([(.init(unit: ward, day: "2026-11-01", metric: .groupMembers), 400)], on: try app.db.requireSQL())
            let admin = try await TipWebTests.login(app, "0901 000 001")
            let query = "unit=CA24133&from=2026-11-10&to=2026-11-11"
            let before = try await admin.get("/console/stats?\(query)")
            #expect(before.text(after: #"data-testid="stats-population""#) == "Dân số địa bàn: —")
            #expect(before.body.contains(#"<td class="num" data-testid="stats-per-residents">—</td><td class="num" data-testid="stats-per-members">12,5</td>"#),
                    "5 tips over 400 members")

            for wrong in ["-5", "mười nghìn", "0", "300000000", "1e6"] {
                let bad = try await admin.post("/console/stats/population?\(query)", ["population": wrong])
                #expect(bad.status == .unprocessableEntity, "\(wrong)")
                #expect(bad.text(after: #"data-field="population""#)?.hasPrefix("Dân số là một số nguyên dương") == true, "\(wrong)")
            }
            #expect(try await Population.of([ward], on: app.db).isEmpty)

            let saved = try await admin.post("/console/stats/population?\(query)", ["population": "15.000"])
            #expect(saved.location?.hasPrefix("/console/stats?unit=CA24133&") == true)
            let shown = try await admin.get(try #require(saved.location))
            #expect(shown.text(after: #"data-testid="stats-notice""#) == "Đã lưu dân số địa bàn của đơn vị.")
            #expect(shown.text(after: #"data-testid="stats-population""#) == "Dân số địa bàn: 15.000")
            let tips = try #require(shown.body.range(of: #"<tr data-line="tips">"#))
            #expect(shown.body[tips.upperBound...].prefix(600).contains(#"<td class="num" data-testid="stats-per-residents">0,33</td><td class="num" data-testid="stats-per-members">12,5</td>"#))
            #expect(try await admin.post("/console/stats/population?unit=CA24121", ["population": "5 000"]).status == .seeOther)

            // The province adds up its units' residents: 10 tips over 20,000 residents.
            let province = try await admin.get("/console/stats?unit=CA66&from=2026-11-10&to=2026-11-11")
            #expect(province.text(after: #"data-testid="stats-population""#) == "Dân số địa bàn: 20.000")
            let row = try #require(province.body.range(of: #"<tr data-line="tips">"#))
            #expect(province.body[row.upperBound...].prefix(600).contains(#"data-testid="stats-per-residents">0,5</td>"#))
            let totals = try await admin.get("/console/stats/export?unit=CA66&from=2026-11-10&to=2026-11-11&table=totals&format=csv")
            #expect(totals.body.contains("Tin báo nhận được,10,7,0.5,25,"))
            let token = try await APITests.login(app, phone: "0901 000 001").token
            var api: APIStatistics?
            try await app.testing().test(.GET, "/api/v1/stats/units/CA66?from=2026-11-10&to=2026-11-11", headers: ["Authorization": "Bearer \(token)"]) { res async throws in
                api = try res.content.decode(APIStatistics.self)
            }
            let figures = try #require(api)
            #expect(figures.population == 20_000)
            #expect(figures.figures.first { $0.key == "tips" }?.perThousandResidents == 0.5)
            #expect(figures.figures.first { $0.key == "followers" }?.perThousandResidents == nil, "a level has no rate")
            #expect(figures.children.first { $0.code == "CA24121" }?.population == 5_000)

            // Cleared with an empty field; audited each time; a commander cannot set it.
            #expect(try await admin.post("/console/stats/population?unit=CA24121", ["population": ""]).status == .seeOther)
            #expect(try await Population.of([ward, commune], on: app.db) == [ward: 15_000])
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "unit.population").count() == 3)
            let commander = try await TipWebTests.login(app, "0901 000 002")
            #expect(!(try await commander.get("/console/stats").body.contains("population-form")))
            #expect(try await commander.post("/console/stats/population?unit=CA24133", ["population": "1"]).status == .notFound)
            #expect(try await Population.of([ward], on: app.db) == [ward: 15_000])
        }
    }

    @Test("Monthly report: the month's figures against the month before, the definitions, a print button; a bad month is named")
    func monthly() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            try await seed(app)
            let admin = try await TipWebTests.login(app, "0901 000 001")
            let page = try await admin.get("/console/stats/monthly?unit=CA66&month=2026-11")
            #expect(page.status == .ok)
            #expect(page.body.contains("2026-11-01 – 2026-11-30"))
            #expect(page.body.contains(#"<tr><th scope="row">Tin báo nhận được</th><td class="num">17</td><td class="num">0</td></tr>"#))
            #expect(page.body.contains("window.print()"))
            #expect(page.body.contains("<dt>Tin báo nhận được</dt>"))
            let bad = try await admin.get("/console/stats/monthly?unit=CA66&month=2026-13")
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.text(after: #"data-field="month""#) == "Tháng viết dạng năm-tháng, ví dụ 2026-11.")
        }
    }

    struct APIFigure: Content {
        var key: String; var label: String; var labelEn: String; var definition: String; var value: Double?; var previous: Double?; var change: Double?
        var perThousandResidents: Double?; var perThousandMembers: Double?
    }
    struct APIChild: Content { var code: String; var name: String; var population: Int64?; var rollout: [String: String]; var figures: [String: Double] }
    struct APIStatistics: Content {
        var unit: APITests.UnitRefBody
        var from: String; var to: String; var previousFrom: String; var previousTo: String
        var keptSeconds: Int
        var population: Int64?
        var figures: [APIFigure]
        var children: [APIChild]
    }

    @Test("API: a unit's figures, the period before and its units below, as the dashboard counts them; kept only for those who may read them; 401, 404 and bad dates named")
    func api() async throws {
        try await withTestApp { app in
            try await app.loadDemo()
            try await seed(app)
            func get(_ path: String, _ token: String?) async throws -> (HTTPStatus, ByteBuffer) {
                var result: (HTTPStatus, ByteBuffer)?
                let headers = token.map { HTTPHeaders([("Authorization", "Bearer \($0)")]) } ?? [:]
                try await app.testing().test(.GET, path, headers: headers) { res async in result = (res.status, res.body) }
                return try #require(result)
            }
            let admin = try await APITests.login(app, phone: "0901 000 001").token
            let path = "/api/v1/stats/units/CA66?from=2026-11-10&to=2026-11-11"
            let (status, body) = try await get(path, admin)
            #expect(status == .ok)
            let stats = try JSONDecoder().decode(APIStatistics.self, from: body)
            #expect(stats.unit.code == "CA66")
            #expect([stats.from, stats.to, stats.previousFrom, stats.previousTo] == ["2026-11-10", "2026-11-11", "2026-11-08", "2026-11-09"])
            #expect(stats.keptSeconds == 60)
            let byKey = Dictionary(uniqueKeysWithValues: stats.figures.map { ($0.key, $0) })
            #expect(stats.figures.map(\.key) == StatLine.allCases.map(\.rawValue))
            #expect(byKey["tips"]?.value == 10 && byKey["tips"]?.previous == 7)
            #expect(byKey["followers"]?.value == 8 && byKey["followers"]?.change == -2)
            #expect(byKey["minutes_to_site"]?.value == 12.5)
            #expect(byKey["median_hours"]?.value == nil, "no question answered: no median")
            #expect(byKey["tips"]?.definition == StatLine.tipsReceived.definitionVI && byKey["tips"]?.label == "Tin báo nhận được")
            // Every unit below, each with the same figures as the service reads for it.
            let children = try await UnitDirectory.children(of: try await unit("CA66", app), on: app.db)
            #expect(stats.children.map(\.code) == children.map(\.code))
            let read = try await Statistics(db: app.db).figures(of: children.map(\.id), over: .init(from: "2026-11-10", to: "2026-11-11"))
            for (child, row) in zip(children, stats.children) {
                for line in StatLine.allCases { #expect(row.figures[line.rawValue] == read[child.id]?.value(line), "\(child.code) \(line.rawValue)") }
            }
            #expect(stats.children.first { $0.code == "CA24133" }?.figures["tips"] == 5)
            #expect(stats.children.first { $0.code == "CA24121" }?.figures["tips"] == 4)

            // Kept: a second reader with the right gets the same bytes even after a new tip is
            // counted; a reorganisation (or the lifetime) forgets them.
            try await Counters.upsert([(.init(unit: try await unit("CA24133", app), day: "2026-11-11", metric: .tipsReceived), 1)], on: try app.db.requireSQL())
            #expect(try await get(path, admin).1 == body)
            app.statsCache?.reset()
            let fresh = try JSONDecoder().decode(APIStatistics.self, from: try await get(path, admin).1)
            #expect(fresh.figures.first { $0.key == "tips" }?.value == 11)

            // A commander gets 404 for the province above them, kept answer or not, and reads their own ward.
            let commander = try await APITests.login(app, phone: "0901 000 002").token
            let above = try await get(path, commander)
            #expect(above.0 == .notFound)
            #expect(try JSONDecoder().decode(APITests.ErrorBody.self, from: above.1).error.code == "unit_not_found")
            let own = try await get("/api/v1/stats/units/CA24133?from=2026-11-10&to=2026-11-11", commander)
            #expect(own.0 == .ok)
            #expect(try JSONDecoder().decode(APIStatistics.self, from: own.1).figures.first { $0.key == "tips" }?.value == 6)
            // An officer has no statistics; no token is 401; an unknown unit 404; bad dates named.
            let officer = try await APITests.login(app, phone: "0901 000 003").token
            #expect(try await get("/api/v1/stats/units/CA24133", officer).0 == .notFound)
            #expect(try await get(path, nil).0 == .unauthorized)
            #expect(try await get("/api/v1/stats/units/NOPE", admin).0 == .notFound)
            let bad = try await get("/api/v1/stats/units/CA66?from=2026-13-01&to=2026-11-11", admin)
            #expect(bad.0 == .badRequest)
            let error = try JSONDecoder().decode(APITests.ErrorBody.self, from: bad.1).error
            #expect(error.fields?.map(\.field) == ["from"])
        }
    }
}
