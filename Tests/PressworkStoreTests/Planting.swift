import Foundation
import PostgresClient
import PressworkCore

@testable import PressworkStore

/// Rows planted with SQL, as an operator's database would have them after weeks of work: runs in
/// every state and of any age, with artifacts, diagnostics, checkpoints and vectors.
struct Planting {
    let pool: PostgresConnectionPool

    /// A run with `status` that finished (or, for queued and running, was created) `daysAgo`
    /// days ago, with the artifacts of rounds 0…`rounds - 1`, one diagnostic per round, and (for
    /// runs past round 6) an article vector; `published` adds a publication record and the post
    /// id on the vector.
    @discardableResult
    func run(
        _ status: String, daysAgo: Double, rounds: Int = 8, published: Bool = false, leaseExpiresIn seconds: Double? = nil
    ) async throws -> RunID {
        let id = RunID.make()
        let age = "\(daysAgo) days"
        let finished = ["queued", "running"].contains(status) ? nil : age
        _ = try await pool.query(
            """
            INSERT INTO runs (id, params, status, round, pipeline_version, trigger, created_at, started_at, finished_at,
                              lease_owner, lease_expires_at, attempt)
            VALUES (\(id), '{"seeds": ["planted"], "region": "US", "brandVoice": "plain"}', \(status),
                    \(rounds > 0 ? Int16(rounds - 1) : nil), 'test', '{"kind": "sql"}',
                    now() - \(age)::interval, now() - \(age)::interval,
                    now() - \(finished)::interval,
                    CASE WHEN \(status) = 'running' THEN 'planted-worker' END,
                    CASE WHEN \(status) = 'running' THEN now() + make_interval(secs => \(seconds ?? 60)) END, 1)
            """)
        if rounds > 0 {
            _ = try await pool.query(
                """
                INSERT INTO artifacts (run_id, round, payload, duration_ms, attempt, created_at)
                SELECT \(id), r, CASE WHEN r = 2 THEN '{"title": "Planted article"}'::jsonb ELSE '{}'::jsonb END, 10, 1,
                       now() - \(age)::interval
                FROM generate_series(0, \(rounds - 1)) AS r;
                """)
            _ = try await pool.query(
                """
                INSERT INTO diagnostics (run_id, round, kind, message, at)
                SELECT \(id), r, 'round_completed', 'planted', now() - \(age)::interval FROM generate_series(0, \(rounds - 1)) AS r
                """)
        }
        if rounds > 6 {
            _ = try await pool.query(
                """
                INSERT INTO vectors (run_id, model, dimension, embedding, wp_post_id)
                VALUES (\(id), 'planted', 3, '{1,0,0}', \(published ? 42 : nil)::bigint)
                """)
        }
        if published {
            _ = try await pool.query(
                """
                INSERT INTO publications (run_id, site, slug, stage, wp_post_id, link, run_attempt, updated_at)
                VALUES (\(id), 'https://blog.example', 'planted', 'published', 42, 'https://blog.example/planted', 1,
                        now() - \(age)::interval)
                """)
        }
        return id
    }

    func count(_ sql: String) async throws -> Int {
        try await pool.query(PostgresQuery(unsafeSQL: sql)).scalar(Int.self)
    }

    func exists(_ id: RunID) async throws -> Bool {
        try await pool.query("SELECT count(*) FROM runs WHERE id = \(id)").scalar(Int.self) == 1
    }
}
