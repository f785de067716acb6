import Foundation
import PostgresClient

/// The `maintenance` table: the last run of each maintenance task, by whichever process ran it.
public struct MaintenanceLog: Sendable {
    public enum Task: String, Sendable {
        case prune
        /// The duplicate check's code lists (VectorListIndexer).
        case vectorLists = "vector_lists"
    }

    /// The advisory lock a process holds while it runs a task, so that one process at a time
    /// does (the maintenance service of every `serve`, and `presswork prune`).
    static func lockKey(_ task: Task) -> Int64 {
        switch task {
        case .prune: return 0x7072_756e_6500_0001  // "prune", then a task number
        case .vectorLists: return 0x7072_756e_6500_0002
        }
    }

    public let pool: PostgresConnectionPool

    public init(pool: PostgresConnectionPool) {
        self.pool = pool
    }

    /// When the task last finished, and whether it is running now (started, not finished).
    public func last(_ task: Task) async throws -> (finishedAt: Date?, running: Bool) {
        guard
            let row = try await pool.query(
                "SELECT finished_at FROM maintenance WHERE task = \(task.rawValue)"
            ).first
        else { return (nil, false) }
        let finished = try row.decode(Date?.self, "finished_at")
        return (finished, finished == nil)
    }

    /// Runs `body` under the task's advisory lock, on one connection, recording its start and
    /// its report; returns nil without running it when another process holds the lock. With
    /// `unlessFinishedWithin`, it also returns nil when the task finished less than that ago (the
    /// lock makes that check and the run one decision across processes).
    public func run<Report: Encodable & Sendable>(
        _ task: Task, owner: String, unlessFinishedWithin interval: Duration? = nil,
        _ body: @Sendable (isolated PostgresConnection) async throws -> Report
    ) async throws -> Report? {
        try await pool.withConnection { connection in
            let key = Self.lockKey(task)
            guard try await connection.query("SELECT pg_try_advisory_lock(\(key))").scalar(Bool.self) else { return nil }
            do {
                if let interval {
                    let due = try await connection.query(
                        """
                        SELECT NOT EXISTS (SELECT 1 FROM maintenance WHERE task = \(task.rawValue)
                            AND finished_at > now() - make_interval(secs => \(interval.seconds)))
                        """
                    ).scalar(Bool.self)
                    if !due {
                        _ = try await connection.query("SELECT pg_advisory_unlock(\(key))")
                        return nil
                    }
                }
                _ = try await connection.query(
                    """
                    INSERT INTO maintenance (task, owner, started_at) VALUES (\(task.rawValue), \(owner), now())
                    ON CONFLICT (task) DO UPDATE SET owner = excluded.owner, started_at = now(), finished_at = NULL
                    """)
                let report = try await body(connection)
                let encoder = JSONEncoder()
                encoder.outputFormatting = .sortedKeys
                let json = String(decoding: try encoder.encode(report), as: UTF8.self)
                _ = try await connection.query(
                    """
                    UPDATE maintenance SET finished_at = now(), report = \(PostgresJSONText(json)) WHERE task = \(task.rawValue)
                    """)
                _ = try await connection.query("SELECT pg_advisory_unlock(\(key))")
                return report
            } catch {
                // The lock lives as long as the session; a pooled connection lives on.
                _ = try? connection.queryIgnoringCancellation("SELECT pg_advisory_unlock_all()")
                throw error
            }
        }
    }
}
