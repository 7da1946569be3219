import App
import Logging
import Metrics
import Prometheus
import Vapor

@main
enum Entrypoint {
    static func main() async throws {
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
        // Vapor's own metrics and ours land in the registry that /metrics emits.
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        app.metricsRegistry = registry

        do {
            try await configure(app, config: config)
            try await app.execute()
        } catch {
            app.logger.report(error: error)
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}
