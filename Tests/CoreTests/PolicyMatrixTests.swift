import Testing
@testable import BinhYenCore

/// The authorisation matrix: every role × every action × the target's place relative to the unit
/// where the role is held. The expected table below is written out by hand, independently of
/// `Policy.actions(of:)`, so a change to the policy must change this table too.
@Suite("Authorisation policy")
struct PolicyMatrixTests {
    /// Tree used throughout: province P has communes A and B; A has a sub-unit A1.
    ///   P ── A ── A1
    ///    └── B
    enum Relation: String, CaseIterable {
        case own, child, sibling, parent
    }

    static let ancestry: [String: Set<String>] = [
        "P": ["P"], "A": ["A", "P"], "A1": ["A1", "A", "P"], "B": ["B", "P"],
    ]

    /// Where the grant is held is always A; the target is then A (own), A1 (child), B (sibling), P (parent).
    static func target(_ relation: Relation) -> String {
        switch relation {
        case .own: "A"
        case .child: "A1"
        case .sibling: "B"
        case .parent: "P"
        }
    }

    /// Allowed actions in the role's own subtree: o = open console, rt = read tips, ht = handle tips,
    /// d = dispatch, q = answer questions, hs = handle dossiers, p = publish posts, g = manage groups, s = verify scam
    /// indicators, st = read statistics, mo = manage officers, eu = edit unit, ru = reorganise units,
    /// vp = verify pages, lc = link channel accounts, kb = edit the procedures knowledge base.
    static let table: [Role: String] = [
        .citizen:       "",
        .officer:       "o rt ht q hs p g",
        .commander:     "o rt ht d q hs p g st",
        .cyberPatrol:   "o rt ht s p",
        .unitAdmin:     "o st mo eu",
        .provinceAdmin: "o rt st mo eu ru vp lc p kb",
    ]

    static let abbreviations: [String: Action] = [
        "o": .openConsole, "rt": .readTips, "ht": .handleTips, "d": .dispatchRapidResponse, "q": .answerQuestions, "hs": .handleDossiers,
        "p": .publishPosts, "g": .manageGroups, "s": .verifyScamIndicators, "st": .readStatistics,
        "mo": .manageOfficers, "eu": .editUnit, "ru": .reorganiseUnits, "vp": .verifyPages, "lc": .linkChannelAccounts,
        "kb": .editKnowledgeBase,
    ]

    @Test("The table names every action exactly once per abbreviation")
    func tableIsComplete() {
        #expect(Set(Self.abbreviations.values) == Set(Action.allCases))
        #expect(Set(Self.table.keys) == Set(Role.allCases))
    }

    @Test("Every role × action × relation", arguments: Role.allCases, Relation.allCases)
    func matrix(role: Role, relation: Relation) {
        let allowedInSubtree = Set((Self.table[role] ?? "").split(separator: " ").map { Self.abbreviations[String($0)]! })
        let grants = [Grant(role: role, unitID: "A")]
        let ancestry = Self.ancestry[Self.target(relation)]!
        for action in Action.allCases {
            let expected = (relation == .own || relation == .child) && allowedInSubtree.contains(action)
            #expect(Policy.allows(grants, action, onUnitWithAncestry: ancestry) == expected,
                    "\(role.rawValue) \(action.rawValue) on \(relation.rawValue) unit")
        }
    }

    @Test("No grants allow nothing; several grants combine")
    func combinations() {
        #expect(!Policy.allows([], .readTips, onUnitWithAncestry: ["A", "P"]))
        let grants = [Grant(role: .officer, unitID: "A"), Grant(role: .cyberPatrol, unitID: "B")]
        #expect(Policy.allows(grants, .handleTips, onUnitWithAncestry: Self.ancestry["A1"]!))
        #expect(!Policy.allows(grants, .answerQuestions, onUnitWithAncestry: Self.ancestry["B"]!))
        #expect(Policy.allows(grants, .verifyScamIndicators, onUnitWithAncestry: Self.ancestry["B"]!))
        #expect(!Policy.allows(grants, .verifyScamIndicators, onUnitWithAncestry: Self.ancestry["A"]!))
        #expect(Policy.allowsSomewhere(grants, .verifyScamIndicators))
        #expect(!Policy.allowsSomewhere(grants, .manageOfficers))
    }

    @Test("Admins give roles only inside their subtree and never above their own")
    func grantable() {
        let unitAdmin = [Grant(role: .unitAdmin, unitID: "A")]
        #expect(Policy.grantableRoles(by: unitAdmin, atUnitWithAncestry: Self.ancestry["A1"]!) == [.officer, .commander, .cyberPatrol, .unitAdmin])
        #expect(Policy.grantableRoles(by: unitAdmin, atUnitWithAncestry: Self.ancestry["B"]!).isEmpty)
        #expect(Policy.grantableRoles(by: unitAdmin, atUnitWithAncestry: Self.ancestry["P"]!).isEmpty)
        let provinceAdmin = [Grant(role: .provinceAdmin, unitID: "P")]
        #expect(Policy.grantableRoles(by: provinceAdmin, atUnitWithAncestry: Self.ancestry["B"]!) == Role.staffRoles)
        let commander = [Grant(role: .commander, unitID: "A")]
        #expect(Policy.grantableRoles(by: commander, atUnitWithAncestry: Self.ancestry["A"]!).isEmpty)
    }
}
