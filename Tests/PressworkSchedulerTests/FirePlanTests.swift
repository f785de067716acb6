import Foundation
import PressworkCore
import PressworkScheduler
import PressworkStore
import Testing

/// The misfire policies as a pure decision over due fires and an injected `now`: no database,
/// no clock.
@Suite struct FirePlanTests {
    static let now = Date(timeIntervalSince1970: 1_795_521_600)  // 2026-11-24T12:00:00Z

    /// A schedule of every 5 s whose scheduler was down for 75 s: 15 fires are due, 0 to 70 s
    /// late. The 13 within the 60 s grace run under every policy; of the 2 missed, skip runs
    /// none, latest the newest, all both (its limit is 10).
    @Test(arguments: [(MisfirePolicy.skip, 13), (.latest, 14), (.all, 15)])
    func afterADowntimeLongerThanTheGrace(policy: MisfirePolicy, runs: Int) {
        let due = (0..<15).reversed().map { Self.now.addingTimeInterval(-5 * Double($0)) }
        let plan = FirePlan.plan(due: due, now: Self.now, next: Self.now + 5, policy: policy, catchUpLimit: 10, grace: 60)
        #expect(plan.run.count == runs)
        #expect(plan.missed.count == 15 - runs)
        #expect(plan.run.last == Self.now, "the current fire runs")
        #expect(plan.run == Array(due.suffix(runs)), "the newest fires run")
        #expect(Set(plan.run).isDisjoint(with: plan.missed))
    }

    /// An hourly schedule down for ten hours: the newest fire is past the grace too, so skip
    /// runs nothing, latest it alone, all the newest three.
    @Test(arguments: [(MisfirePolicy.skip, 0), (.latest, 1), (.all, 3)])
    func whenEvenTheNewestFireIsPastTheGrace(policy: MisfirePolicy, runs: Int) {
        let due = (0...10).reversed().map { Self.now.addingTimeInterval(-1_800 - 3_600 * Double($0)) }
        let plan = FirePlan.plan(due: due, now: Self.now, next: Self.now + 1_800, policy: policy, catchUpLimit: 3, grace: 60)
        #expect(plan.run == Array(due.suffix(runs)))
        #expect(plan.missed == Array(due.dropLast(runs)))
    }

    /// A scheduler behind by seconds (a loaded machine, a slow tick) is late, not down: a
    /// schedule of every second runs every fire under every policy, however many are due.
    @Test(arguments: MisfirePolicy.allCases)
    func aSchedulerBehindMissesNothingWithinTheGrace(policy: MisfirePolicy) {
        let due = (0...30).reversed().map { Self.now.addingTimeInterval(-Double($0)) }
        let plan = FirePlan.plan(due: due, now: Self.now, next: Self.now + 1, policy: policy, catchUpLimit: 0, grace: 60)
        #expect(plan.run == due)
        #expect(plan.missed.isEmpty)
    }

    /// Fires within the grace never take a missed fire's place: with 12 on time and 3 missed,
    /// all with a limit of 10 still catches up the 3 (it caught up none before).
    @Test func firesWithinTheGraceDoNotUseUpTheCatchUp() {
        let due = (0..<15).reversed().map { Self.now.addingTimeInterval(-6 * Double($0)) }  // 0 … 84 s late
        let plan = FirePlan.plan(due: due, now: Self.now, next: nil, policy: .all, catchUpLimit: 10, grace: 66)
        #expect(plan.run.count == 15 && plan.missed.isEmpty)
        let latest = FirePlan.plan(due: due, now: Self.now, next: nil, policy: .latest, catchUpLimit: 10, grace: 66)
        #expect(latest.run.first == due[2] && latest.missed == Array(due.prefix(2)))
    }

    /// The newest fire late but within the grace runs under skip too.
    @Test func aLateFireWithinTheGraceRuns() {
        let plan = FirePlan.plan(due: [Self.now - 30], now: Self.now, next: nil, policy: .skip, catchUpLimit: 10, grace: 60)
        #expect(plan.run == [Self.now - 30] && plan.missed.isEmpty)
    }
}

/// The planner over whole schedules, still without a database: misfire after a downtime, then
/// the overlap policy and the active-run limit over what would run.
@Suite struct SchedulePlannerTests {
    static let now = Date(timeIntervalSince1970: 1_795_521_600)  // 2026-11-24T12:00:00Z

    func due(
        every seconds: Int, downFor downtime: Int, misfire: MisfirePolicy = .all, overlap: OverlapPolicy = .allow,
        maxActive: Int? = nil, running: Int = 0, queued: Int = 0
    ) throws -> DueSchedule {
        let definition = ScheduleDefinition(
            name: "s", cron: "*/\(seconds) * * * * *", timeZone: "UTC", params: try RunParams.validated(seeds: ["x"]),
            misfire: misfire, catchUpLimit: 10, overlap: overlap, maxActive: maxActive
        )
        return DueSchedule(
            record: ScheduleRecord(definition: definition, nextFireAt: Self.now.addingTimeInterval(-Double(downtime))),
            running: running, queued: queued
        )
    }

    /// 75 s down, every 5 s: 16 due fires (−75 s … now), 13 within the grace.
    @Test(arguments: [(MisfirePolicy.skip, 13), (.latest, 14), (.all, 16)])
    func misfireAcrossADowntimeLongerThanTheGrace(policy: MisfirePolicy, runs: Int) throws {
        let decision = try #require(
            try SchedulePlanner(grace: 60).decide([due(every: 5, downFor: 75, misfire: policy)], now: Self.now).first)
        #expect(decision.fires.count == 16)
        #expect(decision.count(.run) == runs && decision.count(.missed) == 16 - runs && decision.count(.skipped) == 0)
        #expect(decision.next == Self.now + 5)
    }

    @Test func overlapAndTheActiveLimitSkipWhatWouldRun() throws {
        let planner = SchedulePlanner(grace: 60)
        // skip: an active run means every due fire is skipped.
        let skip = try #require(try planner.decide([due(every: 5, downFor: 10, overlap: .skip, running: 1)], now: Self.now).first)
        #expect(skip.count(.run) == 0 && skip.count(.skipped) == 3)
        // buffer-one with one running: one waits behind it, the rest are skipped.
        let buffer = try #require(try planner.decide([due(every: 5, downFor: 10, overlap: .bufferOne, running: 1)], now: Self.now).first)
        #expect(buffer.count(.run) == 1 && buffer.count(.skipped) == 2)
        #expect(buffer.fires.first { $0.outcome == .run }?.at == Self.now - 10, "the oldest due fire takes the place")
        // allow, at most 2 active with one queued: one more.
        let capped = try #require(try planner.decide([due(every: 5, downFor: 10, maxActive: 2, queued: 1)], now: Self.now).first)
        #expect(capped.count(.run) == 1 && capped.count(.skipped) == 2)
    }

    /// A very long outage: only the newest fires are decided one by one; the rest are counted.
    @Test func aVeryLongOutageIsBounded() throws {
        let decision = try #require(
            try SchedulePlanner(grace: 60, maxFireRows: 100).decide(
                [due(every: 1, downFor: 10_000, misfire: .skip)], now: Self.now
            ).first)
        #expect(decision.fires.count == 100 && decision.uncountedMissed == 10_001 - 100)
        #expect(decision.count(.run) == 61, "the fires within the 60 s grace, now included")
    }
}
