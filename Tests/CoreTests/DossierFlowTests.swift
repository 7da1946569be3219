import BinhYenCore
import Foundation
import Testing

@Suite("Dossier steps: who may move a dossier where, and what each step must say")
struct DossierFlowTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("Officers' and citizens' steps from every status, and the final ones end it")
    func transitions() {
        let table: [DossierStatus: Set<DossierStatus>] = [
            .received: [.needsDocuments, .appointmentSet, .readyForPickup, .settled, .refused],
            .needsDocuments: [.received, .appointmentSet, .refused],
            .appointmentSet: [.appointmentSet, .needsDocuments, .readyForPickup, .settled, .refused],
            .readyForPickup: [.settled],
            .settled: [],
            .refused: [],
        ]
        for from in DossierStatus.allCases {
            #expect(Set(from.officerSteps) == table[from], "\(from)")
            #expect(from.citizenSteps == (from == .needsDocuments ? [.received] : []), "\(from)")
            #expect(from.isFinal == (from == .settled || from == .refused))
            // Every step not in the table is refused as a status problem, whatever it says.
            for to in DossierStatus.allCases where !(table[from]?.contains(to) ?? false) {
                let problems = DossierFlow.problems(from: from, DossierStepDraft(to: to, message: "x", appointmentAt: now + 60, appointmentPlace: "y"),
                                                    by: .officer, now: now)
                #expect(problems.map(\.field) == ["status"], "\(from) → \(to)")
            }
        }
    }

    @Test("Asking for documents and refusing need a message; an appointment needs a future time and a place")
    func requiredFields() {
        func fields(_ from: DossierStatus, _ draft: DossierStepDraft, by actor: DossierFlow.Actor = .officer) -> [String] {
            DossierFlow.problems(from: from, draft, by: actor, now: now).map(\.field)
        }
        #expect(fields(.received, .init(to: .needsDocuments)) == ["message"])
        #expect(fields(.received, .init(to: .refused)) == ["message"])
        #expect(fields(.received, .init(to: .settled)) == [])
        #expect(fields(.received, .init(to: .settled, message: String(repeating: "a", count: DossierFlow.messageLimit + 1))) == ["message"])
        #expect(fields(.received, .init(to: .appointmentSet)) == ["appointmentAt", "appointmentPlace"])
        #expect(fields(.received, .init(to: .appointmentSet, appointmentAt: now, appointmentPlace: "Trụ sở")) == ["appointmentAt"])
        #expect(fields(.received, .init(to: .appointmentSet, appointmentAt: now + 1, appointmentPlace: String(repeating: "p", count: 301))) == ["appointmentPlace"])
        #expect(fields(.received, .init(to: .appointmentSet, appointmentAt: now + 1, appointmentPlace: "Trụ sở"))  == [])
        #expect(fields(.needsDocuments, .init(to: .received), by: .citizen) == ["message"])
        #expect(fields(.needsDocuments, .init(to: .received, message: "Đã nộp"), by: .citizen) == [])
        #expect(fields(.received, .init(to: .settled), by: .citizen) == ["status"])
    }
}
