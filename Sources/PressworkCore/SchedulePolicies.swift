import Foundation

/// What a scheduler does with fires it missed (it was down, or behind).
public enum MisfirePolicy: String, Codable, Sendable, CaseIterable {
    /// Missed fires are recorded and counted, none runs; the schedule waits for its next fire.
    case skip
    /// The most recent missed fire runs once; the older ones are recorded as missed.
    case latest
    /// Every missed fire within the catch-up limit runs (the most recent ones); older ones are
    /// recorded as missed.
    case all
}

/// What a fire does while the schedule's previous run is still active (queued or running).
public enum OverlapPolicy: String, Codable, Sendable, CaseIterable {
    /// The fire is recorded as skipped.
    case skip
    /// One run may wait behind the active one; a further fire is skipped.
    case bufferOne = "buffer-one"
    /// Runs may overlap.
    case allow
}

/// The decision for the fires of one schedule that are due at `now`, before overlap is applied:
/// which fire instants start runs and which are recorded as missed.
public struct FirePlan: Sendable, Equatable {
    public var run: [Date]
    public var missed: [Date]
    /// The schedule's next fire after `now`, nil when it never fires again.
    public var next: Date?

    /// `due` are the fires at or before `now` not yet handled, oldest first. A fire later than
    /// `grace` counts as missed (the scheduler was not running); within it, it is merely late
    /// and runs whatever the policy.
    public static func plan(
        due: [Date], now: Date, next: Date?, policy: MisfirePolicy, catchUpLimit: Int, grace: TimeInterval
    ) -> FirePlan {
        let onTime = due.filter { now.timeIntervalSince($0) <= grace }
        let late = due.filter { now.timeIntervalSince($0) > grace }
        var run = onTime
        var missed: [Date] = []
        switch policy {
        case .skip:
            missed = late
        case .latest:
            // The newest fire runs once: the on-time one if there is one, else the newest late one.
            if onTime.isEmpty, let newest = late.last {
                run = [newest]
                missed = Array(late.dropLast())
            } else {
                missed = late
            }
        case .all:
            let keep = max(0, catchUpLimit - onTime.count)
            let caught = late.suffix(keep)
            run = Array(caught) + onTime
            missed = Array(late.dropLast(caught.count))
        }
        return FirePlan(run: run, missed: missed, next: next)
    }
}
