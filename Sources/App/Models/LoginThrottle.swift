import Fluent
import Foundation

/// Failed logins counted per key ("phone:+84…" or "ip:…"), in the database so that every app
/// node sees the same count.
final class LoginThrottle: Model, @unchecked Sendable { // Fluent models are mutable classes; each instance stays inside one task.
    static let schema = "login_throttles"

    @ID var id: UUID?
    @Field(key: "key") var key: String
    @Field(key: "failures") var failures: Int
    @Field(key: "window_started_at") var windowStartedAt: Date
    @OptionalField(key: "locked_until") var lockedUntil: Date?

    init() {}
}
