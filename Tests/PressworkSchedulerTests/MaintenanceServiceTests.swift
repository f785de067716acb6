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

    /// The same service keeps the duplicate check's code lists: a corpus at the policy's size is
    /// trained once (recorded as its own maintenance task), and later checks do not train again.
    @Test(.timeLimit(.minutes(2)))
    func maintenanceTrainsCodeListsOnce() async throws {
        let pool = try await TestDatabase.makePool("maintenancelists", maxConnections: 4)
        _ = try await Migrator().migrate(pool)
        _ = try await pool.query(
            """
            WITH new_runs AS (
                INSERT INTO runs (params, status, pipeline_version, finished_at)
                SELECT '{"seeds": ["corpus"]}', 'done', 'test', now() FROM generate_series(1, 300)
                RETURNING id
            )
            INSERT INTO vectors (run_id, model, dimension, embedding)
            SELECT id, 'm', 16, ARRAY(SELECT (random() - 0.5)::real FROM generate_series(1, 16) WHERE id IS NOT NULL)
            FROM new_runs
            """)
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let checks = CheckCounts()
        let service = MaintenanceService(
            pruner: Pruner(pool: pool, logger: logger), retention: Pruner.Retention(), interval: .seconds(3600),
            checkEvery: .milliseconds(50),
            vectorLists: VectorListIndexer(store: RunStore(pool: pool), policy: .init(minimumVectors: 200), logger: logger),
            vectorListInterval: .zero, owner: "serve-1", logger: logger,
            onCheck: { _ in checks.counts.withLock { $0[0] += 1 } }
        )
        let running = Task { try await service.run() }
        defer { running.cancel() }
        try await waitFor("three checks") { checks.counts.withLock { $0[0] >= 3 } }
        running.cancel()
        #expect(try await pool.query("SELECT count(*) FROM vector_list_generations").scalar(Int.self) == 1)
        #expect(try await pool.query("SELECT count(*) FROM vectors WHERE generation = 1").scalar(Int.self) == 300)
        let record = try #require(
            try await pool.query("SELECT owner, finished_at IS NOT NULL AS finished FROM maintenance WHERE task = 'vector_lists'").first)
        #expect(try record.decode(String.self, "owner") == "serve-1" && record.decode(Bool.self, "finished"))
        await pool.close()
    }
}

/// How many checks each service has made.
private final class CheckCounts: Sendable {
    let counts = Mutex([0, 0])
}
