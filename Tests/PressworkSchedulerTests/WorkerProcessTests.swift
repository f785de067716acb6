import Foundation
import Logging
import PostgresClient
import PostgresTestSupport
import PressworkCore
import PressworkOrchestrator
import PressworkPipeline
import PressworkStore
import TestSupport
import Testing

/// `presswork worker` as a real process: SIGTERM hands its run back and exits 0; SIGKILL leaves
/// the run to be taken over when its lease expires, and no round is committed twice.
/// The offline writer waits 150 ms per answer so that the runs can be caught between rounds.
@Suite(.serialized) struct WorkerProcessTests {
    func prepare(_ name: String) async throws -> (PostgresConfiguration, PostgresConnectionPool, RunRecord) {
        let configuration = try await TestDatabase.makeDatabase(name)
        let pool = PostgresConnectionPool(configuration: configuration, maxConnections: 4)
        _ = try await Migrator().migrate(pool)
        let run = try await RunStore(pool: pool).create(
            params: try RunParams.validated(seeds: ["\(name) topic"]), trigger: .cli, pipelineVersion: Pipeline.version
        ).run
        return (configuration, pool, run)
    }

    func startWorker(
        _ configuration: PostgresConfiguration, leaseSeconds: Int, drainSeconds: Int = 20, latencyMs: Int = 150
    ) throws -> PressworkProcess {
        try PressworkProcess(
            [
                "worker", "--concurrency", "1", "--lease-seconds", "\(leaseSeconds)", "--drain-seconds", "\(drainSeconds)",
                "--log-level", "info",
            ],
            environment: [
                "DATABASE_URL": TestDatabase.url(configuration), "PRESSWORK_OFFLINE_LATENCY_MS": "\(latencyMs)",
                "PRESSWORK_HOME": try TemporaryFolder.make(),
            ]
        )
    }

    /// Waits until the run has committed at least `rounds` rounds.
    func waitForRounds(_ pool: PostgresConnectionPool, _ run: RunID, atLeast rounds: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if try await pool.query("SELECT count(*) FROM artifacts WHERE run_id = \(run)").scalar(Int.self) >= rounds { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("the worker did not get to round \(rounds)")
    }

    func finishHere(_ pool: PostgresConnectionPool, _ run: RunID) async throws -> RunOutcome {
        let orchestrator = Orchestrator(
            store: RunStore(pool: pool), pipeline: Pipeline(providers: .offline(outputFolder: try TemporaryFolder.make())),
            configuration: OrchestratorConfiguration(), logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        )
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let lease = try await orchestrator.claimNext(maxAbandoned: 3) { return try await orchestrator.execute(claimed: lease) }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw RunNotClaimable(runID: run.description, status: nil)
    }

    /// Each round was completed (committed) exactly once, by whichever attempt.
    func expectEachRoundOnce(_ pool: PostgresConnectionPool, _ run: RunID) async throws {
        let completed = try await pool.query(
            """
            SELECT round, count(*) AS times FROM diagnostics WHERE run_id = \(run) AND kind = 'round_completed' GROUP BY round
            """)
        #expect(completed.count == 8)
        #expect(try completed.allSatisfy { try $0.decode(Int.self, "times") == 1 })
    }

    /// SIGTERM drains: the round in progress commits (its provider calls are not wasted), then
    /// the run is handed back before the next round, and the process exits 0.
    @Test func sigtermLetsTheRoundFinishThenHandsTheRunBackAndExitsZero() async throws {
        let (configuration, pool, run) = try await prepare("sigterm")
        // A second per answer: the signal must arrive while the run is still going, and after round
        // 2's commit five rounds of answers are left (at 150 ms, a loaded machine delivered the
        // signal after the run had finished).
        let worker = try startWorker(configuration, leaseSeconds: 30, latencyMs: 1_000)
        // Round 3 drafts several sections a second each: signal while it is in progress.
        try await waitForRounds(pool, run.id, atLeast: 3)
        worker.signal(SIGTERM)
        let status = await worker.waitForExit(timeout: .seconds(15))
        #expect(status == 0, "\(worker.output.suffix(2_000))")
        #expect(try await pool.query("SELECT status FROM runs WHERE id = \(run.id)").scalar(String.self) == "queued")
        let committed = try await pool.query("SELECT count(*) FROM artifacts WHERE run_id = \(run.id)").scalar(Int.self)
        // The hand-back came at a round boundary, right after the last committed round: the
        // round in progress at SIGTERM (round 3, unless the signal fell between two rounds) was
        // finished, not cancelled.
        #expect(committed >= 3)
        #expect(worker.output.contains("draining: handing the run back before round \(committed)"), "\(worker.output.suffix(2_000))")
        // A clean stop is not an error: no error line, no cancellation reported as a failure.
        #expect(!worker.output.contains("CancellationError"), "\(worker.output.suffix(2_000))")
        #expect(!worker.output.split(separator: "\n").contains { $0.contains(" error ") }, "\(worker.output.suffix(2_000))")
        let outcome = try await finishHere(pool, run.id)
        #expect(outcome.status == .done || outcome.status == .skipped)
        try await expectEachRoundOnce(pool, run.id)
        await pool.close()
    }

    /// A SIGTERM while the process is still starting (opening the database, migrating) is a
    /// clean stop: exit 0, nothing claimed. The handlers are installed before anything else.
    @Test func sigtermWhileStartingExitsZero() async throws {
        // A fresh database: the worker migrates it first, and says so; signal at its first word.
        let fresh = try await TestDatabase.makeDatabase("sigtermearly")
        let worker = try startWorker(fresh, leaseSeconds: 30)
        let deadline = ContinuousClock.now + .seconds(30)
        while worker.output.isEmpty && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        worker.signal(SIGTERM)
        #expect(await worker.waitForExit(timeout: .seconds(15)) == 0, "\(worker.output.suffix(2_000))")
    }

    /// stderr through a pipe whose reader is gone (`serve 2>&1 | tee log`, tee ended by the same
    /// Ctrl-C): log writes fail, and the process neither dies of SIGPIPE nor traps; it executes
    /// its run and stops cleanly on SIGINT.
    @Test func aClosedStderrPipeDoesNotKillTheProcess() async throws {
        let (configuration, pool, run) = try await prepare("closedpipe")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: PressworkProcess.executable)
        process.arguments = ["serve", "--workers", "1", "--log-level", "debug"]
        process.environment = ProcessInfo.processInfo.environment.merging([
            "DATABASE_URL": TestDatabase.url(configuration), "PRESSWORK_HOME": try TemporaryFolder.make(),
        ]) { _, new in new }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try pipe.fileHandleForReading.close()
        let deadline = ContinuousClock.now + .seconds(60)
        var status = ""
        while ContinuousClock.now < deadline && process.isRunning {
            status = try await pool.query("SELECT status FROM runs WHERE id = \(run.id)").scalar(String.self)
            if status != "queued" && status != "running" { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(process.isRunning, "the process died: \(process.terminationStatus)")
        #expect(["done", "skipped", "needs_review"].contains(status), "\(status)")
        kill(process.processIdentifier, SIGINT)
        let exitDeadline = ContinuousClock.now + .seconds(15)
        while process.isRunning && ContinuousClock.now < exitDeadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!process.isRunning)
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "\(process.terminationStatus)")
        await pool.close()
    }

    /// With --drain-seconds 0 (or a second signal), the run is handed back at once, mid-round.
    @Test func sigtermWithoutDrainHandsTheRunBackAtOnce() async throws {
        let (configuration, pool, run) = try await prepare("sigtermnow")
        let worker = try startWorker(configuration, leaseSeconds: 30, drainSeconds: 0)
        try await waitForRounds(pool, run.id, atLeast: 3)
        worker.signal(SIGTERM)
        #expect(await worker.waitForExit(timeout: .seconds(15)) == 0, "\(worker.output.suffix(2_000))")
        #expect(try await pool.query("SELECT status FROM runs WHERE id = \(run.id)").scalar(String.self) == "queued")
        #expect(!worker.output.contains("draining"))
        let outcome = try await finishHere(pool, run.id)
        #expect(outcome.status == .done || outcome.status == .skipped)
        try await expectEachRoundOnce(pool, run.id)
        await pool.close()
    }

    @Test func sigkillMidRoundIsRescuedWithoutCommittingARoundTwice() async throws {
        let (configuration, pool, run) = try await prepare("sigkill")
        let worker = try startWorker(configuration, leaseSeconds: 2)
        try await waitForRounds(pool, run.id, atLeast: 3)  // in the middle of the sections
        worker.signal(SIGKILL)
        _ = await worker.waitForExit(timeout: .seconds(5))
        #expect(try await pool.query("SELECT status FROM runs WHERE id = \(run.id)").scalar(String.self) == "running")
        // Another worker takes it over once the dead one's lease (2 s) has expired.
        let outcome = try await finishHere(pool, run.id)
        #expect(outcome.status == .done || outcome.status == .skipped)
        let row = try await pool.query("SELECT attempt, abandoned FROM runs WHERE id = \(run.id)")
        #expect(try row.first?.decode(Int.self, "attempt") == 2)
        #expect(try row.first?.decode(Int.self, "abandoned") == 1)
        try await expectEachRoundOnce(pool, run.id)
        await pool.close()
    }
}

/// Three `presswork serve --workers 0` processes (schedulers only) share one database while
/// 200 schedules fire every second: every fire starts exactly one run, and none is missing.
@Suite struct SchedulerProcessTests {
    @Test func threeSchedulerProcessesFireEverySecondExactlyOnce() async throws {
        let configuration = try await TestDatabase.makeDatabase("threeschedulers")
        let pool = PostgresConnectionPool(configuration: configuration, maxConnections: 2)
        _ = try await Migrator().migrate(pool)
        let params = String(decoding: try JSONEncoder().encode(try RunParams.validated(seeds: ["tick"])), as: UTF8.self)
        _ = try await pool.query(
            """
            INSERT INTO schedules (name, cron, time_zone, params, overlap, next_fire_at)
            SELECT 'tick-' || g, '* * * * * *', 'UTC', \(params)::jsonb, 'allow', date_trunc('second', now()) + interval '2 seconds'
            FROM generate_series(1, 200) g
            """)
        let schedulers = try (0..<3).map { _ in
            try PressworkProcess(
                ["serve", "--workers", "0", "--log-level", "warning"],
                environment: ["DATABASE_URL": TestDatabase.url(configuration), "PRESSWORK_HOME": try TemporaryFolder.make()]
            )
        }
        // Until every schedule has fired eight times (a count, not a time: a slow machine takes longer).
        try await waitFor("eight fires of every schedule", timeout: .seconds(120)) {
            try await pool.query(
                """
                SELECT count(*) FROM (SELECT schedule FROM schedule_fires GROUP BY schedule HAVING count(*) >= 8) s
                """
            ).scalar(Int.self) == 200
        }
        for scheduler in schedulers { scheduler.signal(SIGTERM) }
        for scheduler in schedulers {
            let status = await scheduler.waitForExit(timeout: .seconds(10))
            #expect(status == 0, "\(scheduler.output.suffix(1_000))")
        }
        let perSchedule = try await pool.query(
            """
            SELECT f.schedule, count(*) AS fires, count(DISTINCT r.id) AS runs,
                   extract(epoch FROM max(f.fire_at) - min(f.fire_at))::int + 1 AS span,
                   count(*) FILTER (WHERE f.outcome <> 'run') AS not_run
            FROM schedule_fires f LEFT JOIN runs r ON r.id = f.run_id GROUP BY f.schedule
            """)
        #expect(perSchedule.count == 200)
        var total = 0
        for row in perSchedule {
            let fires = try row.decode(Int.self, "fires")
            total += fires
            #expect(try row.decode(Int.self, "runs") == fires)
            #expect(try row.decode(Int.self, "span") == fires, "a second is missing")
            #expect(try row.decode(Int.self, "not_run") == 0)
        }
        #expect(total >= 200 * 8)
        await pool.close()
    }
}
