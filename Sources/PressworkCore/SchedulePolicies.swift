import Foundation

/// What a scheduler does with fires it missed (it was down, or far behind).
public enum MisfirePolicy: String, Codable, Sendable, CaseIterable {
    /// Missed fires are recorded and counted, none runs; the schedule waits for its next fire.
    case skip
    /// The most recent missed fire runs once; the older ones are recorded as missed.
    case latest
    /// The most recent missed fires run, up to the catch-up limit; older ones are recorded as
    /// missed.
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

    /// Whether a fire may start another run while the schedule has `running` runs running and
    /// `queued` waiting, and `maxActive` caps both together. `buffer-one` means at most one
    /// running and one waiting behind it: never three at once.
    public func allowsAnother(running: Int, queued: Int, maxActive: Int?) -> Bool {
        if let maxActive, running + queued >= maxActive { return false }
        switch self {
        case .skip: return running + queued == 0
        case .bufferOne: return queued == 0 && running <= 1
        case .allow: return true
        }
    }
}

/// The decision for the fires of one schedule that are due at `now`, before overlap is applied:
/// which fire instants start runs and which are recorded as missed.
public struct FirePlan: Sendable, Equatable {
    public var run: [Date]
    public var missed: [Date]
    /// The schedule's next fire after `now`, nil when it never fires again.
    public var next: Date?

    /// A fire at most this late is the scheduler being busy, not down: it runs under every
    /// policy (capped by the grace).
    public static let lagTolerance: TimeInterval = 2

    /// `due` are the fires at or before `now` not yet handled, oldest first.
    ///
    /// The newest due fire is current when it is at most `grace` late, and so is any fire at
    /// most `lagTolerance` late (a scheduler a few seconds behind, a schedule of every second);
    /// current fires run whatever the policy. Every other due fire is missed: it is older than
    /// a newer due fire (a backlog left by downtime) or later than the grace. Of the missed
    /// fires, `skip` runs none, `latest` the newest once, `all` the newest `catchUpLimit`.
    /// After 75 s of downtime a schedule of every 5 s has 15 due fires: `skip` runs 1 (the
    /// current one), `latest` 2, `all` 11 with a limit of 10.
    public static func plan(
        due: [Date], now: Date, next: Date?, policy: MisfirePolicy, catchUpLimit: Int, grace: TimeInterval
    ) -> FirePlan {
        let tolerance = min(lagTolerance, grace)
        var current: [Date] = []
        var missed: [Date] = []
        for (index, fire) in due.enumerated() {
            let lateness = now.timeIntervalSince(fire)
            let isNewest = index == due.count - 1
            if lateness <= tolerance || (isNewest && lateness <= grace) {
                current.append(fire)
            } else {
                missed.append(fire)
            }
        }
        let caught: ArraySlice<Date>
        switch policy {
        case .skip: caught = []
        case .latest: caught = missed.suffix(1)
        case .all: caught = missed.suffix(max(0, catchUpLimit))
        }
        return FirePlan(run: Array(caught) + current, missed: Array(missed.dropLast(caught.count)), next: next)
    }
}
