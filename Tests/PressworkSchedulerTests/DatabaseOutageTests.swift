import Foundation
import Logging
import PostgresClient
import PostgresTestSupport
import PressworkCore
import PressworkOrchestrator
import PressworkPipeline
import PressworkRuntime
import PressworkScheduler
import PressworkStore
import Synchronization
import TestSupport
import Testing

/// The database goes away under a worker (its server connections are terminated, as a restart
/// or a failover does): runs in progress do not end in error and do not wait for their lease to
/// expire; each is handed back as soon as the database answers, and finishes with every round
/// committed once. No "round failed" is logged for a run that then succeeds.
@Suite struct DatabaseOutageTests {
    @Test(.timeLimit(.minutes(3)))
    func runsInProgressAreHandedBackWhenTheDatabaseAnswersAgain() async throws {
        let base = try await TestDatabase.makeDatabase("outage")
        var workerConfiguration = base
        workerConfiguration.applicationName = "presswork-outage-worker"
        let admin = PostgresConnectionPool(configuration: base, maxConnections: 2)
        _ = try await Migrator().migrate(admin)
        let workerPool = PostgresConnectionPool(configuration: workerConfiguration, maxConnections: 8)
        let sink = LineSink.memory()
        let logger = Logger(label: "worker") { label in PressworkLogHandler(label: label, format: .text, level: .info, sink: sink) }
        let store = RunStore(pool: workerPool)
        let orchestrator = try slowOrchestrator(store, latency: .milliseconds(80), heartbeatSeconds: 0.3, logger: logger)
        let ids = try await (0..<2).asyncMap { index in
            try await RunStore(pool: admin).create(
                params: try RunParams.validated(seeds: ["outage topic \(index)"]), trigger: .cli, pipelineVersion: Pipeline.version
            ).run.id
        }
        let workers = WorkerPool(
            orchestrator: orchestrator, listenConfiguration: workerConfiguration,
            configuration: .init(concurrency: 2, pollInterval: .milliseconds(200)), logger: logger
        )
        let serving = Task { try await workers.run() }
        defer { serving.cancel() }

        // Both runs are in the middle of their rounds: cut every connection the worker has.
        try await waitFor("both runs past round 2") {
            try await admin.query("SELECT count(DISTINCT run_id) FROM artifacts WHERE round >= 2").scalar(Int.self) == 2
        }
        let cut = try await admin.query(
            """
            SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'presswork-outage-worker'
            """
        ).scalar(Int.self)
        #expect(cut > 0)

        try await waitFor("both runs finished", timeout: .seconds(90)) {
            try await admin.query(
                """
                SELECT count(*) FROM runs WHERE id = ANY(\(ids)) AND status IN ('done', 'skipped', 'needs_review', 'error')
                """
            ).scalar(Int.self) == 2
        }
        let statuses = try await admin.query("SELECT status FROM runs WHERE id = ANY(\(ids))").map { try $0.decode(String.self, "status") }
        #expect(!statuses.contains("error"), "\(statuses)")
        // Every round of each run was committed exactly once, whichever attempt did it.
        let twice = try await admin.query(
            """
            SELECT count(*) FROM (SELECT run_id, round FROM diagnostics WHERE run_id = ANY(\(ids)) AND kind = 'round_completed'
                                  GROUP BY run_id, round HAVING count(*) > 1) t
            """
        ).scalar(Int.self)
        #expect(twice == 0)
        #expect(
            try await admin.query(
                """
                SELECT count(*) FROM diagnostics WHERE run_id = ANY(\(ids)) AND kind = 'error'
                """
            ).scalar(Int.self) == 0)
        let log = sink.captured.joined(separator: "\n")
        #expect(!log.contains("round failed"), "\(log.suffix(3_000))")
        // At least one run met the outage in a statement and was handed back, not left running.
        let handedBack = try await admin.query(
            """
            SELECT count(*) FROM diagnostics WHERE run_id = ANY(\(ids)) AND message LIKE 'the database went away%'
            """
        ).scalar(Int.self)
        #expect(handedBack >= 1, "\(log.suffix(3_000))")
        serving.cancel()
        _ = try? await serving.value
        await workerPool.close()
        await admin.close()
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
