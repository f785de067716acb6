import EmbeddedPostgres
import Logging
import PostgresClient

/// Which Postgres the process talks to: a server named by URL (perhaps through a pooler), or
/// the embedded cluster, which is started on demand.
public struct DatabaseTarget: Sendable {
    public enum Location: Sendable {
        case external(PostgresConfiguration)
        case embedded(EmbeddedCluster)
    }

    public let location: Location
    public let pooler: DatabasePooler
    /// Postgres itself, bypassing the pooler (`directDatabaseURL`), when given.
    public let direct: PostgresConfiguration?

    public init(settings: RuntimeSettings, logger: Logger) throws {
        if let url = settings.databaseURL {
            location = .external(try PostgresConfiguration(url))
        } else {
            location = .embedded(EmbeddedCluster(home: settings.home, logger: logger))
        }
        pooler = settings.databasePooler
        direct = try settings.directDatabaseURL.map { try PostgresConfiguration($0) }
    }

    /// The configuration to connect with, starting the embedded cluster first if needed.
    /// Behind a transaction pooler, statements are not prepared by name.
    public func prepare() async throws -> PostgresConfiguration {
        var configuration: PostgresConfiguration
        switch location {
        case .external(let external):
            configuration = external
        case .embedded(let cluster):
            try await cluster.start()
            configuration = try cluster.configuration()
        }
        configuration.preparesStatements = pooler == .none
        return configuration
    }

    /// A pool on the prepared target, for statements.
    public func makePool(maxConnections: Int = 4, logger: Logger) async throws -> PostgresConnectionPool {
        PostgresConnectionPool(configuration: try await prepare(), maxConnections: maxConnections, logger: logger)
    }

    /// Whether sessions (LISTEN, advisory locks) go elsewhere than the statements' pool: a
    /// direct URL was given, or a transaction pooler stands in between.
    public var separatesSessions: Bool { direct != nil || pooler != .none }

    /// Where a session of its own is needed (LISTEN, advisory locks held across transactions):
    /// the direct URL when given, else the target itself unless a transaction pooler stands in
    /// between (then nil: there is no session to be had).
    public func sessionConfiguration() async throws -> PostgresConfiguration? {
        if let direct { return direct }
        return pooler == .none ? try await prepare() : nil
    }

    /// A pool for `migrate` and `prune`, whose advisory locks need a session; the error says
    /// what to configure when there is none.
    public func makeSessionPool(maxConnections: Int = 2, logger: Logger, purpose: String) async throws -> PostgresConnectionPool {
        guard let configuration = try await sessionConfiguration() else {
            throw SettingsError(
                """
                \(purpose) needs a session of its own (an advisory lock), which a transaction pooler does not keep: \
                set PRESSWORK_DIRECT_DATABASE_URL to Postgres itself, bypassing the pooler
                """)
        }
        return PostgresConnectionPool(configuration: configuration, maxConnections: maxConnections, logger: logger)
    }
}
