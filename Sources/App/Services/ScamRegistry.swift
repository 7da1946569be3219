import BinhYenCore
import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// What a scam report's author wrote, sealed like a tip.
struct ScamReportContent: Codable, Sendable, Equatable {
    var description: String
}

/// The cyber patrol's scam registry: citizens report indicators, anyone looks them up, the patrol
/// verifies or rejects them. Writes go through the write gate with their audit entries; lookups
/// read `ScamLookupIndex`, never the database.
struct ScamRegistry: Sendable {
    let db: any Database
    let gate: WriteGate
    let vault: TipVault
    let index: ScamLookupIndex
    let store: AttachmentStore
    let app: Application

    init(db: any Database, app: Application) {
        self.db = db
        self.app = app
        self.gate = app.writeGate
        self.vault = app.tipVault
        self.index = app.scamLookupIndex
        self.store = app.attachmentStore
    }

    struct Reported: Sendable {
        var reference: String
        var indicators: [(indicator: Indicator, status: ScamStatus, reports: Int)]
        /// For adding screenshots through the API, when asked for.
        var screenshotKey: String?
    }

    /// Files a report and counts it against each indicator it names (new indicators start as
    /// reported). Nothing is stored when any field is refused.
    /// With `screenshotKey`, also makes the key for adding screenshots later (`EvidenceUploadKeys`).
    func report(_ draft: ScamReportDraft, by submitter: TipService.Submitter, screenshots: [SanitizedAttachment] = [],
                screenshotKey: Bool = false, now: Date = Date()) async throws -> Reported {
        let (named, description, found) = ScamReportRules.validate(draft, now: now)
        var issues = found
        if let tooMany = AttachmentRules.checkCount(screenshots.count) { issues.append(tooMany) }
        guard issues.isEmpty else { throw ValidationFailure(issues: issues) }
        // Numbers, accounts and sites the story mentions count too ("it called me from 09…").
        let indicators = named + IndicatorExtractor.extract(from: description).prefix(10).filter { !named.contains($0) }
        let id = UUID.timeOrdered(at: now)
        let reference = TipService.newReference(prefix: "LD")
        let sealed = try vault.seal(ScamReportContent(description: description), for: id)
        let citizen: UUID? = if case .citizen(let account) = submitter { account } else { nil }
        let actor: AuditActor = citizen.map { .citizen($0) } ?? .anonymous
        let owner = "scam_report:" + id.uuidString
        let (rows, key) = try await EvidenceFiles.storing(screenshots, owner: owner, store: store, at: now) { files in
            try await gate.transaction { db -> ([ScamLookupIndex.Row], String?) in
            let sql = try db.requireSQL()
            try await sql.insert(into: "scam_reports")
                .columns("id", "reference", "citizen_id", "anonymous", "sealed", "money_lost", "occurred_at", "created_at")
                .values(SQLBind(id), SQLBind(reference), SQLBind(citizen), SQLBind(citizen == nil), SQLBind(sealed), SQLBind(draft.moneyLost),
                        SQLBind(draft.occurredAt), SQLBind(now))
                .run()
            var rows: [ScamLookupIndex.Row] = []
            for indicator in indicators {
                let (row, counted) = try await Self.upsert(indicator, source: "report", reports: 1, at: now, on: sql)
                try await sql.insert(into: "scam_report_indicators").columns("report_id", "indicator_id").values(SQLBind(id), SQLBind(counted)).run()
                try await Self.touchAliases(of: counted, at: now, on: sql)
                rows.append(row)
            }
            for file in files { try await file.create(on: db) }
            try await AuditLog.append(actor, "scam.report", subject: owner,
                                      detail: ["indicators": indicators.map(\.description).joined(separator: ","), "files": String(files.count)], at: now, on: db)
            let key = screenshotKey ? try await EvidenceUploadKeys.issue(for: owner, at: now, on: db) : nil
            return (rows, key)
        } }
        index.apply(rows)
        return Reported(reference: reference, indicators: zip(indicators, rows).map { ($0, $1.status, $1.reports) }, screenshotKey: key)
    }

    /// Adds an indicator, or adds `reports` to the one already there (to the one it was merged into,
    /// if it was). Returns the row lookups of `indicator` now answer with, and the id that counted
    /// the reports.
    static func upsert(_ indicator: Indicator, source: String, reports: Int, at now: Date, on sql: any SQLDatabase) async throws -> (row: ScamLookupIndex.Row, counted: UUID) {
        let existing = try await sql.raw("""
            SELECT id, merged_into FROM scam_indicators WHERE kind = \(bind: indicator.kind.rawValue) AND value = \(bind: indicator.value)
            """).first()
        let counted: (any SQLRow)?
        if let target = try existing?.decode(column: "merged_into", as: UUID?.self) {
            counted = try await sql.raw("""
                UPDATE scam_indicators SET report_count = report_count + \(bind: reports), updated_at = \(bind: now) WHERE id = \(bind: target)
                RETURNING id, status, report_count, warning_vi
                """).first()
        } else {
            counted = try await sql.raw("""
                INSERT INTO scam_indicators (id, kind, value, match_key, display, status, report_count, source, created_at, updated_at)
                VALUES (\(bind: UUID.timeOrdered(at: now)), \(bind: indicator.kind.rawValue), \(bind: indicator.value), \(bind: indicator.matchKey),
                        \(bind: indicator.display), \(bind: ScamStatus.reported.rawValue), \(bind: reports), \(bind: source), \(bind: now), \(bind: now))
                ON CONFLICT (kind, value) DO UPDATE SET report_count = scam_indicators.report_count + excluded.report_count, updated_at = excluded.updated_at
                RETURNING id, status, report_count, warning_vi
                """).first()
        }
        guard let counted, let status = ScamStatus(rawValue: try counted.decode(column: "status", as: String.self)) else {
            throw Abort(.internalServerError, reason: "the indicator upsert returned nothing")
        }
        let countedID = try counted.decode(column: "id", as: UUID.self)
        let row = ScamLookupIndex.Row(id: try existing?.decode(column: "id", as: UUID.self) ?? countedID, kind: indicator.kind, value: indicator.value,
                                      matchKey: indicator.matchKey, status: status, reports: try counted.decode(column: "report_count", as: Int.self),
                                      warning: try counted.decode(column: "warning_vi", as: String?.self))
        return (row, countedID)
    }

    /// Indicators merged into `id` answer as it does: stamp them changed so every node reads them again.
    static func touchAliases(of id: UUID, at now: Date, on sql: any SQLDatabase) async throws {
        try await sql.raw("UPDATE scam_indicators SET updated_at = \(bind: now) WHERE merged_into = \(bind: id)").run()
    }

    // MARK: tips

    /// The tip category whose texts are searched for indicators.
    static let fraudCategory = "fraud"

    struct TipIndicator: Sendable, Equatable {
        var kind: IndicatorKind
        var value: String
        var display: String
        /// Nil when the registry does not hold it.
        var status: ScamStatus?
        var reports: Int
    }

    /// The indicators found in a tip's text and where each stands in the registry now.
    static func indicators(in tip: Tip, on db: any Database) async throws -> [TipIndicator] {
        let rows = try await db.requireSQL().raw("""
            SELECT ti.kind, ti.value, ti.display, si.status, si.report_count FROM tip_indicators ti
            LEFT JOIN scam_indicators si ON si.kind = ti.kind AND si.value = ti.value
            WHERE ti.tip_id = \(bind: try tip.requireID()) ORDER BY ti.kind, ti.value
            """).all()
        return try rows.compactMap { row in
            guard let kind = IndicatorKind(rawValue: try row.decode(column: "kind", as: String.self)) else { return nil }
            return TipIndicator(kind: kind, value: try row.decode(column: "value", as: String.self), display: try row.decode(column: "display", as: String.self),
                                status: try row.decode(column: "status", as: String?.self).flatMap(ScamStatus.init(rawValue:)),
                                reports: try row.decode(column: "report_count", as: Int?.self) ?? 0)
        }
    }

    // MARK: lookup

    enum Verdict: String, Sendable {
        case verified
        case reported
        case notFound = "not_found"
    }

    struct Answer: Sendable {
        var indicator: Indicator
        var verdict: Verdict
        var reports: Int
        /// The patrol's warning, for a verified indicator.
        var warning: String?
        /// True when the verdict comes from another indicator under the same match key (another
        /// page of a verified scam site, the same account number at another bank…).
        var byMatch: Bool
    }

    /// Normalises what was typed and answers from the index (read from the database first when the
    /// index is more than a couple of seconds old).
    func lookup(_ raw: String, now: Date = Date()) async throws -> Answer {
        let indicator: Indicator
        switch IndicatorRules.guess(raw) {
        case .success(let found): indicator = found
        case .failure(let issue): throw ValidationFailure(issues: [issue])
        }
        try await index.refresh(on: db, now: now)
        if !index.isLoaded {
            // Another request is loading the registry for the first time: ask the database.
            let local = ScamLookupIndex()
            local.apply(try await ScamLookupIndex.rows(for: indicator, on: db))
            return Self.answer(indicator, local)
        }
        return Self.answer(indicator, index)
    }

    static func answer(_ indicator: Indicator, _ index: ScamLookupIndex) -> Answer {
        let found = index.entry(indicator.kind, indicator.value)
        let exact = found?.entry
        if let exact, exact.status == .verified {
            return Answer(indicator: indicator, verdict: .verified, reports: Int(exact.reports), warning: found?.warning, byMatch: false)
        }
        let totals = index.totals(indicator.kind, matchKey: indicator.matchKey)
        if let totals, totals.verified > 0 {
            return Answer(indicator: indicator, verdict: .verified, reports: Int(totals.reports), warning: nil, byMatch: true)
        }
        if let exact, exact.status == .reported {
            return Answer(indicator: indicator, verdict: .reported, reports: Int(exact.reports), warning: nil, byMatch: false)
        }
        if let totals, totals.reported > 0 {
            return Answer(indicator: indicator, verdict: .reported, reports: Int(totals.reports), warning: nil, byMatch: true)
        }
        return Answer(indicator: indicator, verdict: .notFound, reports: 0, warning: nil, byMatch: false)
    }

    // MARK: the patrol's queue

    enum Decision: Sendable {
        case verify(warning: String)
        case reject(note: String)
    }

    /// Indicators in a status, most reported first, then newest.
    func queue(status: ScamStatus, kind: IndicatorKind?, limit: Int, for account: CurrentAccount) async throws -> [ScamIndicator] {
        guard Policy.allowsSomewhere(account.grants, .verifyScamIndicators) else { throw TipService.NotFound() }
        var query = ScamIndicator.query(on: db).filter(\.$status == status)
        if let kind { query = query.filter(\.$kind == kind.rawValue) }
        return try await query.sort(\.$reportCount, .descending).sort(\.$updatedAt, .descending).limit(max(1, min(limit, 200))).all()
    }

    /// The screenshots of the reports that name each indicator, for the patrol.
    func evidence(of indicators: [UUID], for account: CurrentAccount) async throws -> [UUID: [EvidenceFile]] {
        guard Policy.allowsSomewhere(account.grants, .verifyScamIndicators), !indicators.isEmpty else { return [:] }
        let links = try await db.requireSQL().raw("""
            SELECT report_id, indicator_id FROM scam_report_indicators WHERE indicator_id IN \(SQLGroupExpression(indicators.map { SQLBind($0) }))
            """).all().map { (try $0.decode(column: "report_id", as: UUID.self), try $0.decode(column: "indicator_id", as: UUID.self)) }
        guard !links.isEmpty else { return [:] }
        let byReport = try await EvidenceFiles.byOwner(Dictionary(links.map { ($0.0, "scam_report:" + $0.0.uuidString) }) { first, _ in first }, on: db)
        var out: [UUID: [EvidenceFile]] = [:]
        for (report, indicator) in links { out[indicator, default: []] += byReport[report] ?? [] }
        return out
    }

    /// Where the patrol's own evidence for its decisions on an indicator is kept.
    static func decisionOwner(_ indicator: UUID) -> String { "scam_decision:" + indicator.uuidString }

    /// The patrol's own evidence for its decisions on each indicator.
    func decisionEvidence(of indicators: [UUID], for account: CurrentAccount) async throws -> [UUID: [EvidenceFile]] {
        guard Policy.allowsSomewhere(account.grants, .verifyScamIndicators) else { return [:] }
        return try await EvidenceFiles.byOwner(Dictionary(indicators.map { ($0, Self.decisionOwner($0)) }) { first, _ in first }, on: db)
    }

    /// One evidence file (of a report, or of the patrol's decision), decrypted, for the patrol.
    func evidenceFile(_ id: UUID, for account: CurrentAccount) async throws -> (EvidenceFile, Data) {
        guard Policy.allowsSomewhere(account.grants, .verifyScamIndicators), let row = try await EvidenceFile.find(id, on: db) else {
            throw TipService.NotFound()
        }
        return (row, try store.read(id))
    }

    func indicator(_ id: UUID, for account: CurrentAccount) async throws -> ScamIndicator {
        guard Policy.allowsSomewhere(account.grants, .verifyScamIndicators),
              let found = try await ScamIndicator.find(id, on: db)
        else { throw TipService.NotFound() }
        return found
    }

    /// Verifies (with the warning lookups will show) or rejects (with the reason) an indicator,
    /// with the patrol's own evidence when it has some (a bank's answer, a platform's
    /// confirmation), kept under `decisionOwner`. Deciding again replaces the earlier decision but
    /// keeps every file; each decision is in the audit log, and the first verification counts for
    /// the unit of the officer who made it (verified again after a rejection, it does not).
    func decide(_ id: UUID, _ decision: Decision, by account: CurrentAccount, evidence: [SanitizedAttachment] = [],
                now: Date = Date()) async throws -> ScamIndicator {
        let found = try await indicator(id, for: account)
        if let tooMany = AttachmentRules.checkCount(evidence.count, field: "evidence") { throw ValidationFailure(issues: [tooMany]) }
        guard found.status != .merged else {
            throw ValidationFailure(issues: [FieldIssue(field: "decision", code: "merged", messageVI: "Dấu hiệu này đã được gộp; hãy quyết định trên dấu hiệu chính.",
                                                        messageEN: "This indicator was merged; decide on the one it joined.")])
        }
        let status: ScamStatus
        switch decision {
        case .verify(let text):
            switch ScamReportRules.warning(text) {
            case .success(let warning): found.warningVI = warning
            case .failure(let issue): throw ValidationFailure(issues: [issue])
            }
            found.decisionNote = nil
            status = .verified
        case .reject(let text):
            switch ScamReportRules.note(text) {
            case .success(let note): found.decisionNote = note
            case .failure(let issue): throw ValidationFailure(issues: [issue])
            }
            found.warningVI = nil
            status = .rejected
        }
        let previous = found.status
        let newlyVerified = status == .verified && previous != .verified
        let unit = TipService.units(of: account, allowing: .verifyScamIndicators).first
        let subject = "scam_indicator:" + id.uuidString
        found.status = status
        found.$decidedBy.id = account.id
        found.decidedAt = now
        found.updatedAt = now
        try await EvidenceFiles.storing(evidence, owner: Self.decisionOwner(id), store: store, at: now) { files in
            try await gate.transaction { db in
                try await found.save(on: db)
                try await Self.touchAliases(of: id, at: now, on: try db.requireSQL())
                for file in files { try await file.create(on: db) }
                // Only the first verification counts: checked before this decision's own entry is written.
                if newlyVerified, let unit, try await !Self.verifiedBefore(subject, on: db) {
                    try await Counters.add(.scamIndicatorsVerified, 1, unit: unit, at: now, on: db)
                }
                // The status before and the officer's unit, so the counter can be rebuilt from the log.
                var detail = ["indicator": found.kind + ":" + found.value, "files": String(files.count), "was": previous.rawValue]
                if let unit { detail["unit"] = unit.uuidString }
                try await AuditLog.append(.staff(account.id), "scam.\(status.rawValue)", subject: subject, detail: detail, at: now, on: db)
            }
        }
        if let kind = IndicatorKind(rawValue: found.kind) {
            index.apply([ScamLookupIndex.Row(id: id, kind: kind, value: found.value, matchKey: found.matchKey, status: status,
                                             reports: found.reportCount, warning: found.warningVI)])
        }
        return found
    }
}

extension ScamRegistry {
    /// Whether the patrol verified the indicator before (the audit log is indexed by subject).
    static func verifiedBefore(_ subject: String, on db: any Database) async throws -> Bool {
        try await db.requireSQL().raw("""
            SELECT seq FROM audit_entries WHERE subject = \(bind: subject) AND action = 'scam.verified' LIMIT 1
            """).first() != nil
    }

    /// Merges an indicator into another (two spellings the rules could not join, or a scammer's
    /// second number): its reports move over, it answers lookups as the other does, and anything
    /// merged into it follows. Audited with the reason.
    func merge(_ id: UUID, into targetID: UUID, note: String, by account: CurrentAccount, now: Date = Date()) async throws -> ScamIndicator {
        let source = try await indicator(id, for: account)
        let target = try await indicator(targetID, for: account)
        var issues: [FieldIssue] = []
        if id == targetID || target.status == .merged || source.status == .merged {
            issues.append(FieldIssue(field: "into", code: "invalid", messageVI: "Không thể gộp vào chính nó hoặc vào một dấu hiệu đã được gộp.",
                                     messageEN: "An indicator cannot be merged into itself or into one that was merged."))
        }
        let reason: String
        switch ScamReportRules.note(note) {
        case .success(let text): reason = text
        case .failure(let issue): issues.append(issue); reason = ""
        }
        guard issues.isEmpty else { throw ValidationFailure(issues: issues) }
        try await gate.transaction { db in
            let sql = try db.requireSQL()
            // Reports naming both stay once, under the target.
            try await sql.raw("""
                DELETE FROM scam_report_indicators WHERE indicator_id = \(bind: id)
                AND report_id IN (SELECT report_id FROM scam_report_indicators WHERE indicator_id = \(bind: targetID))
                """).run()
            try await sql.raw("UPDATE scam_report_indicators SET indicator_id = \(bind: targetID) WHERE indicator_id = \(bind: id)").run()
            try await sql.raw("""
                UPDATE scam_indicators SET report_count = report_count + \(bind: source.reportCount), updated_at = \(bind: now) WHERE id = \(bind: targetID)
                """).run()
            try await sql.raw("UPDATE scam_indicators SET merged_into = \(bind: targetID), updated_at = \(bind: now) WHERE merged_into = \(bind: id)").run()
            try await sql.raw("""
                UPDATE scam_indicators SET status = \(bind: ScamStatus.merged.rawValue), merged_into = \(bind: targetID), decision_note = \(bind: reason),
                decided_by = \(bind: account.id), decided_at = \(bind: now), updated_at = \(bind: now) WHERE id = \(bind: id)
                """).run()
            try await AuditLog.append(.staff(account.id), "scam.merge", subject: "scam_indicator:" + id.uuidString,
                                      detail: ["into": targetID.uuidString, "note": reason], at: now, on: db)
        }
        try await index.refresh(on: db, now: now, force: true)
        return try await indicator(id, for: account)
    }
}

extension Request {
    var scams: ScamRegistry { ScamRegistry(db: db, app: application) }
}

extension Application {
    private struct ScamLookupIndexKey: StorageKey { typealias Value = ScamLookupIndex }

    var scamLookupIndex: ScamLookupIndex {
        get {
            guard let index = storage[ScamLookupIndexKey.self] else { preconditionFailure("configure(_:config:) sets up the scam lookup index") }
            return index
        }
        set { storage[ScamLookupIndexKey.self] = newValue }
    }
}

extension ScamRegistry {
    /// Publishes a verified indicator's warning as a public post in one step: to the page given,
    /// or else the first page of the patrol's units. The post links back to the lookup, and its
    /// audit entry names the indicator.
    func publishWarning(_ id: UUID, pageID: UUID?, by account: CurrentAccount, now: Date = Date()) async throws -> Post {
        let row = try await indicator(id, for: account)
        guard row.status == .verified, let warning = row.warningVI, row.$mergedInto.id == nil else {
            throw ValidationFailure(issues: [FieldIssue(field: "status", code: "not_verified", messageVI: "Chỉ đăng cảnh báo cho dấu hiệu đã xác minh.",
                                                        messageEN: "Only a verified indicator's warning can be published.")])
        }
        var page = pageID
        if page == nil {
            let units = TipService.units(of: account, allowing: .publishPosts)
            page = units.isEmpty ? nil : try await Page.query(on: db).filter(\.$unit.$id ~~ units).sort(\.$createdAt).first()?.id
        }
        guard let page else {
            throw ValidationFailure(issues: [FieldIssue(field: "page", code: "required", messageVI: "Đơn vị của bạn chưa có trang để đăng cảnh báo.",
                                                        messageEN: "Your unit has no page to publish the warning on.")])
        }
        let kind = IndicatorKind(rawValue: row.kind)
        let what = kind.map { $0.labelVI.lowercased() } ?? "dấu hiệu"
        let query = row.display.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? ""
        let body = """
            \(warning)

            Lực lượng an ninh mạng đã xác minh \(what) \(row.display) là lừa đảo (\(row.reportCount) phản ánh của người dân). Không chuyển tiền, không cung cấp mã OTP hay thông tin cá nhân.
            Tra cứu số điện thoại, tài khoản, trang web tại /scams?q=\(query)
            """
        let posts = PostService(db: db, app: app)
        let post = try await posts.publish(PostDraft(title: String("Cảnh báo lừa đảo: \(row.display)".prefix(PostRules.titleLength.upperBound)), body: body,
                                                     category: PostCategory.scamWarning.rawValue, priority: PostPriority.warning.rawValue),
                                           to: .init(audience: .none, groupID: nil, unitID: nil, pageID: page), by: account,
                                           origin: ["scam_indicator": id.uuidString], now: now)
        return post
    }
}

extension ScamRegistry {
    /// The indicators a fraud tip named join the registry as reported (one report each, source
    /// "tip"), so the cyber patrol finds them in its queue. Runs from the outbox, once per tip:
    /// the outbox row is marked done in the same transaction.
    static func countTipIndicators(_ payload: TipIndicatorsPayload, on db: any Database, now: Date) async throws {
        let sql = try db.requireSQL()
        for item in payload.indicators {
            guard let kind = IndicatorKind(rawValue: item.kind) else { continue }
            let indicator = Indicator(kind: kind, value: item.value, display: item.display, matchKey: item.matchKey)
            let (_, counted) = try await upsert(indicator, source: "tip", reports: 1, at: now, on: sql)
            try await touchAliases(of: counted, at: now, on: sql)
        }
    }
}
