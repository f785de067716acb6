import ArgumentParser
import Foundation
import Synchronization
import Logging
import PressworkOrchestrator
import PressworkPipeline
import PressworkRuntime
import PressworkScheduler
import PressworkStore
import PressworkHTTP

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the scheduler, workers, webhook delivery and (with --http) the HTTP API, until SIGTERM or Ctrl-C.",
        discussion: """
            The scheduler fires due schedules (exactly one run per fire, however many `serve` processes \
            share the database); the webhook dispatcher delivers events to the endpoints of `presswork \
            webhooks`; the workers claim queued runs and runs abandoned by dead workers, and \
            execute them. SIGTERM or SIGINT: stop claiming and stop the other services; runs in progress \
            finish the round they are in (its provider calls are not paid twice), up to --drain-seconds, \
            and are handed back (queued, for another worker to continue from their first missing round); \
            exit 0. A second signal hands them back at once.

            --prune-every 24h adds the maintenance service: it prunes as `presswork prune` does, once per \
            interval across all `serve` processes (one at a time, under the prune lock), with the \
            retention of --older-than, --errors-older-than and --events-older-than. Cron or a systemd \
            timer running `presswork prune` is the other way (see cron/ in the repository).

            --http 127.0.0.1:8080 serves the HTTP API (runs, review, progress as Server-Sent Events, \
            schedules, /healthz, /readyz, Prometheus /metrics, /openapi.json); requests need a bearer token \
            from `presswork tokens create`. Traces go over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
            """
    )

    @Option(help: "Runs executed at once by this process (0: the scheduler only).")
    var workers = 2

    @Option(help: ArgumentHelp(
        "Serve the HTTP API (runs, review, progress, schedules, health, /metrics) on this address, e.g. 127.0.0.1:8080; requests need tokens from `presswork tokens create`.",
        valueName: "host:port"
    ))
    var http: HTTPAddress?

    @Option(help: "Prune once per this interval (24h, 12h…) from inside serve; default: never (use cron).")
    var pruneEvery: DurationArgument?

    @Option(help: "With --prune-every: keep done, skipped and cancelled runs this long.")
    var olderThan = DurationArgument("30d", .seconds(30 * 86_400))

    @Option(help: "With --prune-every: keep runs that ended in error this long.")
    var errorsOlderThan = DurationArgument("90d", .seconds(90 * 86_400))

    @Option(help: "With --prune-every: keep events this long.")
    var eventsOlderThan = DurationArgument("14d", .seconds(14 * 86_400))

    @OptionGroup var leases: LeaseOptions

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let maintenance = pruneEvery.map {
            Service.Maintenance(interval: $0.duration, retention: Pruner.Retention(
                finished: olderThan.duration, errors: errorsOlderThan.duration, events: eventsOlderThan.duration
            ))
        }
        try await Service.run(
            global: global, workers: workers, leases: leases, scheduler: true, maintenance: maintenance, http: http
        )
    }
}

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run workers only (no scheduler), until SIGTERM or Ctrl-C.",
        discussion: "Claims queued runs and runs abandoned by dead workers and executes them; see `serve`."
    )

    @Option(help: "Runs executed at once by this process.")
    var concurrency = 2

    @OptionGroup var leases: LeaseOptions

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await Service.run(
            global: global, workers: concurrency, leases: leases, scheduler: false
        )
    }
}

/// How workers hold and give up runs, shared by `serve` and `worker`.
struct LeaseOptions: ParsableArguments {
    @Option(help: "Seconds a claim lasts without a heartbeat; a dead worker's runs are taken over after it.")
    var leaseSeconds: Double = 30

    @Option(help: "A run abandoned by this many workers (their leases expired while it ran) ends as error instead of being taken over again.")
    var maxAbandoned = 3

    @Option(help: "On SIGTERM or Ctrl-C, seconds that runs in progress may take to finish their round before they are handed back (0: hand back at once; a second signal always does).")
    var drainSeconds: Double = 20
}

/// The long-running services of `serve` and `worker`.
enum Service {
    struct Maintenance {
        let interval: Duration
        let retention: Pruner.Retention
    }

    static func run(
        global: GlobalOptions, workers: Int, leases: LeaseOptions, scheduler: Bool, maintenance: Maintenance? = nil,
        http: HTTPAddress? = nil
    ) async throws {
        let leaseSeconds = leases.leaseSeconds
        let maxAbandoned = leases.maxAbandoned
        guard (scheduler ? 0 : 1)...64 ~= workers else {
            throw ValidationError("workers must be between \(scheduler ? 0 : 1) and 64, not \(workers)")
        }
        guard (1...100).contains(maxAbandoned) else {
            throw ValidationError("max-abandoned must be between 1 and 100, not \(maxAbandoned)")
        }
        guard leaseSeconds >= 1, leaseSeconds <= 3_600 else {
            throw ValidationError("lease-seconds must be between 1 and 3600, not \(leaseSeconds)")
        }
        guard (0...3_600).contains(leases.drainSeconds) else {
            throw ValidationError("drain-seconds must be between 0 and 3600, not \(leases.drainSeconds)")
        }
        let (settings, logger) = try global.bootstrap(defaultLogLevel: .info)
        let traces = try TraceExport.startIfConfigured(logger: logger)
        let services = try await Services.open(
            settings: settings, logger: logger,
            maxConnections: workers * 2 + 3 + (maintenance == nil ? 0 : 1) + (http == nil ? 0 : 8)
        )
        let orchestrator = services.orchestrator(configuration: OrchestratorConfiguration(
            leaseSeconds: leaseSeconds, heartbeatSeconds: leaseSeconds / 3
        ))
        let pool = WorkerPool(
            orchestrator: orchestrator, listenConfiguration: services.pool.configuration,
            configuration: .init(concurrency: max(1, workers), maxAbandoned: maxAbandoned), logger: logger
        )
        // Before anything runs, so that every metric reaches the registry /metrics renders.
        let registry = http.map { _ in PressworkMetrics.bootstrap() }
        let workersTask = Task {
            if workers > 0 { try await pool.run() }
        }
        // The scheduler, webhook delivery, the HTTP API and maintenance: stopped at once on the
        // first signal (fires and deliveries are idempotent, their work is in Postgres).
        let servicesTask = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                if scheduler {
                    group.addTask {
                        try await SchedulerService(store: services.schedules, pipelineVersion: Pipeline.version, logger: logger).run()
                    }
                    group.addTask {
                        try await WebhookDispatcher(
                            store: WebhookStore(pool: services.pool), listenConfiguration: services.pool.configuration,
                            logger: logger
                        ).run()
                    }
                }
                if let http, let registry {
                    let server = APIServer(pool: services.pool, registry: registry, defaults: .init(
                        configurations: services.catalog, pipelineVersion: Pipeline.version
                    ), logger: logger)
                    group.addTask {
                        try await server.run(host: http.host, port: http.port) { port in
                            logger.notice("HTTP API listening", metadata: ["address": "\(http.host):\(port)"])
                        }
                    }
                }
                if let maintenance {
                    group.addTask {
                        try await MaintenanceService(
                            pruner: Pruner(pool: services.pool, logger: logger), retention: maintenance.retention,
                            interval: maintenance.interval, owner: orchestrator.configuration.owner, logger: logger
                        ).run()
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        }
        // First signal: stop claiming and the other services; runs in progress finish the round
        // they are in (up to --drain-seconds), then are handed back. Second signal: hand back now.
        let drainSeconds = leases.drainSeconds
        let signalsSeen = SignalCount()
        let signals = TerminationSignals {
            if signalsSeen.increment() == 1 && drainSeconds > 0 {
                logger.notice("stopping: no new claims; runs in progress finish their round, then are handed back", metadata: [
                    "drain_seconds": "\(drainSeconds)",
                ])
                orchestrator.configuration.drain.request()
                servicesTask.cancel()
                Task {
                    try? await Task.sleep(for: .milliseconds(Int64(drainSeconds * 1000)))
                    workersTask.cancel()
                }
            } else {
                logger.notice("stopping now: runs in progress are handed back")
                servicesTask.cancel()
                workersTask.cancel()
            }
        }
        logger.notice("serving", metadata: [
            "workers": "\(workers)", "scheduler": "\(scheduler)", "owner": "\(orchestrator.configuration.owner)",
        ])
        // Either part failing stops the other; the process then exits with the failure.
        var failure: (any Error)?
        await withTaskGroup(of: (any Error)?.self) { group in
            group.addTask { await Self.failure(of: workersTask) }
            group.addTask { await Self.failure(of: servicesTask) }
            for await error in group where error != nil && failure == nil {
                failure = error
                workersTask.cancel()
                servicesTask.cancel()
            }
        }
        signals.restore()
        await services.close()
        await traces?.shutdown()
        if let failure { throw failure }
        logger.notice("stopped")
    }

    /// What ended a task, unless it ended normally or was cancelled.
    static func failure(of task: Task<Void, any Error>) async -> (any Error)? {
        do {
            try await task.value
            return nil
        } catch is CancellationError {
            return nil
        } catch {
            return error
        }
    }
}

/// How many termination signals arrived (the first drains, the second stops at once).
final class SignalCount: Sendable {
    private let count = Mutex(0)

    func increment() -> Int {
        count.withLock { value in
            value += 1
            return value
        }
    }
}

/// `--http HOST:PORT` (a bare port means 127.0.0.1).
struct HTTPAddress: ExpressibleByArgument, Sendable {
    let host: String
    let port: Int

    init?(argument: String) {
        let (host, portText): (String, Substring)
        if let colon = argument.lastIndex(of: ":") {
            host = String(argument[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            portText = argument[argument.index(after: colon)...]
        } else {
            (host, portText) = ("127.0.0.1", Substring(argument))
        }
        guard !host.isEmpty, let port = Int(portText), (0...65_535).contains(port) else { return nil }
        self.host = host
        self.port = port
    }
}
