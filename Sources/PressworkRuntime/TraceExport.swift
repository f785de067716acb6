import Foundation
import Logging
import OTel
import PressworkCore
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
        let variable =
            environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] == nil ? "OTEL_EXPORTER_OTLP_ENDPOINT" : "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
        guard let endpoint = environment[variable], !endpoint.isEmpty else { return nil }
        guard let components = URLComponents(string: endpoint), ["http", "https"].contains(components.scheme?.lowercased() ?? ""),
            components.host?.isEmpty == false
        else {
            throw SettingsError("\(variable) must be an http:// or https:// URL with a host (the collector), not \(endpoint)")
        }
        // Header values carry the collector's API key (`x-honeycomb-team=…`): masked in every
        // log, the exporter's own included, which logs the configuration it read.
        for name in ["OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"] {
            for pair in (environment[name] ?? "").split(separator: ",") {
                SecretRedactor.register(pair.split(separator: "=", maxSplits: 1).dropFirst().first.map(String.init))
            }
        }
        var configuration = OTel.Configuration.default
        configuration.diagnosticLogger = .custom(logger)
        // The exporter's diagnostics at this process's level, not the library's default (info).
        switch logger.logLevel {
        case .trace: configuration.diagnosticLogLevel = .trace
        case .debug: configuration.diagnosticLogLevel = .debug
        case .info, .notice: configuration.diagnosticLogLevel = .info
        case .warning: configuration.diagnosticLogLevel = .warning
        case .error, .critical: configuration.diagnosticLogLevel = .error
        }
        configuration.serviceName = "presswork"
        configuration.logs.enabled = false
        configuration.metrics.enabled = false  // metrics go to Prometheus (/metrics)
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
