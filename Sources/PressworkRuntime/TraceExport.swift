import Foundation
import Logging
import OTel
import ServiceLifecycle
import Tracing

/// Traces of runs (a span per run, per round and per provider call, and per API request),
/// exported over OTLP/HTTP when the standard OpenTelemetry variables ask for it:
/// `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), and optionally
/// `OTEL_SERVICE_NAME`, `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_TRACES_SAMPLER`… Without an endpoint
/// nothing is set up and spans cost next to nothing (a no-op tracer).
public final class TraceExport: Sendable {
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(group: ServiceGroup, task: Task<Void, any Error>) {
        self.group = group
        self.task = task
    }

    /// Starts the exporter and makes it the process's tracer; nil when no endpoint is configured.
    /// Call once per process, before any span is made.
    public static func startIfConfigured(
        environment: [String: String] = ProcessInfo.processInfo.environment, logger: Logger
    ) throws -> TraceExport? {
        let endpoint = environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] ?? environment["OTEL_EXPORTER_OTLP_ENDPOINT"]
        guard let endpoint, !endpoint.isEmpty else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = "presswork"
        configuration.logs.enabled = false
        configuration.metrics.enabled = false   // metrics go to Prometheus (/metrics)
        configuration.traces.enabled = true
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        let (tracer, service) = try OTel.makeTracingBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(tracer)
        let group = ServiceGroup(configuration: .init(services: [service], logger: logger))
        let task = Task { try await group.run() }
        logger.info("exporting traces over OTLP", metadata: ["endpoint": "\(endpoint)"])
        return TraceExport(group: group, task: task)
    }

    /// Exports the spans still buffered and stops.
    public func shutdown() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
