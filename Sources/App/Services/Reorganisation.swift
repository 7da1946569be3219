import BinhYenCore
import Fluent
import Foundation
import SQLKit
import Vapor

/// Units are renamed, moved under another parent, merged and split, each with the date it takes
/// effect. A unit is never deleted: merged or split, it closes (`validTo`) and hangs under its
/// successor in the closure table, so every current-structure roll-up counts its history under the
/// successor while its own counters stay where they were recorded. Each change is kept in
/// `unit_changes`, from which the structure on any past day is rebuilt (`Statistics.children(of:asOf:)`). Groups,
/// pages, open tips and officers of a closing unit move by a plan the admin sees before confirming.
struct Reorganisation: Sendable {
    let db: any Database
    let gate: WriteGate
    /// Where each commune's tips go is kept for a while; a change makes this node read it again
    /// (other nodes within `TipReferenceData.lifetime`).
    let referenceData: TipReferenceData
    /// The dashboard's kept figures are forgotten too.
    let statsCache: StatsCache?

    init(db: any Database, app: Application) {
        self.init(db: db, gate: app.writeGate, referenceData: app.tipReferenceData, statsCache: app.statsCache)
    }

    private init(db: any Database, gate: WriteGate, referenceData: TipReferenceData, statsCache: StatsCache?) {
        self.db = db
        self.gate = gate
        self.referenceData = referenceData
        self.statsCache = statsCache
    }

    enum Kind: String, CaseIterable, Sendable {
        case rename, move, merge, split

        var labelVI: String {
            switch self {
            case .rename: "Đổi tên"
            case .move: "Chuyển sang đơn vị cấp trên khác"
            case .merge: "Sáp nhập vào đơn vị khác"
            case .split: "Chia tách thành các đơn vị mới"
            }
        }

        var labelEN: String {
            switch self {
            case .rename: "Rename"
            case .move: "Move under another parent"
            case .merge: "Merge into another unit"
            case .split: "Split into new units"
            }
        }
    }

    struct NewUnit: Sendable, Equatable {
        var code: String
        var name: String
    }

    /// What the admin asks for.
    struct Request: Sendable {
        var kind: Kind
        var unitCode: String
        /// Move: the new parent. Merge: the successor.
        var targetCode: String = ""
        /// Rename: the new name.
        var newName: String = ""
        /// Split: the units to create (the first is the successor that keeps the history).
        var newUnits: [NewUnit] = []
        /// "yyyy-MM-dd", in Vietnam.
        var effective: String
        var reason: String
    }

    enum ItemKind: String, Sendable {
        case group, page, tip, officer
    }

    /// Something that belongs to the closing unit and moves.
    struct Item: Sendable, Equatable {
        var kind: ItemKind
        var id: UUID
        var label: String
        /// An officer's role there.
        var role: Role?
    }

    /// What a change will do, shown before it is confirmed.
    struct Plan: Sendable {
        var request: Request
        var unit: UnitSummary
        var target: UnitSummary?
        var effectiveAt: Date
        var items: [Item]
        /// Codes the items may go to: the successor of a merge, the new units of a split.
        var destinations: [String]
    }

    /// Unit codes: 2–40 capital letters, digits and dashes, not starting with a dash.
    static func isUnitCode(_ code: String) -> Bool {
        (2...40).contains(code.count) && code.first != "-" && code.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    // MARK: plan

    /// Checks the request and lists what would move; changes nothing.
    func plan(_ request: Request, by account: CurrentAccount, now: Date = Date()) async throws -> Plan {
        var issues: [FieldIssue] = []
        func issue(_ field: String, _ vi: String, _ en: String) { issues.append(FieldIssue(field: field, code: "invalid", messageVI: vi, messageEN: en)) }
        let code = request.unitCode.trimmingCharacters(in: .whitespaces).uppercased()
        guard let unit = try await UnitDirectory.summary(code: code, on: db), try await isCurrent(unit.id) else {
            throw ValidationFailure(issues: [FieldIssue(field: "unit", code: "unknown", messageVI: "Không có đơn vị đang hoạt động với mã này.",
                                                        messageEN: "No current unit has this code.")])
        }
        guard try await account.may(.reorganiseUnits, atUnit: unit.id, on: db) else { throw TipService.NotFound() }
        let effectiveAt = InternetTime.vietnamDayStart(request.effective)
        if effectiveAt == nil {
            issue("effective", "Ngày hiệu lực viết dạng năm-tháng-ngày, ví dụ 2026-12-01.", "The effective date is written year-month-day, e.g. 2026-12-01.")
        } else if let effectiveAt, effectiveAt > now {
            issue("effective", "Ngày hiệu lực không được sau hôm nay: thay đổi có hiệu lực ngay khi xác nhận.", "The effective date cannot be after today: a change takes effect when confirmed.")
        } else if let effectiveAt, let validFrom = try await Unit.find(unit.id, on: db)?.validFrom, effectiveAt < validFrom {
            issue("effective", "Ngày hiệu lực trước ngày đơn vị được thành lập.", "The effective date is before the unit was set up.")
        }
        let reason = request.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        if reason.count < 5 || reason.count > 500 {
            issue("reason", "Ghi căn cứ của thay đổi (quyết định, công văn…), từ 5 đến 500 ký tự.", "Give the basis of the change (a decision, an order…), 5–500 characters.")
        }
        let children = try await UnitDirectory.children(of: unit.id, on: db)
        var target: UnitSummary?
        var destinations: [String] = []
        switch request.kind {
        case .rename:
            let name = request.newName.trimmingCharacters(in: .whitespaces)
            if name.count < 3 || name.count > 200 || name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                issue("newName", "Tên mới từ 3 đến 200 ký tự.", "The new name is 3–200 characters.")
            } else if name == unit.name {
                issue("newName", "Tên mới trùng tên hiện tại.", "The new name is the current name.")
            }
        case .move, .merge:
            let targetCode = request.targetCode.trimmingCharacters(in: .whitespaces).uppercased()
            if let found = try await UnitDirectory.summary(code: targetCode, on: db), try await isCurrent(found.id) {
                let below = Set(try await UnitTree.subtree(of: unit.id, on: db).map(\.id))
                if below.contains(found.id) {
                    issue("target", "Không thể chuyển hay sáp nhập một đơn vị vào chính nó hoặc đơn vị cấp dưới của nó.", "A unit cannot go into itself or a unit below it.")
                } else if request.kind == .move, unit.parentCode == found.code {
                    issue("target", "Đơn vị đã trực thuộc đơn vị này.", "The unit is already under this unit.")
                } else if !(try await account.may(.reorganiseUnits, atUnit: found.id, on: db)) {
                    issue("target", "Bạn không có quyền sắp xếp đơn vị này.", "You may not reorganise this unit.")
                } else {
                    target = found
                    destinations = request.kind == .merge ? [found.code] : []
                }
            } else {
                issue("target", "Không có đơn vị đang hoạt động với mã này.", "No current unit has this code.")
            }
            if request.kind == .merge, !children.isEmpty {
                issue("unit", "Đơn vị còn \(children.count) đơn vị trực thuộc: chuyển các đơn vị đó trước khi sáp nhập.",
                      "The unit still has \(children.count) units below it: move them before merging.")
            }
        case .split:
            let units = request.newUnits.map { NewUnit(code: $0.code.trimmingCharacters(in: .whitespaces).uppercased(), name: $0.name.trimmingCharacters(in: .whitespaces)) }
                .filter { !$0.code.isEmpty || !$0.name.isEmpty }
            if units.count < 2 {
                issue("newUnits", "Chia tách cần ít nhất hai đơn vị mới, mỗi đơn vị có mã và tên.", "A split needs at least two new units, each with a code and a name.")
            }
            for (index, new) in units.enumerated() {
                if !Self.isUnitCode(new.code) {
                    issue("newUnits", "Mã đơn vị mới thứ \(index + 1) chỉ gồm chữ in hoa, số và dấu gạch, 2 đến 40 ký tự.",
                          "New unit \(index + 1): the code is 2–40 capital letters, digits and dashes.")
                } else if try await UnitDirectory.find(code: new.code, on: db) != nil || units.prefix(index).contains(where: { $0.code == new.code }) {
                    issue("newUnits", "Mã \(new.code) đã có đơn vị dùng.", "The code \(new.code) is taken.")
                }
                if new.name.count < 3 || new.name.count > 200 {
                    issue("newUnits", "Tên đơn vị mới thứ \(index + 1) từ 3 đến 200 ký tự.", "New unit \(index + 1): the name is 3–200 characters.")
                }
            }
            if !children.isEmpty {
                issue("unit", "Đơn vị còn \(children.count) đơn vị trực thuộc: chuyển các đơn vị đó trước khi chia tách.",
                      "The unit still has \(children.count) units below it: move them before splitting.")
            }
            if unit.parentCode == nil {
                issue("unit", "Không chia tách đơn vị cấp cao nhất.", "A top-level unit cannot be split.")
            }
            destinations = units.map(\.code)
        }
        // Changes of a unit are kept in the order they took effect, so the past can be rebuilt by
        // undoing them: none may take effect before one already recorded for the same units.
        if let effectiveAt {
            let involved = [unit.id] + (target.map { [$0.id] } ?? [])
            let latest = try await db.requireSQL().raw("""
                SELECT MAX(effective_at) AS latest FROM unit_changes WHERE unit_id IN \(SQLGroupExpression(involved.map { SQLBind($0) }))
                """).first()?.decode(column: "latest", as: Date?.self)
            if let latest, effectiveAt < latest {
                issue("effective", "Đơn vị đã có thay đổi hiệu lực từ \(InternetTime.vietnamDay(latest)); ngày hiệu lực không được sớm hơn.",
                      "The unit already has a change effective \(InternetTime.vietnamDay(latest)); the date cannot be earlier.")
            }
        }
        guard issues.isEmpty, let effectiveAt else { throw ValidationFailure(issues: issues) }
        var cleaned = request
        cleaned.unitCode = code
        cleaned.reason = reason
        cleaned.newName = request.newName.trimmingCharacters(in: .whitespaces)
        cleaned.newUnits = request.newUnits.map { NewUnit(code: $0.code.trimmingCharacters(in: .whitespaces).uppercased(), name: $0.name.trimmingCharacters(in: .whitespaces)) }
            .filter { !$0.code.isEmpty }
        let items = request.kind == .merge || request.kind == .split ? try await items(of: unit.id) : []
        return Plan(request: cleaned, unit: unit, target: target, effectiveAt: effectiveAt, items: items, destinations: destinations)
    }

    private func isCurrent(_ id: UUID) async throws -> Bool {
        try await Unit.find(id, on: db)?.validTo == nil
    }

    /// The closing unit's groups, pages, open tips and officers.
    func items(of unit: UUID) async throws -> [Item] {
        let sql = try db.requireSQL()
        var items: [Item] = []
        for row in try await sql.raw("SELECT id, name FROM community_groups WHERE unit_id = \(bind: unit) ORDER BY name").all() {
            items.append(Item(kind: .group, id: try row.decode(column: "id", as: UUID.self), label: try row.decode(column: "name", as: String.self), role: nil))
        }
        for row in try await sql.raw("SELECT id, name FROM pages WHERE unit_id = \(bind: unit) ORDER BY name").all() {
            items.append(Item(kind: .page, id: try row.decode(column: "id", as: UUID.self), label: try row.decode(column: "name", as: String.self), role: nil))
        }
        for row in try await sql.raw("SELECT id, reference FROM tips WHERE unit_id = \(bind: unit) AND status <> 'closed' ORDER BY created_at").all() {
            items.append(Item(kind: .tip, id: try row.decode(column: "id", as: UUID.self), label: try row.decode(column: "reference", as: String.self), role: nil))
        }
        for row in try await sql.raw("""
            SELECT m.id, a.display_name, m.role FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE m.unit_id = \(bind: unit) ORDER BY a.display_name
            """).all() {
            items.append(Item(kind: .officer, id: try row.decode(column: "id", as: UUID.self), label: try row.decode(column: "display_name", as: String.self),
                              role: Role(rawValue: try row.decode(column: "role", as: String.self))))
        }
        return items
    }

    // MARK: apply

    /// Carries out a plan in one transaction. `assignments` sends items of a split to one of its
    /// new units (by code); anything not named goes to the first. Returns the change's id.
    @discardableResult
    func apply(_ request: Request, assignments: [UUID: String] = [:], by account: CurrentAccount, now: Date = Date()) async throws -> UUID {
        let changeID = UUID()
        let actor = account.id
        let reorganisation = self
        try await gate.transaction { db in
            let sql = try db.requireSQL()
            // Checked inside the transaction, so no other change confirmed meanwhile is missed.
            let plan = try await Reorganisation(db: db, gate: reorganisation.gate, referenceData: reorganisation.referenceData, statsCache: reorganisation.statsCache)
                .plan(request, by: account, now: now)
            try Self.check(assignments, against: plan)
            guard let unit = try await Unit.find(plan.unit.id, on: db), unit.validTo == nil else {
                throw ValidationFailure(issues: [FieldIssue(field: "unit", code: "changed", messageVI: "Đơn vị vừa được sắp xếp lại; xem lại kế hoạch.",
                                                            messageEN: "The unit was just reorganised; review the plan again.")])
            }
            let oldName = unit.name, oldParent = unit.$parent.id
            var newParent = oldParent, successor: UUID?, newName = oldName
            switch plan.request.kind {
            case .rename:
                newName = plan.request.newName
                unit.searchText = UnitSearch.searchText(name: newName, areaName: plan.unit.areaName, provinceName: nil) + " " + unit.searchText
                unit.name = newName
                try await unit.save(on: db)
            case .move:
                newParent = plan.target?.id
                unit.$parent.id = newParent
                try await unit.save(on: db)
                try await UnitTree.reparent(plan.unit.id, under: newParent!, on: db)
            case .merge:
                successor = plan.target?.id
            case .split:
                var created: [String: UUID] = [:]
                for (index, new) in plan.request.newUnits.enumerated() {
                    let fresh = Unit()
                    fresh.code = new.code
                    fresh.name = new.name
                    fresh.searchText = UnitSearch.searchText(name: new.name, areaName: index == 0 ? plan.unit.areaName : nil, provinceName: nil)
                    fresh.kind = unit.kind
                    fresh.$level.id = unit.$level.id
                    // The first new unit takes over the area, so tips from it are routed there.
                    fresh.$area.id = index == 0 ? unit.$area.id : nil
                    fresh.$parent.id = oldParent
                    fresh.hotline = unit.hotline
                    fresh.validFrom = plan.effectiveAt
                    try await UnitTree.insert(fresh, on: db)
                    created[new.code] = try fresh.requireID()
                }
                successor = created[plan.request.newUnits[0].code]
                try await Self.moveItems(plan.items, from: plan.unit.id, to: { item in created[assignments[item.id] ?? ""] ?? successor! },
                                         change: changeID, by: actor, at: now, on: db)
            }
            if plan.request.kind == .merge, let successor {
                try await Self.moveItems(plan.items, from: plan.unit.id, to: { _ in successor }, change: changeID, by: actor, at: now, on: db)
            }
            if let successor {
                // Closed, the unit hangs under its successor: roll-ups of the current structure
                // count its history there.
                unit.validTo = plan.effectiveAt
                unit.$successor.id = successor
                unit.$parent.id = successor
                newParent = successor
                try await unit.save(on: db)
                try await UnitTree.reparent(plan.unit.id, under: successor, on: db)
            }
            try await sql.insert(into: "unit_changes")
                .columns("id", "unit_id", "kind", "effective_at", "old_name", "new_name", "old_parent_id", "new_parent_id", "successor_id", "reason", "created_by", "created_at")
                .values(SQLBind(changeID), SQLBind(plan.unit.id), SQLBind(plan.request.kind.rawValue), SQLBind(plan.effectiveAt), SQLBind(oldName), SQLBind(newName),
                        SQLBind(oldParent), SQLBind(newParent), SQLBind(successor), SQLBind(plan.request.reason), SQLBind(actor), SQLBind(now))
                .run()
            var detail = ["kind": plan.request.kind.rawValue, "effective": plan.request.effective, "change": changeID.uuidString, "reason": plan.request.reason,
                          "items": String(plan.items.count)]
            detail["target"] = plan.target?.code
            if plan.request.kind == .rename { detail["name"] = newName }
            if plan.request.kind == .split { detail["units"] = plan.request.newUnits.map(\.code).joined(separator: ",") }
            try await AuditLog.append(.staff(actor), "unit.reorganise", subject: "unit:" + plan.unit.id.uuidString, detail: detail, at: now, on: db)
        }
        referenceData.reset()
        statsCache?.reset()
        return changeID
    }

    /// Each assigned item goes to one of the plan's new units; a group's or a page's counted
    /// history stays under the unit that takes over the closing unit's history, so only tips and
    /// officers go to the other new units.
    private static func check(_ assignments: [UUID: String], against plan: Plan) throws {
        for (item, code) in assignments {
            guard plan.destinations.contains(code) else {
                throw ValidationFailure(issues: [FieldIssue(field: "assign", code: "invalid", messageVI: "Đơn vị nhận \(code) không thuộc kế hoạch.",
                                                            messageEN: "\(code) is not one of the plan's units.")])
            }
            if code != plan.destinations.first, plan.items.contains(where: { $0.id == item && ($0.kind == .group || $0.kind == .page) }) {
                throw ValidationFailure(issues: [FieldIssue(field: "assign", code: "history", messageVI: "Nhóm và trang chuyển theo đơn vị mới thứ nhất (đơn vị tiếp nhận số liệu cũ).",
                                                            messageEN: "Groups and pages go to the first new unit, which takes over the past figures.")])
            }
        }
    }

    /// Moves groups, pages, open tips and officers, each with its audit entry (the counters'
    /// rebuild reads these to know whose a group, a page or a tip was on a given day).
    private static func moveItems(_ items: [Item], from: UUID, to destination: (Item) -> UUID, change: UUID, by actor: UUID, at now: Date,
                                  on db: any Database) async throws {
        let sql = try db.requireSQL()
        for item in items {
            let to = destination(item)
            let detail = ["from": from.uuidString, "to": to.uuidString, "change": change.uuidString]
            switch item.kind {
            case .group:
                try await sql.raw("UPDATE community_groups SET unit_id = \(bind: to) WHERE id = \(bind: item.id)").run()
                try await AuditLog.append(.staff(actor), "group.move", subject: "group:" + item.id.uuidString, detail: detail, at: now, on: db)
            case .page:
                try await sql.raw("UPDATE pages SET unit_id = \(bind: to) WHERE id = \(bind: item.id)").run()
                // The day's follows and unfollows are kept per page and day: they all count for
                // the unit the page ends the day with, so the counters can be rebuilt from them.
                if let row = try await sql.raw("SELECT change FROM page_daily_followers WHERE page_id = \(bind: item.id) AND day = \(bind: InternetTime.vietnamDay(now))").first() {
                    let change = try row.decode(column: "change", as: Int.self)
                    try await Counters.add(.followers, -change, unit: from, at: now, on: db)
                    try await Counters.add(.followers, change, unit: to, at: now, on: db)
                }
                try await AuditLog.append(.staff(actor), "page.move", subject: "page:" + item.id.uuidString, detail: detail, at: now, on: db)
            case .tip:
                try await sql.raw("UPDATE tips SET unit_id = \(bind: to), updated_at = \(bind: now) WHERE id = \(bind: item.id)").run()
                // The tip stays visible where it was routed; the new owner is added to its routes.
                try await sql.raw("""
                    INSERT INTO tip_units (id, tip_id, unit_id, reason, created_at)
                    SELECT \(bind: UUID()), \(bind: item.id), \(bind: to), 'transfer', \(bind: now)
                    WHERE NOT EXISTS (SELECT 1 FROM tip_units WHERE tip_id = \(bind: item.id) AND unit_id = \(bind: to))
                    """).run()
                let code = try await sql.raw("SELECT code FROM units WHERE id = \(bind: to)").first()?.decode(column: "code", as: String.self) ?? ""
                try await AuditLog.append(.staff(actor), "tip.transfer", subject: TipService.subject(item.id),
                                          detail: ["from": from.uuidString, "to": code, "change": change.uuidString], at: now, on: db)
            case .officer:
                // The same role at the new unit, unless the officer holds it there already.
                try await sql.raw("""
                    UPDATE memberships SET unit_id = \(bind: to) WHERE id = \(bind: item.id) AND NOT EXISTS (
                        SELECT 1 FROM memberships o WHERE o.unit_id = \(bind: to) AND o.account_id = memberships.account_id AND o.role = memberships.role)
                    """).run()
                try await sql.raw("DELETE FROM memberships WHERE id = \(bind: item.id) AND unit_id = \(bind: from)").run()
                try await AuditLog.append(.staff(actor), "membership.move", subject: "membership:" + item.id.uuidString, detail: detail, at: now, on: db)
            }
        }
    }
}

extension UnitTree {
    /// Puts a unit and everything below it under `parent` in the closure table. Call inside a
    /// transaction.
    static func reparent(_ id: UUID, under parent: UUID, on db: any Database) async throws {
        let sql = try db.requireSQL()
        try await sql.raw("""
            DELETE FROM unit_closure
            WHERE descendant_id IN (SELECT descendant_id FROM unit_closure WHERE ancestor_id = \(bind: id))
              AND ancestor_id NOT IN (SELECT descendant_id FROM unit_closure WHERE ancestor_id = \(bind: id))
            """).run()
        try await sql.raw("""
            INSERT INTO unit_closure (ancestor_id, descendant_id, depth)
            SELECT a.ancestor_id, s.descendant_id, a.depth + s.depth + 1 FROM unit_closure a, unit_closure s
            WHERE a.descendant_id = \(bind: parent) AND s.ancestor_id = \(bind: id)
            """).run()
    }
}

extension Vapor.Request {
    var reorganisation: Reorganisation { Reorganisation(db: db, app: application) }
}
