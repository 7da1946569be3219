import BinhYenCore
import Foundation
import Vapor

/// Everything the product reads from the environment, read once at start.
public struct AppConfig: Sendable {
    public enum Storage: Sendable, Equatable {
        case sqlite(path: String)
        case postgres(url: String)
    }

    public var storage: Storage
    /// SQLite file, attachments and generated keys live here.
    public var dataDirectory: String
    public var bcryptCost: Int
    /// Send the session cookie only over HTTPS (set behind a TLS-terminating proxy).
    public var secureCookies: Bool
    public var logFormat: LogFormat
    /// Master key (32 bytes) for tip encryption and receipt hashing; generated under the data
    /// directory when absent and storage is SQLite.
    public var tipKey: Data?
    /// How long units have to acknowledge and close tips.
    public var tipDeadlines: TipDeadlines
    /// Run the outbox worker and the deadline check in the background (off in tests, which
    /// drive them by hand).
    public var backgroundJobs: Bool
    /// Public scam lookups a client address may make per minute (0: no limit).
    public var lookupsPerMinute: Int
    /// Procedure searches whose results are kept in memory (0: none kept).
    public var searchResults: Int
    /// Public scam lookups whose answers are kept in memory until the registry changes (0: none kept).
    public var lookupAnswers: Int
    /// Where the channels' APIs are (other servers in tests and staging).
    public var channelEndpoints: ChannelEndpoints
    /// Messages the delivery worker sends to Zalo per minute, for all pages together (the app's limit).
    public var zaloSendsPerMinute: Int
    /// Seconds the dashboard's figures are kept before they are read again (0: read every time).
    public var statsSeconds: Int
    /// Seconds a bearer token found valid is trusted for the feed and statistics reads without
    /// asking the database again (0: asked every time). Revoking a token takes effect at once.
    public var tokenSeconds: Int

    public struct ChannelEndpoints: Sendable, Equatable {
        public var zaloAPI: String
        public var zaloOAuth: String
        public var telegramAPI: String

        public init(zaloAPI: String = "https://openapi.zalo.me", zaloOAuth: String = "https://oauth.zaloapp.com", telegramAPI: String = "https://api.telegram.org") {
            self.zaloAPI = zaloAPI
            self.zaloOAuth = zaloOAuth
            self.telegramAPI = telegramAPI
        }
    }

    public enum LogFormat: String, Sendable { case text, json }

    public init(storage: Storage, dataDirectory: String, bcryptCost: Int = 12, secureCookies: Bool = false, logFormat: LogFormat = .text, tipKey: Data? = nil, tipDeadlines: TipDeadlines = .standard, backgroundJobs: Bool = true, lookupsPerMinute: Int = 30, searchResults: Int = 10_000, lookupAnswers: Int = 100_000,
                channelEndpoints: ChannelEndpoints = .init(), zaloSendsPerMinute: Int = 4_000, statsSeconds: Int = 60, tokenSeconds: Int = 5) {
        self.storage = storage
        self.dataDirectory = dataDirectory
        self.bcryptCost = bcryptCost
        self.secureCookies = secureCookies
        self.logFormat = logFormat
        self.tipKey = tipKey
        self.tipDeadlines = tipDeadlines
        self.backgroundJobs = backgroundJobs
        self.lookupsPerMinute = lookupsPerMinute
        self.searchResults = searchResults
        self.lookupAnswers = lookupAnswers
        self.channelEndpoints = channelEndpoints
        self.zaloSendsPerMinute = zaloSendsPerMinute
        self.statsSeconds = statsSeconds
        self.tokenSeconds = tokenSeconds
    }

    /// Reads the configuration; every problem is reported at once, so one restart fixes them all.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) -> AppConfig {
        var problems: [String] = []
        let dataDirectory = env["BINHYEN_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "data"

        var storage = Storage.sqlite(path: dataDirectory + "/binhyen.sqlite")
        if let url = env["DATABASE_URL"], !url.isEmpty {
            if let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""), components.host != nil {
                storage = .postgres(url: url)
            } else {
                problems.append("DATABASE_URL: must look like postgres://user:password@host:5432/database")
            }
        }

        var bcryptCost = 12
        if let raw = env["BINHYEN_BCRYPT_COST"] {
            if let cost = Int(raw), (4...31).contains(cost) { bcryptCost = cost } else {
                problems.append("BINHYEN_BCRYPT_COST: must be a whole number from 4 to 31, got \"\(raw)\"")
            }
        }

        var secureCookies = false
        if let raw = env["BINHYEN_SECURE_COOKIES"] {
            switch raw.lowercased() {
            case "1", "true", "yes": secureCookies = true
            case "0", "false", "no", "": secureCookies = false
            default: problems.append("BINHYEN_SECURE_COOKIES: must be true or false, got \"\(raw)\"")
            }
        }

        var logFormat = LogFormat.text
        if let raw = env["BINHYEN_LOG_FORMAT"] {
            if let format = LogFormat(rawValue: raw.lowercased()) { logFormat = format } else {
                problems.append("BINHYEN_LOG_FORMAT: must be text or json, got \"\(raw)\"")
            }
        }

        var tipKey: Data?
        if let raw = env["BINHYEN_TIP_KEY"], !raw.isEmpty {
            if let key = Data(base64Encoded: raw), key.count == 32 { tipKey = key } else {
                problems.append("BINHYEN_TIP_KEY: must be 32 random bytes in base64 (openssl rand -base64 32)")
            }
        } else if case .postgres = storage {
            // Every node must seal and open tips with the same key, so none may invent its own.
            problems.append("BINHYEN_TIP_KEY: required with PostgreSQL (32 random bytes in base64: openssl rand -base64 32)")
        }

        // Deadlines in minutes: acknowledge and close, urgent and other tips.
        var deadlines = TipDeadlines.standard
        let deadlineVariables: [(String, WritableKeyPath<TipDeadlines, TimeInterval>)] = [
            ("BINHYEN_TIP_ACK_URGENT_MINUTES", \.acknowledgeUrgent), ("BINHYEN_TIP_ACK_MINUTES", \.acknowledgeNormal),
            ("BINHYEN_TIP_CLOSE_URGENT_MINUTES", \.closeUrgent), ("BINHYEN_TIP_CLOSE_MINUTES", \.closeNormal),
        ]
        for (name, keyPath) in deadlineVariables {
            guard let raw = env[name], !raw.isEmpty else { continue }
            if let minutes = Int(raw), (1...525_600).contains(minutes) { deadlines[keyPath: keyPath] = TimeInterval(minutes * 60) } else {
                problems.append("\(name): must be a whole number of minutes from 1 to 525600, got \"\(raw)\"")
            }
        }
        if deadlines.acknowledgeUrgent > deadlines.closeUrgent || deadlines.acknowledgeNormal > deadlines.closeNormal {
            problems.append("BINHYEN_TIP_*_MINUTES: a tip cannot have to be closed before it has to be acknowledged")
        }

        func wholeNumber(_ name: String, default value: Int, zeroMeans: String) -> Int {
            guard let raw = env[name], !raw.isEmpty else { return value }
            if let number = Int(raw), (0...1_000_000).contains(number) { return number }
            problems.append("\(name): must be a whole number from 0 (\(zeroMeans)) to 1000000, got \"\(raw)\"")
            return value
        }
        let searchResults = wholeNumber("BINHYEN_SEARCH_RESULTS", default: 10_000, zeroMeans: "keep none")
        let lookupsPerMinute = wholeNumber("BINHYEN_LOOKUP_PER_MINUTE", default: 30, zeroMeans: "no limit")
        let lookupAnswers = wholeNumber("BINHYEN_LOOKUP_ANSWERS", default: 100_000, zeroMeans: "keep none")
        let zaloSendsPerMinute = wholeNumber("BINHYEN_ZALO_SENDS_PER_MINUTE", default: 4_000, zeroMeans: "no limit")
        let statsSeconds = wholeNumber("BINHYEN_STATS_SECONDS", default: 60, zeroMeans: "read every time")
        let tokenSeconds = wholeNumber("BINHYEN_TOKEN_SECONDS", default: 5, zeroMeans: "check every time")

        var endpoints = ChannelEndpoints()
        for (name, keyPath) in [("ZALO_API_BASE_URL", \ChannelEndpoints.zaloAPI), ("ZALO_OAUTH_BASE_URL", \.zaloOAuth), ("TELEGRAM_API_BASE_URL", \.telegramAPI)] {
            guard let raw = env[name], !raw.isEmpty else { continue }
            if let url = URL(string: raw), ["http", "https"].contains(url.scheme ?? ""), url.host != nil {
                endpoints[keyPath: keyPath] = raw.hasSuffix("/") ? String(raw.dropLast()) : raw
            } else {
                problems.append("\(name): must be an http or https address, got \"\(raw)\"")
            }
        }

        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        return AppConfig(storage: storage, dataDirectory: dataDirectory, bcryptCost: bcryptCost, secureCookies: secureCookies, logFormat: logFormat,
                         tipKey: tipKey, tipDeadlines: deadlines, lookupsPerMinute: lookupsPerMinute, searchResults: searchResults, lookupAnswers: lookupAnswers,
                         channelEndpoints: endpoints, zaloSendsPerMinute: zaloSendsPerMinute, statsSeconds: statsSeconds,
                         tokenSeconds: tokenSeconds)
    }
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public var problems: [String]
    public var description: String {
        "Cấu hình không hợp lệ / Invalid configuration:\n" + problems.map { "  - " + $0 }.joined(separator: "\n")
    }
}

extension Application {
    private struct AppConfigKey: StorageKey { typealias Value = AppConfig }

    public var binhyenConfig: AppConfig {
        get {
            guard let config = storage[AppConfigKey.self] else {
                preconditionFailure("configure(_:config:) must run before the configuration is read")
            }
            return config
        }
        set { storage[AppConfigKey.self] = newValue }
    }
}
