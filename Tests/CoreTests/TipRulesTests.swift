import BinhYenCore
import Foundation
import Testing

@Suite("Tip rules")
struct TipRulesTests {
    let now = Date(timeIntervalSince1970: 1_795_000_000)
    let categories: Set<String> = ["theft", "fraud", "weapons"]

    @Test("A good draft is cleaned (NFC, single spaces, no control characters, blank runs collapsed) and passes")
    func cleansGoodDraft() {
        let draft = TipDraft(categoryCode: " theft ", description: "  Xe ma\u{301}y bị trộm\u{0007}  \n\n\n\ntrước nhà  ", communeCode: " 24133 ",
                             address: "  12   Lê Duẩn ", latitude: 12.68, longitude: 108.04, occurredAt: now.addingTimeInterval(-3600))
        let (clean, issues) = TipRules.validate(draft, knownCategories: categories, now: now)
        #expect(issues.isEmpty)
        #expect(clean.categoryCode == "theft" && clean.communeCode == "24133")
        #expect(clean.description == "Xe máy bị trộm\n\ntrước nhà")
        #expect(clean.description.unicodeScalars.contains("\u{E1}"), "stored as NFC")
        #expect(clean.address == "12 Lê Duẩn")
    }

    @Test("Every problem is reported at once, each naming its field")
    func reportsEveryField() {
        let draft = TipDraft(categoryCode: "ufo", description: "ngắn", communeCode: "24133'; DROP", latitude: 10, longitude: nil,
                             occurredAt: now.addingTimeInterval(3600))
        let (_, issues) = TipRules.validate(draft, knownCategories: categories, now: now)
        #expect(issues.map(\.field) == ["category", "description", "commune", "location", "occurred_at"])
        #expect(issues.map(\.code) == ["unknown", "length", "format", "incomplete", "future"])
        #expect(issues.allSatisfy { !$0.messageVI.isEmpty && !$0.messageEN.isEmpty })
    }

    @Test("Missing, oversized and out-of-country values", arguments: [
        (TipDraft(categoryCode: "", description: "", communeCode: ""), ["category", "description", "commune"]),
        (TipDraft(categoryCode: "theft", description: String(repeating: "x", count: 5001), communeCode: "24133"), ["description"]),
        (TipDraft(categoryCode: "theft", description: "Mất trộm xe đạp", communeCode: "24133", address: String(repeating: "a", count: 301)), ["address"]),
        (TipDraft(categoryCode: "theft", description: "Mất trộm xe đạp", communeCode: "24133", latitude: 48.8, longitude: 2.3), ["location"]),
        (TipDraft(categoryCode: "theft", description: "Mất trộm xe đạp", communeCode: "24133", latitude: .nan, longitude: 108), ["location"]),
        (TipDraft(categoryCode: "theft", description: "\u{200B}\u{0007}   \n\n", communeCode: "24133"), ["description"]),
    ])
    func refuses(draft: TipDraft, fields: [String]) {
        #expect(TipRules.validate(draft, knownCategories: categories, now: now).1.map(\.field) == fields)
    }

    @Test("Status only moves forward; closing needs a reason and only closing takes one")
    func transitions() {
        #expect(TipStatus.received.canMove(to: .acknowledged))
        #expect(TipStatus.received.canMove(to: .closed), "a duplicate can be closed at once")
        #expect(!TipStatus.dispatched.canMove(to: .verifying))
        #expect(!TipStatus.closed.canMove(to: .closed))
        for status in TipStatus.allCases { #expect(!status.canMove(to: status)) }
        #expect(TipRules.transition(from: .dispatched, to: .closed, reason: nil)?.field == "reason")
        #expect(TipRules.transition(from: .dispatched, to: .closed, reason: .handled) == nil)
        #expect(TipRules.transition(from: .received, to: .verifying, reason: .duplicate)?.code == "unexpected")
        #expect(TipRules.transition(from: .closed, to: .received, reason: nil)?.code == "transition")
    }

    @Test("Routing rules add departments by category and urgency, each once, in rule order")
    func routing() {
        let rules = [
            TipRoutingRule(categoryCode: "fraud", urgentOnly: false, departmentCode: "PA05"),
            TipRoutingRule(categoryCode: "harmful_online", urgentOnly: false, departmentCode: "PA05"),
            TipRoutingRule(categoryCode: nil, urgentOnly: true, departmentCode: "PK02"),
            TipRoutingRule(categoryCode: "fraud", urgentOnly: true, departmentCode: "PA05"),
        ]
        #expect(TipRouting.departments(for: "theft", urgent: false, rules: rules).isEmpty)
        #expect(TipRouting.departments(for: "theft", urgent: true, rules: rules) == ["PK02"])
        #expect(TipRouting.departments(for: "fraud", urgent: false, rules: rules) == ["PA05"])
        #expect(TipRouting.departments(for: "fraud", urgent: true, rules: rules) == ["PA05", "PK02"])
        #expect(TipRouting.departments(for: "weapons", urgent: true, rules: []) == [])
    }

    @Test("Receipts: 16 digits, read back however they were copied, nothing else accepted")
    func receipts() {
        var seen = Set<String>()
        for _ in 0..<200 {
            let receipt = TipReceipt.generate()
            #expect(receipt.count == 16 && receipt.allSatisfy { $0.isASCII && $0.isNumber })
            seen.insert(receipt)
        }
        #expect(seen.count == 200)
        #expect(TipReceipt.display("0123456789012345") == "0123 4567 8901 2345")
        for spelling in ["0123 4567 8901 2345", "0123-4567-8901-2345", " 0123456789012345 ", "0123.4567.8901.2345"] {
            #expect(TipReceipt.normalise(spelling) == "0123456789012345")
        }
        for bad in ["", "0123 4567 8901 234", "0123 4567 8901 23456", "0123 4567 8901 234a", "٠١٢٣٤٥٦٧٨٩٠١٢٣٤٥", String(repeating: "1", count: 100)] {
            #expect(TipReceipt.normalise(bad) == nil, "\(bad)")
        }
    }

    @Test("Deadlines by urgency; overdue when not acknowledged or not closed in time")
    func deadlines() {
        let due = TipDeadlines.standard.due(urgent: true, from: now)
        #expect(due.acknowledge == now.addingTimeInterval(15 * 60))
        #expect(TipDeadlines.standard.due(urgent: false, from: now).close == now.addingTimeInterval(30 * 24 * 3600))
        let later = now.addingTimeInterval(20 * 60)
        #expect(TipDeadlines.isOverdue(status: .received, acknowledgeBy: due.acknowledge, closeBy: due.close, now: later))
        #expect(!TipDeadlines.isOverdue(status: .acknowledged, acknowledgeBy: due.acknowledge, closeBy: due.close, now: later))
        #expect(TipDeadlines.isOverdue(status: .verifying, acknowledgeBy: due.acknowledge, closeBy: due.close, now: due.close.addingTimeInterval(1)))
        #expect(!TipDeadlines.isOverdue(status: .closed, acknowledgeBy: due.acknowledge, closeBy: due.close, now: due.close.addingTimeInterval(1)))
    }
}
