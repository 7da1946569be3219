import Prometheus
import Vapor

/// Counts requests and their durations per route pattern (never the raw path, which would
/// make a new series for every unit code) for /metrics.
struct RequestMetricsMiddleware: AsyncMiddleware {
    let registry: PrometheusCollectorRegistry
    static let buckets: [Duration] = [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                                      .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5)]

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let start = ContinuousClock.now
        var status: HTTPStatus = .internalServerError
        defer {
            let route = request.route.map { "/" + $0.path.map(\.description).joined(separator: "/") } ?? "unmatched"
            let labels = [("method", request.method.rawValue), ("route", route), ("status", String(status.code))]
            registry.makeCounter(name: "binhyen_http_requests_total", labels: labels).increment()
            registry.makeDurationHistogram(name: "binhyen_http_request_duration_seconds",
                                           labels: [("method", request.method.rawValue), ("route", route)],
                                           buckets: Self.buckets).record(ContinuousClock.now - start)
        }
        do {
            let response = try await next.respond(to: request)
            status = response.status
            return response
        } catch {
            status = (error as? any AbortError)?.status ?? .internalServerError
            throw error
        }
    }
}

extension Application {
    private struct MetricsRegistryKey: StorageKey { typealias Value = PrometheusCollectorRegistry }

    /// The registry /metrics emits. The executable also makes it the swift-metrics backend.
    public var metricsRegistry: PrometheusCollectorRegistry {
        get {
            if let registry = storage[MetricsRegistryKey.self] { return registry }
            let registry = PrometheusCollectorRegistry()
            storage[MetricsRegistryKey.self] = registry
            return registry
        }
        set { storage[MetricsRegistryKey.self] = newValue }
    }
}
