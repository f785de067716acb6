import Foundation
import PostgresClient
import PressworkCore

/// What a round commit writes besides its artifact.
public struct RoundCommit: Sendable {
    public var round: Round
    /// The artifact, as JSON.
    public var payload: JSONValue
    public var durationMs: Int
    public var tokensIn: Int
    public var tokensOut: Int
    public var diagnostics: [Diagnostic]
    /// Round 6 stores the article's embedding with its report.
    public var vector: StoredVector?

    public init(
        round: Round, payload: JSONValue, durationMs: Int, tokensIn: Int = 0, tokensOut: Int = 0,
        diagnostics: [Diagnostic] = [], vector: StoredVector? = nil
    ) {
        self.round = round
        self.payload = payload
        self.durationMs = durationMs
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.diagnostics = diagnostics
        self.vector = vector
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
    public func claim(_ runID: UUID, owner: String, leaseSeconds: Double) async throws -> Lease? {
        let claimed = try await pool.query("""
            UPDATE runs SET status = 'running', lease_owner = \(owner),
                   lease_expires_at = now() + make_interval(secs => \(leaseSeconds)),
                   attempt = attempt + 1, started_at = coalesce(started_at, now()), updated_at = now()
            WHERE id = \(runID)
              AND (status = 'queued' OR (status = 'running' AND lease_expires_at < now()))
            RETURNING attempt
            """)
        return try claimed.first.map { Lease(runID: runID, owner: owner, attempt: try $0.decode(Int.self, "attempt")) }
    }

    /// Extends the lease; false when it was lost (then the worker must stop).
    public func heartbeat(_ lease: Lease, leaseSeconds: Double) async throws -> Bool {
        try await pool.query("""
            UPDATE runs SET lease_expires_at = now() + make_interval(secs => \(leaseSeconds)), updated_at = now()
            WHERE id = \(lease.runID) AND attempt = \(lease.attempt) AND lease_owner = \(lease.owner)
              AND status = 'running'
            """).affectedRows == 1
    }

    // MARK: Fenced writes

    /// Commits one round: artifact, the run's round and totals, diagnostics and (round 6) the
    /// vector, in one transaction that first checks the lease. An artifact that exists already
    /// is left as it is (a round's artifact is written once).
    public func commit(_ commit: RoundCommit, lease: Lease, leaseSeconds: Double) async throws {
        try await pool.withTransaction { connection in
            try await Self.checkFence(lease, on: connection)
            let inserted = try await connection.query("""
                INSERT INTO artifacts (run_id, round, payload, duration_ms, tokens_in, tokens_out, attempt)
                VALUES (\(lease.runID), \(Int16(commit.round.rawValue)), \(PostgresJSON(commit.payload)),
                        \(commit.durationMs), \(commit.tokensIn), \(commit.tokensOut), \(lease.attempt))
                ON CONFLICT (run_id, round) DO NOTHING
                """).affectedRows
            guard inserted == 1 else { return }
            _ = try await connection.query("""
                UPDATE runs SET round = greatest(coalesce(round, -1), \(Int16(commit.round.rawValue))),
                       tokens_in = tokens_in + \(commit.tokensIn), tokens_out = tokens_out + \(commit.tokensOut),
                       work_ms = work_ms + \(commit.durationMs),
                       lease_expires_at = now() + make_interval(secs => \(leaseSeconds)), updated_at = now()
                WHERE id = \(lease.runID)
                """)
            if let vector = commit.vector {
                _ = try await connection.query("""
                    INSERT INTO vectors (run_id, model, dimension, embedding)
                    VALUES (\(lease.runID), \(vector.model), \(vector.dimension), \(vector.values))
                    ON CONFLICT (run_id, model) DO UPDATE SET embedding = excluded.embedding, dimension = excluded.dimension
                    """)
            }
            try await Self.insert(commit.diagnostics, runID: lease.runID, on: connection)
        }
    }

    /// Commits one section of round 3 or 4 as it finishes.
    public func commitSection(
        _ section: Int, of round: Round, payload: JSONValue, durationMs: Int, tokensIn: Int, tokensOut: Int,
        lease: Lease
    ) async throws {
        try await pool.withTransaction { connection in
            try await Self.checkFence(lease, on: connection)
            _ = try await connection.query("""
                INSERT INTO section_checkpoints (run_id, round, section, payload, duration_ms, tokens_in, tokens_out, attempt)
                VALUES (\(lease.runID), \(Int16(round.rawValue)), \(section), \(PostgresJSON(payload)), \(durationMs),
                        \(tokensIn), \(tokensOut), \(lease.attempt))
                ON CONFLICT (run_id, round, section) DO NOTHING
                """)
        }
    }

    /// Records diagnostics under the lease (retries, errors during a round).
    public func record(_ diagnostics: [Diagnostic], lease: Lease) async throws {
        try await pool.withTransaction { connection in
            try await Self.checkFence(lease, on: connection)
            try await Self.insert(diagnostics, runID: lease.runID, on: connection)
        }
    }

    /// Ends the lease with a new status (done, error, needs_review, skipped, or queued to hand
    /// the run back on shutdown), checked against the transition table.
    public func finish(_ lease: Lease, status: RunStatus, reason: String?, diagnostics: [Diagnostic] = []) async throws {
        try await pool.withTransaction { connection in
            let current = try await Self.checkFence(lease, on: connection)
            guard current.canMove(to: status) else {
                throw RunStateError("run \(lease.runID) cannot go from \(current) to \(status)")
            }
            _ = try await connection.query("""
                UPDATE runs SET status = \(status.rawValue), status_reason = \(reason),
                       lease_owner = NULL, lease_expires_at = NULL, updated_at = now(),
                       finished_at = CASE WHEN \(status != .queued) THEN now() ELSE finished_at END
                WHERE id = \(lease.runID)
                """)
            try await Self.insert(diagnostics, runID: lease.runID, on: connection)
        }
    }

    /// Locks the run row and checks that `lease` still holds it; returns its status.
    @discardableResult
    static func checkFence(_ lease: Lease, on connection: isolated PostgresConnection) async throws -> RunStatus {
        let row = try await connection.query("""
            SELECT status, attempt, lease_owner FROM runs WHERE id = \(lease.runID) FOR UPDATE
            """).first
        let status = try row.map { try $0.decode(String.self, "status") }
        let attempt = try row.map { try $0.decode(Int.self, "attempt") }
        let owner = try row.flatMap { try $0.decode(String?.self, "lease_owner") }
        guard status == RunStatus.running.rawValue, attempt == lease.attempt, owner == lease.owner else {
            throw LeaseLost(runID: lease.runID, attempt: lease.attempt, currentAttempt: attempt, currentStatus: status)
        }
        return .running
    }
}
