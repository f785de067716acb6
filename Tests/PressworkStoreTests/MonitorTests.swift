import Foundation
import PostgresClient
import PostgresTestSupport
import PressworkCore
import Testing

@testable import PressworkStore

/// The monitoring queries find planted trouble, each by its own check and subject, and the
/// report's exit code is the worst severity.
@Suite struct MonitorTests {
    @Test func aHealthyDatabaseReportsNothing() async throws {
        let pool = try await TestDatabase.makePool("monitorhealthy")
        _ = try await Migrator().migrate(pool)
        let planting = Planting(pool: pool)
        try await planting.run("done", daysAgo: 1)
        try await planting.run("running", daysAgo: 0)
        try await planting.run("queued", daysAgo: 0)
        let report = try await Monitor(pool: pool).check()
        #expect(report.findings.isEmpty, "\(report.findings)")
        #expect(report.exitCode == 0 && report.status == "healthy")
        #expect(report.checks.count == Monitor.checks.count)
        await pool.close()
    }

    /// Judged at an injected time (`presswork_now()`, migration 0020): a healthy database seen
    /// two days later has a queued run waiting and a lease long expired; the prune plan sees the
    /// run that finished yesterday as past a one-day retention. Nothing waits for the clock.
    @Test func thresholdsAndRetentionAreJudgedAtAnInjectedTime() async throws {
        let pool = try await TestDatabase.makePool("monitornow")
        _ = try await Migrator().migrate(pool)
        let planting = Planting(pool: pool)
        try await planting.run("done", daysAgo: 1)
        let running = try await planting.run("running", daysAgo: 0)
        try await planting.run("queued", daysAgo: 0)
        #expect(try await Monitor(pool: pool).check().findings.isEmpty)
        let later = Date().addingTimeInterval(2 * 86_400)
        let report = try await Monitor(pool: pool).check(now: later)
        #expect(report.findings.contains { $0.check == "queued_waiting" && $0.subject == "queue" && $0.since != nil })
        #expect(report.findings.contains { $0.check == "stalled_rounds" && $0.subject == running.description && $0.severity == .critical })
        #expect(abs(report.checkedAt.timeIntervalSince(later)) < 1)
        let now = try await Pruner(pool: pool).plan(Pruner.Retention(finished: .seconds(86_400 * 3)))
        let inAWeek = try await Pruner(pool: pool).plan(
            Pruner.Retention(finished: .seconds(86_400 * 3), now: Date().addingTimeInterval(7 * 86_400)))
        #expect(now.runsDeleted + now.runsCompacted == 0 && inAWeek.runsDeleted + inAWeek.runsCompacted == 1, "\(now) \(inAWeek)")
        await pool.close()
    }

    @Test func plantedTroubleIsFoundAndGraded() async throws {
        let pool = try await TestDatabase.makePool("monitortrouble")
        _ = try await Migrator().migrate(pool)
        let planting = Planting(pool: pool)
        // A dead worker's run: its lease expired 10 minutes ago.
        let dead = try await planting.run("running", daysAgo: 0.01, rounds: 3, leaseExpiresIn: -600)
        // A live lease, but the same round for two hours.
        let slow = try await planting.run("running", daysAgo: 0.1, rounds: 3)
        _ = try await pool.query("UPDATE artifacts SET created_at = now() - interval '2 hours' WHERE run_id = \(slow)")
        try await planting.run("queued", daysAgo: 0.1, rounds: 0)
        try await planting.run("needs_review", daysAgo: 2, rounds: 7)
        _ = try await pool.query(
            """
            INSERT INTO schedules (name, cron, time_zone, params, next_fire_at)
            VALUES ('nobody-fires-me', '0 * * * *', 'UTC', '{"seeds": ["x"]}', now() - interval '1 hour')
            """)
        // A receiver that has been failing for an hour.
        let done = try await planting.run("done", daysAgo: 0.1)
        _ = try await pool.query(
            """
            INSERT INTO webhook_endpoints (name, url, secret, events)
            VALUES ('crm', 'http://127.0.0.1:9/hook', 'whsec_c2VjcmV0', '{run.done}')
            """)
        _ = try await pool.query(
            """
            INSERT INTO events (run_id, kind, payload, at) VALUES (\(done), 'run.done', '{}', now() - interval '1 hour')
            """)
        _ = try await pool.query(
            """
            INSERT INTO webhook_deliveries (event_id, endpoint, attempts, last_error, created_at)
            SELECT id, 'crm', 5, 'HTTP 503', now() - interval '1 hour' FROM events
            """)
        // Orphans, two days old: a checkpoint of a committed round, a cached reply of a finished
        // run, the vector of a skipped run, an event whose run is gone; and a draft left in WordPress.
        _ = try await pool.query(
            """
            INSERT INTO section_checkpoints (run_id, round, section, payload, duration_ms, attempt, created_at)
            VALUES (\(done), 3, 0, '{}', 1, 1, now() - interval '2 days')
            """)
        _ = try await pool.query(
            """
            INSERT INTO response_cache (run_id, key, reply, created_at) VALUES (\(done), 'k', '{}', now() - interval '2 days')
            """)
        let skipped = try await planting.run("skipped", daysAgo: 3)
        _ = try await pool.query("UPDATE vectors SET created_at = now() - interval '2 days' WHERE run_id = \(skipped)")
        _ = try await pool.query(
            """
            INSERT INTO events (run_id, kind, payload, at) VALUES (gen_random_uuid(), 'run.done', '{}', now() - interval '2 days')
            """)
        let left = try await planting.run("error", daysAgo: 1)
        _ = try await pool.query(
            """
            INSERT INTO publications (run_id, site, slug, stage, wp_post_id, run_attempt, error)
            VALUES (\(left), 'https://blog.example', 'left', 'left_behind', 77, 1, 'delete failed: HTTP 500')
            """)

        // Images uploaded to WordPress for a run that failed without a post.
        let mediaLeft = try await planting.run("error", daysAgo: 1)
        try await plantUploadedImage(pool, run: mediaLeft, mediaID: 91)

        let report = try await Monitor(pool: pool).check()
        func finding(_ check: String, _ subject: String) -> Monitor.Finding? {
            report.findings.first { $0.check == check && $0.subject == subject }
        }
        #expect(finding("stalled_rounds", dead.description)?.severity == .critical)
        #expect(finding("stalled_rounds", dead.description)?.detail.contains("round 3") == true)
        #expect(finding("stalled_rounds", slow.description)?.severity == .warning)
        #expect(finding("queued_waiting", "queue")?.detail.hasPrefix("1 run(s) queued") == true)
        #expect(finding("review_waiting", "review")?.severity == .warning)
        #expect(finding("overdue_schedules", "nobody-fires-me")?.severity == .critical)
        #expect(finding("undelivered_webhooks", "crm")?.detail.contains("HTTP 503") == true)
        for kind in ["section_checkpoint", "response_cache", "vector", "event"] {
            #expect(finding("orphaned_artifacts", kind)?.detail.hasPrefix("1 orphaned \(kind)") == true, "\(kind)")
        }
        #expect(finding("orphaned_artifacts", "wordpress post 77")?.detail.contains(left.description) == true)
        #expect(
            finding("orphaned_artifacts", "run \(mediaLeft)")?.detail
                == "1 image(s) uploaded to WordPress as media 91 for a run that ended error without a published post: "
                + "runs retry publishes them, or delete them there")
        #expect(report.findings.count == 12, "\(report.findings.map { "\($0.check) \($0.subject)" })")
        #expect(report.exitCode == 2 && report.status == "critical")

        // A prune that has not finished for three days.
        _ = try await pool.query(
            """
            INSERT INTO maintenance (task, owner, started_at, finished_at) VALUES ('prune', 'cron', now() - interval '3 days', now() - interval '3 days')
            """)
        let stale = try await Monitor(pool: pool).check()
        #expect(stale.findings.first { $0.check == "maintenance_overdue" }?.detail.contains("is the cron job or timer running?") == true)
        _ = try await pool.query("DELETE FROM maintenance")

        // Without the critical findings (a worker took the run over, a scheduler caught up),
        // warnings remain: exit 1.
        _ = try await pool.query("UPDATE runs SET lease_expires_at = now() + interval '1 minute' WHERE id = \(dead)")
        _ = try await pool.query("UPDATE schedules SET next_fire_at = now() + interval '1 hour'")
        let warnings = try await Monitor(pool: pool).check()
        #expect(warnings.exitCode == 1 && warnings.status == "warning")
        #expect(!warnings.findings.contains { $0.severity == .critical })

        // Thresholds move the lines: with a 3-hour round limit the slow run is fine.
        var relaxed = Monitor.Thresholds()
        relaxed.roundRunning = .seconds(3 * 3600)
        let relaxedReport = try await Monitor(pool: pool).check(relaxed)
        #expect(!relaxedReport.findings.contains { $0.subject == slow.description })
        await pool.close()
    }
}

/// An images row recorded as uploaded to WordPress as media `mediaID` (a one-byte-short PNG
/// signature is enough for the table's checks).
func plantUploadedImage(_ pool: PostgresConnectionPool, run: RunID, mediaID: Int) async throws {
    _ = try await pool.query(
        """
        INSERT INTO images (run_id, placement, prompt, alt_text, media_type, byte_size, sha256, bytes, provider, run_attempt,
                            media_stage, wp_media_id, media_url)
        VALUES (\(run), 'hero', 'p', 'a', 'image/png', 8, repeat('ab', 32), decode('89504e470d0a1a0a', 'hex'), 'offline', 1,
                'uploaded', \(mediaID), 'https://blog.example/wp-content/uploads/x.png')
        """)
}
