import Foundation
import PostgresClient
import PressworkCore

/// What an execution needs to begin a claimed run: the run, its committed artifacts, which
/// rounds have section checkpoints, whether it has kept images, and whether a cancel was
/// requested.
public struct RunStart: Sendable {
    public var record: RunRecord
    /// Each committed round's artifact as JSON text.
    public var artifacts: [Round: String]
    /// The rounds (3 and 4) with sections checkpointed by an earlier attempt.
    public var checkpointedRounds: Set<Round>
    /// US dollars spent on sections checkpointed in rounds that have not committed yet: paid,
    /// but not in the run's totals until their round commits.
    public var uncommittedCheckpointCostUSD: Double
    /// Whether round 7 of an earlier attempt kept images.
    public var heldImages: Bool
    /// The reason given when a cancel of the run was requested; nil when none was.
    public var cancelReason: String?
}

extension RunStore {
    /// Records `diagnostics` (the claim's note on the timeline) and reads the run's start, in one
    /// statement under the lease. A fresh run's start took six statements before (the run, its
    /// artifacts, the cancel request, a checkpoint read in each of rounds 3 and 4, the images in
    /// round 7) and the claim's note a seventh; with a thousand runs in flight each of them
    /// queued for one of a handful of connections. Throws `LeaseLost` when the lease no longer
    /// holds.
    public func start(_ lease: Lease, recording diagnostics: [Diagnostic]) async throws -> RunStart {
        let rows = try await pool.query(
            """
            WITH fence AS (\(fragment: Self.fence(lease))
            ), diagnostic AS (\(fragment: Self.insertDiagnostics(diagnostics, forRunIn: "fence", column: "id"))
            )
            SELECT \(unsafeRaw: RunRecord.columns),
                   CASE WHEN r.cancel_requested_at IS NOT NULL THEN coalesce(r.cancel_reason, 'cancelled') END AS cancel_reason,
                   coalesce(done.rounds, '{}') AS artifact_rounds, coalesce(done.payloads, '{}') AS artifact_payloads,
                   coalesce(kept.rounds, '{}') AS checkpointed_rounds, coalesce(kept.uncommitted, 0) AS uncommitted_checkpoint_cost,
                   EXISTS (SELECT 1 FROM images i WHERE i.run_id = r.id) AS held_images
            FROM runs r
            LEFT JOIN LATERAL (
                SELECT array_agg(a.round::text ORDER BY a.round) AS rounds, array_agg(a.payload::text ORDER BY a.round) AS payloads
                FROM artifacts a WHERE a.run_id = r.id
            ) done ON true
            LEFT JOIN LATERAL (
                SELECT array_agg(DISTINCT c.round::text) AS rounds,
                       (sum(c.cost_usd) FILTER (
                           WHERE NOT EXISTS (SELECT 1 FROM artifacts x WHERE x.run_id = c.run_id AND x.round = c.round)
                       ))::double precision AS uncommitted
                FROM section_checkpoints c WHERE c.run_id = r.id
            ) kept ON true
            WHERE r.id = (SELECT id FROM fence)
            """)
        guard let row = rows.first else {
            throw LeaseLost(lease)
        }
        let rounds = try row.decode([String].self, "artifact_rounds").map(Self.round)
        let payloads = try row.decode([String].self, "artifact_payloads")
        return RunStart(
            record: try RunRecord(row: row),
            artifacts: Dictionary(uniqueKeysWithValues: zip(rounds, payloads)),
            checkpointedRounds: Set(try row.decode([String].self, "checkpointed_rounds").map(Self.round)),
            uncommittedCheckpointCostUSD: try row.decode(Double.self, "uncommitted_checkpoint_cost"),
            heldImages: try row.decode(Bool.self, "held_images"),
            cancelReason: try row.decode(String?.self, "cancel_reason")
        )
    }

    private static func round(_ text: String) throws -> Round {
        guard let number = Int(text), let round = Round(rawValue: number) else {
            throw PostgresError(.decoding, "a stored round number \(text) is not a round of the pipeline")
        }
        return round
    }
}
