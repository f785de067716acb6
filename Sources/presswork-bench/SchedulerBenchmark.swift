import ArgumentParser
import Foundation
import Logging
import PostgresClient
import PressworkCore
import PressworkOrchestrator
import PressworkPipeline
import PressworkScheduler
import PressworkStore

/// The scheduler and the workers on a migrated database:
/// - fire lateness: `--schedules` schedules due at the next minute boundary, or spread over the
///   first `--spread` seconds of that minute (each schedule at one second, as `S * * * * *`), fired
///   by `--schedulers` concurrent schedulers; lateness = when the run became visible (the firing
///   transaction committed) minus the fire time.
/// - claim latency: runs inserted one at a time (plain SQL, as any client would) while idle
///   workers wait on NOTIFY; latency = the claim's start minus the insert's (both server clocks).
struct SchedulerBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler",
        abstract: "Measure fire lateness with many schedules due at once, and claim latency with NOTIFY."
    )

    @Option(help: "libpq URL of the database (migrated by this command; its runs and schedules are replaced).")
    var databaseURL: String

    @Option(help: "Schedules due in the same minute.")
    var schedules = 10_000

    @Option(help: "Concurrent schedulers.")
    var schedulers = 2

    @Option(help: "Spread the fires over this many seconds of the minute (0: all at the boundary).")
    var spread = 0

    @Option(help: "Schedules handled per transaction.")
    var batch = 200

    @Option(help: "Runs inserted for the claim-latency measurement.")
    var claims = 100

    func run() async throws {
        let configuration = try PostgresConfiguration(databaseURL)
        let pool = PostgresConnectionPool(configuration: configuration, maxConnections: 4)
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        _ = try await Migrator(logger: logger).migrate(pool)
        _ = try await pool.query("TRUNCATE runs, schedules CASCADE")

        // --- Fire lateness ---
        let params = try RunParams.validated(seeds: ["home espresso"])
        let spread = max(0, min(60, self.spread))
        _ = try await pool.query(
            """
            INSERT INTO schedules (name, cron, time_zone, params, overlap, next_fire_at)
            SELECT 'bench-' || g, CASE WHEN \(spread) = 0 THEN '* * * * *' ELSE (g % \(max(spread, 1)))::text || ' * * * * *' END,
                   'UTC', \(PostgresJSON(params)), 'allow',
                   date_trunc('minute', now()) + interval '1 minute' + make_interval(secs => g % \(max(spread, 1)))
            FROM generate_series(1, \(schedules)) g
            """)
        let firstFire = try await pool.query("SELECT min(next_fire_at) FROM schedules").scalar(Date.self)
        // The last fire of the window: every schedule is handled once it has passed.
        let fireAt = try await pool.query("SELECT max(next_fire_at) FROM schedules").scalar(Date.self)
        print(
            "\(schedules) schedules due at \(ISO8601DateFormatter().string(from: firstFire))"
                + (spread > 0 ? " and the next \(spread - 1) seconds" : "") + "; \(schedulers) schedulers, \(batch) per transaction"
        )
        let lateness = try await withThrowingTaskGroup(of: [Double].self) { group in
            for _ in 0..<schedulers {
                group.addTask {
                    let pool = PostgresConnectionPool(configuration: configuration, maxConnections: 1)
                    let store = ScheduleStore(pool: pool)
                    var late: [Double] = []
                    // Wait for the boundary as the scheduler service does, then fire until
                    // every schedule of this minute is handled.
                    func sleep(until date: Date) async throws {
                        while Date() < date { try await Task.sleep(for: .milliseconds(Int64(max(1, date.timeIntervalSinceNow * 1000)))) }
                    }
                    try await sleep(until: firstFire)
                    while true {
                        let started = try await store.fireDue(
                            limit: batch, batch: batch, pipelineVersion: "bench", planner: SchedulePlanner())
                        let visible = Date()
                        late += started.map { visible.timeIntervalSince($0.fireAt) }
                        guard started.isEmpty else { continue }
                        // Nothing due now: sleep until the next fire of the window, as the service does.
                        let next = try await pool.query(
                            "SELECT min(next_fire_at) FROM schedules WHERE next_fire_at <= \(fireAt)"
                        ).scalar(Date?.self)
                        guard let next else { break }
                        try await sleep(until: next)
                    }
                    await pool.close()
                    return late
                }
            }
            var all: [Double] = []
            for try await part in group { all += part }
            return all.sorted()
        }
        print(
            String(
                format: "fire lateness (%d fires): p50 %.0f ms, p99 %.0f ms, max %.0f ms", lateness.count,
                (lateness.percentile(0.5) ?? 0) * 1000, (lateness.percentile(0.99) ?? 0) * 1000, (lateness.last ?? 0) * 1000))
        _ = try await pool.query("TRUNCATE runs, schedules CASCADE")

        // --- Claim latency ---
        let orchestrator = Orchestrator(
            store: RunStore(pool: PostgresConnectionPool(configuration: configuration, maxConnections: 6)),
            pipeline: Pipeline(providers: .offline(outputFolder: NSTemporaryDirectory() + "presswork-bench-output")),
            configuration: OrchestratorConfiguration(), logger: logger
        )
        let workers = WorkerPool(
            orchestrator: orchestrator, listenConfiguration: configuration,
            configuration: .init(concurrency: 2, pollInterval: .seconds(30)), logger: logger
        )
        let serving = Task { try await workers.run() }
        try await Task.sleep(for: .seconds(1))
        for index in 0..<claims {
            _ = try await pool.query(
                """
                INSERT INTO runs (params) VALUES (\(PostgresJSON(try RunParams.validated(seeds: ["claim \(index)"]))))
                """)
            try await Task.sleep(for: .milliseconds(250))
        }
        try await Task.sleep(for: .seconds(2))
        serving.cancel()
        let latency = try await pool.query(
            """
            SELECT extract(epoch FROM started_at - created_at)::double precision AS seconds FROM runs
            WHERE started_at IS NOT NULL ORDER BY 1
            """
        ).map { try $0.decode(Double.self, "seconds") }
        print(
            String(
                format: "claim latency with NOTIFY (%d runs, 2 idle workers): p50 %.1f ms, p99 %.1f ms", latency.count,
                (latency.percentile(0.5) ?? 0) * 1000, (latency.percentile(0.99) ?? 0) * 1000))
        await pool.close()
    }
}
