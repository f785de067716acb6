import PressworkCore

/// What the orchestrator reports while it executes a run, for progress displays.
public enum RunProgress: Sendable, Equatable {
    case claimed(attempt: Int)
    case roundStarted(Round)
    case roundSkipped(Round)
    case sectionFinished(Round, index: Int, done: Int, total: Int)
    case roundFinished(Round, durationMs: Int, summary: String)
    case retrying(Round, attempt: Int, reason: String)
    case warning(Round, String)
    case finished(RunStatus, reason: String?)
}

/// How a run ended (for now): its status, why, and the dry-run HTML's path if any.
public struct RunOutcome: Sendable, Equatable {
    public let runID: String
    public let status: RunStatus
    public let reason: String?
    public let htmlPath: String?
}

/// The run could not be claimed: it is not queued, or another worker holds a live lease.
public struct RunNotClaimable: Error, Sendable, CustomStringConvertible {
    public let runID: String
    public let status: RunStatus?

    public init(runID: String, status: RunStatus?) {
        self.runID = runID
        self.status = status
    }

    public var description: String {
        guard let status else { return "no run \(runID)" }
        switch status {
        case .running: return "run \(runID) is being executed by another worker"
        case .error: return "run \(runID) ended with an error; `presswork runs retry \(runID)` continues it"
        case .needsReview: return "run \(runID) waits for review: `presswork review approve|reject \(runID)`"
        default: return "run \(runID) is \(status); there is nothing to execute"
        }
    }
}
