import Foundation
import PostgresClient
import PostgresTestSupport
import PressworkCore
import Testing

@testable import PressworkStore

/// Pruning: retention per status, compaction of published runs, orphans, dry runs, and a prune of
/// 100,000 runs while workers go on claiming.
@Suite struct PruneTests {
    @Test func retentionIsPerStatusAndPublishedRunsAreCompacted() async throws {
        let pool = try await TestDatabase.makePool("pruneretention")
        _ = try await Migrator().migrate(pool)
        let planting = Planting(pool: pool)
        let oldDone = try await planting.run("done", daysAgo: 40)
        let recentDone = try await planting.run("done", daysAgo: 10)
        let oldSkipped = try await planting.run("skipped", daysAgo: 40)
        let oldCancelled = try await planting.run("cancelled", daysAgo: 40, rounds: 2)
        let youngError = try await planting.run("error", daysAgo: 40, rounds: 4)
        let oldError = try await planting.run("error", daysAgo: 100, rounds: 4)
        let reviewing = try await planting.run("needs_review", daysAgo: 400, rounds: 7)
        let queued = try await planting.run("queued", daysAgo: 400, rounds: 0)
        let running = try await planting.run("running", daysAgo: 400, rounds: 3)
        let published = try await planting.run("done", daysAgo: 40, published: true)
        // An error run whose publish left a draft in WordPress keeps its record (monitor lists it);
        // one whose post went live before the error is compacted, its publication kept.
        let leftBehind = try await planting.run("error", daysAgo: 200, rounds: 7)
        _ = try await pool.query(
            """
            INSERT INTO publications (run_id, site, slug, stage, wp_post_id, run_attempt)
            VALUES (\(leftBehind), 'https://blog.example', 'left', 'left_behind', 9, 1)
            """)
        // Likewise one that uploaded images no published post shows: the rows list the media items.
        let mediaLeft = try await planting.run("error", daysAgo: 200, rounds: 7)
        try await plantUploadedImage(pool, run: mediaLeft, mediaID: 12)
        let liveThenFailed = try await planting.run("error", daysAgo: 200, rounds: 7)
        _ = try await pool.query(
            """
            INSERT INTO publications (run_id, site, slug, stage, wp_post_id, run_attempt)
            VALUES (\(liveThenFailed), 'https://blog.example', 'live', 'published', 10, 1)
            """)
        // A reprocessed run and a schedule fire point at the old done run.
        let child = try await planting.run("done", daysAgo: 1)
        _ = try await pool.query("UPDATE runs SET parent_run_id = \(oldDone) WHERE id = \(child)")
        _ = try await pool.query(
            """
            INSERT INTO schedules (name, cron, time_zone, params) VALUES ('daily', '@daily', 'UTC', '{"seeds": ["x"]}')
            """)
        _ = try await pool.query(
            """
            INSERT INTO schedule_fires (schedule, fire_at, outcome, run_id) VALUES ('daily', now() - interval '40 days', 'run', \(oldDone))
            """)

        let pruner = Pruner(pool: pool)
        let plan = try await pruner.plan()
        let report = try await pruner.prune(batchSize: 2)
        #expect(plan.dryRun && !report.dryRun)
        #expect(report.runsDeleted == 4 && report.runsCompacted == 2, "\(report)")
        #expect(plan.runsDeleted == report.runsDeleted && plan.runsCompacted == report.runsCompacted)
        #expect(plan.artifacts == report.artifacts && plan.diagnostics == report.diagnostics)
        // 8 + 8 + 2 + 4 artifacts of deleted runs, 8 + 7 of the compacted ones.
        #expect(report.artifacts == 37 && report.diagnostics == 37)
        // The vectors of the deleted done and skipped runs; the published one stays.
        #expect(report.vectors == 2)
        #expect(report.batches > 3, "batches of two runs each")

        for gone in [oldDone, oldSkipped, oldCancelled, oldError] {
            #expect(try await !planting.exists(gone))
        }
        for kept in [recentDone, youngError, reviewing, queued, running, published, child, leftBehind, mediaLeft, liveThenFailed] {
            #expect(try await planting.exists(kept))
        }
        // The published run: row, publication record and vector stay, with the title.
        let compacted = try #require(
            try await pool.query(
                "SELECT pruned_at IS NOT NULL AS pruned, status FROM runs WHERE id = \(published)"
            ).first)
        #expect(try compacted.decode(Bool.self, "pruned") && compacted.decode(String.self, "status") == "done")
        #expect(try await planting.count("SELECT count(*) FROM artifacts WHERE run_id = '\(published)'") == 0)
        #expect(try await planting.count("SELECT count(*) FROM publications WHERE run_id = '\(published)'") == 1)
        #expect(try await planting.count("SELECT count(*) FROM publications WHERE stage = 'left_behind'") == 1)
        #expect(try await planting.count("SELECT count(*) FROM runs WHERE id = '\(liveThenFailed)' AND pruned_at IS NOT NULL") == 1)
        let store = RunStore(pool: pool)
        let corpus = try await store.nearestByCode(
            to: [1, 0, 0], model: "planted", dimension: 3, candidates: 100, probes: 8, excluding: []
        )
        #expect(corpus.contains(published))
        #expect(try await store.publishedArticles([published], model: "planted").map(\.title) == ["Planted article"])
        // References to deleted runs are cleared, the rows that held them stay.
        #expect(try await planting.count("SELECT count(*) FROM runs WHERE id = '\(child)' AND parent_run_id IS NULL") == 1)
        #expect(try await planting.count("SELECT count(*) FROM schedule_fires WHERE run_id IS NULL") == 1)

        // A second prune finds nothing; the metrics still count the published post.
        let again = try await pruner.prune()
        #expect(!again.removedAnything)
        #expect(try await planting.count("SELECT sum(posts)::int FROM metrics_posts_daily") == 2)
        await pool.close()
    }

    @Test func orphansAndOldEventsGoButEventsAWebhookWaitsForStay() async throws {
        let pool = try await TestDatabase.makePool("pruneorphans")
        _ = try await Migrator().migrate(pool)
        let planting = Planting(pool: pool)
        let done = try await planting.run("done", daysAgo: 1)
        let failed = try await planting.run("error", daysAgo: 1, rounds: 3)
        let skipped = try await planting.run("skipped", daysAgo: 1)
        _ = try await pool.query(
            """
            INSERT INTO section_checkpoints (run_id, round, section, payload, duration_ms, attempt)
            VALUES (\(done), 3, 0, '{}', 1, 1), (\(done), 3, 1, '{}', 1, 1),
                   (\(failed), 3, 0, '{}', 1, 1)   -- round 3 of the failed run never committed: needed for its retry
            """)
        _ = try await pool.query(
            """
            INSERT INTO response_cache (run_id, key, reply) VALUES (\(done), 'a', '{}'), (\(failed), 'b', '{}')
            """)
        _ = try await pool.query(
            """
            INSERT INTO webhook_endpoints (name, url, secret, events) VALUES ('crm', 'http://127.0.0.1:9/', 'whsec_eA==', '{run.done}')
            """)
        // Events: of a deleted run (one waits for delivery), and a month old.
        _ = try await pool.query(
            """
            INSERT INTO events (run_id, kind, payload, at) VALUES
                (gen_random_uuid(), 'run.done', '{}', now()), (gen_random_uuid(), 'run.done', '{"waits": true}', now()),
                (\(done), 'run.done', '{}', now() - interval '30 days')
            """)
        _ = try await pool.query(
            """
            INSERT INTO webhook_deliveries (event_id, endpoint) SELECT id, 'crm' FROM events WHERE payload ? 'waits'
            """)

        let report = try await Pruner(pool: pool).prune()
        #expect(report.runsDeleted == 0)
        #expect(report.orphans == ["section_checkpoint": 2, "response_cache": 1, "vector": 1, "event": 1], "\(report.orphans)")
        #expect(report.events == 1)
        #expect(try await planting.count("SELECT count(*) FROM section_checkpoints WHERE run_id = '\(failed)'") == 1)
        #expect(try await planting.count("SELECT count(*) FROM response_cache WHERE run_id = '\(failed)'") == 1)
        #expect(try await planting.count("SELECT count(*) FROM vectors WHERE run_id = '\(skipped)'") == 0)
        #expect(try await planting.count("SELECT count(*) FROM vectors WHERE run_id = '\(done)'") == 1)
        #expect(try await planting.count("SELECT count(*) FROM events WHERE payload ? 'waits'") == 1)
        #expect(try await planting.count("SELECT count(*) FROM orphaned_rows") == 0)
        await pool.close()
    }

    @Test func oneProcessAtATimeAndTheLastRunIsRecorded() async throws {
        let pool = try await TestDatabase.makePool("prunelock", maxConnections: 3)
        _ = try await Migrator().migrate(pool)
        let log = MaintenanceLog(pool: pool)
        let pruner = Pruner(pool: pool)
        // While one holds the lock, a second finds it taken and does nothing.
        let (entered, enter) = AsyncStream<Void>.makeStream()
        let (release, proceed) = AsyncStream<Void>.makeStream()
        let first = Task {
            try await log.run(.prune, owner: "first") { connection in
                enter.yield()
                for await _ in release { break }
                return try await pruner.prune(Pruner.Retention(), batchSize: 10, pause: .zero, on: connection)
            }
        }
        for await _ in entered { break }
        let second = try await log.run(.prune, owner: "second") { connection in
            try await pruner.prune(Pruner.Retention(), batchSize: 10, pause: .zero, on: connection)
        }
        #expect(second == nil)
        #expect(try await log.last(.prune).running)
        proceed.yield()
        #expect(try await first.value != nil)
        let last = try await log.last(.prune)
        #expect(last.finishedAt != nil && !last.running)
        // Finished just now: the interval form skips it.
        let skipped = try await log.run(.prune, owner: "third", unlessFinishedWithin: .seconds(3600)) { connection in
            try await pruner.prune(Pruner.Retention(), batchSize: 10, pause: .zero, on: connection)
        }
        #expect(skipped == nil)
        let owner = try await pool.query("SELECT owner FROM maintenance WHERE task = 'prune'").scalar(String.self)
        #expect(owner == "first")
        await pool.close()
    }

    /// 100,000 finished runs past retention (with a review-waiting run and a published run every
    /// 1,000) are pruned while a worker claims and finishes 300 queued runs: every queued run is
    /// claimed, claims go on during the prune, and nothing that must stay is removed.
    @Test func aHundredThousandRunsArePrunedWhileWorkersClaim() async throws {
        let configuration = try await TestDatabase.makeDatabase("prunelarge")
        let pool = PostgresConnectionPool(configuration: configuration, maxConnections: 2)
        _ = try await Migrator().migrate(pool)
        _ = try await pool.query(
            """
            INSERT INTO runs (params, status, round, pipeline_version, finished_at, created_at)
            SELECT '{"seeds": ["bulk"]}',
                   CASE WHEN n % 1000 = 0 THEN 'needs_review' WHEN n % 3 = 0 THEN 'skipped' ELSE 'done' END,
                   2, 'test', now() - interval '60 days', now() - interval '60 days'
            FROM generate_series(1, 100000) AS n
            """)
        // Attempt 0 (as `runs reprocess` copies them): no event per artifact, which would only
        // slow the setup down.
        _ = try await pool.query(
            """
            INSERT INTO artifacts (run_id, round, payload, duration_ms, attempt)
            SELECT id, r, '{"title": "bulk"}', 1, 0 FROM runs, generate_series(0, 2) AS r
            """)
        _ = try await pool.query(
            """
            WITH chosen AS (SELECT id FROM runs WHERE status = 'done' ORDER BY id LIMIT 100)
            INSERT INTO publications (run_id, site, slug, stage, wp_post_id, run_attempt)
            SELECT id, 'https://blog.example', 'p', 'published', 1, 1 FROM chosen
            """)
        _ = try await pool.query(
            """
            INSERT INTO vectors (run_id, model, dimension, embedding, wp_post_id)
            SELECT run_id, 'planted', 3, '{0,1,0}', 1 FROM publications
            """)
        _ = try await pool.query(
            """
            INSERT INTO runs (params, pipeline_version) SELECT '{"seeds": ["queued"]}', 'test' FROM generate_series(1, 300)
            """)

        let workerPool = PostgresConnectionPool(configuration: configuration, maxConnections: 1)
        let store = RunStore(pool: workerPool)
        let pruning = Task {
            let report = try await Pruner(pool: pool).prune(batchSize: 500, pause: .milliseconds(5))
            return (report, Date())
        }
        var claimedAt: [Date] = []
        while let lease = try await store.claimNext(owner: "worker", leaseSeconds: 30, maxAbandoned: 3) {
            try await store.finish(lease, status: .done, reason: nil)
            claimedAt.append(Date())
            try await Task.sleep(for: .milliseconds(2))
        }
        let (report, prunedAt) = try await pruning.value
        await workerPool.close()

        #expect(claimedAt.count == 300)
        #expect(claimedAt.first! < prunedAt, "the worker claimed while the prune ran")
        #expect(report.runsDeleted == 100_000 - 100 - 100)
        #expect(report.runsCompacted == 100)
        let remaining = Planting(pool: pool)
        #expect(try await remaining.count("SELECT count(*) FROM runs WHERE status = 'needs_review'") == 100)
        #expect(try await remaining.count("SELECT count(*) FROM runs WHERE params->'seeds'->>0 = 'queued' AND status = 'done'") == 300)
        #expect(try await remaining.count("SELECT count(*) FROM vectors WHERE wp_post_id IS NOT NULL") == 100)
        #expect(
            try await remaining.count("SELECT count(*) FROM artifacts a JOIN runs r ON r.id = a.run_id WHERE r.status = 'needs_review'")
                == 300)
        #expect(try await remaining.count("SELECT count(*) FROM prune_candidates") == 0)
        await pool.close()
    }
}
