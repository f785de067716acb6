import Foundation
import PostgresClient
import PressworkCore

/// One row of `events` (migration 0009): something that happened to a run.
public struct RunEvent: Sendable, Equatable {
    public let id: Int64
    public let runID: RunID
    public let kind: String
    public let round: Int?
    /// The event's data, as JSON text.
    public let payload: String
    public let at: Date

    /// True for the events after which nothing more happens to the run by itself.
    public var isFinal: Bool { ["run.done", "run.skipped", "run.cancelled", "run.error"].contains(kind) }
}

extension RunStore {
    /// A run's events after `afterID` (all when 0), oldest first.
    public func events(_ runID: RunID, after afterID: Int64 = 0, limit: Int = 1_000) async throws -> [RunEvent] {
        try await pool.query(
            """
            SELECT id, run_id, kind, round, payload::text AS payload, at FROM events
            WHERE run_id = \(runID) AND id > \(afterID) ORDER BY id LIMIT \(limit)
            """
        ).map { row in
            RunEvent(
                id: try row.decode(Int64.self, "id"), runID: try row.decode(RunID.self, "run_id"),
                kind: try row.decode(String.self, "kind"), round: try row.decode(Int16?.self, "round").map(Int.init),
                payload: try row.decode(String.self, "payload"), at: try row.decode(Date.self, "at")
            )
        }
    }
}
