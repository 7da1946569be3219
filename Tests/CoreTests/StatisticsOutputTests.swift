import BinhYenCore
import Foundation
import Testing

/// The report formats (CSV, XLSX), the server-drawn chart and the commendation ranking.
struct StatisticsOutputTests {
    let sheet = Spreadsheet(sheetName: "Công an tỉnh Đắk Lắk", headers: ["Đơn vị", "Tin báo", "Ghi chú"], rows: [
        [.text("Phường Tân Lập"), .number(12), .text("có \"ngoặc\", dấu phẩy")],
        [.text("Xã Hoà Phú"), .number(0.25), .text("=HYPERLINK(\"http://x\")")],
    ])

    @Test("CSV: a byte-order mark, quoted fields, CRLF, and formulas defused")
    func csv() {
        let text = sheet.csv()
        #expect(text.hasPrefix("\u{FEFF}Đơn vị,Tin báo,Ghi chú\r\n"))
        #expect(text.contains("Phường Tân Lập,12,\"có \"\"ngoặc\"\", dấu phẩy\"\r\n"))
        #expect(text.contains("Xã Hoà Phú,0.25,\"'=HYPERLINK(\"\"http://x\"\")\"\r\n"))
    }

    @Test("ZIP checksums: CRC-32 of the standard check string")
    func crc() {
        #expect(Spreadsheet.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test("Column names go A…Z, AA, AB…")
    func columns() {
        #expect([0, 1, 25, 26, 27, 51, 52, 701, 702].map(Spreadsheet.column) == ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"])
    }

    @Test("XLSX: Python's zipfile reads every part with its checksum; the sheet holds the texts and numbers")
    func xlsx() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("xlsx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("t.xlsx")
        try Data(sheet.xlsx()).write(to: file)
        let script = """
            import sys, zipfile
            z = zipfile.ZipFile(sys.argv[1])
            assert z.testzip() is None
            print(sorted(z.namelist()))
            print(z.read('xl/worksheets/sheet1.xml').decode('utf-8'))
            print(z.read('xl/workbook.xml').decode('utf-8'))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(output.contains("['[Content_Types].xml', '_rels/.rels', 'xl/_rels/workbook.xml.rels', 'xl/workbook.xml', 'xl/worksheets/sheet1.xml']"))
        #expect(output.contains(#"<c r="A2" t="inlineStr"><is><t xml:space="preserve">Phường Tân Lập</t></is></c><c r="B2"><v>12</v></c>"#))
        #expect(output.contains(#"<c r="B3"><v>0.25</v></c>"#))
        #expect(output.contains("có &quot;ngoặc&quot;, dấu phẩy"))
        #expect(output.contains(#"<sheet name="Công an tỉnh Đắk Lắk" sheetId="1""#))
    }

    @Test("Chart: one bar per point at its height, labels escaped, figures in Vietnamese style")
    func chart() {
        let svg = SVGChart.bars(title: "Tin báo <Đắk Lắk>", points: [.init(label: "11-01", value: 0), .init(label: "11-02", value: 1500), .init(label: "11-03", value: 750)],
                                width: 364, height: 140)
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.contains("aria-label=\"Tin báo &lt;Đắk Lắk&gt;\""))
        #expect(svg.components(separatedBy: "<rect ").count - 1 == 3)
        #expect(svg.contains("<title>11-02: 1.500</title>"))
        // The plot is 100 px high from y = 12; the axis tops at 2,000, so 1,500 is 75 px tall and 750 half of that.
        #expect(svg.contains(#"y="37.0" width="80.0" height="75.0" class="bar" data-label="11-02""#))
        #expect(svg.contains(#"height="37.5" class="bar" data-label="11-03""#))
        #expect(svg.contains(#"height="0.0" class="bar" data-label="11-01""#))
        #expect(SVGChart.bars(title: "trống", points: []).hasSuffix("</svg>"))
    }

    @Test("Figures as Vietnamese writes them: dots between thousands, a decimal comma, no trailing zeros")
    func numbers() {
        #expect(vietnameseNumber(1_234_567, decimals: 2) == "1.234.567")
        #expect(vietnameseNumber(0.5, decimals: 2) == "0,5")
        #expect(vietnameseNumber(12.254, decimals: 2) == "12,25")
        #expect(vietnameseNumber(12.07, decimals: 2) == "12,07")
        #expect(vietnameseNumber(-1500.25, decimals: 1) == "-1.500,3")
        #expect(vietnameseNumber(-0.001, decimals: 2) == "0")
        #expect(vietnameseNumber(999.96, decimals: 1) == "1.000")
    }

    let config = CommendationRanking.Config(components: [
        .init(key: "valuable", labelVI: "Tỷ lệ có giá trị", labelEN: "Valuable share", weight: 3, numerator: ["tips.valuable"], denominator: ["tips.received"]),
        .init(key: "per_members", labelVI: "Tin báo/1.000 thành viên", labelEN: "Tips per 1,000 members", weight: 1, numerator: ["tips.received"], perMembers: true),
    ], minimumSample: .init(figures: ["tips.received", "questions.received"], atLeast: 10))

    @Test("Ranking: shares and rates against the best unit, weights as configured, the minimum sample, and the parts kept")
    func ranking() {
        let results = CommendationRanking.rank([
            .init(id: "A", name: "Phường A", figures: ["tips.received": 20, "tips.valuable": 10], members: 1000),
            .init(id: "B", name: "Phường B", figures: ["tips.received": 40, "tips.valuable": 5], members: 1000),
            .init(id: "C", name: "Xã C", figures: ["tips.received": 6, "questions.received": 3, "tips.valuable": 6], members: 100),
            .init(id: "D", name: "Xã D", figures: ["tips.received": 12, "tips.valuable": 1], members: 0),
        ], config: config)
        #expect(results.map(\.candidate.id) == ["A", "B", "C", "D"])
        // A: valuable share 0.5 is the best (100), 20 tips per 1,000 is half of B's 40 (50): (3·100 + 1·50) / 4.
        #expect(results[0].standing == .ranked(1))
        #expect(abs((results[0].score ?? 0) - 87.5) < 1e-9)
        #expect(results[0].parts.map(\.relative) == [100, 50])
        #expect(results[0].parts.map(\.points) == [75, 12.5])
        // B: share 0.125 is a quarter of A's (25), its rate is the best (100): (75 + 100) / 4.
        #expect(results[1].standing == .ranked(2))
        #expect(abs((results[1].score ?? 0) - 43.75) < 1e-9)
        // C has 9 cases, one short of the minimum: listed, not ranked, however good its share.
        #expect(results[2].standing == .tooFewCases(9))
        #expect(results[2].score == nil)
        // D has enough cases but no members to divide by.
        #expect(results[3].standing == .noMembers)
    }

    @Test("Ranking: equal scores share a place")
    func ties() {
        let results = CommendationRanking.rank([
            .init(id: "A", name: "A", figures: ["tips.received": 10, "tips.valuable": 5], members: 10),
            .init(id: "B", name: "B", figures: ["tips.received": 10, "tips.valuable": 5], members: 10),
            .init(id: "C", name: "C", figures: ["tips.received": 10, "tips.valuable": 1], members: 10),
        ], config: config)
        #expect(results.map(\.standing) == [.ranked(1), .ranked(1), .ranked(3)])
    }

    @Test("The shipped ranking configuration reads, with positive weights and a minimum sample")
    func shippedConfig() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Resources/Statistics/ranking.json")
        let config = try JSONDecoder().decode(CommendationRanking.Config.self, from: Data(contentsOf: url))
        #expect(!config.components.isEmpty)
        #expect(config.components.allSatisfy { $0.weight > 0 && !$0.numerator.isEmpty && ($0.perMembers == true) != ($0.denominator != nil) })
        #expect(config.minimumSample.atLeast > 0)
    }
}
