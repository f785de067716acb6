import Foundation
import PostgresClient
import PressworkCore

/// Runs, artifacts, checkpoints, diagnostics and vectors in Postgres.
///
/// Every write a worker makes while executing a run goes through a `Lease` and checks it in the
/// same transaction (`FOR UPDATE` on the run row, then the attempt, owner and status): a worker
/// that lost its lease cannot commit anything. Status changes are checked against
/// `RunStatus.canMove(to:)` in the transaction that makes them.
public struct RunStore: Sendable {
    public let pool: PostgresConnectionPool

    public init(pool: PostgresConnectionPool) {
        self.pool = pool
    }

    // MARK: Creating

    /// Inserts a queued run, or, when a run with the same idempotency key exists, returns that
    /// one (`created` false). Safe under concurrency: the unique key decides.
    ///
    /// With `claimedBy`, the new run is inserted already claimed by that owner (running, attempt
    /// 1, under a lease): a command that creates a run to execute it itself (`presswork run`)
    /// is never raced by the workers of a `serve` beside it.
    public func create(
        params: RunParams,
        trigger: RunTrigger,
        pipelineVersion: String,
        idempotencyKey: String? = nil,
        parentRunID: RunID? = nil,
        claimedBy claim: (owner: String, leaseSeconds: Double)? = nil
    ) async throws -> (run: RunRecord, created: Bool) {
        let id = RunID.make()
        let inserted = try await pool.query(
            """
            INSERT INTO runs (id, params, pipeline_version, trigger, idempotency_key, parent_run_id,
                              status, lease_owner, lease_expires_at, attempt, started_at)
            VALUES (\(id), \(PostgresJSON(params)), \(pipelineVersion), \(PostgresJSON(trigger)), \(idempotencyKey),
                    \(parentRunID), CASE WHEN \(claim?.owner)::text IS NULL THEN 'queued' ELSE 'running' END,
                    \(claim?.owner), now() + make_interval(secs => \(claim?.leaseSeconds)),
                    CASE WHEN \(claim?.owner)::text IS NULL THEN 0 ELSE 1 END,
                    CASE WHEN \(claim?.owner)::text IS NULL THEN NULL ELSE now() END)
            ON CONFLICT (idempotency_key) DO NOTHING
            RETURNING \(unsafeRaw: RunRecord.columns)
            """)
        if let row = inserted.first { return (try RunRecord(row: row), true) }
        guard let idempotencyKey else { throw RunStateError(.conflict, "run \(id) was not inserted") }
        guard let existing = try await run(idempotencyKey: idempotencyKey) else {
            throw RunStateError(.conflict, "the run with idempotency key \(idempotencyKey) vanished while being read")
        }
        return (existing, false)
    }

    // MARK: Reading

    public func run(_ id: RunID) async throws -> RunRecord? {
        try await pool.query("SELECT \(unsafeRaw: RunRecord.columns) FROM runs WHERE id = \(id)")
            .first.map(RunRecord.init)
    }

    public func run(idempotencyKey: String) async throws -> RunRecord? {
        try await pool.query("SELECT \(unsafeRaw: RunRecord.columns) FROM runs WHERE idempotency_key = \(idempotencyKey)")
            .first.map(RunRecord.init)
    }

    /// Finds a run by its full id or by a unique prefix of at least 8 characters (as printed).
    public func resolve(_ reference: String) async throws -> RunRecord {
        let text = reference.lowercased()
        if let id = RunID(text), let run = try await run(id) { return run }
        guard text.count >= 8, text.allSatisfy({ $0.isHexDigit || $0 == "-" }) else {
            throw RunStateError.missing(reference)
        }
        let matches = try await pool.query(
            """
            SELECT \(unsafeRaw: RunRecord.columns) FROM runs WHERE id::text LIKE \(text + "%") LIMIT 2
            """)
        guard let first = matches.first else { throw RunStateError.missing(reference) }
        guard matches.count == 1 else { throw RunStateError(.invalid, "\(reference) matches several runs; give more of the id") }
        return try RunRecord(row: first)
    }

    /// The newest runs first, optionally of one status, and older than the run `before` (the
    /// last of the previous page: keyset paging, stable while runs are added). Rows that cannot
    /// be read (a run inserted with plain SQL whose params or trigger do not decode) are left out
    /// of `runs` and named in `unreadable` with the reason, so one bad row does not hide every
    /// other run.
    public func listPage(_ filter: RunFilter = RunFilter(), limit: Int = 50, before: RunID? = nil) async throws
        -> (runs: [RunRecord], unreadable: [(id: RunID, reason: String)])
    {
        var runs: [RunRecord] = []
        var unreadable: [(id: RunID, reason: String)] = []
        for row in try await pool.query(
            """
            SELECT \(unsafeRaw: RunRecord.columns) FROM runs
            WHERE \(fragment: filter.condition)
              AND (\(before)::uuid IS NULL OR (created_at, id) < (SELECT created_at, id FROM runs WHERE id = \(before)))
            ORDER BY created_at DESC, id DESC LIMIT \(limit)
            """)
        {
            do {
                runs.append(try RunRecord(row: row))
            } catch {
                unreadable.append((try row.decode(RunID.self, "id"), "\(error)"))
            }
        }
        return (runs, unreadable)
    }

    /// The newest readable runs first (see `listPage`).
    public func list(status: RunStatus? = nil, limit: Int = 50) async throws -> [RunRecord] {
        try await listPage(RunFilter(statuses: status.map { [$0] } ?? []), limit: limit).runs
    }

    /// The ids of every run `filter` matches, oldest first, at most `limit` (bulk actions).
    public func ids(_ filter: RunFilter, limit: Int) async throws -> [RunID] {
        try await pool.query(
            """
            SELECT id FROM runs WHERE \(fragment: filter.condition) ORDER BY created_at, id LIMIT \(limit)
            """
        ).map { try $0.decode(RunID.self, "id") }
    }

    /// Each committed round's artifact as JSON text.
    public func artifacts(_ runID: RunID) async throws -> [Round: String] {
        var artifacts: [Round: String] = [:]
        for row in try await pool.query("SELECT round, payload FROM artifacts WHERE run_id = \(runID)") {
            if let round = Round(rawValue: Int(try row.decode(Int16.self, "round"))) {
                artifacts[round] = try row.decode(String.self, "payload")
            }
        }
        return artifacts
    }

    /// The committed sections of round 3 or 4, by section index, as JSON text.
    public func checkpoints(_ runID: RunID, round: Round) async throws -> [Int: StoredCheckpoint] {
        var sections: [Int: StoredCheckpoint] = [:]
        for row in try await pool.query(
            """
            SELECT section, payload, tokens_in, tokens_out, cost_usd FROM section_checkpoints
            WHERE run_id = \(runID) AND round = \(Int16(round.rawValue))
            """)
        {
            sections[try row.decode(Int.self, "section")] = StoredCheckpoint(
                payload: try row.decode(String.self, "payload"), tokensIn: try row.decode(Int.self, "tokens_in"),
                tokensOut: try row.decode(Int.self, "tokens_out"), costUSD: try row.decode(Double.self, "cost_usd")
            )
        }
        return sections
    }

    public func diagnostics(_ runID: RunID) async throws -> [StoredDiagnostic] {
        try await pool.query(
            """
            SELECT id, round, kind, message, attempt, duration_ms, tokens_in, tokens_out, details, at
            FROM diagnostics WHERE run_id = \(runID) ORDER BY id
            """
        ).map(StoredDiagnostic.init)
    }

    /// Records a diagnostic outside any lease (reviews, CLI actions).
    public func record(_ diagnostic: Diagnostic, for runID: RunID) async throws {
        try await pool.withConnection { connection in
            try await Self.insert([diagnostic], runID: runID, on: connection)
        }
    }

    /// Inserts diagnostics for a run in one statement, through the same fragment the fenced
    /// writes use.
    static func insert(_ diagnostics: [Diagnostic], runID: RunID, on connection: isolated PostgresConnection) async throws {
        guard !diagnostics.isEmpty else { return }
        _ = try await connection.query(
            """
            WITH target AS (SELECT \(runID)::uuid AS id)
            \(fragment: Self.insertDiagnostics(diagnostics, forRunIn: "target", column: "id"))
            """)
    }
}

/// A diagnostic as stored, with its id and time.
public struct StoredDiagnostic: Sendable, Equatable {
    public var id: Int
    public var diagnostic: Diagnostic
    public var at: Date

    init(row: PostgresRow) throws {
        id = try row.decode(Int.self, "id")
        let kindText = try row.decode(String.self, "kind")
        diagnostic = Diagnostic(
            round: try row.decode(Int16?.self, "round").flatMap { Round(rawValue: Int($0)) },
            kind: DiagnosticKind(rawValue: kindText) ?? .warning,
            message: try row.decode(String.self, "message"),
            attempt: try row.decode(Int?.self, "attempt"),
            durationMs: try row.decode(Int?.self, "duration_ms"),
            tokensIn: try row.decode(Int?.self, "tokens_in"),
            tokensOut: try row.decode(Int?.self, "tokens_out"),
            details: try row.decode(PostgresJSON<JSONValue>?.self, "details")?.value
        )
        at = try row.decode(Date.self, "at")
    }
}

/// One section of round 3 or 4 as checkpointed, with what it cost.
public struct StoredCheckpoint: Sendable, Equatable {
    public let payload: String
    public let tokensIn: Int
    public let tokensOut: Int
    public let costUSD: Double
}
