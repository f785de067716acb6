import Foundation
import PostgresClient
import PressworkCore

extension RunStore {
    /// Changes a run's status outside any lease (retry, review, cancel), checked against the
    /// transition table in the same transaction. Returns false when the run already has the
    /// requested status (repeating the command changes nothing).
    @discardableResult
    public func transition(
        _ runID: RunID, to status: RunStatus, reason: String?, diagnostics: [Diagnostic] = [],
        approve: Bool = false,
        replacing edits: [(Round, JSONValue)] = [],
        params: RunParams? = nil
    ) async throws -> Bool {
        try await pool.withTransaction { connection in
            guard
                let row = try await connection.query(
                    "SELECT status FROM runs WHERE id = \(runID) FOR UPDATE"
                ).first
            else { throw RunStateError.missing(runID) }
            let current = RunStatus(rawValue: try row.decode(String.self, "status")) ?? .error
            if current == status { return false }
            guard current.canMove(to: status) else {
                throw RunStateError(.conflict, "run \(runID) is \(current); it cannot become \(status)")
            }
            for (round, payload) in edits {
                _ = try await connection.query(
                    """
                    UPDATE artifacts SET payload = \(PostgresJSON(payload)), created_at = now()
                    WHERE run_id = \(runID) AND round = \(Int16(round.rawValue))
                    """)
            }
            _ = try await connection.query(
                """
                UPDATE runs SET status = \(status.rawValue), status_reason = \(reason), updated_at = now(),
                       params = coalesce(\(params.map { PostgresJSON($0) })::jsonb, params),
                       review_approved_at = CASE WHEN \(approve) THEN now() ELSE review_approved_at END,
                       finished_at = CASE WHEN \(status.isFinal) THEN now() ELSE NULL END
                WHERE id = \(runID)
                """)
            try await Self.insert(diagnostics, runID: runID, on: connection)
            return true
        }
    }

    /// Copies the artifacts of rounds before `round` from one run to another (reprocess).
    public func copyArtifacts(from source: RunID, to target: RunID, before round: Round) async throws -> Int {
        try await pool.query(
            """
            INSERT INTO artifacts (run_id, round, payload, schema_version, duration_ms, tokens_in, tokens_out, attempt)
            SELECT \(target), round, payload, schema_version, 0, 0, 0, 0
            FROM artifacts WHERE run_id = \(source) AND round < \(Int16(round.rawValue))
            ON CONFLICT DO NOTHING
            """
        ).affectedRows
    }
}
