import Foundation
import PostgresClient
import PressworkCore

extension RunStore {
    // MARK: The publication ledger
    //
    // Each write is fenced like a round commit: a worker that lost its lease cannot record a
    // step, so two workers can never both believe they own the run's post.

    /// Records that publishing begins (a new row, or one more attempt on the existing row) and
    /// returns the row as it now stands.
    public func beginPublication(site: String, slug: String, lease: Lease) async throws -> StoredPublication {
        let rows = try await pool.query(
            """
            WITH fence AS (\(fragment: Self.fence(lease))
            )
            INSERT INTO publications AS p (run_id, site, slug, stage, run_attempt)
            SELECT id, \(site), \(slug), 'intent', \(lease.attempt) FROM fence
            ON CONFLICT (run_id) DO UPDATE
                SET attempts = p.attempts + 1, run_attempt = excluded.run_attempt, updated_at = now(),
                    -- A removed draft is gone: publishing starts over from an intent.
                    stage = CASE WHEN p.stage = 'removed' THEN 'intent' ELSE p.stage END,
                    wp_post_id = CASE WHEN p.stage = 'removed' THEN NULL ELSE p.wp_post_id END
            RETURNING p.stage, p.wp_post_id, p.slug, p.attempts, p.site
            """)
        guard let row = rows.first else {
            throw LeaseLost(lease)
        }
        return try StoredPublication(row: row)
    }

    /// Records a step of publishing (draft created, published, removed, left behind).
    public func recordPublication(
        stage: String, postID: Int?, link: String?, error: String?, lease: Lease
    ) async throws {
        let result = try await pool.query(
            """
            WITH fence AS (\(fragment: Self.fence(lease))
            ), step AS (
                UPDATE publications p SET stage = \(stage), wp_post_id = coalesce(\(postID)::bigint, p.wp_post_id),
                       link = coalesce(\(link)::text, p.link), error = \(error)::text, run_attempt = \(lease.attempt),
                       updated_at = now()
                FROM fence WHERE p.run_id = fence.id
                RETURNING p.run_id, p.wp_post_id
            ), post AS (
                UPDATE vectors v SET wp_post_id = step.wp_post_id
                FROM step WHERE v.run_id = step.run_id AND \(stage) = 'published'
            )
            SELECT (SELECT count(*) FROM fence) AS fenced
            """)
        try Self.requireFence(result, lease)
    }

    /// A run's publication row, if publishing ever began.
    public func publication(_ runID: RunID) async throws -> StoredPublication? {
        try await pool.query(
            """
            SELECT stage, wp_post_id, slug, attempts, site FROM publications WHERE run_id = \(runID)
            """
        ).first.map(StoredPublication.init)
    }
}

/// A row of `publications`.
public struct StoredPublication: Sendable, Equatable {
    public let stage: String
    public let postID: Int?
    public let slug: String
    public let attempts: Int
    public let site: String

    init(row: PostgresRow) throws {
        stage = try row.decode(String.self, "stage")
        postID = try row.decode(Int?.self, "wp_post_id")
        slug = try row.decode(String.self, "slug")
        attempts = try row.decode(Int.self, "attempts")
        site = try row.decode(String.self, "site")
    }
}
