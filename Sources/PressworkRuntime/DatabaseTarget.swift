import EmbeddedPostgres
import Logging
import PostgresClient

/// Which Postgres the process talks to: a server named by URL, or the embedded cluster, which
/// is started on demand.
public enum DatabaseTarget: Sendable {
    case external(PostgresConfiguration)
    case embedded(EmbeddedCluster)

    public init(settings: RuntimeSettings, logger: Logger) throws {
        if let url = settings.databaseURL {
            self = .external(try PostgresConfiguration(url))
        } else {
            self = .embedded(EmbeddedCluster(home: settings.home, logger: logger))
        }
    }

    /// The configuration to connect with, starting the embedded cluster first if needed.
    public func prepare() async throws -> PostgresConfiguration {
        switch self {
        case .external(let configuration):
            return configuration
        case .embedded(let cluster):
            try await cluster.start()
            return try cluster.configuration()
        }
    }

    /// A pool on the prepared target.
    public func makePool(maxConnections: Int = 4, logger: Logger) async throws -> PostgresConnectionPool {
        PostgresConnectionPool(configuration: try await prepare(), maxConnections: maxConnections, logger: logger)
    }
}
