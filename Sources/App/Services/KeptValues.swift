import Foundation

/// Values kept in memory for at most `lifetime`. When `limit` are kept the store starts again
/// empty: cheaper than tracking which were used last, and it only happens when more distinct
/// keys arrive than the limit allows.
struct KeptValues<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private var entries: [Key: (value: Value, at: ContinuousClock.Instant)] = [:]
    let lifetime: Duration
    /// Each value lives a random time between half the lifetime and the lifetime, so values kept
    /// together (a burst of clients at start) are not all checked again in the same instant.
    let spread: Bool
    /// Values expire together at the end of each `lifetime`-long window of the clock, instead of
    /// `lifetime` after each was kept: a value made from other kept values in the same window then
    /// expires no later than they do.
    let windowed: Bool

    init(lifetime: Duration, windowed: Bool = false, spread: Bool = false) {
        self.lifetime = lifetime
        self.windowed = windowed
        self.spread = spread
    }

    func value(for key: Key) -> Value? {
        guard let entry = entries[key] else { return nil }
        let now = ContinuousClock.now
        if windowed {
            guard window(entry.at) == window(now) else { return nil }
        } else {
            guard now - entry.at < lifetime else { return nil }
        }
        return entry.value
    }

    private func window(_ instant: ContinuousClock.Instant) -> Int64 {
        Int64(((instant - keptValuesEpoch) / lifetime).rounded(.down))
    }

    mutating func keep(_ value: Value, for key: Key, limit: Int) {
        guard limit > 0 else { return }
        if entries.count >= limit { entries.removeAll(keepingCapacity: true) }
        // A spread value is entered as kept up to half a lifetime earlier than it was.
        entries[key] = (value, spread ? .now - lifetime * Double.random(in: 0...0.5) : .now)
    }
}

/// Where the windows of `KeptValues` are counted from.
private let keptValuesEpoch = ContinuousClock.now
