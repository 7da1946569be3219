import Fluent
import Foundation
import SQLKit
import Vapor

/// Encrypts what citizens write in tips (AES-GCM, bound to the tip's id so a sealed value cannot
/// be moved to another tip) and hashes anonymous receipts with a key (HMAC-SHA256), so a copy of
/// the database alone can neither read tips nor test receipts. Both keys derive from one master
/// key (`BINHYEN_TIP_KEY`).
struct TipVault: Sendable {
    private let sealingKey: SymmetricKey
    private let receiptKey: SymmetricKey

    init(masterKey: SymmetricKey) {
        sealingKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: masterKey, info: Data("binhyen tips sealing v1".utf8), outputByteCount: 32)
        receiptKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: masterKey, info: Data("binhyen tips receipts v1".utf8), outputByteCount: 32)
    }

    func seal(_ value: some Encodable, for id: UUID) throws -> Data {
        let plain = try JSONEncoder().encode(value)
        guard let combined = try AES.GCM.seal(plain, using: sealingKey, authenticating: Self.bytes(of: id)).combined else {
            throw Abort(.internalServerError, reason: "sealing failed")
        }
        return combined
    }

    func open<T: Decodable>(_ type: T.Type, from sealed: Data, for id: UUID) throws -> T {
        let box = try AES.GCM.SealedBox(combined: sealed)
        let plain = try AES.GCM.open(box, using: sealingKey, authenticating: Self.bytes(of: id))
        return try JSONDecoder().decode(type, from: plain)
    }

    /// Raw bytes (attachments), without the JSON wrapping.
    func sealBytes(_ plain: Data, for id: UUID) throws -> Data {
        guard let combined = try AES.GCM.seal(plain, using: sealingKey, authenticating: Self.bytes(of: id)).combined else {
            throw Abort(.internalServerError, reason: "sealing failed")
        }
        return combined
    }

    func openBytes(_ sealed: Data, for id: UUID) throws -> Data {
        try AES.GCM.open(try AES.GCM.SealedBox(combined: sealed), using: sealingKey, authenticating: Self.bytes(of: id))
    }

    func receiptHash(_ digits: String) -> String {
        Hex.string(HMAC<SHA256>.authenticationCode(for: Data(digits.utf8), using: receiptKey))
    }

    private static func bytes(of id: UUID) -> Data {
        withUnsafeBytes(of: id.uuid) { Data($0) }
    }

    /// The configured key, or for a single-machine SQLite install a key generated once under the
    /// data directory (with a warning: losing that file makes every tip unreadable).
    static func masterKey(config: AppConfig, logger: Logger) throws -> SymmetricKey {
        if let key = config.tipKey { return SymmetricKey(data: key) }
        let folder = config.dataDirectory + "/keys"
        let path = folder + "/tips.key"
        if let existing = FileManager.default.contents(atPath: path), let key = Data(base64Encoded: String(decoding: existing, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)), key.count == 32 {
            return SymmetricKey(data: key)
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let key = SymmetricKey(size: .bits256)
        let encoded = key.withUnsafeBytes { Data($0).base64EncodedString() }
        guard FileManager.default.createFile(atPath: path, contents: Data((encoded + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw Abort(.internalServerError, reason: "cannot write \(path)")
        }
        logger.warning("BINHYEN_TIP_KEY is not set: generated a tip encryption key at \(path). Back it up, or set BINHYEN_TIP_KEY; without it stored tips cannot be read.")
        return key
    }
}

extension Application {
    private struct TipVaultKey: StorageKey { typealias Value = TipVault }

    var tipVault: TipVault {
        get {
            guard let vault = storage[TipVaultKey.self] else { preconditionFailure("configure(_:config:) sets up the tip vault") }
            return vault
        }
        set { storage[TipVaultKey.self] = newValue }
    }
}
