import Testing
@testable import BinhYenCore

@Suite("Account rules and login throttling")
struct AccountRulesTests {
    @Test("Names are cleaned to NFC with single spaces; empty, too long and markup are refused")
    func displayNames() throws {
        #expect(try AccountRules.displayName("  Nguyễn   Thị  Lan ").get() == "Nguyễn Thị Lan")
        #expect(try AccountRules.displayName("Nguye\u{302}\u{303}n").get().unicodeScalars.count == 6, "NFD input is stored as NFC")
        for bad in ["", "   ", "A", String(repeating: "x", count: 81), "<script>"] {
            #expect(throws: FieldIssue.self) { try AccountRules.displayName(bad).get() }
        }
        #expect(try AccountRules.displayName("Lan\u{0007}\u{0000}Anh").get() == "Lan Anh", "control characters are dropped")
        if case .failure(let issue) = AccountRules.displayName("") {
            #expect(issue.field == "displayName")
            #expect(issue.messageVI == "Vui lòng nhập họ và tên.")
        }
    }

    @Test("Passwords need 8 to 128 characters, some variety, and a matching confirmation")
    func passwords() {
        #expect(AccountRules.newPassword("mat-khau-1", confirmation: "mat-khau-1").isEmpty)
        #expect(AccountRules.newPassword("1234567", confirmation: nil).map(\.code) == ["length"])
        #expect(AccountRules.newPassword(String(repeating: "a", count: 129), confirmation: nil).map(\.code) == ["length"])
        #expect(AccountRules.newPassword("aaaaaaaaaa", confirmation: nil).map(\.code) == ["weak"])
        let mismatch = AccountRules.newPassword("mat-khau-1", confirmation: "mat-khau-2")
        #expect(mismatch.map(\.field) == ["passwordConfirm"])
    }

    @Test("Five failures in the window lock for the lockout; the lock ends and counting restarts")
    func throttle() {
        let rule = LoginThrottleRule(maxFailures: 5, window: 900, lockout: 900)
        var state: LoginThrottleRule.State?
        for i in 0..<4 {
            state = rule.recordingFailure(state, now: Double(i))
            #expect(rule.lockRemaining(state, now: Double(i)) == nil)
        }
        state = rule.recordingFailure(state, now: 10)
        #expect(rule.lockRemaining(state, now: 10) == 900)
        #expect(rule.lockRemaining(state, now: 909) == 1)
        #expect(rule.lockRemaining(state, now: 910) == nil)
        state = rule.recordingFailure(state, now: 911)
        #expect(state?.failures == 1, "a failure after the lock ended starts a new count")
        #expect(rule.lockRemaining(state, now: 911) == nil)
    }

    @Test("Failures spread beyond the window never lock")
    func slowFailures() {
        let rule = LoginThrottleRule.perAccount
        var state: LoginThrottleRule.State?
        for i in 0..<20 {
            state = rule.recordingFailure(state, now: Double(i) * 1000)
            #expect(rule.lockRemaining(state, now: Double(i) * 1000) == nil)
        }
    }
}
