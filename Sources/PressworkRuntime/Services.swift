import Foundation
import Logging
import PostgresClient
import PressworkOrchestrator
import PressworkCore
import PressworkPipeline
import PressworkProviders
import PressworkStore

/// What a command that works with runs needs: a migrated database, the store, and an
/// orchestrator over the configured providers. Opening it starts the embedded cluster if that is
/// the target and applies pending migrations (idempotent; `presswork migrate` does it ahead of time).
public struct Services: Sendable {
    public let settings: RuntimeSettings
    public let pool: PostgresConnectionPool
    public let store: RunStore
    public let logger: Logger
    /// Profiles and sites, and the providers each run is executed with.
    public let catalog: RunCatalog

    public static func open(settings: RuntimeSettings, logger: Logger, maxConnections: Int = 4) async throws -> Services {
        let pool = try await DatabaseTarget(settings: settings, logger: logger)
            .makePool(maxConnections: maxConnections, logger: logger)
        do {
            _ = try await Migrator(logger: logger).migrate(pool)
        } catch {
            await pool.close()
            throw error
        }
        return Services(settings: settings, pool: pool, logger: logger)
    }

    init(settings: RuntimeSettings, pool: PostgresConnectionPool, logger: Logger, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.settings = settings
        self.pool = pool
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

    public func close() async {
        await pool.close()
    }
}
