import Foundation
import PostgresClient
import PressworkCore

/// What a cancel did.
public enum CancelOutcome: String, Sendable {
    /// The run was queued, failed or waiting for review: it is cancelled now.
    case cancelled
    /// The run is running: its executor stops it at the next section or round boundary.
    case requested
    /// It was cancelled already (repeating the command changes nothing).
    case already
}

extension RunStore {
    /// Cancels a run, or asks its executor to, in one transaction with a diagnostic saying who
    /// asked. A run that is done or skipped cannot be cancelled (`RunConflict`).
    public func cancel(_ runID: RunID, reason: String?, by who: String) async throws -> CancelOutcome {
        let text = reason.map { "cancelled \(who): \($0)" } ?? "cancelled \(who)"
        return try await pool.withTransaction { connection in
            guard let row = try await connection.query("SELECT status FROM runs WHERE id = \(runID) FOR UPDATE").first else {
                throw RunStateError.missing(runID)
            }
            let status = RunStatus(rawValue: try row.decode(String.self, "status")) ?? .error
            switch status {
            case .cancelled:
                return .already
            case .running:
                _ = try await connection.query(
                    """
                    UPDATE runs SET cancel_requested_at = coalesce(cancel_requested_at, now()), cancel_reason = \(text),
                           updated_at = now()
                    WHERE id = \(runID)
                    """)
                try await Self.insert(
                    [Diagnostic(round: nil, kind: .status, message: "cancel requested \(who)")],
                    runID: runID, on: connection)
                return .requested
            case .queued, .error, .needsReview:
                _ = try await connection.query(
                    """
                    UPDATE runs SET status = 'cancelled', status_reason = \(text), updated_at = now(), finished_at = now(),
                           lease_owner = NULL, lease_expires_at = NULL
                    WHERE id = \(runID)
                    """)
                try await Self.insert([Diagnostic(round: nil, kind: .status, message: text)], runID: runID, on: connection)
                return .cancelled
            case .done, .skipped:
                throw RunConflict(runID: runID, status: status, action: "cancelled")
            }
        }
    }

    /// The reason given when a cancel of this run was requested; nil when none was.
    public func cancelRequest(_ runID: RunID) async throws -> String? {
        try await pool.query(
            """
            SELECT coalesce(cancel_reason, 'cancelled') AS reason FROM runs WHERE id = \(runID) AND cancel_requested_at IS NOT NULL
            """
        ).first.map { try $0.decode(String.self, "reason") }
    }
}
