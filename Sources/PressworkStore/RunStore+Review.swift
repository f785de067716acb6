import Foundation
import PostgresClient
import PressworkCore

extension RunStore {
    /// Changes a run's status outside any lease (retry, review, cancel), checked against the
    /// transition table in the same transaction. Returns false when the run already has the
    /// requested status (repeating the command changes nothing).
    @discardableResult
    public func transition(
        _ runID: UUID, to status: RunStatus, reason: String?, diagnostics: [Diagnostic] = [],
        approve: Bool = false,
        replacing edits: [(Round, JSONValue)] = []
    ) async throws -> Bool {
        try await pool.withTransaction { connection in
            guard let row = try await connection.query(
                "SELECT status FROM runs WHERE id = \(runID) FOR UPDATE"
            ).first else { throw RunStateError("no run \(runID)") }
            let current = RunStatus(rawValue: try row.decode(String.self, "status")) ?? .error
            if current == status { return false }
            guard current.canMove(to: status) else {
                throw RunStateError("run \(runID) is \(current); it cannot become \(status)")
            }
            for (round, payload) in edits {
                _ = try await connection.query("""
                    UPDATE artifacts SET payload = \(PostgresJSON(payload)), created_at = now()
                    WHERE run_id = \(runID) AND round = \(Int16(round.rawValue))
                    """)
            }
            _ = try await connection.query("""
                UPDATE runs SET status = \(status.rawValue), status_reason = \(reason), updated_at = now(),
                       review_approved_at = CASE WHEN \(approve) THEN now() ELSE review_approved_at END,
                       finished_at = CASE WHEN \(status.isFinal) THEN now() ELSE NULL END
                WHERE id = \(runID)
                """)
            try await Self.insert(diagnostics, runID: runID, on: connection)
            return true
        }
    }

    /// Copies the artifacts of rounds before `round` from one run to another (reprocess).
    public func copyArtifacts(from source: UUID, to target: UUID, before round: Round) async throws -> Int {
        try await pool.query("""
            INSERT INTO artifacts (run_id, round, payload, schema_version, duration_ms, tokens_in, tokens_out, attempt)
            SELECT \(target), round, payload, schema_version, 0, 0, 0, 0
            FROM artifacts WHERE run_id = \(source) AND round < \(Int16(round.rawValue))
            ON CONFLICT DO NOTHING
            """).affectedRows
    }

    // MARK: Duplicate check

    /// The vectors of finished (`done`) runs of one model and dimension whose run finished at or
    /// after `finishedSince` (all when nil), with their titles and finish times, and the server's
    /// clock at the query, for the next incremental call. Runs in `known` come back without
    /// their vector (the caller has it), so looking back over a margin costs only their ids.
    public func finishedVectors(
        model: String, dimension: Int, finishedSince: Date?, known: [UUID] = []
    ) async throws -> (vectors: [PublishedVector], serverTime: Date) {
        // The clock row comes back even when nothing finished, so the caller always learns the
        // server time to continue from. The incremental form starts from the runs finished since
        // then (an index on finished_at); the first load reads every vector of the model.
        let recent: PostgresQuery = finishedSince == nil ? "true" : "r.finished_at >= \(finishedSince)"
        let rows = try await pool.query("""
            WITH clock AS (SELECT now() AS server_time)
            SELECT clock.server_time, found.run_id, found.title, found.embedding, found.finished_at
            FROM clock LEFT JOIN (
                SELECT v.run_id, coalesce(a.payload->>'title', '') AS title, r.finished_at,
                       CASE WHEN v.run_id = ANY(\(known.map { $0.uuidString.lowercased() })::text[]::uuid[])
                            THEN NULL ELSE v.embedding END AS embedding
                FROM runs r
                JOIN vectors v ON v.run_id = r.id AND v.model = \(model) AND v.dimension = \(dimension)
                LEFT JOIN artifacts a ON a.run_id = r.id AND a.round = 2
                WHERE r.status = 'done' AND \(fragment: recent)
            ) AS found ON true
            """)
        let serverTime = try rows.scalar(Date.self)
        let vectors = try rows.compactMap { row -> PublishedVector? in
            guard let runID = try row.decode(UUID?.self, "run_id"),
                  let values = try row.decode([Float]?.self, "embedding")
            else { return nil }
            return PublishedVector(
                runID: runID, title: try row.decode(String.self, "title"), values: values,
                finishedAt: try row.decode(Date.self, "finished_at")
            )
        }
        return (vectors, serverTime)
    }
}

/// A finished run's article vector, for the duplicate check.
public struct PublishedVector: Sendable, Equatable {
    public let runID: UUID
    public let title: String
    public let values: [Float]
    public let finishedAt: Date

    public init(runID: UUID, title: String, values: [Float], finishedAt: Date) {
        self.runID = runID
        self.title = title
        self.values = values
        self.finishedAt = finishedAt
    }
}
