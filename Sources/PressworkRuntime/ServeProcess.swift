import Foundation
import Logging
import PostgresClient
import PressworkHTTP
import PressworkOrchestrator
import PressworkPipeline
import PressworkProviders
import PressworkScheduler
import PressworkStore
import ServiceLifecycle
import Synchronization

/// The long-running process of `presswork serve` and `presswork worker`: its parts as services
/// of one `ServiceGroup`.
///
/// Shutdown: the group shuts its services down in reverse order, one after the other. The
/// workers come last in the list, so they go first: they stop claiming, let each run finish the
/// round it is in (its provider calls paid once) and hand it back, within `drain`
/// (`maximumGracefulShutdownDuration`); after it the group cancels what is left, and runs still
/// in a round are handed back at once. Then the HTTP API, maintenance, webhook delivery and the
/// scheduler stop at once: their work is in Postgres and idempotent. `stopNow()` (a second
/// signal) cancels the group: everything is handed back at once.
///
/// Signals are the caller's (`ShutdownRequests`), not the group's: the group installs its
/// handlers only once `run()` starts, so a SIGTERM in the first moments of the process would
/// kill it (exit 143), and a signal cannot be both a graceful and a cancelling one, so a second
/// Ctrl-C could not escalate.
public struct ServeProcess: Sendable {
    public struct Options: Sendable {
        /// Runs executed at once (0: none, the scheduler only).
        public var workers: Int
        public var scheduler: Bool
        public var leaseSeconds: Double
        public var maxAbandoned: Int
        /// How long runs in progress may take to reach a round boundary on shutdown (0: hand back at once).
        public var drain: Duration
        public var maintenance: Maintenance?
        public var http: (host: String, port: Int)?

        public struct Maintenance: Sendable {
            public var interval: Duration
            public var retention: Pruner.Retention

            public init(interval: Duration, retention: Pruner.Retention) {
                self.interval = interval
                self.retention = retention
            }
        }

        public init(
            workers: Int, scheduler: Bool, leaseSeconds: Double, maxAbandoned: Int, drain: Duration, poolSize: Int = 10,
            maintenance: Maintenance? = nil, http: (host: String, port: Int)? = nil
        ) {
            self.poolSize = poolSize
            self.workers = workers
            self.scheduler = scheduler
            self.leaseSeconds = leaseSeconds
            self.maxAbandoned = maxAbandoned
            self.drain = drain
            self.maintenance = maintenance
            self.http = http
        }

        /// The process's pool: every statement of every part shares it, and a run holds a
        /// connection only for a statement, never while it waits on a provider (heartbeats are
        /// one statement for all runs), so it does not grow with `workers`. Listening for
        /// notifications takes up to three direct connections more (workers, webhooks, the HTTP
        /// API's progress streams).
        public var poolSize: Int
    }

    let services: Services
    let options: Options
    let logger: Logger

    public init(services: Services, options: Options, logger: Logger) {
        self.services = services
        self.options = options
        self.logger = logger
    }

    /// Runs until `shutdown` asks it to stop (or a service fails: the error is rethrown).
    public func run(shutdown: ShutdownRequests) async throws {
        let orchestrator = services.orchestrator(
            configuration: OrchestratorConfiguration(
                leaseSeconds: options.leaseSeconds, heartbeatSeconds: options.leaseSeconds / 3
            ))
        // Before anything runs, so that every metric reaches the registry /metrics renders.
        let registry = options.http.map { _ in PressworkMetrics.bootstrap() }
        var parts: [ServiceGroupConfiguration.ServiceConfiguration] = []
        func add(_ name: String, _ body: @escaping @Sendable () async throws -> Void) {
            parts.append(.init(service: StopsAtOnce(name: name, body: body), serviceName: name))
        }
        let services = self.services
        let logger = self.logger
        if options.scheduler {
            add("scheduler") {
                try await SchedulerService(store: services.schedules, pipelineVersion: Pipeline.version, logger: logger).run()
            }
            add("webhooks") {
                try await WebhookDispatcher(
                    store: WebhookStore(pool: services.pool), listenConfiguration: services.listenConfiguration, logger: logger
                ).run()
            }
        }
        var sessionPools: [PostgresConnectionPool] = []
        if let maintenance = options.maintenance {
            // The prune lock is a session's: behind a transaction pooler, the direct connection's.
            let sessions = try await services.sessionPool(purpose: "--prune-every")
            if sessions !== services.pool { sessionPools.append(sessions) }
            add("maintenance") {
                try await MaintenanceService(
                    pruner: Pruner(pool: sessions, logger: logger), retention: maintenance.retention,
                    interval: maintenance.interval,
                    vectorLists: VectorListIndexer(store: services.store, logger: logger),
                    owner: orchestrator.configuration.owner, logger: logger
                ).run()
            }
        }
        if let http = options.http, let registry {
            let server = APIServer(
                pool: services.pool, registry: registry,
                defaults: .init(
                    configurations: services.catalog, pipelineVersion: Pipeline.version, prompts: LLMPrompts.Reconstructor()
                ), logger: logger, listenConfiguration: services.listenConfiguration)
            add("http") {
                try await server.run(host: http.host, port: http.port) { port in
                    logger.notice("HTTP API listening", metadata: ["address": "\(http.host):\(port)"])
                }
            }
        }
        if options.workers > 0 {
            let pool = WorkerPool(
                orchestrator: orchestrator, listenConfiguration: services.listenConfiguration,
                configuration: .init(concurrency: options.workers, maxAbandoned: options.maxAbandoned), logger: logger
            )
            parts.append(.init(service: Workers(pool: pool, drain: orchestrator.configuration.drain), serviceName: "workers"))
        }
        var configuration = ServiceGroupConfiguration(services: parts, logger: logger)
        configuration.maximumGracefulShutdownDuration = options.drain
        let group = ServiceGroup(configuration: configuration)
        logger.notice(
            "serving",
            metadata: [
                "workers": "\(options.workers)", "scheduler": "\(options.scheduler)", "owner": "\(orchestrator.configuration.owner)",
            ])
        let running = Task { try await group.run() }
        let drain = options.drain
        shutdown.onRequest { count in
            if count == 1 && drain > .zero {
                logger.notice(
                    "stopping: no new claims; runs in progress finish their round, then are handed back",
                    metadata: [
                        "drain_seconds": "\(drain.seconds)"
                    ])
                Task { await group.triggerGracefulShutdown() }
            } else {
                logger.notice("stopping now: runs in progress are handed back")
                running.cancel()
            }
        }
        var failure: (any Error)?
        do {
            try await running.value
        } catch is CancellationError {
            // Cancelled by a second signal: a requested stop, not a failure.
        } catch {
            failure = error
        }
        for pool in sessionPools { await pool.close() }
        if let failure { throw failure }
    }
}

/// A part that stops at once on graceful shutdown; cancellation is its normal way to stop, so it
/// ends without an error (a clean stop logs none).
struct StopsAtOnce: Service, CustomStringConvertible {
    let name: String
    let body: @Sendable () async throws -> Void

    var description: String { name }

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            do {
                try await body()
            } catch is CancellationError {}
        }
    }
}

/// The workers: on graceful shutdown they drain (no new claims; each run finishes its round and
/// is handed back), which ends `WorkerPool.run`; cancellation (after the drain, or a second
/// signal) hands back at once.
struct Workers: Service, CustomStringConvertible {
    let pool: WorkerPool
    let drain: DrainRequest

    var description: String { "workers" }

    func run() async throws {
        try await withGracefulShutdownHandler {
            do {
                try await pool.run()
            } catch is CancellationError {}
        } onGracefulShutdown: {
            drain.request()
        }
    }
}

/// Termination requests (SIGTERM, SIGINT), counted: installed first thing in the process, before
/// there is anything to stop, and handed to whatever runs once it exists. A request that came
/// before is delivered at once.
public final class ShutdownRequests: Sendable {
    private let state = Mutex<(count: Int, handler: (@Sendable (Int) -> Void)?)>((0, nil))

    public init() {}

    /// Records one more request and tells the handler, if there is one yet.
    public func request() {
        let (count, handler) = state.withLock { state in
            state.count += 1
            return (state.count, state.handler)
        }
        handler?(count)
    }

    public var count: Int { state.withLock { $0.count } }

    /// `handler` gets each request's number (1 for the first); requests made before are replayed.
    public func onRequest(_ handler: @escaping @Sendable (Int) -> Void) {
        let earlier = state.withLock { state in
            state.handler = handler
            return state.count
        }
        for number in stride(from: 1, through: earlier, by: 1) { handler(number) }
    }
}
