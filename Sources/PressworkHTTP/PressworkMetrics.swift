import Metrics
import Prometheus

/// The process's metrics, exported at /metrics: swift-metrics backed by a Prometheus registry.
public enum PressworkMetrics {
    /// Bootstraps swift-metrics (once per process) and returns the registry /metrics renders.
    /// Round durations get buckets from 10 ms to 10 minutes: a model round takes seconds to
    /// minutes, where the default buckets (up to 10 s) would put everything in the last one.
    public static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["presswork_round_duration_seconds"] = [
            .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5),
            .seconds(10), .seconds(30), .seconds(60), .seconds(120), .seconds(300), .seconds(600),
        ]
        factory.durationHistogramBuckets["presswork_schedule_lateness_seconds"] = [
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5),
            .seconds(10), .seconds(30), .seconds(60), .seconds(300),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }
}
