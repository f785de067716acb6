import ArgumentParser
import Foundation
import Logging
import PressworkHTTP
import PressworkOrchestrator
import PressworkPipeline
import PressworkRuntime
import PressworkScheduler
import PressworkStore

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the scheduler, workers, webhook delivery and (with --http) the HTTP API, until SIGTERM or Ctrl-C.",
        discussion: """
            The scheduler fires due schedules (exactly one run per fire, however many `serve` processes \
            share the database); the webhook dispatcher delivers events to the endpoints of `presswork \
            webhooks`; the workers claim queued runs and runs abandoned by dead workers, and \
            execute them. SIGTERM or SIGINT: the workers stop claiming; runs in progress finish the \
            round they are in (its provider calls are not paid twice), up to --drain-seconds, and are \
            handed back (queued, for another worker to continue from their first missing round); then \
            the other services stop; exit 0. A second signal hands them back at once.

            --prune-every 24h adds the maintenance service: it prunes as `presswork prune` does, once per \
            interval across all `serve` processes (one at a time, under the prune lock), with the \
            retention of --older-than, --errors-older-than and --events-older-than. Cron or a systemd \
            timer running `presswork prune` is the other way (see cron/ in the repository).

            --http 127.0.0.1:8080 serves the HTTP API (runs, review, progress as Server-Sent Events, \
            schedules, /healthz, /readyz, Prometheus /metrics, /openapi.json); requests need a bearer token \
            from `presswork tokens create`. The same port serves the web console at /console (sign in with a \
            token, or with a link from `presswork console-url`). Traces go over OTLP when \
            OTEL_EXPORTER_OTLP_ENDPOINT is set.
            """
    )

    @Option(help: "Runs executed at once by this process (0: the scheduler only; up to 10000, sharing --pool-size connections).")
    var workers = 2

    @Option(
        help: ArgumentHelp(
            "Serve the HTTP API (runs, review, progress, schedules, health, /metrics) and the web console (/console) on this address, e.g. 127.0.0.1:8080; requests need tokens from `presswork tokens create`.",
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

    @OptionGroup var connections: PoolOptions

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let maintenance = pruneEvery.map {
            ServeProcess.Options.Maintenance(
                interval: $0.duration,
                retention: Pruner.Retention(
                    finished: olderThan.duration, errors: errorsOlderThan.duration, events: eventsOlderThan.duration
                ))
        }
        try await Service.run(
            global: global, workers: workers, leases: leases, pool: connections, scheduler: true, maintenance: maintenance, http: http
        )
    }
}

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run workers only (no scheduler), until SIGTERM or Ctrl-C.",
        discussion: "Claims queued runs and runs abandoned by dead workers and executes them; see `serve`."
    )

    @Option(help: "Runs executed at once by this process (up to 10000; they share the pool, see --pool-size).")
    var concurrency = 2

    @OptionGroup var leases: LeaseOptions

    @OptionGroup var connections: PoolOptions

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await Service.run(
            global: global, workers: concurrency, leases: leases, pool: connections, scheduler: false
        )
    }
}

/// How workers hold and give up runs, shared by `serve` and `worker`.
struct LeaseOptions: ParsableArguments {
    @Option(help: "Seconds a claim lasts without a heartbeat; a dead worker's runs are taken over after it.")
    var leaseSeconds: Double = 30

    @Option(
        help: "A run abandoned by this many workers (their leases expired while it ran) ends as error instead of being taken over again.")
    var maxAbandoned = 3

    @Option(
        help:
            "On SIGTERM or Ctrl-C, seconds that runs in progress may take to finish their round before they are handed back (0: hand back at once; a second signal always does)."
    )
    var drainSeconds: Double = 20
}

/// The database connections of `serve` and `worker`.
struct PoolOptions: ParsableArguments {
    @Option(
        help:
            "Database connections this process's statements share, whatever the number of runs in flight (2 to 1000; plus up to 3 for notifications)."
    )
    var poolSize = 10
}

/// `serve` and `worker`: options checked, signals caught from the start, then `ServeProcess`.
enum Service {
    static func run(
        global: GlobalOptions, workers: Int, leases: LeaseOptions, pool: PoolOptions, scheduler: Bool,
        maintenance: ServeProcess.Options.Maintenance? = nil, http: HTTPAddress? = nil
    ) async throws {
        // First, so that a SIGTERM while the process is still starting is a clean stop (exit 0)
        // and not the default death (143).
        let shutdown = ShutdownRequests()
        let signals = TerminationSignals { shutdown.request() }
        defer { signals.restore() }
        guard (scheduler ? 0 : 1)...10_000 ~= workers else {
            throw ValidationError("workers must be between \(scheduler ? 0 : 1) and 10000, not \(workers)")
        }
        guard (2...1_000).contains(pool.poolSize) else {
            throw ValidationError("pool-size must be between 2 and 1000, not \(pool.poolSize)")
        }
        guard (1...100).contains(leases.maxAbandoned) else {
            throw ValidationError("max-abandoned must be between 1 and 100, not \(leases.maxAbandoned)")
        }
        guard leases.leaseSeconds >= 1, leases.leaseSeconds <= 3_600 else {
            throw ValidationError("lease-seconds must be between 1 and 3600, not \(leases.leaseSeconds)")
        }
        guard (0...3_600).contains(leases.drainSeconds) else {
            throw ValidationError("drain-seconds must be between 0 and 3600, not \(leases.drainSeconds)")
        }
        let options = ServeProcess.Options(
            workers: workers, scheduler: scheduler, leaseSeconds: leases.leaseSeconds, maxAbandoned: leases.maxAbandoned,
            drain: .milliseconds(Int64(leases.drainSeconds * 1000)), poolSize: pool.poolSize, maintenance: maintenance,
            http: http.map { ($0.host, $0.port) }
        )
        let (settings, logger) = try global.bootstrap(defaultLogLevel: .info)
        let traces = try TraceExport.startIfConfigured(logger: logger)
        let services = try await Services.open(settings: settings, logger: logger, maxConnections: options.poolSize)
        var failure: (any Error)?
        if shutdown.count == 0 {
            do {
                try await ServeProcess(services: services, options: options, logger: logger).run(shutdown: shutdown)
            } catch {
                failure = error
            }
        }
        await services.close()
        await traces?.shutdown()
        if let failure { throw failure }
        logger.notice("stopped")
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
