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

    /// `due` are the fires at or before `now` not yet handled, oldest first.
    ///
    /// A fire at most `grace` late is merely late (a scheduler behind, or back after a short
    /// stop) and runs whatever the policy; a fire later than that is missed, and the policy
    /// decides over the missed fires alone: `skip` runs none, `latest` the newest once, `all`
    /// the newest `catchUpLimit`. The fires within the grace never take a missed fire's place
    /// (they used to: with fires on time, `latest` ran no missed one and `all` fewer). After
    /// 75 s of downtime a schedule of every 5 s has 15 due fires, 13 within a 60 s grace:
    /// `skip` runs 13, `latest` 14, `all` 15.
    public static func plan(
        due: [Date], now: Date, next: Date?, policy: MisfirePolicy, catchUpLimit: Int, grace: TimeInterval
    ) -> FirePlan {
        let current = due.filter { now.timeIntervalSince($0) <= grace }
        let missed = due.filter { now.timeIntervalSince($0) > grace }
        let caught: ArraySlice<Date>
        switch policy {
        case .skip: caught = []
        case .latest: caught = missed.suffix(1)
        case .all: caught = missed.suffix(max(0, catchUpLimit))
        }
        return FirePlan(run: Array(caught) + current, missed: Array(missed.dropLast(caught.count)), next: next)
    }
}
