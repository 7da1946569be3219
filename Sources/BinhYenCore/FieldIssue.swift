/// Why one input field was refused, in Vietnamese first and English second.
public struct FieldIssue: Error, Equatable, Sendable, Codable {
    public var field: String
    public var code: String
    public var messageVI: String
    public var messageEN: String

    public init(field: String, code: String, messageVI: String, messageEN: String) {
        self.field = field
        self.code = code
        self.messageVI = messageVI
        self.messageEN = messageEN
    }
}

/// The rules every account form shares. Pure, so the web form, the API and the commands refuse
/// the same inputs with the same words.
public enum AccountRules {
    public static let passwordLength = 8...128
    public static let displayNameLength = 2...80

    public static func phone(_ raw: String, field: String = "phone") -> Result<PhoneNumber, FieldIssue> {
        do {
            return .success(try PhoneNumber(parsing: raw))
        } catch {
            return .failure(FieldIssue(field: field, code: "phone_\(error)", messageVI: error.messageVI, messageEN: error.messageEN))
        }
    }

    /// Returns the cleaned name (NFC, single spaces) or why it is refused.
    public static func displayName(_ raw: String, field: String = "displayName") -> Result<String, FieldIssue> {
        let name = VietnameseText.clean(raw)
        if name.isEmpty {
            return .failure(FieldIssue(field: field, code: "required", messageVI: "Vui lòng nhập họ và tên.", messageEN: "Please enter your name."))
        }
        if !displayNameLength.contains(name.count) {
            return .failure(FieldIssue(field: field, code: "length",
                                       messageVI: "Họ và tên phải dài từ \(displayNameLength.lowerBound) đến \(displayNameLength.upperBound) ký tự.",
                                       messageEN: "A name must be \(displayNameLength.lowerBound) to \(displayNameLength.upperBound) characters long."))
        }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || "<>{}".unicodeScalars.contains($0) }) {
            return .failure(FieldIssue(field: field, code: "characters", messageVI: "Họ và tên có ký tự không được phép.", messageEN: "The name contains characters that are not allowed."))
        }
        return .success(name)
    }

    public static func newPassword(_ password: String, confirmation: String?, field: String = "password") -> [FieldIssue] {
        var issues: [FieldIssue] = []
        if !passwordLength.contains(password.count) {
            issues.append(FieldIssue(field: field, code: "length",
                                     messageVI: "Mật khẩu phải dài từ \(passwordLength.lowerBound) đến \(passwordLength.upperBound) ký tự.",
                                     messageEN: "A password must be \(passwordLength.lowerBound) to \(passwordLength.upperBound) characters long."))
        } else if Set(password).count < 4 {
            issues.append(FieldIssue(field: field, code: "weak", messageVI: "Mật khẩu quá dễ đoán: hãy dùng nhiều ký tự khác nhau.",
                                     messageEN: "The password is too easy to guess: use more different characters."))
        }
        if let confirmation, confirmation != password {
            issues.append(FieldIssue(field: field + "Confirm", code: "mismatch", messageVI: "Hai lần nhập mật khẩu không khớp.",
                                     messageEN: "The two passwords do not match."))
        }
        return issues
    }
}

/// Counts failed logins for one key and decides when to lock it. Pure: the caller stores the state.
public struct LoginThrottleRule: Sendable {
    public var maxFailures: Int
    public var window: Double
    public var lockout: Double

    public init(maxFailures: Int, window: Double, lockout: Double) {
        self.maxFailures = maxFailures
        self.window = window
        self.lockout = lockout
    }

    /// Five failures in fifteen minutes lock a phone number for fifteen minutes.
    public static let perAccount = LoginThrottleRule(maxFailures: 5, window: 15 * 60, lockout: 15 * 60)
    /// An address gets more room, since several people may share one.
    public static let perAddress = LoginThrottleRule(maxFailures: 30, window: 15 * 60, lockout: 15 * 60)

    public struct State: Equatable, Sendable {
        public var failures: Int
        public var windowStart: Double
        public var lockedUntil: Double?

        public init(failures: Int, windowStart: Double, lockedUntil: Double?) {
            self.failures = failures
            self.windowStart = windowStart
            self.lockedUntil = lockedUntil
        }
    }

    /// Seconds left on a lock, or nil when a login may be tried.
    public func lockRemaining(_ state: State?, now: Double) -> Double? {
        guard let until = state?.lockedUntil, until > now else { return nil }
        return until - now
    }

    public func recordingFailure(_ state: State?, now: Double) -> State {
        var next = state ?? State(failures: 0, windowStart: now, lockedUntil: nil)
        if now - next.windowStart > window || (next.lockedUntil.map { $0 <= now } ?? false) {
            next = State(failures: 0, windowStart: now, lockedUntil: nil)
        }
        next.failures += 1
        if next.failures >= maxFailures {
            next.lockedUntil = now + lockout
        }
        return next
    }
}
