import Foundation
import Logging
import PostgresClient
import PressworkOrchestrator
import PressworkPipeline
import PressworkStore

/// What a command that works with runs needs: a migrated database, the store, and an
/// orchestrator over the configured providers. Opening it starts the embedded cluster if that is
/// the target and applies pending migrations (idempotent; `presswork migrate` does it ahead of time).
public struct Services: Sendable {
    public let settings: RuntimeSettings
    public let pool: PostgresConnectionPool
    public let store: RunStore
    public let logger: Logger

    public static func open(settings: RuntimeSettings, logger: Logger, maxConnections: Int = 4) async throws -> Services {
        let pool = try await DatabaseTarget(settings: settings, logger: logger)
            .makePool(maxConnections: maxConnections, logger: logger)
        do {
            _ = try await Migrator(logger: logger).migrate(pool)
        } catch {
            await pool.close()
            throw error
        }
        return Services(settings: settings, pool: pool, store: RunStore(pool: pool), logger: logger)
    }

    /// Where dry-run HTML files go: `<home>/output`.
    public var outputFolder: String { settings.home + "/output" }

    /// The providers runs use. Offline for now: the LLM, feed and WordPress clients come with the
    /// providers issue.
    public var providers: Providers { .offline(outputFolder: outputFolder) }

    public func orchestrator(configuration: OrchestratorConfiguration = OrchestratorConfiguration()) -> Orchestrator {
        Orchestrator(store: store, pipeline: Pipeline(providers: providers), configuration: configuration, logger: logger)
    }

    public func close() async {
        await pool.close()
    }
}
