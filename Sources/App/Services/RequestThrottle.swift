import Foundation
import NIOConcurrencyHelpers
import Vapor

/// A token bucket per client address, in memory: `perMinute` requests a minute on average, up to
/// `burst` at once. Zero `perMinute` turns it off. The addresses are kept only as long as their
/// bucket is not full again, and never written anywhere.
final class RequestThrottle: Sendable {
    /// Tokens added a second; zero turns the limit off.
    let rate: Double
    let burst: Int
    private let buckets = NIOLockedValueBox<[String: (tokens: Double, at: Double)]>([:])

    convenience init(perMinute: Int, burst: Int) {
        self.init(perSecond: Double(perMinute) / 60, burst: burst)
    }

    init(perSecond: Double, burst: Int) {
        rate = max(perSecond, 0)
        self.burst = burst
    }

    /// Nil when the request may go ahead, otherwise the seconds to wait.
    func admit(_ key: String, now: Double = Date().timeIntervalSince1970) -> Int? {
        guard rate > 0 else { return nil }
        return buckets.withLockedValue { buckets in
            if buckets.count > 100_000 {
                // Forget the buckets that have filled up again: they hold nothing.
                buckets = buckets.filter { $0.value.tokens + (now - $0.value.at) * rate < Double(burst) }
            }
            var bucket = buckets[key] ?? (Double(burst), now)
            bucket.tokens = min(Double(burst), bucket.tokens + (now - bucket.at) * rate)
            bucket.at = now
            guard bucket.tokens >= 1 else {
                buckets[key] = bucket
                return Int(((1 - bucket.tokens) / rate).rounded(.up))
            }
            bucket.tokens -= 1
            buckets[key] = bucket
            return nil
        }
    }
}

extension Application {
    private struct LookupThrottleKey: StorageKey { typealias Value = RequestThrottle }

    /// Limits the public scam lookup per client address (BINHYEN_LOOKUP_PER_MINUTE).
    var lookupThrottle: RequestThrottle {
        get {
            guard let throttle = storage[LookupThrottleKey.self] else { preconditionFailure("configure(_:config:) sets up the lookup throttle") }
            return throttle
        }
        set { storage[LookupThrottleKey.self] = newValue }
    }
}

extension Request {
    private struct LookupDecisionKey: StorageKey { typealias Value = Int? }

    /// Seconds this request's address must wait before another scam lookup, or nil when it may
    /// look up now. Decided once per request (the kept-answer middleware asks before the
    /// handler), so a request takes one token. The address only keys an in-memory bucket; it is
    /// not stored or logged.
    func lookupWait() -> Int? {
        if let decided = storage[LookupDecisionKey.self] { return decided }
        let wait = application.lookupThrottle.admit(remoteAddress?.ipAddress ?? "unknown")
        storage[LookupDecisionKey.self] = .some(wait)
        return wait
    }
}
