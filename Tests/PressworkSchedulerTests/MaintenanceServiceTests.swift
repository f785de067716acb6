import Foundation
import Logging
import PostgresClient
import PostgresTestSupport
import PressworkScheduler
import PressworkStore
import Synchronization
import TestSupport
import Testing

/// `serve --prune-every`: two services (two `serve` processes) share one database; the prune
/// runs once per interval, by one of them, and is recorded.
@Suite struct MaintenanceServiceTests {
    @Test func twoServicesPruneOncePerInterval() async throws {
        let pool = try await TestDatabase.makePool("maintenance", maxConnections: 6)
        _ = try await Migrator().migrate(pool)
        _ = try await pool.query(
            """
            INSERT INTO runs (params, status, pipeline_version, finished_at)
            SELECT '{"seeds": ["old"]}', 'done', 'test', now() - interval '40 days' FROM generate_series(1, 50)
            """)
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let checks = CheckCounts()
        let services = (1...2).map { index in
            MaintenanceService(
                pruner: Pruner(pool: pool, logger: logger), retention: Pruner.Retention(), interval: .seconds(3600),
                checkEvery: .milliseconds(100), owner: "serve-\(index)", logger: logger,
                onCheck: { _ in checks.counts.withLock { $0[index - 1] += 1 } }
            )
        }
        let running = services.map { service in Task { try await service.run() } }
        defer { running.forEach { $0.cancel() } }
        // Until the first prune has finished (recorded), not merely until the runs are gone: it
        // goes on with orphans and events after them.
        try await waitFor("the first prune to finish") {
            try await pool.query("SELECT count(*) FROM maintenance WHERE finished_at IS NOT NULL").scalar(Int.self) == 1
        }
        #expect(try await pool.query("SELECT count(*) FROM runs").scalar(Int.self) == 0)
        // More old runs appear; within the interval neither service prunes again.
        _ = try await pool.query(
            """
            INSERT INTO runs (params, status, pipeline_version, finished_at)
            SELECT '{"seeds": ["old"]}', 'done', 'test', now() - interval '40 days' FROM generate_series(1, 5)
            """)
        let before = checks.counts.withLock { $0 }
        try await waitFor("each service to check twice more") {
            checks.counts.withLock { zip($0, before).allSatisfy { $0 >= $1 + 2 } }
        }
        #expect(try await pool.query("SELECT count(*) FROM runs").scalar(Int.self) == 5)
        let record = try #require(try await pool.query("SELECT owner, report->>'runsDeleted' AS deleted FROM maintenance").first)
        #expect(try ["serve-1", "serve-2"].contains(record.decode(String.self, "owner")))
        #expect(try record.decode(String.self, "deleted") == "50")
        running.forEach { $0.cancel() }
        await pool.close()
    }
}

/// How many checks each service has made.
private final class CheckCounts: Sendable {
    let counts = Mutex([0, 0])
}
