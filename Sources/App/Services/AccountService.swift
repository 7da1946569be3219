import BinhYenCore
import Fluent
import Vapor

/// Inputs that failed validation, each with its field and reason. Nothing was changed.
struct ValidationFailure: Error, Sendable {
    var issues: [FieldIssue]
}

enum LoginFailure: Error, Sendable, Equatable {
    /// Wrong number or password (never says which).
    case invalidCredentials
    case locked(secondsLeft: Int)
}

/// Registration, login and officer accounts. Web forms, the API and the commands all come here.
struct AccountService: Sendable {
    let db: any Database
    let passwords: PasswordHashing
    var decoyHash: String = ""

    struct Registration: Sendable {
        var phone: String
        var displayName: String
        var password: String
        var passwordConfirm: String?
    }

    func registerCitizen(_ form: Registration) async throws -> Account {
        try await create(form, kind: .citizen, memberships: [])
    }

    /// Creates an account with roles. Used by admins (for officers) and by `create-admin`.
    func create(_ form: Registration, kind: Account.Kind, memberships: [(unitID: UUID, role: Role)]) async throws -> Account {
        var issues: [FieldIssue] = []
        let phone: PhoneNumber?
        switch AccountRules.phone(form.phone) {
        case .success(let number): phone = number
        case .failure(let issue): phone = nil; issues.append(issue)
        }
        let name: String?
        switch AccountRules.displayName(form.displayName) {
        case .success(let clean): name = clean
        case .failure(let issue): name = nil; issues.append(issue)
        }
        issues += AccountRules.newPassword(form.password, confirmation: form.passwordConfirm)
        if let phone, try await Account.query(on: db).filter(\.$phone == phone.e164).count() > 0 {
            issues.append(FieldIssue(field: "phone", code: "taken",
                                     messageVI: "Số điện thoại này đã được đăng ký. Hãy đăng nhập.",
                                     messageEN: "This phone number is already registered. Please log in."))
        }
        guard issues.isEmpty, let phone, let name else { throw ValidationFailure(issues: issues) }

        let hash = try await passwords.hash(form.password)
        let account = Account(phone: phone.e164, displayName: name, passwordHash: hash, kind: kind)
        do {
            try await db.transaction { db in
                try await account.create(on: db)
                for membership in memberships {
                    try await Membership(accountID: try account.requireID(), unitID: membership.unitID, role: membership.role).create(on: db)
                }
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // Two registrations of one number at the same moment: the unique index decides.
            throw ValidationFailure(issues: [FieldIssue(field: "phone", code: "taken",
                                                        messageVI: "Số điện thoại này đã được đăng ký. Hãy đăng nhập.",
                                                        messageEN: "This phone number is already registered. Please log in.")])
        }
        return account
    }

    /// Checks a phone number and password, counting failures per number and per address.
    func authenticate(phone rawPhone: String, password: String, address: String?, now: Date = Date()) async throws -> Account {
        let phone = try? PhoneNumber(parsing: rawPhone)
        let keys = [phone.map { "phone:" + $0.e164 }, address.map { "ip:" + $0 }].compactMap { $0 }
        let throttles = LoginThrottleStore(db: db)
        for key in keys {
            if let seconds = try await throttles.lockRemaining(key: key, now: now) {
                throw LoginFailure.locked(secondsLeft: Int(seconds.rounded(.up)))
            }
        }
        var account: Account?
        if let phone {
            account = try await Account.query(on: db).filter(\.$phone == phone.e164).filter(\.$disabledAt == nil).first()
        }
        let matches = try await passwords.verify(password, against: account?.passwordHash ?? decoyHash)
        guard let account, matches else {
            for key in keys { try await throttles.recordFailure(key: key, now: now) }
            throw LoginFailure.invalidCredentials
        }
        if let phone { try await throttles.clear(key: "phone:" + phone.e164) }
        return account
    }
}

/// Persists `LoginThrottleRule` state per key.
struct LoginThrottleStore: Sendable {
    let db: any Database

    private func rule(for key: String) -> LoginThrottleRule {
        key.hasPrefix("ip:") ? .perAddress : .perAccount
    }

    func lockRemaining(key: String, now: Date) async throws -> Double? {
        let row = try await LoginThrottle.query(on: db).filter(\.$key == key).first()
        return rule(for: key).lockRemaining(row.map(state), now: now.timeIntervalSince1970)
    }

    func recordFailure(key: String, now: Date) async throws {
        let row = try await LoginThrottle.query(on: db).filter(\.$key == key).first()
        let next = rule(for: key).recordingFailure(row.map(state), now: now.timeIntervalSince1970)
        let record = row ?? LoginThrottle()
        record.key = key
        record.failures = next.failures
        record.windowStartedAt = Date(timeIntervalSince1970: next.windowStart)
        record.lockedUntil = next.lockedUntil.map { Date(timeIntervalSince1970: $0) }
        try await record.save(on: db)
    }

    func clear(key: String) async throws {
        try await LoginThrottle.query(on: db).filter(\.$key == key).delete()
    }

    private func state(_ row: LoginThrottle) -> LoginThrottleRule.State {
        .init(failures: row.failures, windowStart: row.windowStartedAt.timeIntervalSince1970, lockedUntil: row.lockedUntil?.timeIntervalSince1970)
    }
}
