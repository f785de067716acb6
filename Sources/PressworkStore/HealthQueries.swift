import PostgresClient
import PressworkCore

/// What /readyz and /metrics read from the database: whether the schema is this binary's, and
/// the gauges that describe the whole installation (not one process).
public struct HealthQueries: Sendable {
    public let pool: PostgresConnectionPool

    public init(pool: PostgresConnectionPool) {
        self.pool = pool
    }

    /// How many migrations the database has applied.
    public func appliedMigrations() async throws -> Int {
        try await pool.query("SELECT count(*) FROM presswork_schema_migrations").scalar(Int.self)
    }

    public struct Gauges: Sendable, Equatable {
        /// Every status, zero included.
        public var runsByStatus: [RunStatus: Double]
        public var oldestQueuedSeconds: Double
        public var webhookDeliveriesPending: Double
    }

    public func gauges() async throws -> Gauges {
        var counts = Dictionary(uniqueKeysWithValues: RunStatus.allCases.map { ($0, 0.0) })
        for row in try await pool.query("SELECT status, count(*)::double precision AS n FROM runs GROUP BY status") {
            if let status = RunStatus(rawValue: try row.decode(String.self, "status")) { counts[status] = try row.decode(Double.self, "n") }
        }
        let oldest = try await pool.query(
            """
            SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)::double precision FROM runs WHERE status = 'queued'
            """
        ).scalar(Double.self)
        let pending = try await pool.query(
            "SELECT count(*)::double precision FROM webhook_deliveries WHERE state = 'pending'"
        ).scalar(Double.self)
        return Gauges(runsByStatus: counts, oldestQueuedSeconds: oldest, webhookDeliveriesPending: pending)
    }
}
