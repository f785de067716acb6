import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import PostgresClient
import PressworkCore
import PressworkOrchestrator
import PressworkPipeline
import PressworkStore
import Prometheus

/// The HTTP API of `presswork serve --http HOST:PORT`, described by `openapi.json` (served at
/// /openapi.json): runs (create with an Idempotency-Key, list, show, retry, review, a progress
/// stream), schedules, profiles and sites, health and readiness, and Prometheus metrics. Every /v1 route and
/// /metrics needs a bearer token with the route's scope; errors are problem details. The web
/// console (`ConsoleRoutes`, /console) is served on the same port, signed in by session cookie.
public struct APIServer: Sendable {
    /// What runs created through the API get that the request does not say: the profiles and
    /// sites they may name (checked and pinned as `presswork run` does), the serving process's
    /// settings for the rest, and the pipeline version.
    public struct RunDefaults: Sendable {
        public var configurations: any RunConfigurations
        public var pipelineVersion: String
        /// Renders the prompts a run's language-model writer sent, for the console's run page;
        /// nil: the page says it cannot show them.
        public var prompts: (any PromptReconstructor)?

        public init(configurations: any RunConfigurations, pipelineVersion: String, prompts: (any PromptReconstructor)? = nil) {
            self.configurations = configurations
            self.pipelineVersion = pipelineVersion
            self.prompts = prompts
        }
    }

    let pool: PostgresConnectionPool
    /// Where progress streams LISTEN; nil: they poll every second (a transaction pooler).
    let listenConfiguration: PostgresConfiguration?
    let registry: PrometheusCollectorRegistry
    let defaults: RunDefaults
    let logger: Logger
    /// How long a connection may stay silent: one that has not sent a complete request head
    /// (or the next part of a body) for this long is closed, so half-sent requests cannot hold
    /// sockets open. Silence while the server is answering (a progress stream) does not count.
    let idleTimeout: Duration

    public init(
        pool: PostgresConnectionPool, registry: PrometheusCollectorRegistry, defaults: RunDefaults, logger: Logger,
        idleTimeout: Duration = .seconds(30), listenConfiguration: PostgresConfiguration?? = nil
    ) {
        self.idleTimeout = idleTimeout
        self.pool = pool
        // Absent: the pool's own server; given as nil: poll only.
        self.listenConfiguration = listenConfiguration ?? pool.configuration
        self.registry = registry
        self.defaults = defaults
        self.logger = logger
    }

    /// Serves until cancelled; `onListening` gets the bound port (useful with port 0).
    public func run(host: String, port: Int, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let hub = EventHub(listenConfiguration: listenConfiguration, logger: logger)
        let application = Application(
            router: makeRouter(hub: hub),
            server: .http1(configuration: connectionLimits),
            configuration: .init(address: .hostname(host, port: port), serverName: "presswork"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await hub.run() }
            group.addTask { try await application.run() }
            try await group.next()
            group.cancelAll()
        }
    }

    /// Idle timeout and header bounds (16 KiB a field, 64 KiB in all, 100 fields); bodies are
    /// bounded where they are read (`JSONBody`, 1 MiB).
    var connectionLimits: HTTP1Channel.Configuration {
        HTTP1Channel.Configuration(
            idleTimeout: .nanoseconds(idleTimeout.nanoseconds),
            httpDecoderConfiguration: .init(maxHeaderFieldSize: 16 << 10, maxHeaderListSize: 64 << 10, maxHeaderFieldCount: 100)
        )
    }

    func makeRouter(hub: EventHub) -> Router<BasicRequestContext> {
        let router = Router()
        router.middlewares.add(TracingMiddleware())
        router.middlewares.add(MetricsMiddleware())
        let table = RouteTable()
        router.middlewares.add(ProblemMiddleware(logger: logger, routes: table))
        let context = RouteContext(
            store: RunStore(pool: pool), schedules: ScheduleStore(pool: pool), auth: BearerAuthorizer(tokens: TokenStore(pool: pool)),
            hub: hub, registry: registry, defaults: defaults, pool: pool, logger: logger
        )
        HealthRoutes(context).register(on: router)
        RunRoutes(context).register(on: router)
        RunEventRoutes(context).register(on: router)
        ScheduleRoutes(context).register(on: router)
        CatalogRoutes(context).register(on: router)
        ConsoleRoutes(context).register(on: router)
        table.set(router.routes.map { ("\($0.path)", $0.method.rawValue) })
        return router
    }
}

/// What every group of routes works with.
struct RouteContext: Sendable {
    let store: RunStore
    let schedules: ScheduleStore
    let auth: BearerAuthorizer
    let hub: EventHub
    let registry: PrometheusCollectorRegistry
    let defaults: APIServer.RunDefaults
    let pool: PostgresConnectionPool
    let logger: Logger
}
