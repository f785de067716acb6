import Foundation
import PostgresClient
import PressworkCore

/// A row of `runs`.
public struct RunRecord: Sendable, Equatable {
    public var id: RunID
    public var params: RunParams
    public var status: RunStatus
    /// The last round whose artifact was committed.
    public var round: Round?
    public var pipelineVersion: String
    public var trigger: RunTrigger
    public var idempotencyKey: String?
    public var parentRunID: RunID?
    public var attempt: Int
    public var leaseOwner: String?
    public var leaseExpiresAt: Date?
    public var reviewApprovedAt: Date?
    public var statusReason: String?
    public var tokensIn: Int
    public var tokensOut: Int
    /// US dollars spent on priced providers (0 when none is priced).
    public var costUSD: Double
    public var workMs: Int
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?

    static let columns = """
        id, params, status, round, pipeline_version, trigger, idempotency_key, parent_run_id, attempt, lease_owner,
        lease_expires_at, review_approved_at, status_reason, tokens_in, tokens_out, cost_usd, work_ms, created_at, started_at,
        finished_at
        """

    init(row: PostgresRow) throws {
        id = try row.decode(RunID.self, "id")
        params = try row.decode(PostgresJSON<RunParams>.self, "params").value
        let statusText = try row.decode(String.self, "status")
        guard let status = RunStatus(rawValue: statusText) else {
            throw PostgresError(.decoding, "column \"status\" holds an unknown status \(statusText)")
        }
        self.status = status
        round = try row.decode(Int16?.self, "round").flatMap { Round(rawValue: Int($0)) }
        pipelineVersion = try row.decode(String.self, "pipeline_version")
        trigger = try row.decode(PostgresJSON<RunTrigger>.self, "trigger").value
        idempotencyKey = try row.decode(String?.self, "idempotency_key")
        parentRunID = try row.decode(RunID?.self, "parent_run_id")
        attempt = try row.decode(Int.self, "attempt")
        leaseOwner = try row.decode(String?.self, "lease_owner")
        leaseExpiresAt = try row.decode(Date?.self, "lease_expires_at")
        reviewApprovedAt = try row.decode(Date?.self, "review_approved_at")
        statusReason = try row.decode(String?.self, "status_reason")
        tokensIn = try row.decode(Int.self, "tokens_in")
        tokensOut = try row.decode(Int.self, "tokens_out")
        costUSD = try row.decode(Double.self, "cost_usd")
        workMs = try row.decode(Int.self, "work_ms")
        createdAt = try row.decode(Date.self, "created_at")
        startedAt = try row.decode(Date?.self, "started_at")
        finishedAt = try row.decode(Date?.self, "finished_at")
    }
}

/// The right to execute one run: held by `owner` until the lease expires, for claim `attempt`.
/// Every write a worker makes for the run presents it; a write whose attempt is no longer the
/// run's current one is refused with `LeaseLost`.
public struct Lease: Sendable, Equatable {
    public let runID: RunID
    public let owner: String
    public let attempt: Int
    /// The claim took the run over from a worker whose lease expired.
    public var tookOver = false
}

extension RunRecord {
    /// The claim the record shows: its owner and attempt while it is running; nil otherwise.
    public var lease: Lease? {
        guard status == .running, let leaseOwner else { return nil }
        return Lease(runID: id, owner: leaseOwner, attempt: attempt)
    }
}

/// The run was claimed by someone else (its lease expired and it was taken over), or it left
/// the `running` status: this worker must stop and write nothing more.
public struct LeaseLost: Error, Sendable, CustomStringConvertible {
    public let runID: RunID
    public let attempt: Int
    public let currentAttempt: Int?
    public let currentStatus: String?

    public init(runID: RunID, attempt: Int, currentAttempt: Int?, currentStatus: String?) {
        self.runID = runID
        self.attempt = attempt
        self.currentAttempt = currentAttempt
        self.currentStatus = currentStatus
    }

    /// `lease` no longer holds; what holds the run now is not known.
    public init(_ lease: Lease) {
        self.init(runID: lease.runID, attempt: lease.attempt, currentAttempt: nil, currentStatus: nil)
    }

    public var description: String {
        "run \(runID) is no longer ours (claimed as attempt \(attempt); now attempt \(currentAttempt.map(String.init) ?? "?"), "
            + "status \(currentStatus ?? "gone"))"
    }
}

/// A status change the transition table refuses, or a run that does not exist.
public struct RunStateError: Refusal {
    public let code: RefusalCode
    public let message: String
    public init(_ code: RefusalCode, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { message }

    public static func missing(_ reference: CustomStringConvertible) -> RunStateError {
        RunStateError(.notFound, "no run \(reference)")
    }
}
