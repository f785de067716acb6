import Foundation
import Logging
import PostgresClient
import PressworkCore
import PressworkOrchestrator
import PressworkPipeline
import PressworkProviders
import PressworkStore

/// What a command that works with runs needs: a migrated database, the store, and an
/// orchestrator over the configured providers. Opening it starts the embedded cluster if that is
/// the target and applies pending migrations (idempotent; `presswork migrate` does it ahead of time).
public struct Services: Sendable {
    public let settings: RuntimeSettings
    public let pool: PostgresConnectionPool
    /// Where LISTEN connects; nil behind a transaction pooler without a direct URL, where
    /// notifications are polled instead.
    public let listenConfiguration: PostgresConfiguration?
    public let target: DatabaseTarget?
    public let store: RunStore
    public let logger: Logger
    /// Profiles and sites, and the providers each run is executed with.
    public let catalog: RunCatalog

    public static func open(settings: RuntimeSettings, logger: Logger, maxConnections: Int = 4) async throws -> Services {
        let target = try DatabaseTarget(settings: settings, logger: logger)
        let pool = try await target.makePool(maxConnections: maxConnections, logger: logger)
        let listen: PostgresConfiguration?
        do {
            listen = try await target.sessionConfiguration()
            if listen == nil {
                // Behind a transaction pooler with no direct connection: migrating needs a lock
                // across transactions, so it is `presswork migrate`'s job, done beforehand.
                let pending = try await Migrator(logger: logger).pendingCount(pool)
                if pending > 0 {
                    throw SettingsError(
                        """
                        the database has \(pending) migration\(pending == 1 ? "" : "s") to apply, which cannot be done through \
                        a transaction pooler: run presswork migrate with PRESSWORK_DIRECT_DATABASE_URL set to Postgres itself
                        """)
                }
            } else if !target.separatesSessions {
                _ = try await Migrator(logger: logger).migrate(pool)
            } else {
                let sessions = try await target.makeSessionPool(maxConnections: 1, logger: logger, purpose: "migrating")
                do {
                    _ = try await Migrator(logger: logger).migrate(sessions)
                } catch {
                    await sessions.close()
                    throw error
                }
                await sessions.close()
            }
        } catch {
            await pool.close()
            throw error
        }
        return Services(settings: settings, pool: pool, logger: logger, listenConfiguration: listen, target: target)
    }

    init(
        settings: RuntimeSettings, pool: PostgresConnectionPool, logger: Logger,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        // Absent (tests): the pool's own server; given as nil: poll only.
        listenConfiguration: PostgresConfiguration?? = nil, target: DatabaseTarget? = nil
    ) {
        self.settings = settings
        self.pool = pool
        self.listenConfiguration = listenConfiguration ?? pool.configuration
        self.target = target
        self.store = RunStore(pool: pool)
        self.logger = logger
        self.catalog = RunCatalog(
            defaults: settings.providers, store: store, outputFolder: settings.home + "/output", logger: logger, environment: environment
        )
    }

    public var schedules: ScheduleStore { ScheduleStore(pool: pool) }

    /// Where dry-run HTML files go: `<home>/output`.
    public var outputFolder: String { settings.home + "/output" }

    /// The providers of runs without a profile and a site: the process's own settings.
    public var providers: Providers { catalog.factory.providers(settings.providers) }

    /// An orchestrator that executes each run with its own profile and site (or this process's
    /// settings, for runs that name none).
    public func orchestrator(configuration: OrchestratorConfiguration = OrchestratorConfiguration()) -> Orchestrator {
        var configuration = configuration
        configuration.roundTimeout = settings.providers.timeouts.round
        configuration.runTimeout = settings.providers.timeouts.run
        return Orchestrator(store: store, pipelines: catalog, configuration: configuration, logger: logger)
    }

    /// A pool for the prune, whose lock needs a session (see `DatabaseTarget.makeSessionPool`);
    /// `pool` itself when the database is not behind a transaction pooler.
    public func sessionPool(purpose: String) async throws -> PostgresConnectionPool {
        guard let target, target.separatesSessions else { return pool }
        return try await target.makeSessionPool(logger: logger, purpose: purpose)
    }

    public func close() async {
        await pool.close()
    }
}
