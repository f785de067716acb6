import ArgumentParser
import Foundation
import Logging
import PostgresClient
import PressworkStore
import Synchronization

/// Prune speed on a large table, and what a prune does to workers claiming meanwhile.
///
/// Loads `--runs` finished runs 60 days old with 8 artifacts and 8 diagnostics each (1M artifact
/// rows by default; one in a hundred published, so compacted rather than deleted), then:
/// 1. claim latency without a prune: a worker loop queues a run, claims it (`claimNext`, the
///    statement workers use) and finishes it, for `--seconds`; the claim's latency is measured;
/// 2. the same loop while `presswork prune` runs with its defaults (batches of 500, 10 ms apart);
/// prints rows removed per second and both latency distributions.
struct PruneBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Measure prune speed and claim latency during a prune."
    )

    @Option(help: "libpq URL of the database (migrated by this command; its runs are replaced).")
    var databaseURL: String

    @Option(help: "Finished runs to load (8 artifact rows each).")
    var runs = 125_000

    @Option(help: "Seconds of claims without a prune.")
    var seconds = 10

    func run() async throws {
        let configuration = try PostgresConfiguration(databaseURL)
        let pool = PostgresConnectionPool(configuration: configuration, maxConnections: 2)
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        _ = try await Migrator(logger: logger).migrate(pool)
        _ = try await pool.query("TRUNCATE runs, events, maintenance CASCADE")

        let loading = ContinuousClock.now
        // In slices, so that no single statement holds millions of rows in memory.
        let slice = 25_000
        for start in stride(from: 0, to: runs, by: slice) {
            let count = min(slice, runs - start)
            _ = try await pool.query(
                """
                WITH new AS (
                    INSERT INTO runs (params, status, round, pipeline_version, created_at, started_at, finished_at)
                    SELECT '{"seeds": ["bulk"]}', 'done', 7, 'bench', now() - interval '60 days', now() - interval '60 days',
                           now() - interval '60 days' + g * interval '1 millisecond'
                    FROM generate_series(\(start + 1), \(start + count)) g
                    RETURNING id
                ), artifacts AS (
                    -- attempt 0: loaded, not completed here (no event per row).
                    INSERT INTO artifacts (run_id, round, payload, duration_ms, attempt)
                    SELECT id, r, jsonb_build_object('title', 'bulk article', 'text', repeat('x', 200)), 1, 0
                    FROM new, generate_series(0, 7) r
                ), notes AS (
                    INSERT INTO diagnostics (run_id, round, kind, message)
                    SELECT id, r, 'round_completed', 'loaded' FROM new, generate_series(0, 7) r
                )
                SELECT count(*) FROM new
                """)
        }
        _ = try await pool.query(
            """
            WITH chosen AS (SELECT id FROM runs WHERE status = 'done' AND id::text LIKE '0%' LIMIT \(runs / 100))
            INSERT INTO publications (run_id, site, slug, stage, wp_post_id, run_attempt)
            SELECT id, 'https://blog.example', 'bulk', 'published', 1, 1 FROM chosen
            """)
        _ = try await pool.query("VACUUM ANALYZE runs")
        _ = try await pool.query("VACUUM ANALYZE artifacts")
        _ = try await pool.query("VACUUM ANALYZE diagnostics")
        let artifactRows = try await pool.query("SELECT count(*) FROM artifacts").scalar(Int.self)
        print(
            String(
                format: "loaded %d runs, %d artifact rows, %d diagnostics in %.1f s", runs, artifactRows,
                try await pool.query("SELECT count(*) FROM diagnostics").scalar(Int.self),
                (ContinuousClock.now - loading).seconds))

        let (quiet, _) = try await claimLatencies(configuration, while: { try await Task.sleep(for: .seconds(seconds)) })
        print(latencyLine("claim latency without a prune", quiet))

        let (busy, report) = try await claimLatencies(
            configuration,
            while: {
                try await Pruner(pool: pool, logger: logger).prune()
            })
        let elapsed = Double(report.durationMs) / 1000
        let rows = report.artifacts + report.diagnostics + report.runsDeleted + report.runsCompacted
        print(
            String(
                format: "prune: %d runs deleted, %d compacted, %d artifact rows, %d diagnostics in %.1f s (%d batches)",
                report.runsDeleted, report.runsCompacted, report.artifacts, report.diagnostics, elapsed, report.batches))
        print(
            String(
                format: "prune speed: %.0f runs/s, %.0f artifact rows/s, %.0f rows/s in all",
                Double(report.runsDeleted + report.runsCompacted) / elapsed, Double(report.artifacts) / elapsed,
                Double(rows) / elapsed))
        print(latencyLine("claim latency during the prune", busy))
        if let quietP99 = quiet.percentile(0.99), let busyP99 = busy.percentile(0.99) {
            print(String(format: "claim p99 during / without: %.2f×", busyP99 / quietP99))
        }
        await pool.close()
    }

    /// A worker's loop while `body` runs: queue a run, claim it, finish it; the claim latencies.
    func claimLatencies<Result: Sendable>(
        _ configuration: PostgresConfiguration, while body: @escaping @Sendable () async throws -> Result
    ) async throws -> (latencies: [Double], result: Result) {
        let pool = PostgresConnectionPool(configuration: configuration, maxConnections: 1)
        let store = RunStore(pool: pool)
        let finished = Flag()
        let work = Task {
            defer { finished.set() }
            return try await body()
        }
        var latencies: [Double] = []
        repeat {
            _ = try await pool.query("INSERT INTO runs (params, pipeline_version) VALUES ('{\"seeds\": [\"claim\"]}', 'bench')")
            let started = ContinuousClock.now
            guard let lease = try await store.claimNext(owner: "bench", leaseSeconds: 30, maxAbandoned: 3) else { continue }
            latencies.append((ContinuousClock.now - started).seconds)
            try await store.finish(lease, status: .done, reason: nil)
            try await Task.sleep(for: .milliseconds(5))
        } while !finished.isSet
        let result = try await work.value
        await pool.close()
        return (latencies.sorted(), result)
    }

    func latencyLine(_ label: String, _ latencies: [Double]) -> String {
        String(
            format: "%@ (%d claims): p50 %.2f ms, p99 %.2f ms, max %.2f ms", label, latencies.count,
            (latencies.percentile(0.5) ?? 0) * 1000, (latencies.percentile(0.99) ?? 0) * 1000, (latencies.last ?? 0) * 1000)
    }
}

/// Set once, read from another task.
final class Flag: Sendable {
    private let state = Mutex(false)
    func set() { state.withLock { $0 = true } }
    var isSet: Bool { state.withLock { $0 } }
}
