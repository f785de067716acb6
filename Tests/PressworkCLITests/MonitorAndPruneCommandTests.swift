import Foundation
import PostgresClient
import PostgresTestSupport
import PressworkStore
import TestSupport
import Testing

/// `presswork monitor` and `presswork prune` as cron runs them: real processes against a real
/// database, judged by exit code and output.
@Suite struct MonitorAndPruneCommandTests {
    func presswork(_ arguments: [String], database: PostgresConfiguration) async throws -> (status: Int32, output: String) {
        let process = try PressworkProcess(arguments, environment: ["DATABASE_URL": TestDatabase.url(database)])
        let status = try #require(await process.waitForExit(timeout: .seconds(60)), "presswork \(arguments) did not exit")
        return (status, process.output)
    }

    @Test func monitorExitsZeroOneOrTwo() async throws {
        let database = try await TestDatabase.makeDatabase("monitorcli")
        let pool = PostgresConnectionPool(configuration: database, maxConnections: 1)
        _ = try await Migrator().migrate(pool)

        let healthy = try await presswork(["monitor"], database: database)
        #expect(healthy.status == 0 && healthy.output.contains("healthy: 8 checks, nothing found"), "\(healthy.output)")
        let quiet = try await presswork(["monitor", "--quiet"], database: database)
        #expect(quiet.status == 0 && quiet.output.isEmpty, "\(quiet.output)")

        // A run waiting for review for two days: a warning.
        _ = try await pool.query(
            """
            INSERT INTO runs (params, status, pipeline_version, finished_at)
            VALUES ('{"seeds": ["x"]}', 'needs_review', 'test', now() - interval '2 days')
            """)
        let warning = try await presswork(["monitor", "--quiet"], database: database)
        #expect(warning.status == 1 && warning.output.contains("WARNING  review_waiting"), "\(warning.output)")
        #expect(try await presswork(["monitor", "--review-after", "3d"], database: database).status == 0)

        // A schedule nobody fires: critical, also in JSON.
        _ = try await pool.query(
            """
            INSERT INTO schedules (name, cron, time_zone, params, next_fire_at)
            VALUES ('stuck', '@hourly', 'UTC', '{"seeds": ["x"]}', now() - interval '1 hour')
            """)
        let critical = try await presswork(["monitor", "--json"], database: database)
        #expect(critical.status == 2)
        let report = try JSONSerialization.jsonObject(with: Data(critical.output.utf8)) as? [String: Any]
        #expect(report?["status"] as? String == "critical")
        let findings = report?["findings"] as? [[String: Any]] ?? []
        #expect(Set(findings.compactMap { $0["check"] as? String }) == ["review_waiting", "overdue_schedules"])
        #expect(findings.contains { $0["subject"] as? String == "stuck" && $0["severity"] as? String == "critical" })

        // A bad threshold is refused by name; an unreachable database is critical.
        let bad = try await presswork(["monitor", "--round-after", "soon"], database: database)
        #expect(bad.status == 64 && bad.output.contains("round-after"), "\(bad.output)")
        let unreachable = try PressworkProcess(["monitor"], environment: ["DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"])
        #expect(await unreachable.waitForExit(timeout: .seconds(30)) == 2)
        #expect(unreachable.output.hasPrefix("critical: cannot check:"), "\(unreachable.output)")
        await pool.close()
    }

    @Test func pruneReportsWhatItRemovedAndADryRunRemovesNothing() async throws {
        let database = try await TestDatabase.makeDatabase("prunecli")
        let pool = PostgresConnectionPool(configuration: database, maxConnections: 1)
        _ = try await Migrator().migrate(pool)
        _ = try await pool.query(
            """
            INSERT INTO runs (params, status, pipeline_version, finished_at)
            SELECT '{"seeds": ["x"]}', s, 'test', now() - interval '40 days'
            FROM unnest(ARRAY['done', 'done', 'error', 'needs_review']) AS s
            """)
        let dry = try await presswork(["prune", "--dry-run", "--json"], database: database)
        #expect(dry.status == 0, "\(dry.output)")
        let planned = try JSONSerialization.jsonObject(with: Data(dry.output.utf8)) as? [String: Any]
        #expect(planned?["runsDeleted"] as? Int == 2 && planned?["dryRun"] as? Bool == true)
        #expect(try await pool.query("SELECT count(*) FROM runs").scalar(Int.self) == 4)

        let pruned = try await presswork(["prune", "--older-than", "35d", "--errors-older-than", "35d"], database: database)
        #expect(pruned.status == 0 && pruned.output.contains("runs:       3 deleted, 0 compacted"), "\(pruned.output)")
        #expect(try await pool.query("SELECT status FROM runs").map { try $0.decode(String.self, "status") } == ["needs_review"])
        let recorded = try await pool.query("SELECT report->>'runsDeleted' FROM maintenance WHERE task = 'prune'").scalar(String.self)
        #expect(recorded == "3")
        await pool.close()
    }
}
