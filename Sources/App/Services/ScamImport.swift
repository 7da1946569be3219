import BinhYenCore
import Fluent
import Foundation
import NIOPosix
import SQLKit

/// Bulk import of another agency's indicator list (CSV with the header
/// `kind,value,bank,status,reports,warning`). Idempotent: importing a file again changes nothing;
/// an imported "verified" upgrades a reported indicator, never the patrol's own rejection; report
/// counts take the larger of the two. Rows that cannot be read are listed with their line and
/// reason, and the rest is imported.
enum ScamImport {
    static let header = ["kind", "value", "bank", "status", "reports", "warning"]
    /// Rows per transaction, and per statement.
    static let chunk = 5_000
    static let rowsPerStatement = 400
    /// Lines read and normalised at a time, off the event loops.
    static let parseBatchSize = 2_000

    struct Rejected: Sendable, Equatable {
        var line: Int
        var reason: String
    }

    struct Report: Sendable {
        var imported = 0
        var rejected: [Rejected] = []
    }

    struct Row: Sendable {
        var indicator: Indicator
        var status: ScamStatus
        var reports: Int
        var warning: String?
    }

    /// Reads the file line by line and imports it in chunks, each through the write gate. A chunk
    /// is written while the next one is read (reading and normalising cost as much as writing), so
    /// the two use both cores; at most one chunk waits to be written.
    static func run(text: String, source: String, gate: WriteGate, now: Date = Date()) async throws -> Report {
        var report = Report()
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).makeIterator()
        guard let first = lines.next(), CSV.fields(first.trimmingCharacters(in: .whitespaces)[...]).map({ $0.lowercased() }) == header else {
            throw CommandFailure("dòng đầu phải là / the first line must be: " + header.joined(separator: ","))
        }
        var pending: [String: Row] = [:]
        var order: [String] = []
        var number = 1
        var writing: Task<Int, any Error>?
        func flush() async throws {
            let rows = order.compactMap { pending[$0] }
            pending.removeAll(keepingCapacity: true)
            order.removeAll(keepingCapacity: true)
            if let previous = writing { report.imported += try await previous.value }
            writing = nil
            guard !rows.isEmpty else { return }
            writing = Task {
                try await gate.transaction { db in
                    let sql = try db.requireSQL()
                    if sql.dialect.name == "sqlite" {
                        // The registry's indexes outgrow SQLite's default 2 MB page cache within the
                        // first hundred thousand rows; a larger one for the writing connection keeps
                        // each chunk's index pages in memory (the setting stays with the connection).
                        try await sql.raw("PRAGMA cache_size = -131072").run()
                    }
                    try await upsert(rows, source: source, at: now, on: sql)
                }
                return rows.count
            }
        }
        // Lines are read and normalised in NIO's thread pool, a batch at a time: tasks run on the
        // event loops, where the writes' statements and the database's answers go too, so
        // reading there would hold the chunk being written.
        var batch: [(line: Int, text: Substring)] = []
        func parseBatch() async throws {
            let lines = batch
            batch.removeAll(keepingCapacity: true)
            for (line, result) in try await NIOThreadPool.singleton.runIfActive({ lines.map { ($0.line, parse($0.text)) } }) {
                switch result {
                case .failure(let reason):
                    report.rejected.append(Rejected(line: line, reason: reason))
                case .success(let row):
                    // The same indicator twice in one chunk: one row, the later line's values.
                    let key = row.indicator.description
                    if pending.updateValue(row, forKey: key) == nil { order.append(key) }
                    if order.count >= chunk { try await flush() }
                }
            }
        }
        while let raw = lines.next() {
            number += 1
            if raw.allSatisfy(\.isWhitespace) { continue }
            batch.append((number, raw))
            if batch.count >= parseBatchSize { try await parseBatch() }
        }
        try await parseBatch()
        try await flush()
        if let last = writing { report.imported += try await last.value }
        let summary = report
        try await gate.transaction { db in
            try await AuditLog.append(.system, "scam.import", subject: "scam_import:" + source,
                                      detail: ["imported": String(summary.imported), "rejected": String(summary.rejected.count)], at: now, on: db)
        }
        return report
    }

    static func parse(_ line: Substring) -> Result<Row, String> {
        let fields = CSV.fields(line)
        guard fields.count == header.count else { return .failure("cần \(header.count) cột, có \(fields.count) / expected \(header.count) columns, got \(fields.count)") }
        let bank = VietnameseText.trim(fields[2])
        let indicator: Indicator
        switch IndicatorRules.normalise(kindName: fields[0], raw: fields[1], bank: bank.isEmpty ? nil : bank) {
        case .success(let found): indicator = found
        case .failure(let issue): return .failure("\(issue.field): \(issue.messageVI) / \(issue.messageEN)")
        }
        let statusText = VietnameseText.trim(fields[3]).lowercased()
        guard let status = ScamStatus(rawValue: statusText.isEmpty ? "reported" : statusText), status == .reported || status == .verified else {
            return .failure("status: reported hoặc verified / must be reported or verified")
        }
        let reportsText = VietnameseText.trim(fields[4])
        guard let reports = reportsText.isEmpty ? 0 : Int(reportsText), (0...1_000_000).contains(reports) else {
            return .failure("reports: số từ 0 đến 1000000 / a number from 0 to 1000000")
        }
        var warning: String?
        if status == .verified {
            switch ScamReportRules.warning(fields[5]) {
            case .success(let text): warning = text
            case .failure(let issue): return .failure("warning: \(issue.messageVI) / \(issue.messageEN)")
            }
        }
        return .success(Row(indicator: indicator, status: status, reports: reports, warning: warning))
    }

    /// Multi-row upserts; rows must name distinct indicators.
    static func upsert(_ rows: [Row], source: String, at now: Date, on sql: any SQLDatabase) async throws {
        var start = 0
        while start < rows.count {
            let end = min(start + rowsPerStatement, rows.count)
            let values = rows[start..<end].map { row in
                SQLGroupExpression([
                    SQLBind(UUID.timeOrdered(at: now)), SQLBind(row.indicator.kind.rawValue), SQLBind(row.indicator.value), SQLBind(row.indicator.matchKey),
                    SQLBind(row.indicator.display), SQLBind(row.status.rawValue), SQLBind(row.reports), SQLBind(row.warning), SQLBind(source),
                    SQLBind(now), SQLBind(now),
                ] as [any SQLExpression])
            }
            // The patrol's own decisions stand: only a reported indicator takes the imported status.
            try await sql.raw("""
                INSERT INTO scam_indicators (id, kind, value, match_key, display, status, report_count, warning_vi, source, created_at, updated_at)
                VALUES \(SQLList(values))
                ON CONFLICT (kind, value) DO UPDATE SET
                    status = CASE WHEN scam_indicators.status = 'reported' THEN excluded.status ELSE scam_indicators.status END,
                    warning_vi = CASE WHEN scam_indicators.status = 'reported' AND excluded.status = 'verified' THEN excluded.warning_vi ELSE scam_indicators.warning_vi END,
                    report_count = CASE WHEN excluded.report_count > scam_indicators.report_count THEN excluded.report_count ELSE scam_indicators.report_count END,
                    updated_at = excluded.updated_at
                """).run()
            start = end
        }
    }
}
