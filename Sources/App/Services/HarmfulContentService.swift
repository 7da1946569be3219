import BinhYenCore
import Fluent
import Foundation
import SQLKit
import Vapor

/// Reports of harmful content online: citizens send the address, the cyber patrol triages it and
/// follows a takedown request to the platform's answer. Each step is audited; takedowns are
/// counted for the unit of the officer who acts.
struct HarmfulContentService: Sendable {
    let db: any Database
    let gate: WriteGate
    /// Where screenshots are kept, encrypted (see `EvidenceFiles`).
    let store: AttachmentStore

    struct Category: Sendable, Equatable {
        var code: String
        var nameVI: String
        var nameEN: String
    }

    func categories() async throws -> [Category] {
        try await db.requireSQL().raw("SELECT code, name_vi, name_en FROM harmful_categories ORDER BY position").all().map {
            Category(code: try $0.decode(column: "code", as: String.self), nameVI: try $0.decode(column: "name_vi", as: String.self),
                     nameEN: try $0.decode(column: "name_en", as: String.self))
        }
    }

    /// Files a report with its screenshots (already checked by content and stripped of metadata).
    /// Nothing is stored when any field is refused.
    func report(_ draft: HarmfulReportDraft, by submitter: TipService.Submitter, screenshots: [SanitizedAttachment] = [],
                now: Date = Date()) async throws -> HarmfulReport {
        try await report(draft, by: submitter, screenshots: screenshots, screenshotKey: false, now: now).report
    }

    /// With `screenshotKey`, also makes the key for adding screenshots later (`EvidenceUploadKeys`).
    func report(_ draft: HarmfulReportDraft, by submitter: TipService.Submitter, screenshots: [SanitizedAttachment] = [],
                screenshotKey: Bool, now: Date = Date()) async throws -> (report: HarmfulReport, screenshotKey: String?) {
        let known = Set(try await categories().map(\.code))
        let (url, description, found) = HarmfulContentRules.validate(draft, knownCategories: known)
        var issues = found
        if let tooMany = AttachmentRules.checkCount(screenshots.count) { issues.append(tooMany) }
        guard issues.isEmpty, let url else { throw ValidationFailure(issues: issues) }
        let report = HarmfulReport()
        report.id = UUID.timeOrdered(at: now)
        report.reference = TipService.newReference(prefix: "ND")
        report.url = url.value
        report.host = url.matchKey
        report.categoryCode = draft.categoryCode.trimmingCharacters(in: .whitespaces)
        report.description = description
        if case .citizen(let account) = submitter { report.$citizen.id = account }
        report.status = .received
        report.createdAt = now
        report.updatedAt = now
        let actor: AuditActor = report.$citizen.id.map { .citizen($0) } ?? .anonymous
        let subject = Self.owner(of: report)
        let key = try await EvidenceFiles.storing(screenshots, owner: subject, store: store, at: now) { files in
            try await gate.transaction { db -> String? in
                try await report.create(on: db)
                for file in files { try await file.create(on: db) }
                try await AuditLog.append(actor, "harmful.report", subject: subject,
                                          detail: ["category": report.categoryCode, "host": report.host, "files": String(files.count)], at: now, on: db)
                return screenshotKey ? try await EvidenceUploadKeys.issue(for: subject, at: now, on: db) : nil
            }
        }
        return (report, key)
    }

    /// The name a report's audit entries and screenshots go under.
    static func owner(of report: HarmfulReport) -> String { "harmful_report:" + (report.id?.uuidString ?? "") }

    /// The screenshots of each report, for the patrol (who open them at `/console/scams/evidence/…`).
    func screenshots(of reports: [HarmfulReport], for account: CurrentAccount) async throws -> [UUID: [EvidenceFile]] {
        guard Policy.allowsSomewhere(account.grants, .verifyScamIndicators) else { return [:] }
        let owners = Dictionary(reports.compactMap { report in report.id.map { ($0, Self.owner(of: report)) } }) { first, _ in first }
        return try await EvidenceFiles.byOwner(owners, on: db)
    }

    func queue(status: HarmfulStatus?, limit: Int, for account: CurrentAccount) async throws -> [HarmfulReport] {
        guard Policy.allowsSomewhere(account.grants, .verifyScamIndicators) else { throw TipService.NotFound() }
        var query = HarmfulReport.query(on: db)
        if let status { query = query.filter(\.$status == status) }
        return try await query.sort(\.$createdAt, .descending).limit(max(1, min(limit, 200))).all()
    }

    /// Moves a report one step; a takedown request and the platform's answer keep their dates.
    func advance(_ id: UUID, to next: HarmfulStatus, note: String?, by account: CurrentAccount, now: Date = Date()) async throws -> HarmfulReport {
        guard Policy.allowsSomewhere(account.grants, .verifyScamIndicators), let report = try await HarmfulReport.find(id, on: db) else {
            throw TipService.NotFound()
        }
        let previous = report.status
        var issues: [FieldIssue] = []
        if let issue = HarmfulContentRules.transition(from: previous, to: next) { issues.append(issue) }
        var cleanedNote: String?
        if let note, !note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            switch ScamReportRules.note(note) {
            case .success(let text): cleanedNote = text
            case .failure(let issue): issues.append(issue)
            }
        } else if next == .refused || next == .dismissed {
            issues.append(FieldIssue(field: "note", code: "required", messageVI: "Vui lòng ghi lý do.", messageEN: "Please give the reason."))
        }
        guard issues.isEmpty else { throw ValidationFailure(issues: issues) }
        report.status = next
        if let cleanedNote { report.note = cleanedNote }
        report.$handledBy.id = account.id
        report.updatedAt = now
        if next == .takedownRequested { report.takedownRequestedAt = now; report.resolvedAt = nil }
        if [.removed, .refused, .dismissed].contains(next) { report.resolvedAt = now }
        let unit = TipService.units(of: account, allowing: .verifyScamIndicators).first
        // The unit a takedown counts for, kept in the log: the officer's units may change later.
        var noted = cleanedNote.map { ["note": $0] } ?? [:]
        if let unit { noted["unit"] = unit.uuidString }
        let detail = noted
        try await gate.transaction { db in
            try await TipService.requireUnchanged(table: HarmfulReport.schema, id: id, status: previous.rawValue, on: db)
            try await report.save(on: db)
            try await AuditLog.append(.staff(account.id), "harmful." + next.rawValue, subject: "harmful_report:" + id.uuidString,
                                      detail: detail, at: now, on: db)
            if let unit {
                switch next {
                case .takedownRequested: try await Counters.add(.takedownsRequested, 1, unit: unit, at: now, on: db)
                case .removed: try await Counters.add(.takedownsRemoved, 1, unit: unit, at: now, on: db)
                default: break
                }
            }
        }
        return report
    }
}

extension Request {
    var harmful: HarmfulContentService { HarmfulContentService(db: db, gate: application.writeGate, store: application.attachmentStore) }
}
