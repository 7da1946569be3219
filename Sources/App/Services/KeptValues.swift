import Foundation

/// Values kept in memory for at most `lifetime`. When `limit` are kept the store starts again
/// empty: cheaper than tracking which were used last, and it only happens when more distinct
/// keys arrive than the limit allows.
struct KeptValues<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private var entries: [Key: (value: Value, at: ContinuousClock.Instant)] = [:]
    let lifetime: Duration

    init(lifetime: Duration) {
        self.lifetime = lifetime
    }

    func value(for key: Key) -> Value? {
        guard let entry = entries[key], ContinuousClock.now - entry.at < lifetime else { return nil }
        return entry.value
    }

    mutating func keep(_ value: Value, for key: Key, limit: Int) {
        guard limit > 0 else { return }
        if entries.count >= limit { entries.removeAll(keepingCapacity: true) }
        entries[key] = (value, .now)
    }
}
