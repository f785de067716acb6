import Foundation
import PressworkCore

/// A due schedule as the store hands it to a `FirePlanning` inside the firing transaction: the
/// locked row and its active runs (for the overlap policy and the active-run limit).
public struct DueSchedule: Sendable {
    public let record: ScheduleRecord
    public let running: Int
    public let queued: Int

    public init(record: ScheduleRecord, running: Int, queued: Int) {
        self.record = record
        self.running = running
        self.queued = queued
    }
}

/// What to do with one due schedule: the fires to record (each starting a run or not), its
/// next fire, and missed fires too old to be recorded one by one.
public struct FireDecision: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        case run, skipped, missed
    }

    public struct Fire: Sendable, Equatable {
        public let at: Date
        public let outcome: Outcome

        public init(at: Date, _ outcome: Outcome) {
            self.at = at
            self.outcome = outcome
        }
    }

    public var fires: [Fire]
    /// The schedule's next fire after now; nil when it never fires again.
    public var next: Date?
    /// Missed fires beyond those in `fires`, only counted.
    public var uncountedMissed: Int

    public init(fires: [Fire], next: Date?, uncountedMissed: Int = 0) {
        self.fires = fires
        self.next = next
        self.uncountedMissed = uncountedMissed
    }

    public func count(_ outcome: Outcome) -> Int { fires.count { $0.outcome == outcome } }
}

/// Decides the fires of due schedules (misfire, overlap, active-run limit): the scheduler's
/// policy (`SchedulePlanner`), kept out of the store, which only runs the SQL around it.
public protocol FirePlanning: Sendable {
    /// One decision per due schedule, in order, judged at `now`.
    func decide(_ due: [DueSchedule], now: Date) throws -> [FireDecision]
}
