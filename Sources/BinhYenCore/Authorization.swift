/// Roles an account can hold. Every role except `citizen` is granted at a unit and reaches that
/// unit and everything below it in the unit tree.
public enum Role: String, CaseIterable, Codable, Sendable {
    case citizen
    case officer
    case commander
    case cyberPatrol = "cyber_patrol"
    case unitAdmin = "unit_admin"
    case provinceAdmin = "province_admin"

    /// Roles that are granted at a unit (a citizen is not a member of a unit).
    public static let staffRoles: [Role] = [.officer, .commander, .cyberPatrol, .unitAdmin, .provinceAdmin]
}

/// What an account may try to do to something that belongs to a unit.
public enum Action: String, CaseIterable, Codable, Sendable {
    case openConsole = "open_console"
    case readTips = "read_tips"
    case handleTips = "handle_tips"
    case dispatchRapidResponse = "dispatch_rapid_response"
    case answerQuestions = "answer_questions"
    /// Move citizens' dossiers for procedures through their steps.
    case handleDossiers = "handle_dossiers"
    case publishPosts = "publish_posts"
    case manageGroups = "manage_groups"
    case verifyScamIndicators = "verify_scam_indicators"
    case readStatistics = "read_statistics"
    case manageOfficers = "manage_officers"
    case editUnit = "edit_unit"
    case reorganiseUnits = "reorganise_units"
    case verifyPages = "verify_pages"
    case linkChannelAccounts = "link_channel_accounts"
    /// The procedures knowledge base is shared by every unit; province admins keep it up to date.
    case editKnowledgeBase = "edit_knowledge_base"
}

/// A role held at a unit.
public struct Grant: Hashable, Codable, Sendable {
    public var role: Role
    public var unitID: String

    public init(role: Role, unitID: String) {
        self.role = role
        self.unitID = unitID
    }
}

/// The authorisation policy. Pure: the caller supplies the target unit's ancestry (the unit itself
/// and every unit above it, which the closure table returns in one query), so the same rule serves
/// the web console, the JSON API and the channel connectors.
public enum Policy {
    /// What each role may do inside its own subtree. Nothing reaches a parent or a sibling unit.
    public static func actions(of role: Role) -> Set<Action> {
        switch role {
        case .citizen:
            return []
        case .officer:
            return [.openConsole, .readTips, .handleTips, .answerQuestions, .handleDossiers, .publishPosts, .manageGroups]
        case .commander:
            return [.openConsole, .readTips, .handleTips, .dispatchRapidResponse, .answerQuestions, .handleDossiers,
                    .publishPosts, .manageGroups, .readStatistics]
        case .cyberPatrol:
            // Fraud and harmful-content tips are routed to the cyber unit, so its patrol works them.
            return [.openConsole, .readTips, .handleTips, .verifyScamIndicators, .publishPosts]
        case .unitAdmin:
            return [.openConsole, .readStatistics, .manageOfficers, .editUnit]
        case .provinceAdmin:
            return [.openConsole, .readTips, .readStatistics, .manageOfficers, .editUnit,
                    .reorganiseUnits, .verifyPages, .linkChannelAccounts, .publishPosts, .editKnowledgeBase]
        }
    }

    /// Whether any of `grants` allows `action` on something owned by the unit whose ancestry
    /// (itself first, then its ancestors, in any order) is `targetAncestry`.
    public static func allows(_ grants: [Grant], _ action: Action, onUnitWithAncestry targetAncestry: Set<String>) -> Bool {
        grants.contains { grant in
            targetAncestry.contains(grant.unitID) && actions(of: grant.role).contains(action)
        }
    }

    /// Whether the grants allow `action` anywhere (used to decide whether to show a console menu).
    public static func allowsSomewhere(_ grants: [Grant], _ action: Action) -> Bool {
        grants.contains { actions(of: $0.role).contains(action) }
    }

    /// Roles that a holder of `grants` may give at the unit with `targetAncestry`: only inside a
    /// subtree where they manage officers, and never a role above their own.
    public static func grantableRoles(by grants: [Grant], atUnitWithAncestry targetAncestry: Set<String>) -> [Role] {
        let managing = grants.filter {
            targetAncestry.contains($0.unitID) && actions(of: $0.role).contains(.manageOfficers)
        }
        if managing.contains(where: { $0.role == .provinceAdmin }) {
            return Role.staffRoles
        }
        if managing.contains(where: { $0.role == .unitAdmin }) {
            return [.officer, .commander, .cyberPatrol, .unitAdmin]
        }
        return []
    }
}
