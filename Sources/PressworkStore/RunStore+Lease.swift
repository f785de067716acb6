import Foundation
import PostgresClient
import PressworkCore

/// What a round commit writes besides its artifact.
public struct RoundCommit: Sendable {
    public var round: Round
    /// The artifact, as JSON text.
    public var payload: String
    public var durationMs: Int
    public var tokensIn: Int
    public var tokensOut: Int
    public var costUSD: Double
    public var diagnostics: [Diagnostic]
    /// Round 6 stores the article's embedding with its report.
    public var vector: StoredVector?

    public init(
        round: Round, payload: String, durationMs: Int, tokensIn: Int = 0, tokensOut: Int = 0, costUSD: Double = 0,
        diagnostics: [Diagnostic] = [], vector: StoredVector? = nil
    ) {
        self.costUSD = costUSD
        self.round = round
        self.payload = payload
        self.durationMs = durationMs
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.diagnostics = diagnostics
        self.vector = vector
    }
}

/// A finished section of round 3 or 4, to keep until its round commits, under the lease of the
/// execution that wrote it.
public struct SectionCheckpoint: Sendable {
    public var lease: Lease
    public var round: Round
    public var section: Int
    /// The section, as JSON text.
    public var payload: String
    public var durationMs: Int
    public var tokensIn: Int
    public var tokensOut: Int
    public var costUSD: Double

    public init(
        lease: Lease, round: Round, section: Int, payload: String, durationMs: Int, tokensIn: Int, tokensOut: Int, costUSD: Double
    ) {
        self.lease = lease
        self.round = round
        self.section = section
        self.payload = payload
        self.durationMs = durationMs
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.costUSD = costUSD
    }
}

/// An embedding to store for a run.
public struct StoredVector: Sendable, Equatable {
    public var model: String
    public var dimension: Int
    public var values: [Float]

    public init(model: String, dimension: Int, values: [Float]) {
        self.model = model
        self.dimension = dimension
        self.values = values
    }
}

extension RunStore {
    // MARK: Claiming

    /// Claims a run that is queued, or running under an expired lease (its worker died), for
    /// `owner`. Returns nil when the run is in any other state or someone else holds it.
    /// `now` is when leases are judged expired (nil: the server's clock, `coalesce($now, now())`);
    /// tests pass a later time instead of waiting for a lease to run out.
    public func claim(_ runID: RunID, owner: String, leaseSeconds: Double, now: Date? = nil) async throws -> Lease? {
        let claimed = try await pool.query(
            """
            WITH previous AS (SELECT id, status FROM runs WHERE id = \(runID) FOR UPDATE)
            UPDATE runs SET status = 'running', lease_owner = \(owner),
                   lease_expires_at = now() + make_interval(secs => \(leaseSeconds)),
                   attempt = runs.attempt + 1, started_at = coalesce(started_at, now()), updated_at = now()
            FROM previous
            WHERE runs.id = previous.id
              AND (previous.status = 'queued'
                   OR (previous.status = 'running' AND runs.lease_expires_at < coalesce(\(now)::timestamptz, now())))
            RETURNING runs.attempt, previous.status = 'running' AS took_over
            """)
        return try claimed.first.map {
            Lease(runID: runID, owner: owner, attempt: try $0.decode(Int.self, "attempt"), tookOver: try $0.decode(Bool.self, "took_over"))
        }
    }

    /// Claims the oldest run that is queued, or running under an expired lease (its worker died);
    /// nil when nothing is claimable. `claimNext(owner:leaseSeconds:maxAbandoned:limit:now:)`
    /// with a limit of one.
    public func claimNext(owner: String, leaseSeconds: Double, maxAbandoned: Int, now: Date? = nil) async throws -> Lease? {
        try await claimNext(owner: owner, leaseSeconds: leaseSeconds, maxAbandoned: maxAbandoned, limit: 1, now: now).first
    }

    /// Claims up to `limit` of the oldest runs that are queued, or running under an expired lease
    /// (their worker died), in one statement, skipping rows other workers are claiming
    /// (`FOR UPDATE SKIP LOCKED`); oldest first, empty when nothing is claimable. A worker with
    /// many free slots fills them with one round trip instead of one per run: claimed one at a
    /// time, a thousand slots freed together took seconds to fill, each claim queueing for a
    /// connection behind the statements of the runs in flight.
    ///
    /// The takeover is guarded on the state read in the same statement, so a run that finished
    /// meanwhile is never touched. A run abandoned by its workers `maxAbandoned` times (their
    /// leases expired while it ran) is ended as `error` instead of being claimed again
    /// (poison-run protection), with a diagnostic; when a statement found only such runs, the
    /// next ones are looked for. `now` as for `claim`.
    public func claimNext(
        owner: String, leaseSeconds: Double, maxAbandoned: Int, limit: Int, now: Date? = nil
    ) async throws -> [Lease] {
        precondition(limit > 0, "a claim takes at least one run")
        while true {
            let rows = try await pool.query(
                """
                WITH candidate AS (
                    SELECT id, status, created_at, abandoned + CASE WHEN status = 'running' THEN 1 ELSE 0 END AS abandoned
                    FROM runs
                    WHERE status = 'queued' OR (status = 'running' AND lease_expires_at < coalesce(\(now)::timestamptz, now()))
                    ORDER BY created_at
                    LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED
                ), poisoned AS (
                    UPDATE runs SET status = 'error', lease_owner = NULL, lease_expires_at = NULL, finished_at = now(),
                           updated_at = now(), abandoned = candidate.abandoned,
                           status_reason = 'abandoned ' || candidate.abandoned || ' times: its workers stopped without finishing it'
                    FROM candidate WHERE runs.id = candidate.id AND candidate.abandoned >= \(maxAbandoned)
                    RETURNING runs.id, runs.attempt, runs.abandoned
                ), poison_note AS (
                    INSERT INTO diagnostics (run_id, kind, message, attempt)
                    SELECT id, 'error', 'abandoned ' || abandoned || ' times (each worker''s lease expired while it ran): '
                        || 'not claimed again. Find the cause in the logs, then runs retry.', attempt
                    FROM poisoned
                ), claimed AS (
                    UPDATE runs SET status = 'running', lease_owner = \(owner),
                           lease_expires_at = now() + make_interval(secs => \(leaseSeconds)),
                           attempt = runs.attempt + 1, abandoned = candidate.abandoned,
                           started_at = coalesce(started_at, now()), updated_at = now()
                    FROM candidate WHERE runs.id = candidate.id AND candidate.abandoned < \(maxAbandoned)
                    RETURNING runs.id, runs.attempt, candidate.status = 'running' AS took_over, candidate.created_at
                )
                SELECT 'claimed' AS what, id, attempt, took_over, created_at FROM claimed
                UNION ALL SELECT 'poisoned', id, attempt, false, NULL FROM poisoned
                ORDER BY created_at, id
                """)
            let leases = try rows.filter { try $0.decode(String.self, "what") == "claimed" }.map { row in
                Lease(
                    runID: try row.decode(RunID.self, "id"), owner: owner, attempt: try row.decode(Int.self, "attempt"),
                    tookOver: try row.decode(Bool.self, "took_over")
                )
            }
            // Only poisoned runs were found (and ended): look for the next ones.
            if leases.isEmpty && !rows.isEmpty { continue }
            return leases
        }
    }

    /// Extends the lease; false when it was lost (then the worker must stop).
    public func heartbeat(_ lease: Lease, leaseSeconds: Double) async throws -> Bool {
        try await beat(owner: lease.owner, leases: [lease], leaseSeconds: leaseSeconds)[lease.runID] != nil
    }

    /// Extends the leases of many runs held by one owner in one statement (a process's
    /// heartbeat, whatever its number of runs in flight). Returns, for each lease that still
    /// held, whether a cancel was requested; a lease missing from the answer is lost.
    public func beat(owner: String, leases: [Lease], leaseSeconds: Double) async throws -> [RunID: Bool] {
        guard !leases.isEmpty else { return [:] }
        // The rows are locked in the order of their ids, as the group commits lock them: two
        // statements that lock several runs in different orders could deadlock.
        let rows = try await pool.query(
            """
            WITH held AS (
                SELECT r.id FROM runs r
                JOIN unnest(\(leases.map(\.runID))::uuid[], \(leases.map { String($0.attempt) })::integer[]) AS l(id, attempt)
                    ON r.id = l.id AND r.attempt = l.attempt
                WHERE r.lease_owner = \(owner) AND r.status = 'running'
                ORDER BY r.id
                FOR NO KEY UPDATE OF r
            )
            UPDATE runs r SET lease_expires_at = now() + make_interval(secs => \(leaseSeconds)), updated_at = now()
            FROM held WHERE r.id = held.id
            RETURNING r.id, r.cancel_requested_at IS NOT NULL AS cancel
            """)
        var held: [RunID: Bool] = [:]
        for row in rows { held[try row.decode(RunID.self, "id")] = try row.decode(Bool.self, "cancel") }
        return held
    }

    // MARK: Fenced writes
    //
    // Each fenced write is one statement: a `fence` CTE locks the run row only if the lease still
    // holds it (same attempt, same owner, still running), and every data-modifying CTE takes its
    // rows from `fence` (or from what hangs off it). A statement is atomic, so either the lease
    // held and everything was written, or nothing was; and it costs one round trip instead of a
    // BEGIN, a SELECT … FOR UPDATE, the writes and a COMMIT.

    /// Commits one round: artifact, the run's round and totals, diagnostics, (round 6) the
    /// vector, removal of the round's section checkpoints, and optionally the run's final status, atomically and only under the lease. An
    /// artifact that exists already is left as it is (a round's artifact is written once), and
    /// then nothing else is written either.
    ///
    /// Returns whether a cancel of the run has been requested, read in the same statement, so
    /// that the executor learns it at the round boundary without a query of its own.
    @discardableResult
    public func commit(
        _ commit: RoundCommit, lease: Lease, leaseSeconds: Double, finishing final: (RunStatus, String?)? = nil
    ) async throws -> Bool {
        if let final { try Self.checkTransition(lease, to: final.0) }
        let round = Int16(commit.round.rawValue)
        let finalStatus = final?.0.rawValue
        let result = try await pool.query(
            """
            WITH fence AS (\(fragment: Self.fence(lease))
            ), artifact AS (
                INSERT INTO artifacts (run_id, round, payload, duration_ms, tokens_in, tokens_out, cost_usd, attempt)
                SELECT id, \(round), \(PostgresJSONText(commit.payload)), \(commit.durationMs), \(commit.tokensIn),
                       \(commit.tokensOut), \(commit.costUSD), \(lease.attempt)
                FROM fence
                ON CONFLICT (run_id, round) DO NOTHING
                RETURNING run_id
            ), progress AS (
                UPDATE runs SET round = greatest(coalesce(round, -1), \(round)),
                       tokens_in = tokens_in + \(commit.tokensIn), tokens_out = tokens_out + \(commit.tokensOut),
                       cost_usd = cost_usd + \(commit.costUSD),
                       work_ms = work_ms + \(commit.durationMs), updated_at = now(),
                       status = coalesce(\(finalStatus)::text, status),
                       status_reason = CASE WHEN \(finalStatus)::text IS NULL THEN status_reason ELSE \(final?.1)::text END,
                       finished_at = CASE WHEN \(finalStatus)::text IS NULL THEN finished_at ELSE now() END,
                       lease_owner = CASE WHEN \(finalStatus)::text IS NULL THEN lease_owner END,
                       lease_expires_at = CASE WHEN \(finalStatus)::text IS NULL
                                               THEN now() + make_interval(secs => \(leaseSeconds)) END
                FROM artifact WHERE runs.id = artifact.run_id
            ), vector AS (
                INSERT INTO vectors (run_id, model, dimension, embedding)
                SELECT run_id, \(commit.vector?.model)::text, \(commit.vector?.dimension)::integer,
                       \(commit.vector?.values)::real[]
                FROM artifact WHERE \(commit.vector?.model)::text IS NOT NULL
                ON CONFLICT (run_id, model) DO UPDATE SET embedding = excluded.embedding, dimension = excluded.dimension
            ), diagnostic AS (\(fragment: Self.insertDiagnostics(commit.diagnostics, forRunIn: "artifact", column: "run_id"))
            ), cached AS (
                -- A finished run calls no model again: its cached replies go.
                DELETE FROM response_cache c USING artifact
                WHERE c.run_id = artifact.run_id AND \(finalStatus)::text IS NOT NULL
            ), spent_checkpoints AS (
                -- The artifact holds every section of the round now; its checkpoints only served a
                -- retry of the unfinished round.
                DELETE FROM section_checkpoints c USING artifact
                WHERE c.run_id = artifact.run_id AND c.round = \(round)
            )
            SELECT (SELECT count(*) FROM fence) AS fenced,
                   (SELECT cancel_requested_at IS NOT NULL FROM runs WHERE id = \(lease.runID)) AS cancel_requested
            """)
        try Self.requireFence(result, lease)
        return try result.first?.decode(Bool?.self, "cancel_requested") ?? false
    }

    /// Commits one section of round 3 or 4 as it finishes (see `commitSections`); throws
    /// `LeaseLost` when the lease no longer holds.
    public func commitSection(
        _ section: Int, of round: Round, payload: String, durationMs: Int, tokensIn: Int, tokensOut: Int,
        costUSD: Double = 0, lease: Lease
    ) async throws {
        let checkpoint = SectionCheckpoint(
            lease: lease, round: round, section: section, payload: payload, durationMs: durationMs, tokensIn: tokensIn,
            tokensOut: tokensOut, costUSD: costUSD)
        guard try await commitSections([checkpoint]) == [true] else {
            throw LeaseLost(lease)
        }
    }

    /// Records diagnostics under the lease (skips, retries).
    public func record(_ diagnostics: [Diagnostic], lease: Lease) async throws {
        let result = try await pool.query(
            """
            WITH fence AS (\(fragment: Self.fence(lease))
            ), diagnostic AS (\(fragment: Self.insertDiagnostics(diagnostics, forRunIn: "fence", column: "id"))
            )
            SELECT (SELECT count(*) FROM fence) AS fenced
            """)
        try Self.requireFence(result, lease)
    }

    /// Ends the lease with a new status (done, error, needs_review, skipped, or queued to hand
    /// the run back on shutdown), checked against the transition table.
    ///
    /// `unrecorded` is what the execution spent that no committed round or section counts: the
    /// calls of a failed round, its repairs and retries. It is added to the run's totals here,
    /// so that the totals, the metrics views and the budget see every attempt.
    public func finish(
        _ lease: Lease, status: RunStatus, reason: String?, diagnostics: [Diagnostic] = [],
        unrecorded: (tokensIn: Int, tokensOut: Int, costUSD: Double) = (0, 0, 0)
    ) async throws {
        try Self.checkTransition(lease, to: status)
        let result = try await pool.query(
            """
            WITH fence AS (\(fragment: Self.fence(lease))
            ), ending AS (
                UPDATE runs SET status = \(status.rawValue), status_reason = \(reason),
                       tokens_in = tokens_in + \(unrecorded.tokensIn), tokens_out = tokens_out + \(unrecorded.tokensOut),
                       cost_usd = cost_usd + \(unrecorded.costUSD),
                       lease_owner = NULL, lease_expires_at = NULL, updated_at = now(),
                       finished_at = CASE WHEN \(status != .queued) THEN now() ELSE finished_at END
                FROM fence WHERE runs.id = fence.id
            ), diagnostic AS (\(fragment: Self.insertDiagnostics(diagnostics, forRunIn: "fence", column: "id"))
            ), cached AS (
                -- Done, skipped or waiting for review: every model round is committed. An error or
                -- a hand-back keeps its replies for the retry.
                DELETE FROM response_cache c USING fence
                WHERE c.run_id = fence.id AND \(status.rawValue) IN ('done', 'skipped', 'needs_review', 'cancelled')
            )
            SELECT (SELECT count(*) FROM fence) AS fenced
            """)
        try Self.requireFence(result, lease)
    }

    // MARK: The fence

    /// The run row, locked, if `lease` still holds it.
    static func fence(_ lease: Lease) -> PostgresQuery {
        """
        SELECT id FROM runs
            WHERE id = \(lease.runID) AND attempt = \(lease.attempt) AND lease_owner = \(lease.owner) AND status = 'running'
            FOR UPDATE
        """
    }

    /// Inserts `diagnostics` (bound as one JSON array) for the run in `source.column`; `source`
    /// and `column` are constant names of a CTE and its run id column.
    static func insertDiagnostics(_ diagnostics: [Diagnostic], forRunIn source: StaticString, column: StaticString) -> PostgresQuery {
        """
        INSERT INTO diagnostics (run_id, round, kind, message, attempt, duration_ms, tokens_in, tokens_out, details)
            SELECT s.\(unsafeRaw: "\(column)"), d.round, d.kind, d.message, d.attempt, d.duration_ms, d.tokens_in,
                   d.tokens_out, d.details
            FROM \(unsafeRaw: "\(source)") s, jsonb_to_recordset(\(PostgresJSON(Self.json(diagnostics)))) AS d(
                round smallint, kind text, message text, attempt integer, duration_ms integer,
                tokens_in integer, tokens_out integer, details jsonb)
        """
    }

    static func json(_ diagnostics: [Diagnostic]) -> JSONValue {
        func int(_ value: Int?) -> JSONValue { value.map { .number(Double($0)) } ?? .null }
        return .array(
            diagnostics.map { diagnostic in
                .object([
                    ("round", int(diagnostic.round?.rawValue)), ("kind", .string(diagnostic.kind.rawValue)),
                    ("message", .string(diagnostic.message)), ("attempt", int(diagnostic.attempt)),
                    ("duration_ms", int(diagnostic.durationMs)), ("tokens_in", int(diagnostic.tokensIn)),
                    ("tokens_out", int(diagnostic.tokensOut)), ("details", diagnostic.details ?? .null),
                ])
            })
    }

    /// A running run may move to any ending; the table says so, and the fence guarantees
    /// `running`. Checked here so that the rule stays in one place.
    static func checkTransition(_ lease: Lease, to status: RunStatus) throws {
        guard RunStatus.running.canMove(to: status) else {
            throw RunStateError(.conflict, "run \(lease.runID) cannot go from running to \(status)")
        }
    }

    static func requireFence(_ result: PostgresQueryResult, _ lease: Lease) throws {
        guard try result.scalar(Int.self) == 1 else {
            throw LeaseLost(lease)
        }
    }
}
