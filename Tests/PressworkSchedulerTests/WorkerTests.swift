import Foundation
import Logging
import PostgresClient
import PostgresTestSupport
import PressworkCore
import PressworkOrchestrator
import PressworkPipeline
import PressworkScheduler
import PressworkStore
import TestSupport
import Testing

/// Workers and the scheduler against a real Postgres: NOTIFY wakes workers for runs queued by
/// anyone (a plain SQL INSERT included), abandoned runs are rescued, poison runs end in error,
/// and schedules fire runs that workers finish.
@Suite struct WorkerTests {
    let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    struct Setup {
        let pool: PostgresConnectionPool
        let store: RunStore
        let output: String

        func orchestrator(leaseSeconds: Double = 30) -> Orchestrator {
            Orchestrator(
                store: store,
                pipeline: Pipeline(providers: .offline(outputFolder: output)),
                configuration: OrchestratorConfiguration(leaseSeconds: leaseSeconds, heartbeatSeconds: max(0.2, leaseSeconds / 3)),
                logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
            )
        }

        func status(_ id: RunID) async throws -> String {
            try await pool.query("SELECT status FROM runs WHERE id = \(id)").scalar(String.self)
        }
    }

    func setup(_ name: String) async throws -> Setup {
        let pool = try await TestDatabase.makePool(name, maxConnections: 8)
        _ = try await Migrator().migrate(pool)
        return Setup(pool: pool, store: RunStore(pool: pool), output: try TemporaryFolder.make())
    }

    /// Runs `body` while a worker pool serves, once the pool listens for queued runs, then stops
    /// the pool.
    func withWorkers<T: Sendable>(
        _ setup: Setup, concurrency: Int = 2, poll: Duration = .seconds(30), leaseSeconds: Double = 30,
        _ body: () async throws -> T
    ) async throws -> T {
        let (listening, listened) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let workers = WorkerPool(
            orchestrator: setup.orchestrator(leaseSeconds: leaseSeconds), listenConfiguration: setup.pool.configuration,
            configuration: .init(concurrency: concurrency, pollInterval: poll), logger: logger,
            onListening: { listened.yield() }
        )
        let task = Task { try await workers.run() }
        defer { task.cancel() }
        for await _ in listening { break }
        return try await body()
    }

    /// Many runs in flight, one heartbeat statement per interval: every running run's lease is
    /// extended by the same statement (the same transaction time), and the pool stays at two
    /// connections whatever the concurrency.
    @Test(.timeLimit(.minutes(3)))
    func oneHeartbeatStatementExtendsEveryLeaseOfTheProcess() async throws {
        let pool = try await TestDatabase.makePool("batchbeat", maxConnections: 2)
        _ = try await Migrator().migrate(pool)
        let store = RunStore(pool: pool)
        let orchestrator = try slowOrchestrator(store, latency: .milliseconds(400), heartbeatSeconds: 0.2, logger: logger)
        for index in 0..<8 {
            _ = try await store.create(
                params: try RunParams.validated(seeds: ["beat \(index)"]), trigger: .cli, pipelineVersion: Pipeline.version
            )
        }
        let workers = WorkerPool(
            orchestrator: orchestrator, listenConfiguration: pool.configuration,
            configuration: .init(concurrency: 8, pollInterval: .milliseconds(100)), logger: logger
        )
        let task = Task { try await workers.run() }
        defer { task.cancel() }
        try await waitFor("eight runs whose leases were extended together") {
            let row = try #require(
                try await pool.query(
                    """
                    SELECT count(*) AS running, count(DISTINCT lease_expires_at) AS expiries FROM runs WHERE status = 'running'
                    """
                ).first)
            return try row.decode(Int.self, "running") == 8 && row.decode(Int.self, "expiries") == 1
        }
        #expect(pool.statistics.open <= 2)
        task.cancel()
        _ = try? await task.value
        await pool.close()
    }

    /// The polling fallback is 30 s here, so a run finishing within seconds was woken by NOTIFY.
    @Test func aRunInsertedWithPlainSQLIsPickedUpAndABadOneIsMarked() async throws {
        let setup = try await setup("sqltrigger")
        try await withWorkers(setup) {
            let good = try await setup.pool.query(
                """
                INSERT INTO runs (params) VALUES ('{"seeds": ["alpine cheese"], "region": "CH", "brandVoice": "warm",
                    "dryRun": true, "thresholds": {"review": 0.5, "publish": 0.7, "duplicate": 0.9},
                    "providers": {"llm": "offline", "embeddings": "offline", "trends": "seeds"}}')
                RETURNING id
                """
            ).scalar(RunID.self)
            let bad = try await setup.pool.query("INSERT INTO runs (params) VALUES ('{\"seeds\": 5}') RETURNING id").scalar(RunID.self)
            try await waitFor("both runs to end") {
                let goodStatus = try await setup.status(good)
                let badStatus = try await setup.status(bad)
                return goodStatus == "done" && badStatus == "error"
            }
        }
        let reason = try await setup.pool.query("SELECT status_reason FROM runs WHERE params->>'seeds' = '5'").scalar(String.self)
        #expect(reason.hasPrefix("cannot be executed"))
        // Listing runs still works; the unreadable one is named apart, with the reason.
        let page = try await setup.store.listPage()
        #expect(page.runs.count == 1)
        #expect(page.unreadable.count == 1)
        #expect(page.unreadable.first?.reason.contains("RunParams") == true)
        await setup.pool.close()
    }

    /// A worker claimed the run and died (its lease runs out, nobody heartbeats): another worker
    /// takes it over and finishes it, as attempt 2, counted as abandoned once.
    @Test func anAbandonedRunIsRescued() async throws {
        let setup = try await setup("rescue")
        let run = try await setup.store.create(
            params: try RunParams.validated(seeds: ["sea kayaking"]), trigger: .cli, pipelineVersion: Pipeline.version
        ).run
        let dead = try #require(try await setup.store.claimNext(owner: "dead-worker", leaseSeconds: 1, maxAbandoned: 3))
        #expect(dead.runID == run.id)
        try await withWorkers(setup, poll: .milliseconds(200)) {
            try await waitFor("the rescue") { try await setup.status(run.id) == "done" }
        }
        let row = try await setup.pool.query("SELECT attempt, abandoned FROM runs WHERE id = \(run.id)")
        #expect(try row.first?.decode(Int.self, "attempt") == 2)
        #expect(try row.first?.decode(Int.self, "abandoned") == 1)
        await setup.pool.close()
    }

    /// A run whose workers keep dying ends in error, with a diagnostic, instead of being claimed
    /// forever.
    @Test func aPoisonRunEndsInError() async throws {
        let setup = try await setup("poison")
        let run = try await setup.store.create(
            params: try RunParams.validated(seeds: ["deadly topic"]), trigger: .cli, pipelineVersion: Pipeline.version
        ).run
        // Each doomed worker's 30 s lease is judged an hour later (injected time, no waiting).
        let later = Date().addingTimeInterval(3_600)
        for attempt in 1...3 {
            let lease = try #require(
                try await setup.store.claimNext(
                    owner: "doomed-\(attempt)", leaseSeconds: 30, maxAbandoned: 3, now: attempt == 1 ? nil : later
                ))
            #expect(lease.attempt == attempt)
        }
        // Three workers died with it: the next claim ends it instead of taking it over.
        #expect(try await setup.store.claimNext(owner: "fourth", leaseSeconds: 30, maxAbandoned: 3, now: later) == nil)
        #expect(try await setup.status(run.id) == "error")
        let diagnostics = try await setup.store.diagnostics(run.id).map(\.diagnostic)
        #expect(diagnostics.contains { $0.kind == .error && $0.message.hasPrefix("abandoned 3 times") })
        await setup.pool.close()
    }

    /// One claim takes as many runs as it is allowed, oldest first, each once; a poisoned run
    /// among them is ended, not claimed, and the rest are still claimed.
    @Test func aClaimTakesTheOldestRunsUpToItsLimit() async throws {
        let setup = try await setup("batch-claim")
        var queued: [RunID] = []
        for topic in ["first topic", "second topic", "third topic", "fourth topic", "fifth topic"] {
            queued.append(
                try await setup.store.create(
                    params: try RunParams.validated(seeds: [topic]), trigger: .cli, pipelineVersion: Pipeline.version
                ).run.id)
        }
        // The oldest run was abandoned by two workers, and its third worker's lease ran out too.
        _ = try await setup.pool.query(
            """
            UPDATE runs SET abandoned = 2, status = 'running', lease_owner = 'gone', attempt = 3,
                   lease_expires_at = now() - interval '1 hour'
            WHERE id = \(queued[0])
            """)
        let first = try await setup.store.claimNext(owner: "batch", leaseSeconds: 30, maxAbandoned: 3, limit: 3)
        #expect(first.map(\.runID) == [queued[1], queued[2]], "the poisoned run is not claimed; the next two are")
        #expect(first.allSatisfy { $0.attempt == 1 && !$0.tookOver && $0.owner == "batch" })
        #expect(try await setup.status(queued[0]) == "error")
        let second = try await setup.store.claimNext(owner: "batch", leaseSeconds: 30, maxAbandoned: 3, limit: 3)
        #expect(second.map(\.runID) == [queued[3], queued[4]])
        #expect(try await setup.store.claimNext(owner: "batch", leaseSeconds: 30, maxAbandoned: 3, limit: 3).isEmpty)
        for id in queued.dropFirst() { #expect(try await setup.status(id) == "running") }
        await setup.pool.close()
    }

    /// The scheduler fires a schedule every second; the workers finish its runs.
    @Test func schedulesFireRunsThatWorkersFinish() async throws {
        let setup = try await setup("serve")
        let schedules = ScheduleStore(pool: setup.pool)
        _ = try await schedules.add(
            ScheduleDefinition(
                name: "every-second", cron: "* * * * * *", timeZone: "UTC",
                params: try RunParams.validated(seeds: ["home espresso"]), overlap: .allow
            ))
        let scheduler = Task { try await SchedulerService(store: schedules, pipelineVersion: Pipeline.version, logger: logger).run() }
        try await withWorkers(setup) {
            try await waitFor("three finished scheduled runs", timeout: .seconds(120)) {
                try await setup.pool.query(
                    """
                    SELECT count(*) FROM runs WHERE trigger->>'schedule' = 'every-second' AND status IN ('done', 'skipped')
                    """
                ).scalar(Int.self) >= 3
            }
        }
        scheduler.cancel()
        let record = try await schedules.get("every-second")
        #expect(record.firesRun >= 3)
        #expect(record.firesMissed == 0)
        await setup.pool.close()
    }
}
