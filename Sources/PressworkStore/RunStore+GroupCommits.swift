import Foundation
import PostgresClient
import PressworkCore

// MARK: Group commits
//
// Writes of many runs in one statement, each under its own lease: with a thousand runs in flight
// on a handful of connections, runs reach the same step together, and one statement each queued
// thousands of statements (the orchestrator's `GroupCommitter` gathers them). The fence locks
// the runs' rows in the order of their ids, as the heartbeat locks them, so that two statements
// that lock several runs cannot deadlock; a run whose lease no longer holds is left out of every
// write, and its caller told so.

extension RunStore {
    /// Commits rounds of many runs in one statement, as `commit` commits one (artifact, the run's
    /// round and totals, diagnostics, removal of the round's section checkpoints), each only
    /// under its own lease. Not for a commit that ends its run or stores a vector: those go
    /// through `commit`. At most one commit per claim (an execution commits its next round after
    /// this one answered; two claims of one run may meet here, and only the one whose lease
    /// holds writes). Returns, for each commit in order, nil when its lease no longer held
    /// (nothing of it was written), or whether a cancel of its run has been requested.
    public func commitRounds(_ commits: [(commit: RoundCommit, lease: Lease)], leaseSeconds: Double) async throws -> [Bool?] {
        guard !commits.isEmpty else { return [] }
        precondition(commits.allSatisfy { $0.commit.vector == nil }, "a commit that stores a vector goes through commit(_:lease:)")
        precondition(
            Set(commits.map { Claim(runID: $0.lease.runID, attempt: $0.lease.attempt) }).count == commits.count,
            "one commit per claim and statement")
        let rows = try await pool.query(
            """
            WITH batch AS (
                SELECT * FROM unnest(
                    \(commits.map(\.lease.runID))::uuid[], \(commits.map { String($0.lease.attempt) })::integer[],
                    \(commits.map(\.lease.owner))::text[], \(commits.map { String($0.commit.round.rawValue) })::smallint[],
                    \(commits.map(\.commit.payload))::text[], \(commits.map { String($0.commit.durationMs) })::integer[],
                    \(commits.map { String($0.commit.tokensIn) })::integer[],
                    \(commits.map { String($0.commit.tokensOut) })::integer[], \(commits.map(\.commit.costUSD))::double precision[],
                    \(try commits.map { try PostgresJSON(Self.json($0.commit.diagnostics)).postgresText() ?? "[]" })::text[]
                ) AS b(run_id, attempt, owner, round, payload, duration_ms, tokens_in, tokens_out, cost_usd, diagnostics)
            ), fence AS (\(fragment: Self.batchFence(.update))
            ), artifact AS (
                INSERT INTO artifacts (run_id, round, payload, duration_ms, tokens_in, tokens_out, cost_usd, attempt)
                SELECT b.run_id, b.round, b.payload::jsonb, b.duration_ms, b.tokens_in, b.tokens_out, b.cost_usd, b.attempt
                FROM batch b JOIN fence f ON f.id = b.run_id AND f.attempt = b.attempt
                ON CONFLICT (run_id, round) DO NOTHING
                RETURNING run_id, attempt
            ), progress AS (
                UPDATE runs SET round = greatest(coalesce(runs.round, -1), b.round),
                       tokens_in = runs.tokens_in + b.tokens_in, tokens_out = runs.tokens_out + b.tokens_out,
                       cost_usd = runs.cost_usd + b.cost_usd, work_ms = runs.work_ms + b.duration_ms, updated_at = now(),
                       lease_expires_at = now() + make_interval(secs => \(leaseSeconds))
                FROM artifact a JOIN batch b ON b.run_id = a.run_id AND b.attempt = a.attempt
                WHERE runs.id = a.run_id
            ), diagnostic AS (
                INSERT INTO diagnostics (run_id, round, kind, message, attempt, duration_ms, tokens_in, tokens_out, details)
                SELECT a.run_id, d.round, d.kind, d.message, d.attempt, d.duration_ms, d.tokens_in, d.tokens_out, d.details
                FROM artifact a JOIN batch b ON b.run_id = a.run_id AND b.attempt = a.attempt,
                     jsonb_to_recordset(b.diagnostics::jsonb) AS d(
                    round smallint, kind text, message text, attempt integer, duration_ms integer,
                    tokens_in integer, tokens_out integer, details jsonb)
            ), spent_checkpoints AS (
                -- The artifact holds every section of the round now; its checkpoints only served a
                -- retry of the unfinished round.
                DELETE FROM section_checkpoints c USING artifact a JOIN batch b ON b.run_id = a.run_id AND b.attempt = a.attempt
                WHERE c.run_id = a.run_id AND c.round = b.round
            )
            SELECT f.id, f.attempt, r.cancel_requested_at IS NOT NULL AS cancel_requested
            FROM fence f JOIN runs r ON r.id = f.id
            """)
        var answers: [Claim: Bool] = [:]
        for row in rows {
            answers[Claim(runID: try row.decode(RunID.self, "id"), attempt: try row.decode(Int.self, "attempt"))] =
                try row.decode(Bool.self, "cancel_requested")
        }
        return commits.map { answers[Claim(runID: $0.lease.runID, attempt: $0.lease.attempt)] }
    }

    /// Commits sections of rounds 3 and 4, of any number of runs, in one statement, each only
    /// under its own lease. Returns, for each checkpoint in order, whether its lease held (a
    /// checkpoint whose lease did not is not written). A section checkpointed twice is kept
    /// once, as first written.
    ///
    /// The commit is asynchronous (`synchronous_commit` off for this statement's transaction
    /// only): a checkpoint saves provider work, it promises nothing to anyone. WAL is flushed in
    /// order, so the round's own commit, which is synchronous, makes every checkpoint before it
    /// durable too; a server crash in between loses at most the last fraction of a second of
    /// checkpoints, and those sections are written again by the retry. In exchange a section
    /// does not wait for a disk flush (measured: 4,400 such commits/s with the flush, 10,200
    /// without, one client).
    ///
    /// The fence takes share locks: a takeover or a round commit of one of the runs waits for
    /// this statement (or this statement for it, and then sees the new attempt and writes nothing
    /// for that run).
    public func commitSections(_ checkpoints: [SectionCheckpoint]) async throws -> [Bool] {
        guard !checkpoints.isEmpty else { return [] }
        let rows = try await pool.query(
            """
            WITH batch AS (
                SELECT * FROM unnest(
                    \(checkpoints.map(\.lease.runID))::uuid[], \(checkpoints.map { String($0.lease.attempt) })::integer[],
                    \(checkpoints.map(\.lease.owner))::text[], \(checkpoints.map { String($0.round.rawValue) })::smallint[],
                    \(checkpoints.map { String($0.section) })::integer[], \(checkpoints.map(\.payload))::text[],
                    \(checkpoints.map { String($0.durationMs) })::integer[], \(checkpoints.map { String($0.tokensIn) })::integer[],
                    \(checkpoints.map { String($0.tokensOut) })::integer[], \(checkpoints.map(\.costUSD))::double precision[]
                ) AS b(run_id, attempt, owner, round, section, payload, duration_ms, tokens_in, tokens_out, cost_usd)
            ), fence AS (\(fragment: Self.batchFence(.share))
            ), checkpoint AS (
                INSERT INTO section_checkpoints (run_id, round, section, payload, duration_ms, tokens_in, tokens_out, cost_usd,
                                                 attempt)
                SELECT b.run_id, b.round, b.section, b.payload::jsonb, b.duration_ms, b.tokens_in, b.tokens_out, b.cost_usd,
                       b.attempt
                FROM batch b JOIN fence f ON f.id = b.run_id AND f.attempt = b.attempt
                ON CONFLICT (run_id, round, section) DO NOTHING
            )
            SELECT f.id, f.attempt FROM fence f, set_config('synchronous_commit', 'off', true) AS asynchronous
            """)
        let held = Set(try rows.map { Claim(runID: try $0.decode(RunID.self, "id"), attempt: try $0.decode(Int.self, "attempt")) })
        return checkpoints.map { held.contains(Claim(runID: $0.lease.runID, attempt: $0.lease.attempt)) }
    }

    /// One claim of one run: what a group commit's answers are keyed by.
    struct Claim: Hashable {
        let runID: RunID
        let attempt: Int
    }

    /// How a group commit's fence locks its runs' rows.
    enum RowLock: String {
        /// The writes change the run's row (a round commit).
        case update = "UPDATE"
        /// The writes only hang off the run (checkpoints): two such statements do not wait for
        /// each other, and a claim or a round commit of the run waits for this one.
        case share = "SHARE"
    }

    /// The runs of the `batch` CTE (run_id, attempt, owner) whose leases still hold, their rows
    /// locked in the order of their ids.
    static func batchFence(_ lock: RowLock) -> PostgresQuery {
        """
        SELECT r.id, r.attempt FROM runs r
            WHERE (r.id, r.attempt, r.lease_owner) IN (SELECT run_id, attempt, owner FROM batch) AND r.status = 'running'
            ORDER BY r.id
            FOR \(unsafeRaw: lock.rawValue)
        """
    }
}
