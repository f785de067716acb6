import Foundation
import PostgresClient
import PressworkCore

extension RunStore {
    // MARK: Duplicate check

    /// The vectors of finished (`done`) runs of one model and dimension whose run finished at or
    /// after `finishedSince` (all when nil), with their titles and finish times, and the server's
    /// clock at the query, for the next incremental call. Runs in `known` (the caller has them)
    /// are left out before anything is read of them: looking back over a margin then costs an
    /// index range and a hashed membership test per run in it, not a vector and an outline each.
    public func finishedVectors(
        model: String, dimension: Int, finishedSince: Date?, known: [UUID] = []
    ) async throws -> (vectors: [PublishedVector], serverTime: Date) {
        // The clock row comes back even when nothing finished, so the caller always learns the
        // server time to continue from. Vectors travel in the binary array format (see
        // PostgresSentFloatArray): parsing their decimal text was most of a cold load. A run compacted by prune has lost its outline; its vector
        // kept the title. The incremental form starts from the runs finished since
        // then (an index on finished_at); the first load reads every vector of the model.
        let recent: PostgresQuery = finishedSince == nil ? "true" : "r.finished_at >= \(finishedSince)"
        let rows = try await pool.query("""
            WITH clock AS (SELECT now() AS server_time)
            SELECT clock.server_time, found.run_id, found.title, found.embedding, found.finished_at
            FROM clock LEFT JOIN (
                SELECT v.run_id, coalesce(v.title, a.payload->>'title', '') AS title, r.finished_at,
                       array_send(v.embedding) AS embedding
                FROM runs r
                JOIN vectors v ON v.run_id = r.id AND v.model = \(model) AND v.dimension = \(dimension)
                LEFT JOIN artifacts a ON a.run_id = r.id AND a.round = 2
                WHERE r.status = 'done' AND \(fragment: recent)
                  AND r.id <> ALL(\(known))
            ) AS found ON true
            """)
        let serverTime = try rows.scalar(Date.self)
        let vectors = try rows.compactMap { row -> PublishedVector? in
            guard let runID = try row.decode(UUID?.self, "run_id"),
                  let values = try row.decode(PostgresSentFloatArray?.self, "embedding")?.values
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

extension RunStore {
    /// The runs `runID` descends from through reprocessing (its parent, the parent's parent, …),
    /// nearest first; empty for a run that has no parent.
    public func ancestors(of runID: UUID) async throws -> [UUID] {
        try await pool.query("""
            WITH RECURSIVE lineage(id, depth) AS (
                SELECT parent_run_id, 1 FROM runs WHERE id = \(runID) AND parent_run_id IS NOT NULL
                UNION ALL
                SELECT r.parent_run_id, l.depth + 1 FROM runs r JOIN lineage l ON r.id = l.id
                WHERE r.parent_run_id IS NOT NULL AND l.depth < 100
            )
            SELECT id FROM lineage ORDER BY depth
            """).map { try $0.decode(UUID.self, "id") }
    }
}
