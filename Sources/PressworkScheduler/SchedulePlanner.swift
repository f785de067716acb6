import Foundation
import PressworkCore
import PressworkStore

/// The scheduler's decisions over due schedules, pure (no database): which due fires run, which
/// are missed (the misfire policy), which are skipped (the overlap policy and the active-run
/// limit), and when each schedule fires next. `ScheduleStore.fireDue` calls it inside the
/// transaction that locked the schedules, and writes what it decided.
public struct SchedulePlanner: FirePlanning {
    /// How late a fire may be and still count as on time (not missed).
    public var grace: TimeInterval
    /// Most fires recorded one by one when catching up; older missed fires are only counted.
    public var maxFireRows: Int

    public init(grace: TimeInterval = 60, maxFireRows: Int = 1_000) {
        self.grace = grace
        self.maxFireRows = maxFireRows
    }

    public func decide(_ due: [DueSchedule], now: Date) throws -> [FireDecision] {
        // Schedules with the same expression, zone, first due fire and misfire settings have the
        // same plan (many share `@daily` or `0 * * * *`): computed once per batch.
        var plans: [String: (plan: FirePlan, uncounted: Int)] = [:]
        return try due.map { schedule in
            let record = schedule.record
            guard let first = record.nextFireAt else { return FireDecision(fires: [], next: nil) }
            let key = "\(record.cron)|\(record.timeZone)|\(first.timeIntervalSince1970)|\(record.misfire)|\(record.catchUpLimit)"
            if plans[key] == nil {
                let cron = try record.definition.cronSchedule()
                // The due fires, oldest first: the stored next fire and every one after it up to
                // now. A very long outage is bounded: only the newest `maxFireRows` are handled
                // one by one.
                var fires = [first] + cron.fires(from: first, through: now, limit: 1_000_000)
                let uncounted = max(0, fires.count - maxFireRows)
                fires = Array(fires.suffix(maxFireRows))
                plans[key] = (
                    FirePlan.plan(
                        due: fires, now: now, next: cron.next(after: now), policy: record.misfire,
                        catchUpLimit: record.catchUpLimit, grace: grace
                    ), uncounted
                )
            }
            let (plan, uncounted) = plans[key]!
            return Self.applyOverlap(plan, to: schedule, uncountedMissed: uncounted)
        }
    }

    /// The plan's fires in time order, each to run unless the schedule's overlap policy or
    /// active-run limit refuses another run (then skipped); the runs this batch starts count.
    static func applyOverlap(_ plan: FirePlan, to schedule: DueSchedule, uncountedMissed: Int) -> FireDecision {
        let record = schedule.record
        var fires = plan.missed.map { FireDecision.Fire(at: $0, .missed) }
        var queued = schedule.queued
        for fire in plan.run {
            if record.overlap.allowsAnother(running: schedule.running, queued: queued, maxActive: record.maxActive) {
                fires.append(.init(at: fire, .run))
                queued += 1
            } else {
                fires.append(.init(at: fire, .skipped))
            }
        }
        return FireDecision(fires: fires, next: plan.next, uncountedMissed: uncountedMissed)
    }
}

/// The misfire decision for the fires of one schedule that are due at `now`, before overlap is
/// applied: which fire instants start runs and which are recorded as missed.
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
