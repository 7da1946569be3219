import BinhYenCore
import Fluent
import Foundation
import SQLKit
import Vapor

/// Everything that happens to a tip: intake, routing, follow-up by the citizen, and the officers'
/// work. The web pages and the JSON API both call this; every read and change of a tip is written
/// to the audit log in the same transaction.
struct TipService: Sendable {
    let db: any Database
    let vault: TipVault
    let gate: WriteGate
    let store: AttachmentStore
    let referenceData: TipReferenceData
    var deadlines: TipDeadlines
    /// Called after a change that wrote to the outbox has committed (wakes the outbox worker).
    var outboxWritten: @Sendable () -> Void = {}

    init(db: any Database, app: Application) {
        self.db = db
        self.vault = app.tipVault
        self.gate = app.writeGate
        self.store = app.attachmentStore
        self.deadlines = app.binhyenConfig.tipDeadlines
        self.referenceData = app.tipReferenceData
    }

    enum Submitter: Sendable, Equatable {
        case anonymous
        case citizen(UUID)
    }

    struct Submitted: Sendable {
        var tip: Tip
        /// The 16 digits, for anonymous tips only: shown once, never stored.
        var receipt: String?
        /// What the answer to the citizen needs, without reading the tip back.
        var content: TipContent
        var placement: Placement
        var attachments: [TipAttachment]
    }

    /// A tip the caller may not see is reported exactly like one that does not exist.
    struct NotFound: Error {}

    // MARK: intake

    /// The categories citizens may choose, in display order (cached briefly: they change rarely).
    func categories() async throws -> [TipCategoryInfo] {
        try await referenceData.categories(on: db)
    }

    func submit(_ draft: TipDraft, by submitter: Submitter, attachments: [SanitizedAttachment] = [], now: Date = Date()) async throws -> Submitted {
        let categories = try await categories()
        let (clean, issuesFound) = TipRules.validate(draft, knownCategories: Set(categories.map(\.code)), now: now)
        var issues = issuesFound
        if let tooMany = AttachmentRules.checkCount(attachments.count) { issues.append(tooMany) }
        let category = categories.first { $0.code == clean.categoryCode }
        let urgent = clean.happeningNow || category?.urgent == true
        var placement: Placement?
        if !issues.contains(where: { $0.field == "commune" }) {
            placement = try await referenceData.placement(communeCode: clean.communeCode, categoryCode: clean.categoryCode, urgent: urgent, on: db)
            if placement == nil {
                issues.append(FieldIssue(field: "commune", code: "unknown", messageVI: "Không có xã, phường với mã này.", messageEN: "There is no commune or ward with this code."))
            } else if placement?.routes.isEmpty == true {
                issues.append(FieldIssue(field: "commune", code: "no_unit",
                    messageVI: "Chưa có đơn vị công an phụ trách địa bàn này. Vui lòng gọi 113.",
                    messageEN: "No police unit covers this area yet. Please call 113."))
            }
        }
        guard issues.isEmpty, let placement, let owner = placement.routes.first else { throw ValidationFailure(issues: issues) }
        let routes = placement.routes

        let tip = Tip()
        let id = UUID.timeOrdered(at: now)
        tip.id = id
        tip.reference = Self.newReference()
        tip.$unit.id = owner.unitID
        tip.$area.id = placement.areaID
        tip.categoryCode = clean.categoryCode
        tip.urgent = urgent
        tip.status = .received
        tip.valuable = false
        tip.escalationLevel = 0
        tip.anonymous = submitter == .anonymous
        tip.occurredAt = clean.occurredAt
        tip.createdAt = now
        tip.updatedAt = now
        (tip.ackDueAt, tip.closeDueAt) = deadlines.due(urgent: urgent, from: now)
        let content = TipContent(description: clean.description, address: clean.address, latitude: clean.latitude, longitude: clean.longitude)
        tip.sealed = try vault.seal(content, for: id)
        var receipt: String?
        let actor: AuditActor
        switch submitter {
        case .anonymous:
            let digits = TipReceipt.generate()
            receipt = digits
            tip.receiptHash = vault.receiptHash(digits)
            actor = .anonymous
        case .citizen(let accountID):
            tip.$citizen.id = accountID
            actor = .citizen(accountID)
        }

        // Fraud tips name numbers, accounts and sites: kept by canonical value, so the tip is flagged
        // as soon as the cyber patrol verifies one of them (before or after the tip came in).
        let indicators = clean.categoryCode == ScamRegistry.fraudCategory ? Array(IndicatorExtractor.extract(from: clean.description).prefix(20)) : []
        let files = try writeFiles(attachments, tipID: id, fromCitizen: true, at: now)
        do {
            // Replayable when it only inserts through WriteBatch (files are Fluent rows).
            try await gate.transaction(replayable: files.isEmpty) { db in
                try await Self.insert(tip, routes: routes, at: now, on: db)
                try await WriteBatch.insert(into: "tip_indicators", columns: ["tip_id", "kind", "value", "display"],
                                            rows: indicators.map { [SQLBind(id), SQLBind($0.kind.rawValue), SQLBind($0.value), SQLBind($0.display)] }, on: db)
                // The registry counts them as reported, after this commits (an upsert cannot be
                // replayed in a group).
                if !indicators.isEmpty {
                    try await Outbox.enqueue(.tipIndicators, TipIndicatorsPayload(tipID: id, indicators: indicators.map {
                        .init(kind: $0.kind.rawValue, value: $0.value, display: $0.display, matchKey: $0.matchKey)
                    }), at: now, on: db)
                }
                try await Counters.add(.tipsReceived, 1, unit: owner.unitID, at: now, on: db)
                for file in files { try await file.create(on: db) }
                try await AuditLog.append(actor, "tip.submit", subject: Self.subject(id), detail: [
                    "category": clean.categoryCode, "urgent": String(urgent), "units": routes.map(\.code).joined(separator: ","),
                    "files": String(files.count),
                ], at: now, on: db)
                if urgent {
                    // The routes are still in this group's pending rows: name their units.
                    try await Self.announce(tip, kind: "new", topic: .liveTipNew, category: category?.nameVI ?? clean.categoryCode,
                                            commune: placement.areaName, units: routes.map(\.unitID), at: now, on: db)
                }
            }
        } catch {
            for file in files { store.remove(try file.requireID()) }
            throw error
        }
        if urgent { outboxWritten() }
        return Submitted(tip: tip, receipt: receipt, content: content, placement: placement, attachments: files)
    }

    struct Route: Sendable {
        var unitID: UUID
        var code: String
        var name: String
        var reason: TipUnit.Reason
    }

    /// Where a tip from a commune goes: the commune (as the tip records it) and its routes, the
    /// first of which owns the tip.
    struct Placement: Sendable {
        var areaID: UUID
        var areaCode: String
        var areaName: String
        var areaType: String
        var routes: [Route]
    }

    /// The commune's police (or the nearest unit above the commune), then the province departments
    /// the routing rules add. Nil when the code names no commune of the current list.
    static func placement(communeCode: String, categoryCode: String, urgent: Bool, rules: [TipRoutingRule], on db: any Database) async throws -> Placement? {
        guard let commune = try await AdminArea.query(on: db)
            .filter(\.$scheme == .current).filter(\.$level == .commune).filter(\.$code == communeCode).first()
        else { return nil }
        var placement = Placement(areaID: try commune.requireID(), areaCode: commune.code, areaName: commune.name, areaType: commune.type, routes: [])
        let live = Unit.query(on: db).filter(\.$validTo == nil).filter(\.$kind == .territorial)
        if let unit = try await live.copy().filter(\.$area.$id == commune.requireID()).first() {
            placement.routes.append(Route(unitID: try unit.requireID(), code: unit.code, name: unit.name, reason: .commune))
        } else if let unit = try await Self.successor(ofUnitWithArea: try commune.requireID(), on: db) {
            // The commune's police was merged or split: its successor answers for the area.
            placement.routes.append(Route(unitID: try unit.requireID(), code: unit.code, name: unit.name, reason: .commune))
        }
        var provinceUnit: Unit?
        if let provinceCode = commune.parentCode,
           let province = try await AdminArea.query(on: db).filter(\.$scheme == .current).filter(\.$code == provinceCode).first() {
            provinceUnit = try await live.copy().filter(\.$area.$id == province.requireID()).first()
        }
        guard let provinceUnit else { return placement }
        if placement.routes.isEmpty {
            placement.routes.append(Route(unitID: try provinceUnit.requireID(), code: provinceUnit.code, name: provinceUnit.name, reason: .fallback))
        }
        for department in TipRouting.departments(for: categoryCode, urgent: urgent, rules: rules) {
            let code = provinceUnit.code + "-" + department
            if let unit = try await Unit.query(on: db).filter(\.$code == code).filter(\.$validTo == nil).first(),
               !placement.routes.contains(where: { $0.code == code }) {
                placement.routes.append(Route(unitID: try unit.requireID(), code: code, name: unit.name, reason: .rule))
            }
        }
        return placement
    }

    /// The current unit that took over from the closed unit responsible for an area.
    static func successor(ofUnitWithArea area: UUID, on db: any Database) async throws -> Unit? {
        guard var unit = try await Unit.query(on: db).filter(\.$area.$id == area).filter(\.$successor.$id != nil).first() else { return nil }
        for _ in 0..<16 {
            guard let next = unit.$successor.id, let successor = try await Unit.find(next, on: db) else { return nil }
            if successor.validTo == nil { return successor }
            unit = successor
        }
        return nil
    }

    // MARK: the citizen's side

    /// The anonymous tip a receipt opens, or nil. The read is audited without any identifier.
    func tip(receipt: String, now: Date = Date()) async throws -> Tip? {
        guard let tip = try await tipForReceipt(receipt) else { return nil }
        try await audit(.anonymous, "tip.read", tip, at: now)
        return tip
    }

    /// The tip a receipt belongs to, for an answer (which is audited itself).
    func tipForReceipt(_ receipt: String) async throws -> Tip? {
        guard let digits = TipReceipt.normalise(receipt) else { return nil }
        return try await Tip.query(on: db).filter(\.$receiptHash == vault.receiptHash(digits)).first()
    }

    /// A named tip of this citizen, or nil.
    func tip(id: UUID, citizen: UUID, now: Date = Date()) async throws -> Tip? {
        guard let tip = try await Tip.query(on: db).filter(\.$id == id).filter(\.$citizen.$id == citizen).first() else { return nil }
        try await audit(.citizen(citizen), "tip.read", tip, at: now)
        return tip
    }

    func tips(ofCitizen citizen: UUID, limit: Int = 100) async throws -> [Tip] {
        try await Tip.query(on: db).filter(\.$citizen.$id == citizen).sort(\.$createdAt, .descending).limit(limit).all()
    }

    /// The citizen answers on their tip (by receipt or from their account).
    func addCitizenMessage(_ text: String, to tip: Tip, by actor: AuditActor, now: Date = Date()) async throws -> TipMessage {
        guard tip.status != .closed else {
            throw ValidationFailure(issues: [FieldIssue(field: "body", code: "closed", messageVI: "Tin báo đã kết thúc, không thể gửi thêm. Nếu có việc mới, hãy gửi tin báo mới.",
                                                        messageEN: "This tip is closed. If something new happened, send a new tip.")])
        }
        return try await addMessage(text, kind: .citizen, author: actor.id, to: tip, actor: actor, now: now)
    }

    // MARK: the officers' side

    struct InboxFilter: Sendable {
        var status: TipStatus?
        var categoryCode: String?
        var urgentOnly = false
        var overdueOnly = false
        /// Only tips routed into this unit's subtree.
        var unitID: UUID?
        var limit = 50
    }

    /// Tips routed to any unit in the subtrees where the account may read tips: urgent first, then newest.
    func inbox(for account: CurrentAccount, filter: InboxFilter, now: Date = Date()) async throws -> [Tip] {
        let readable = Self.units(of: account, allowing: .readTips)
        guard !readable.isEmpty else { return [] }
        var query = Tip.query(on: db).filter(.sql(embed: """
            \(ident: "tips").\(ident: "id") IN (SELECT tu.tip_id FROM tip_units tu JOIN unit_closure c ON c.descendant_id = tu.unit_id
            WHERE c.ancestor_id IN (\(binds: readable)))
            """))
        if let unitID = filter.unitID {
            query = query.filter(.sql(embed: """
                \(ident: "tips").\(ident: "id") IN (SELECT tu.tip_id FROM tip_units tu JOIN unit_closure c ON c.descendant_id = tu.unit_id
                WHERE c.ancestor_id = \(bind: unitID))
                """))
        }
        if let status = filter.status { query = query.filter(\.$status == status) }
        if let category = filter.categoryCode { query = query.filter(\.$categoryCode == category) }
        if filter.urgentOnly { query = query.filter(\.$urgent == true) }
        if filter.overdueOnly {
            query = query.filter(\.$status != .closed).group(.or) { group in
                group.filter(\.$closeDueAt < now).group(.and) { $0.filter(\.$status == .received).filter(\.$ackDueAt < now) }
            }
        }
        return try await query.sort(\.$urgent, .descending).sort(\.$createdAt, .descending).limit(filter.limit).all()
    }

    /// A tip as an officer opens it: nil unless the account may read it. The read is audited.
    func tip(id: UUID, for account: CurrentAccount, now: Date = Date()) async throws -> Tip? {
        guard let tip = try await visibleTip(id: id, for: account) else { return nil }
        try await audit(.staff(account.id), "tip.read", tip, at: now)
        return tip
    }

    /// The tip an officer is about to act on (the action is audited, not this lookup).
    func visibleTip(id: UUID, for account: CurrentAccount) async throws -> Tip? {
        guard let tip = try await Tip.find(id, on: db), try await may(account, .readTips, on: tip) else { return nil }
        return tip
    }

    /// Whether one of the account's grants reaches a unit the tip was routed to.
    func may(_ account: CurrentAccount, _ action: Action, on tip: Tip) async throws -> Bool {
        guard !account.grants.isEmpty else { return false }
        let rows = try await db.requireSQL().raw("""
            SELECT DISTINCT c.ancestor_id FROM tip_units tu JOIN unit_closure c ON c.descendant_id = tu.unit_id
            WHERE tu.tip_id = \(bind: try tip.requireID())
            """).all()
        let ancestry = Set(try rows.map { try $0.decode(column: "ancestor_id", as: UUID.self).uuidString })
        return Policy.allows(account.grants, action, onUnitWithAncestry: ancestry)
    }

    func reply(_ text: String, to tip: Tip, by account: CurrentAccount, internalNote: Bool, now: Date = Date()) async throws -> TipMessage {
        try await requireHandling(account, tip)
        return try await addMessage(text, kind: internalNote ? .note : .reply, author: account.id, to: tip, actor: .staff(account.id), now: now)
    }

    func changeStatus(of tip: Tip, to next: TipStatus, reason: TipClosingReason?, by account: CurrentAccount, now: Date = Date()) async throws {
        try await requireHandling(account, tip)
        if let issue = TipRules.transition(from: tip.status, to: next, reason: reason) {
            throw ValidationFailure(issues: [issue])
        }
        let previous = tip.status
        tip.status = next
        tip.closingReason = reason
        if tip.acknowledgedAt == nil && next >= .acknowledged { tip.acknowledgedAt = now }
        if next == .closed { tip.closedAt = now }
        tip.updatedAt = now
        var changes = ["from": previous.rawValue, "to": next.rawValue]
        changes["reason"] = reason?.rawValue
        let detail = changes
        let leavesDutyDesks = tip.urgent && previous == .received
        try await gate.transaction { db in
            try await Self.requireUnchangedStatus(tip, was: previous, on: db)
            try await tip.save(on: db)
            try await AuditLog.append(.staff(account.id), "tip.status", subject: Self.subject(try tip.requireID()), detail: detail, at: now, on: db)
            if next == .closed, let reason {
                try await Counters.add(Metric.closed(reason), 1, unit: tip.$unit.id, at: now, on: db)
            }
            if leavesDutyDesks {
                try await Self.announce(tip, kind: "acknowledged", topic: .liveTipAcknowledged, category: "", commune: "", at: now, on: db)
            }
        }
        if leavesDutyDesks { outboxWritten() }
    }

    /// Writes a live event for the duty desks whose units reach the tip.
    /// Puts a live event for the tip in the outbox, for everyone above the units it is routed to
    /// (`units`, or those stored for it).
    static func announce(_ tip: Tip, kind: String, topic: OutboxTopic, category: String, commune: String, units: [UUID]? = nil,
                         at now: Date, on db: any Database) async throws {
        let tipID = try tip.requireID()
        let sql = try db.requireSQL()
        let query: SQLQueryString
        if let units {
            query = "SELECT DISTINCT ancestor_id FROM unit_closure WHERE descendant_id IN \(SQLGroupExpression(units.map { SQLBind($0) }))"
        } else {
            query = "SELECT DISTINCT c.ancestor_id FROM tip_units tu JOIN unit_closure c ON c.descendant_id = tu.unit_id WHERE tu.tip_id = \(bind: tipID)"
        }
        let rows = try await sql.raw(query).all()
        let audience = try rows.map { try $0.decode(column: "ancestor_id", as: UUID.self) }
        try await Outbox.enqueue(topic, LiveTipEvent(kind: kind, id: tipID, reference: tip.reference, category: category, commune: commune,
                                                     createdAt: tip.createdAt, audience: audience), at: now, on: db)
    }

    func setValuable(_ tip: Tip, _ valuable: Bool, by account: CurrentAccount, now: Date = Date()) async throws {
        try await requireHandling(account, tip)
        let change = valuable == tip.valuable ? 0 : (valuable ? 1 : -1)
        tip.valuable = valuable
        tip.updatedAt = now
        try await gate.transaction { db in
            try await tip.save(on: db)
            try await AuditLog.append(.staff(account.id), "tip.valuable", subject: Self.subject(try tip.requireID()), detail: ["valuable": String(valuable)], at: now, on: db)
            try await Counters.add(.tipsValuable, change, unit: tip.$unit.id, at: now, on: db)
        }
    }

    /// Assigns the tip to an officer who may handle it.
    func assign(_ tip: Tip, toPhone phone: String, by account: CurrentAccount, now: Date = Date()) async throws {
        try await requireHandling(account, tip)
        let notAnOfficer = ValidationFailure(issues: [FieldIssue(field: "assignee", code: "not_officer",
            messageVI: "Không có cán bộ xử lý được tin này với số điện thoại đó.", messageEN: "No officer who can handle this tip has that phone number.")])
        guard case .success(let number) = AccountRules.phone(phone, field: "assignee") else { throw notAnOfficer }
        guard let officer = try await Account.query(on: db).filter(\.$phone == number.e164).first(),
              let assignee = try await CurrentAccount.load(accountID: try officer.requireID(), on: db),
              try await may(assignee, .handleTips, on: tip)
        else { throw notAnOfficer }
        tip.$assignee.id = assignee.id
        tip.updatedAt = now
        try await save(tip, .staff(account.id), "tip.assign", detail: ["assignee": assignee.id.uuidString], now: now)
    }

    /// Hands the tip to another live unit; the reason is kept in the audit log and as a note.
    func transfer(_ tip: Tip, toUnitCode code: String, reason: String, by account: CurrentAccount, now: Date = Date()) async throws {
        try await requireHandling(account, tip)
        var issues: [FieldIssue] = []
        let target = try await Unit.query(on: db).filter(\.$code == code.trimmingCharacters(in: .whitespaces)).filter(\.$validTo == nil).first()
        if target == nil {
            issues.append(FieldIssue(field: "unit", code: "unknown", messageVI: "Không có đơn vị với mã này.", messageEN: "There is no unit with this code."))
        } else if target?.id == tip.$unit.id {
            issues.append(FieldIssue(field: "unit", code: "same", messageVI: "Tin báo đang thuộc đơn vị này.", messageEN: "The tip already belongs to this unit."))
        }
        let cleanedReason = TipRules.cleanText(reason)
        if !TipRules.transferReasonLength.contains(cleanedReason.count) {
            issues.append(FieldIssue(field: "reason", code: "length", messageVI: "Vui lòng ghi lý do chuyển (5 đến 1.000 ký tự).", messageEN: "Please give the reason for the transfer (5 to 1,000 characters)."))
        }
        guard issues.isEmpty, let target else { throw ValidationFailure(issues: issues) }
        let targetID = try target.requireID()
        let tipID = try tip.requireID()
        let from = tip.$unit.id
        tip.$unit.id = targetID
        tip.$assignee.id = nil
        tip.updatedAt = now
        let note = TipMessage()
        note.$tip.id = tipID
        note.kind = .note
        note.$author.id = account.id
        note.createdAt = now
        let noteID = UUID()
        note.id = noteID
        note.sealed = try vault.seal(SealedText(text: "Chuyển đến \(target.name): \(cleanedReason)"), for: noteID)
        try await gate.transaction { db in
            try await tip.save(on: db)
            if try await TipUnit.query(on: db).filter(\.$tip.$id == tipID).filter(\.$unit.$id == targetID).first() == nil {
                try await TipUnit(tipID: tipID, unitID: targetID, reason: .transfer, at: now).create(on: db)
            }
            try await note.create(on: db)
            try await AuditLog.append(.staff(account.id), "tip.transfer", subject: Self.subject(tipID),
                                      detail: ["from": from.uuidString, "to": target.code], at: now, on: db)
        }
    }

    // MARK: attachments

    /// Writes the files (encrypted) and returns their rows, not yet saved: the caller saves them in
    /// its transaction and removes the files if it fails.
    private func writeFiles(_ attachments: [SanitizedAttachment], tipID: UUID, fromCitizen: Bool, at now: Date) throws -> [TipAttachment] {
        var rows: [TipAttachment] = []
        do {
            for attachment in attachments {
                let row = TipAttachment()
                let id = UUID()
                row.id = id
                row.$tip.id = tipID
                row.kind = attachment.kind
                row.byteCount = attachment.byteCount
                row.metadataRemoved = attachment.metadataRemoved
                row.fromCitizen = fromCitizen
                row.createdAt = now
                try store.write(attachment.data, id: id)
                rows.append(row)
            }
        } catch {
            for row in rows { if let id = row.id { store.remove(id) } }
            throw error
        }
        return rows
    }

    /// Adds files to a tip (the citizen's follow-up or an officer's evidence), at most
    /// `AttachmentRules.maxFiles` in all.
    func attach(_ attachments: [SanitizedAttachment], to tip: Tip, by actor: AuditActor, now: Date = Date()) async throws -> [TipAttachment] {
        let tipID = try tip.requireID()
        let existing = try await TipAttachment.query(on: db).filter(\.$tip.$id == tipID).count()
        if attachments.isEmpty || AttachmentRules.checkCount(existing + attachments.count) != nil {
            throw ValidationFailure(issues: [FieldIssue(field: "attachments", code: attachments.isEmpty ? "required" : "too_many",
                messageVI: attachments.isEmpty ? "Chưa chọn tệp nào." : "Mỗi tin báo có tối đa \(AttachmentRules.maxFiles) tệp; tin này đã có \(existing).",
                messageEN: attachments.isEmpty ? "No file was chosen." : "A tip holds at most \(AttachmentRules.maxFiles) files; this one has \(existing).")])
        }
        let files = try writeFiles(attachments, tipID: tipID, fromCitizen: actor.kind != "staff", at: now)
        do {
            try await gate.transaction { db in
                for file in files { try await file.create(on: db) }
                try await AuditLog.append(actor, "tip.attach", subject: Self.subject(tipID), detail: ["files": String(files.count)], at: now, on: db)
            }
        } catch {
            for file in files { store.remove(try file.requireID()) }
            throw error
        }
        return files
    }

    func attachments(of tip: Tip) async throws -> [TipAttachment] {
        try await TipAttachment.query(on: db).filter(\.$tip.$id == (try tip.requireID())).sort(\.$createdAt).all()
    }

    /// One attachment's bytes, for an officer who may read the tip. The read is audited.
    func attachment(_ id: UUID, of tip: Tip, for account: CurrentAccount, now: Date = Date()) async throws -> (TipAttachment, Data)? {
        let tipID = try tip.requireID()
        guard let row = try await TipAttachment.query(on: db).filter(\.$id == id).filter(\.$tip.$id == tipID).first() else { return nil }
        let data = try store.read(id)
        try await gate.transaction { db in
            try await AuditLog.append(.staff(account.id), "tip.attachment.read", subject: Self.subject(tipID), detail: ["attachment": id.uuidString], at: now, on: db)
        }
        return (row, data)
    }

    // MARK: reading

    func content(of tip: Tip) throws -> TipContent {
        try vault.open(TipContent.self, from: tip.sealed, for: try tip.requireID())
    }

    struct ShownMessage: Sendable {
        var id: UUID
        var kind: TipMessage.Kind
        var authorName: String?
        var body: String
        var at: Date
    }

    /// The conversation, oldest first. Citizens never get internal notes, nor officers' names.
    func messages(of tip: Tip, includeNotes: Bool) async throws -> [ShownMessage] {
        var query = TipMessage.query(on: db).filter(\.$tip.$id == (try tip.requireID())).with(\.$author).sort(\.$createdAt)
        if !includeNotes { query = query.filter(\.$kind != .note) }
        return try await query.all().map { message in
            let id = try message.requireID()
            return ShownMessage(id: id, kind: message.kind, authorName: includeNotes ? message.author?.displayName : nil,
                                body: try vault.open(SealedText.self, from: message.sealed, for: id).text, at: message.createdAt)
        }
    }

    /// Where the tip went, in order: the owner first, then rule additions, then transfers.
    static func routes(of tip: Tip, on db: any Database) async throws -> [TipUnit] {
        let rank: [TipUnit.Reason: Int] = [.commune: 0, .fallback: 0, .rule: 1, .transfer: 2, .escalation: 2]
        return try await TipUnit.query(on: db).filter(\.$tip.$id == (try tip.requireID())).with(\.$unit).all()
            .sorted { ($0.createdAt, rank[$0.reason] ?? 3) < ($1.createdAt, rank[$1.reason] ?? 3) }
    }

    // MARK: helpers

    /// Stores a new tip and its routes with two plain statements. Intake is the hot path, and
    /// Fluent's create walks every property of the model by reflection several times per row.
    static func insert(_ tip: Tip, routes: [Route], at now: Date, on db: any Database) async throws {
        let id = try tip.requireID()
        try await WriteBatch.insert(into: Tip.schema,
            columns: ["id", "reference", "unit_id", "area_id", "category_code", "urgent", "status", "closing_reason", "valuable",
                      "anonymous", "citizen_id", "receipt_hash", "sealed", "occurred_at", "assignee_id", "created_at", "updated_at",
                      "acknowledged_at", "closed_at", "ack_due_at", "close_due_at", "escalation_level", "duplicate_of"],
            rows: [[SQLBind(id), SQLBind(tip.reference), SQLBind(tip.$unit.id), SQLBind(tip.$area.id), SQLBind(tip.categoryCode),
                    SQLBind(tip.urgent), SQLBind(tip.status.rawValue), SQLBind(tip.closingReason?.rawValue), SQLBind(tip.valuable),
                    SQLBind(tip.anonymous), SQLBind(tip.$citizen.id), SQLBind(tip.receiptHash), SQLBind(tip.sealed), SQLBind(tip.occurredAt),
                    SQLBind(tip.$assignee.id), SQLBind(tip.createdAt), SQLBind(tip.updatedAt), SQLBind(tip.acknowledgedAt),
                    SQLBind(tip.closedAt), SQLBind(tip.ackDueAt), SQLBind(tip.closeDueAt), SQLBind(tip.escalationLevel),
                    SQLBind(tip.$duplicateOf.id)]],
            on: db)
        // From now on Fluent updates this instance instead of inserting it again.
        tip.$id.exists = true
        try await WriteBatch.insert(into: TipUnit.schema, columns: ["id", "tip_id", "unit_id", "reason", "created_at"],
            rows: routes.map { [SQLBind(UUID.timeOrdered(at: now)), SQLBind(id), SQLBind($0.unitID), SQLBind($0.reason.rawValue), SQLBind(now)] },
            on: db)
    }

    /// Inside a write transaction: refuses the change when someone else moved the tip since it was
    /// read (two officers on one tip), instead of silently undoing their step. On PostgreSQL the
    /// row is locked until the transaction ends, so another node cannot slip in either.
    static func requireUnchangedStatus(_ tip: Tip, was expected: TipStatus, on db: any Database) async throws {
        try await requireUnchanged(table: Tip.schema, id: try tip.requireID(), status: expected.rawValue, on: db,
                                   messageVI: "Tin báo vừa được cán bộ khác cập nhật. Vui lòng tải lại trang rồi thử lại.",
                                   messageEN: "Another officer has just updated this tip. Reload and try again.")
    }

    /// The same check for any row with a `status` column.
    static func requireUnchanged(table: String, id: UUID, status expected: String, on db: any Database,
                                 messageVI: String = "Mục này vừa được cán bộ khác cập nhật. Vui lòng tải lại trang rồi thử lại.",
                                 messageEN: String = "Another officer has just updated this. Reload and try again.") async throws {
        let sql = try db.requireSQL()
        let lock = sql.dialect.name == "postgresql" ? " FOR UPDATE" : ""
        let row = try await sql.raw("SELECT status FROM \(ident: table) WHERE id = \(bind: id)\(unsafeRaw: lock)").first()
        guard try row?.decode(column: "status", as: String.self) == expected else {
            throw ValidationFailure(issues: [FieldIssue(field: "status", code: "conflict", messageVI: messageVI, messageEN: messageEN)])
        }
    }

    static func subject(_ id: UUID) -> String { "tip:" + id.uuidString }

    /// Units where the account's grants allow `action`.
    static func units(of account: CurrentAccount, allowing action: Action) -> [UUID] {
        account.grants.filter { Policy.actions(of: $0.role).contains(action) }.compactMap { UUID(uuidString: $0.unitID) }
    }

    private func requireHandling(_ account: CurrentAccount, _ tip: Tip) async throws {
        guard try await may(account, .handleTips, on: tip) else { throw NotFound() }
    }

    private func addMessage(_ text: String, kind: TipMessage.Kind, author: UUID?, to tip: Tip, actor: AuditActor, now: Date) async throws -> TipMessage {
        let body: String
        switch TipRules.message(text) {
        case .success(let cleaned): body = cleaned
        case .failure(let issue): throw ValidationFailure(issues: [issue])
        }
        let tipID = try tip.requireID()
        let message = TipMessage()
        let id = UUID.timeOrdered(at: now)
        message.id = id
        message.$tip.id = tipID
        message.kind = kind
        message.$author.id = author
        message.createdAt = now
        message.sealed = try vault.seal(SealedText(text: body), for: id)
        tip.updatedAt = now
        try await gate.transaction { db in
            try await message.create(on: db)
            try await tip.save(on: db)
            try await AuditLog.append(actor, "tip.message", subject: Self.subject(tipID), detail: ["kind": kind.rawValue], at: now, on: db)
        }
        return message
    }

    private func save(_ tip: Tip, _ actor: AuditActor, _ action: String, detail: [String: String], now: Date) async throws {
        try await gate.transaction { db in
            try await tip.save(on: db)
            try await AuditLog.append(actor, action, subject: Self.subject(try tip.requireID()), detail: detail, at: now, on: db)
        }
    }

    private func audit(_ actor: AuditActor, _ action: String, _ tip: Tip, at now: Date) async throws {
        let subject = Self.subject(try tip.requireID())
        try await gate.transaction(replayable: true) { db in
            try await AuditLog.append(actor, action, subject: subject, at: now, on: db)
        }
    }

    /// "TB-" (or another prefix) and 8 characters without look-alikes (no 0/O, 1/I/L).
    static func newReference(prefix: String = "TB") -> String {
        let alphabet = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
        var rng = SystemRandomNumberGenerator()
        return prefix + "-" + String((0..<8).map { _ in alphabet.randomElement(using: &rng)! })
    }
}

extension Request {
    var tips: TipService {
        var service = TipService(db: db, app: application)
        if let jobs = application.backgroundJobs { service.outboxWritten = { jobs.wake() } }
        return service
    }
}
