import App
import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import Vapor

@main
enum Entrypoint {
    static func main() async throws {
        // Async handlers run on the event loops themselves instead of hopping to Swift's own
        // thread pool and back for every request (first, while still on the main thread).
        let onEventLoops = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        var env = try Environment.detect()
        let config: AppConfig
        do {
            config = try AppConfig.fromEnvironment()
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            exit(78) // EX_CONFIG
        }
        switch config.logFormat {
        case .text:
            try LoggingSystem.bootstrap(from: &env)
        case .json:
            let level = try Logger.Level.detect(from: &env)
            LoggingSystem.bootstrap { JSONLogHandler(label: $0, level: level) }
        }

        let app = try await Application.make(env)
        app.logger.debug("Swift concurrency on the event loops", metadata: ["installed": "\(onEventLoops)"])
        // Vapor's own metrics and ours land in the registry that /metrics emits.
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        app.metricsRegistry = registry

        do {
            try await configure(app, config: config)
            try await app.execute()
        } catch {
            // The log says what failed; end with a plain failure status, not a crash and its backtrace.
            app.logger.report(error: error)
            try? await app.asyncShutdown()
            exit(1)
        }
        try await app.asyncShutdown()
    }
}
