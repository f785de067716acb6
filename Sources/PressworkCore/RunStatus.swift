/// Where a run stands. Every change of status goes through `canMove(to:)`, the one table of
/// allowed transitions, so that no run can, say, go from `done` back to `running`.
public enum RunStatus: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case queued
    case running
    case done
    case error
    case needsReview = "needs_review"
    case skipped
    case cancelled

    public var description: String { rawValue }

    /// True when nothing more will happen to the run by itself.
    public var isFinal: Bool {
        switch self {
        case .done, .skipped, .cancelled: return true
        case .queued, .running, .error, .needsReview: return false
        }
    }

    /// The allowed transitions:
    /// - queued → running (claimed), cancelled
    /// - running → done, error, needs_review, skipped, cancelled, queued (lease released on shutdown),
    ///   running (taken over after the lease expired)
    /// - error → queued (retry), cancelled
    /// - needs_review → queued (approved), skipped (rejected), cancelled
    public func canMove(to next: RunStatus) -> Bool {
        switch (self, next) {
        case (.queued, .running), (.queued, .cancelled):
            return true
        case (.running, .done), (.running, .error), (.running, .needsReview), (.running, .skipped),
            (.running, .cancelled), (.running, .queued), (.running, .running):
            return true
        case (.error, .queued), (.error, .cancelled):
            return true
        case (.needsReview, .queued), (.needsReview, .skipped), (.needsReview, .cancelled):
            return true
        default:
            return false
        }
    }
}
