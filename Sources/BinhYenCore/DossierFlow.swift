import Foundation

/// Where a citizen's dossier for a procedure stands. Officers move it step by step; the citizen
/// answers a request for documents. `settled` and `refused` end it.
public enum DossierStatus: String, CaseIterable, Codable, Sendable {
    case received
    case needsDocuments = "needs_documents"
    case appointmentSet = "appointment_set"
    case readyForPickup = "ready_for_pickup"
    case settled
    case refused

    public var isFinal: Bool { self == .settled || self == .refused }

    /// The steps an officer may take from here.
    public var officerSteps: [DossierStatus] {
        switch self {
        case .received: [.needsDocuments, .appointmentSet, .readyForPickup, .settled, .refused]
        // Documents brought to the counter put the dossier back to received.
        case .needsDocuments: [.received, .appointmentSet, .refused]
        // An appointment can be moved (set again).
        case .appointmentSet: [.appointmentSet, .needsDocuments, .readyForPickup, .settled, .refused]
        case .readyForPickup: [.settled]
        case .settled, .refused: []
        }
    }

    /// The citizen's only step: saying the missing documents were supplied.
    public var citizenSteps: [DossierStatus] {
        self == .needsDocuments ? [.received] : []
    }

    public var labelVI: String {
        switch self {
        case .received: "Đã tiếp nhận"
        case .needsDocuments: "Cần bổ sung giấy tờ"
        case .appointmentSet: "Đã hẹn lịch"
        case .readyForPickup: "Có kết quả, mời đến nhận"
        case .settled: "Đã giải quyết xong"
        case .refused: "Từ chối giải quyết"
        }
    }

    public var labelEN: String {
        switch self {
        case .received: "Received"
        case .needsDocuments: "More documents needed"
        case .appointmentSet: "Appointment set"
        case .readyForPickup: "Ready for pickup"
        case .settled: "Settled"
        case .refused: "Refused"
        }
    }
}

/// One step as an officer or the citizen proposes it, checked before anything is written.
public struct DossierStepDraft: Sendable, Equatable {
    public var to: DossierStatus
    public var message: String
    public var appointmentAt: Date?
    public var appointmentPlace: String

    public init(to: DossierStatus, message: String = "", appointmentAt: Date? = nil, appointmentPlace: String = "") {
        self.to = to
        self.message = message
        self.appointmentAt = appointmentAt
        self.appointmentPlace = appointmentPlace
    }
}

public enum DossierFlow {
    public static let messageLimit = 2_000
    public static let placeLimit = 300

    public enum Actor: Sendable { case officer, citizen }

    /// Why a step is refused, field by field (`status` when it cannot be taken from `from` at all);
    /// empty when it may be taken. Texts are expected cleaned already.
    public static func problems(from: DossierStatus, _ step: DossierStepDraft, by actor: Actor, now: Date) -> [(field: String, vi: String, en: String)] {
        let allowed = actor == .officer ? from.officerSteps : from.citizenSteps
        guard allowed.contains(step.to) else {
            return [("status", "Hồ sơ đang ở bước “\(from.labelVI)” nên không thể chuyển sang “\(step.to.labelVI)”.",
                     "The dossier is “\(from.labelEN)”, so it cannot become “\(step.to.labelEN)”.")]
        }
        var problems: [(String, String, String)] = []
        if step.message.count > messageLimit {
            problems.append(("message", "Nội dung tối đa \(messageLimit) ký tự.", "The message has at most \(messageLimit) characters."))
        }
        switch step.to {
        case .needsDocuments where step.message.isEmpty:
            problems.append(("message", "Hãy ghi rõ giấy tờ cần bổ sung.", "Say which documents are missing."))
        case .refused where step.message.isEmpty:
            problems.append(("message", "Hãy ghi lý do từ chối để người dân biết.", "Give the reason for refusing."))
        case .received where actor == .citizen && step.message.isEmpty:
            problems.append(("message", "Hãy cho biết bạn đã bổ sung giấy tờ gì và bằng cách nào.", "Say what you supplied and how."))
        case .appointmentSet:
            if let at = step.appointmentAt {
                if at <= now { problems.append(("appointmentAt", "Lịch hẹn phải ở thời điểm sau bây giờ.", "The appointment must be in the future.")) }
            } else {
                problems.append(("appointmentAt", "Hãy chọn ngày giờ hẹn.", "Choose the appointment's date and time."))
            }
            if step.appointmentPlace.isEmpty {
                problems.append(("appointmentPlace", "Hãy ghi nơi hẹn (địa chỉ, phòng tiếp dân).", "Say where to come."))
            } else if step.appointmentPlace.count > placeLimit {
                problems.append(("appointmentPlace", "Nơi hẹn tối đa \(placeLimit) ký tự.", "The place has at most \(placeLimit) characters."))
            }
        default:
            break
        }
        return problems
    }
}
