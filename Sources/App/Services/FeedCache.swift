import Foundation
import Fluent
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// What feeds read on every visit and rarely changes, kept in memory: the posts (with their unit's
/// and page's names, and their JSON for the API), each reader's sources (the groups they belong to,
/// the pages they follow) and the head of each source (its first entries in feed order), which
/// every member of a group and every follower of a page shares. This node forgets an entry as soon
/// as it changes it.
///
/// - Posts are kept for `postLifetime` (a minute), and forgotten when another node changes them:
///   about once a second a request reads the posts stamped since the last read
///   (`StampPostChanges`) and forgets those. Kept posts are trusted only while that read is
///   younger than `lifetime`. The names of a post's unit and page, kept with it, may lag up to
///   `postLifetime` on a node that did not rename them.
/// - Sources and heads are kept for `lifetime`, each a random time between half of it and all of
///   it, so entries read together do not all expire, and are read again, in the same instant.
///
/// Bounded: when a kind of entry is full, it starts again empty.
final class FeedCache: Sendable {
    struct Sources: Sendable {
        var groups: [UUID]
        var pages: [UUID]
    }

    /// Where feed entries come from: a group's targets or a page's posts.
    enum Source: Hashable, Sendable {
        case group(UUID)
        case page(UUID)
    }

    /// A source's first entries in feed order, read at `readAt` (already published then, not yet
    /// expired then). `complete` when the source has no more.
    struct Head: Sendable {
        var entries: [PostService.Entry]
        var complete: Bool
        var readAt: Date
    }

    private struct Entry<Value: Sendable>: Sendable {
        var value: Value
        var until: ContinuousClock.Instant
    }

    /// The posts kept, and how far this node has followed the posts' change stamps.
    private struct Kept {
        var entries: [UUID: Entry<PostService.FeedItem>] = [:]
        /// The next read takes the stamps from here on (milliseconds, the database's clock):
        /// `overlap` before the last read began, because a transaction commits a little after it
        /// stamps.
        var sinceMs: Int64
        /// Posts forgotten within the overlap: the stamp acted on (nil when this node forgot one
        /// it changed), and when. A row read again is not forgotten again, and a post read from
        /// the database before it was forgotten is not kept.
        var forgotten: [UUID: (stamp: Int64?, at: ContinuousClock.Instant)] = [:]
        var following = false
        var lastStarted: ContinuousClock.Instant?
        /// When the last complete read of the stamps began.
        var lastRead: ContinuousClock.Instant?
    }

    static let followInterval: Duration = .seconds(1)
    static let overlapMs: Int64 = 10_000

    private let posts: NIOLockedValueBox<Kept>
    private let sources = NIOLockedValueBox<[UUID: Entry<Sources>]>([:])
    private struct KeptHeads {
        var entries: [Source: Entry<Head>] = [:]
        /// Bumped by `forgetHeads`: heads read from the database before it are not kept.
        var generation = 0
    }

    private let heads = NIOLockedValueBox(KeptHeads())
    /// Heads kept at most (about 51 entries each).
    static let headCapacity = 20_000
    let lifetime: Duration
    let postLifetime: Duration
    let capacity: Int
    let postCapacity: Int
    /// A post's JSON in the API without the reader's marks (`FeedJSON`), made once when the post
    /// is read from the database.
    let encode: (@Sendable (PostService.FeedItem) -> [UInt8])?

    init(lifetime: Duration = .seconds(5), postLifetime: Duration = .seconds(60), capacity: Int = 200_000, postCapacity: Int = 50_000,
         encode: (@Sendable (PostService.FeedItem) -> [UInt8])? = nil) {
        self.lifetime = lifetime
        self.postLifetime = postLifetime
        self.capacity = capacity
        self.postCapacity = postCapacity
        self.encode = encode
        posts = NIOLockedValueBox(Kept(sinceMs: 0))
    }

    /// The kept posts among `ids`; none while the posts' changes have not been read lately.
    func posts(_ ids: [UUID]) -> [UUID: PostService.FeedItem] {
        let now = ContinuousClock.now
        return posts.withLockedValue { kept in
            guard let read = kept.lastRead, now - read < lifetime else { return [:] }
            var found: [UUID: PostService.FeedItem] = [:]
            for id in ids { if let entry = kept.entries[id], entry.until > now { found[id] = entry.value } }
            return found
        }
    }

    /// Keeps the posts read from the database from `began` on, each with its JSON, except those
    /// forgotten since that read began; returns them all.
    func store(_ items: [PostService.FeedItem], readSince began: ContinuousClock.Instant) -> [PostService.FeedItem] {
        let until = ContinuousClock.now + postLifetime
        let items = items.map { item in
            var item = item
            item.json = encode?(item)
            return item
        }
        posts.withLockedValue { kept in
            if kept.entries.count + items.count > postCapacity { kept.entries.removeAll(keepingCapacity: true) }
            for item in items {
                guard let id = item.post.id else { continue }
                if let forgotten = kept.forgotten[id], forgotten.at >= began { continue }
                kept.entries[id] = Entry(value: item, until: until)
            }
        }
        return items
    }

    func forgetPost(_ id: UUID) {
        let now = ContinuousClock.now
        posts.withLockedValue { kept in
            kept.entries.removeValue(forKey: id)
            kept.forgotten[id] = (kept.forgotten[id]?.stamp, now)
        }
    }

    /// A page was verified: every kept post of it carries the old mark.
    func forgetPosts() {
        let now = ContinuousClock.now
        posts.withLockedValue { kept in
            for id in kept.entries.keys { kept.forgotten[id] = (kept.forgotten[id]?.stamp, now) }
            kept.entries.removeAll(keepingCapacity: true)
        }
    }

    /// Reads the posts stamped since the last read and forgets them, at most once a
    /// `followInterval` on this node; a request that finds another one reading goes on.
    func followChanges(on db: any Database) async throws {
        let start = ContinuousClock.now
        // The first read only takes the database's clock (no stamp is that large), and what was
        // kept before it is dropped: there was nothing to compare it with.
        let claimed: (since: Int64, first: Bool)? = posts.withLockedValue { kept in
            if kept.following { return nil }
            if let last = kept.lastStarted, start - last < Self.followInterval { return nil }
            kept.following = true
            kept.lastStarted = start
            return kept.lastRead == nil ? (Int64.max, true) : (kept.sinceMs, false)
        }
        guard let (since, first) = claimed else { return }
        do {
            // The stamps come from the database's clock: so does the start of the next read (the
            // last row, without an id).
            let sql = try db.requireSQL()
            let rows = try await sql.raw("""
                SELECT id, changed_ms FROM posts WHERE changed_ms >= \(bind: since)
                UNION ALL SELECT NULL, \(unsafeRaw: StampPostChanges.nowMs(sql.dialect.name))
                """).all()
            var changed: [(UUID, Int64)] = []
            var startMs = first ? 0 : since
            for row in rows {
                let stamp = try row.decode(column: "changed_ms", as: Int64.self)
                if let id = try row.decode(column: "id", as: UUID?.self) { changed.append((id, stamp)) } else { startMs = stamp }
            }
            let now = ContinuousClock.now
            posts.withLockedValue { kept in
                if first { kept.entries.removeAll(keepingCapacity: true) }
                for (id, stamp) in changed where kept.forgotten[id]?.stamp != stamp {
                    kept.entries.removeValue(forKey: id)
                    kept.forgotten[id] = (stamp, now)
                }
                kept.sinceMs = startMs - Self.overlapMs
                kept.forgotten = kept.forgotten.filter { now - $0.value.at < .milliseconds(2 * Self.overlapMs) }
                kept.lastRead = start
                kept.following = false
            }
        } catch {
            posts.withLockedValue { $0.following = false }
            throw error
        }
    }

    func sources(of account: UUID) -> Sources? {
        let now = ContinuousClock.now
        return sources.withLockedValue { cached in
            guard let entry = cached[account], entry.until > now else { return nil }
            return entry.value
        }
    }

    func store(_ value: Sources, of account: UUID) {
        let until = expiry()
        sources.withLockedValue { cached in
            if cached.count >= capacity { cached.removeAll(keepingCapacity: true) }
            cached[account] = Entry(value: value, until: until)
        }
    }

    func forgetSources(of account: UUID) {
        _ = sources.withLockedValue { $0.removeValue(forKey: account) }
    }

    /// The heads kept for the sources, each only if read within `lifetime` before `now` (a feed
    /// asked for another time is read afresh), and the generation to store fresh ones with.
    func heads(_ keys: [Source], at now: Date) -> (found: [Source: Head], generation: Int) {
        let clock = ContinuousClock.now
        let window = Double(lifetime.components.seconds) + Double(lifetime.components.attoseconds) / 1e18
        return heads.withLockedValue { kept in
            var found: [Source: Head] = [:]
            for key in keys {
                if let entry = kept.entries[key], entry.until > clock, entry.value.readAt <= now, now.timeIntervalSince(entry.value.readAt) < window {
                    found[key] = entry.value
                }
            }
            return (found, kept.generation)
        }
    }

    /// Keeps heads read from the database, unless a post changed since `generation` was taken.
    func store(_ read: [Source: Head], generation: Int) {
        let until = expiry()
        heads.withLockedValue { kept in
            guard kept.generation == generation else { return }
            if kept.entries.count + read.count > Self.headCapacity { kept.entries.removeAll(keepingCapacity: true) }
            for (key, head) in read { kept.entries[key] = Entry(value: head, until: until) }
        }
    }

    private func expiry() -> ContinuousClock.Instant {
        .now + lifetime * Double.random(in: 0.5...1)
    }

    /// A post was published, withdrawn, pinned or unpinned: every head may have changed.
    func forgetHeads() {
        heads.withLockedValue { kept in
            kept.entries.removeAll(keepingCapacity: true)
            kept.generation += 1
        }
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
