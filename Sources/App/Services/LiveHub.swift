import Foundation
import Vapor

/// The duty desks connected to this process, and the events they should see. A desk subscribes
/// with the units where its officer may read tips; an event reaches it when one of those units is
/// in the event's audience (the routed units and everything above them).
actor LiveHub {
    struct Subscriber: Sendable {
        var units: Set<UUID>
        var send: @Sendable (String) async -> Void
    }

    private var subscribers: [UUID: Subscriber] = [:]
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    func subscribe(units: Set<UUID>, send: @escaping @Sendable (String) async -> Void) -> UUID {
        let id = UUID()
        subscribers[id] = Subscriber(units: units, send: send)
        return id
    }

    func unsubscribe(_ id: UUID) {
        subscribers[id] = nil
    }

    /// What a desk receives: the event without its audience.
    struct Message: Encodable {
        var kind: String
        var id: UUID
        var reference: String
        var category: String
        var commune: String
        var createdAt: Date
    }

    func publish(_ event: LiveTipEvent) async {
        let audience = Set(event.audience)
        let targets = subscribers.values.filter { !$0.units.isDisjoint(with: audience) }
        guard !targets.isEmpty,
              let data = try? encoder.encode(Message(kind: event.kind, id: event.id, reference: event.reference,
                                                     category: event.category, commune: event.commune, createdAt: event.createdAt))
        else { return }
        let text = String(decoding: data, as: UTF8.self)
        for target in targets { await target.send(text) }
    }
}

extension Application {
    private struct LiveHubKey: StorageKey { typealias Value = LiveHub }

    var liveHub: LiveHub {
        get {
            guard let hub = storage[LiveHubKey.self] else { preconditionFailure("configure(_:config:) sets up the live hub") }
            return hub
        }
        set { storage[LiveHubKey.self] = newValue }
    }
}
