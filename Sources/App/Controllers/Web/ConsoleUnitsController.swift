import BinhYenCore
import Fluent
import SQLKit
import Vapor

/// Reorganising units in the console (province admins): the request, then the plan of what moves
/// (for a split, where each group, page, open tip and officer goes), then the confirmation; and
/// the log of past changes. Anyone else gets "not found".
struct ConsoleUnitsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let units = routes.grouped("console", "units").grouped(StaffOnlyMiddleware())
        units.get("reorganise", use: form)
        units.post("reorganise", "plan", use: plan)
        units.post("reorganise", "apply", use: apply)
        units.get("changes", use: changes)
    }

    struct FormPage: Encodable {
        var page: PageMeta
        var values: [String: String]
        var errors: [String: String]
        var formError: String?
        var kinds: [TipController.Option]
    }

    struct ItemRow: Encodable {
        var id: String
        var kind: String
        var label: String
        var options: [TipController.Option]
    }

    struct Hidden: Encodable {
        var name: String
        var value: String
    }

    struct PlanPage: Encodable {
        var page: PageMeta
        /// The request, carried to the confirmation.
        var hidden: [Hidden]
        var summary: String
        var items: [ItemRow]
        var destination: String?
        var error: String?
    }

    struct ChangeRow: Encodable {
        var unit: String
        var kind: String
        var effective: String
        var detail: String
        var reason: String
        var at: String
    }

    struct ChangesPage: Encodable {
        var page: PageMeta
        var rows: [ChangeRow]
        var notice: String?
    }

    func mayReorganise(_ req: Request) throws -> CurrentAccount {
        let account = try req.auth.require(CurrentAccount.self)
        guard Policy.allowsSomewhere(account.grants, .reorganiseUnits) else { throw Abort(.notFound) }
        return account
    }

    static let fields = ["kind", "unit", "target", "newName", "effective", "reason", "code1", "name1", "code2", "name2", "code3", "name3"]

    func request(from values: [String: String]) -> Reorganisation.Request {
        Reorganisation.Request(
            kind: Reorganisation.Kind(rawValue: values["kind"] ?? "") ?? .rename, unitCode: values["unit"] ?? "", targetCode: values["target"] ?? "",
            newName: values["newName"] ?? "",
            newUnits: (1...3).map { Reorganisation.NewUnit(code: values["code\($0)"] ?? "", name: values["name\($0)"] ?? "") },
            effective: values["effective"] ?? "", reason: values["reason"] ?? "")
    }

    func values(_ req: Request) throws -> [String: String] {
        let posted = try req.content.decode([String: String].self)
        var values: [String: String] = [:]
        for field in Self.fields { values[field] = String((posted[field] ?? "").prefix(1000)) }
        return values
    }

    @Sendable func form(req: Request) async throws -> View {
        _ = try mayReorganise(req)
        var values = ["kind": "merge", "effective": InternetTime.vietnamDay(Date())]
        values["unit"] = req.query[String.self, at: "unit"]
        return try await req.view.render("console/reorganise", formPage(req, values: values, errors: [:]))
    }

    @Sendable func plan(req: Request) async throws -> Response {
        let account = try mayReorganise(req)
        let values = try values(req)
        guard Reorganisation.Kind(rawValue: values["kind"] ?? "") != nil else {
            return try await formResponse(req, values, ["kind": req.message("Hãy chọn loại thay đổi.", "Choose the kind of change.")])
        }
        do {
            let plan = try await req.reorganisation.plan(request(from: values), by: account)
            return try await req.view.render("console/reorganise-plan", planPage(req, plan, values: values, error: nil)).encodeResponse(for: req)
        } catch let failure as ValidationFailure {
            return try await formResponse(req, values, errors(req, failure))
        } catch is TipService.NotFound {
            return try await formResponse(req, values, ["unit": req.message("Bạn không có quyền sắp xếp đơn vị này.", "You may not reorganise this unit.")])
        }
    }

    @Sendable func apply(req: Request) async throws -> Response {
        let account = try mayReorganise(req)
        let values = try values(req)
        let posted = try req.content.decode([String: String].self)
        var assignments: [UUID: String] = [:]
        for (key, code) in posted where key.hasPrefix("assign_") {
            if let id = UUID(uuidString: String(key.dropFirst(7))) { assignments[id] = code }
        }
        do {
            try await req.reorganisation.apply(request(from: values), assignments: assignments, by: account)
            return req.redirect(to: "/console/units/changes?done=1")
        } catch let failure as ValidationFailure {
            return try await formResponse(req, values, errors(req, failure))
        } catch is TipService.NotFound {
            throw Abort(.notFound)
        }
    }

    @Sendable func changes(req: Request) async throws -> View {
        let account = try mayReorganise(req)
        // Changes of the units below the admin's own (a closed unit hangs under its successor).
        let reach = account.grants.filter { Policy.actions(of: $0.role).contains(.reorganiseUnits) }.compactMap { UUID(uuidString: $0.unitID) }
        let rows = try await req.db.requireSQL().raw("""
            SELECT u.code, c.kind, c.effective_at, c.old_name, c.new_name, op.name AS old_parent, np.name AS new_parent, s.name AS successor, c.reason, c.created_at
            FROM unit_changes c JOIN units u ON u.id = c.unit_id
            LEFT JOIN units op ON op.id = c.old_parent_id LEFT JOIN units np ON np.id = c.new_parent_id LEFT JOIN units s ON s.id = c.successor_id
            WHERE c.unit_id IN (SELECT descendant_id FROM unit_closure WHERE ancestor_id IN \(SQLGroupExpression(reach.map { SQLBind($0) })))
            ORDER BY c.created_at DESC LIMIT 200
            """).all()
        let shown = try rows.map { row in
            let kind = Reorganisation.Kind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .rename
            let oldName = try row.decode(column: "old_name", as: String.self), newName = try row.decode(column: "new_name", as: String.self)
            let detail: String = switch kind {
            case .rename: "\(oldName) → \(newName)"
            case .move: "\(oldName): \(try row.decode(column: "old_parent", as: String?.self) ?? "—") → \(try row.decode(column: "new_parent", as: String?.self) ?? "—")"
            case .merge, .split: "\(oldName) → \(try row.decode(column: "successor", as: String?.self) ?? "—")"
            }
            return ChangeRow(unit: try row.decode(column: "code", as: String.self), kind: req.message(kind.labelVI, kind.labelEN),
                             effective: InternetTime.vietnamDay(try row.decode(column: "effective_at", as: Date.self)), detail: detail,
                             reason: try row.decode(column: "reason", as: String.self), at: DisplayTime.string(try row.decode(column: "created_at", as: Date.self)))
        }
        return try await req.view.render("console/unit-changes", ChangesPage(
            page: req.pageMeta(titleKey: "unitChangesTitle"), rows: shown,
            notice: req.query[String.self, at: "done"] != nil ? req.language.texts["unitChangeDone"] : nil))
    }

    // MARK: pieces

    private func errors(_ req: Request, _ failure: ValidationFailure) -> [String: String] {
        var errors: [String: String] = [:]
        for issue in failure.issues {
            let text = req.message(issue.messageVI, issue.messageEN)
            errors[issue.field] = errors[issue.field].map { $0 + " " + text } ?? text
        }
        return errors
    }

    private func formResponse(_ req: Request, _ values: [String: String], _ errors: [String: String]) async throws -> Response {
        var page = formPage(req, values: values, errors: errors)
        page.formError = req.language.texts["formHasErrors"]
        return try await req.view.render("console/reorganise", page).encodeResponse(status: .unprocessableEntity, for: req)
    }

    private func formPage(_ req: Request, values: [String: String], errors: [String: String]) -> FormPage {
        FormPage(page: req.pageMeta(titleKey: "unitReorganiseTitle"), values: values, errors: errors, formError: nil,
                 kinds: Reorganisation.Kind.allCases.map { .init(value: $0.rawValue, label: req.message($0.labelVI, $0.labelEN), selected: values["kind"] == $0.rawValue) })
    }

    private func planPage(_ req: Request, _ plan: Reorganisation.Plan, values: [String: String], error: String?) -> PlanPage {
        let kindLabel = req.message(plan.request.kind.labelVI, plan.request.kind.labelEN)
        let summary: String = switch plan.request.kind {
        case .rename: "\(kindLabel): \(plan.unit.name) → \(plan.request.newName)"
        case .move: "\(kindLabel): \(plan.unit.name) → \(plan.target?.name ?? "")"
        case .merge: "\(kindLabel): \(plan.unit.name) → \(plan.target?.name ?? "")"
        case .split: "\(kindLabel): \(plan.unit.name) → " + plan.request.newUnits.map { "\($0.name) (\($0.code))" }.joined(separator: ", ")
        }
        let kinds: [Reorganisation.ItemKind: (String, String)] = [.group: ("Nhóm", "Group"), .page: ("Trang", "Page"), .tip: ("Tin báo đang xử lý", "Open tip"),
                                                                  .officer: ("Cán bộ", "Officer")]
        return PlanPage(
            page: req.pageMeta(titleKey: "unitPlanTitle"), hidden: Self.fields.map { Hidden(name: $0, value: values[$0] ?? "") },
            summary: summary + " · " + req.message("hiệu lực từ", "effective") + " " + plan.request.effective,
            items: plan.items.map { item in
                ItemRow(id: item.id.uuidString, kind: kinds[item.kind].map { req.message($0.0, $0.1) } ?? item.kind.rawValue, label: item.label + (item.role.map { " (" + (req.language.texts["role_" + $0.rawValue] ?? $0.rawValue) + ")" } ?? ""),
                        options: plan.request.kind == .split && (item.kind == .tip || item.kind == .officer)
                            ? plan.destinations.enumerated().map { .init(value: $1, label: $1, selected: $0 == 0) } : [])
            },
            destination: plan.request.kind == .merge ? plan.target?.name : plan.request.newUnits.first.map { "\($0.name) (\($0.code))" }, error: error)
    }
}
