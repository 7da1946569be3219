import NIOConcurrencyHelpers
import Vapor

/// The requests being answered, so that a shutdown lets them finish before the database
/// connections close. A client that hangs up does not stop its request on the server: without
/// this, a request still running when the server stops would reach for a database already gone.
final class InFlightRequests: LifecycleHandler, Sendable {
    private let running = NIOLockedValueBox(0)
    /// How long a shutdown waits for the last requests.
    static let patience: Duration = .seconds(10)

    var count: Int { running.withLockedValue { $0 } }

    /// Returns true once no request is under way, false when `patience` ran out first.
    func drained(patience: Duration = InFlightRequests.patience) async -> Bool {
        let deadline = ContinuousClock.now + patience
        while count > 0 {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    /// Registered after the write gate, so it runs first: the server stops accepting (Vapor would
    /// stop it only later, among the stored services, in no set order with the databases), the
    /// last requests finish, then the gate and the databases close.
    func shutdownAsync(_ app: Application) async {
        await app.server.shutdown()
        if await !drained() {
            app.logger.warning("requests still running at shutdown", metadata: ["count": "\(count)"])
        }
    }

    /// Counts every request from its first middleware to its response.
    struct Middleware: AsyncMiddleware {
        let requests: InFlightRequests

        func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
            requests.running.withLockedValue { $0 += 1 }
            defer { requests.running.withLockedValue { $0 -= 1 } }
            return try await next.respond(to: request)
        }
    }
}

extension Application {
    private struct InFlightKey: StorageKey { typealias Value = InFlightRequests }

    /// The requests being answered (set by `configure`).
    var inFlightRequests: InFlightRequests? {
        get { storage[InFlightKey.self] }
        set { storage[InFlightKey.self] = newValue }
    }
}
