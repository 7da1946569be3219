import Foundation
import NIOConcurrencyHelpers
import Vapor

/// What feeds read on every visit and rarely changes, kept in memory for a few seconds: the posts
/// (with their unit's and page's names) and each reader's sources (the groups they belong to, the
/// pages they follow). This node forgets an entry as soon as it changes it; another node's change
/// shows here within `lifetime`. Bounded: when full, it starts again empty.
final class FeedCache: Sendable {
    struct Sources: Sendable {
        var groups: [UUID]
        var pages: [UUID]
    }

    private struct Entry<Value: Sendable>: Sendable {
        var value: Value
        var until: ContinuousClock.Instant
    }

    private let posts = NIOLockedValueBox<[UUID: Entry<PostService.FeedItem>]>([:])
    private let sources = NIOLockedValueBox<[UUID: Entry<Sources>]>([:])
    let lifetime: Duration
    let capacity: Int

    init(lifetime: Duration = .seconds(5), capacity: Int = 200_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    func posts(_ ids: [UUID]) -> [UUID: PostService.FeedItem] {
        let now = ContinuousClock.now
        return posts.withLockedValue { cached in
            var found: [UUID: PostService.FeedItem] = [:]
            for id in ids { if let entry = cached[id], entry.until > now { found[id] = entry.value } }
            return found
        }
    }

    func store(_ items: [PostService.FeedItem]) {
        let until = ContinuousClock.now + lifetime
        posts.withLockedValue { cached in
            if cached.count + items.count > capacity { cached.removeAll(keepingCapacity: true) }
            for item in items { if let id = item.post.id { cached[id] = Entry(value: item, until: until) } }
        }
    }

    func forgetPost(_ id: UUID) {
        _ = posts.withLockedValue { $0.removeValue(forKey: id) }
    }

    func sources(of account: UUID) -> Sources? {
        let now = ContinuousClock.now
        return sources.withLockedValue { cached in
            guard let entry = cached[account], entry.until > now else { return nil }
            return entry.value
        }
    }

    func store(_ value: Sources, of account: UUID) {
        let until = ContinuousClock.now + lifetime
        sources.withLockedValue { cached in
            if cached.count >= capacity { cached.removeAll(keepingCapacity: true) }
            cached[account] = Entry(value: value, until: until)
        }
    }

    func forgetSources(of account: UUID) {
        _ = sources.withLockedValue { $0.removeValue(forKey: account) }
    }
}

extension Application {
    private struct FeedCacheKey: StorageKey { typealias Value = FeedCache }

    var feedCache: FeedCache {
        get {
            guard let cache = storage[FeedCacheKey.self] else { preconditionFailure("configure(_:config:) sets up the feed cache") }
            return cache
        }
        set { storage[FeedCacheKey.self] = newValue }
    }
}
