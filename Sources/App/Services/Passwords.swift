import Vapor

/// Bcrypt hashing off the event loops (each hash takes a noticeable slice of a core).
struct PasswordHashing: Sendable {
    let cost: Int
    let threadPool: NIOThreadPool

    func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await threadPool.runIfActive { try Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, against hash: String) async throws -> Bool {
        try await threadPool.runIfActive { try Bcrypt.verify(password, created: hash) }
    }
}

extension Application {
        private struct DecoyHashKey: StorageKey { typealias Value = String }

    var binhyenPasswords: PasswordHashing {
        PasswordHashing(cost: binhyenConfig.bcryptCost, threadPool: threadPool)
    }

    /// A hash of nothing anyone knows, checked when a phone number has no account, so that a
    /// login attempt takes as long whether or not the number is registered.
    var decoyPasswordHash: String {
        get { storage[DecoyHashKey.self] ?? "" }
        set { storage[DecoyHashKey.self] = newValue }
    }
}

extension Request {
    var passwordHashing: PasswordHashing { application.binhyenPasswords }
}
