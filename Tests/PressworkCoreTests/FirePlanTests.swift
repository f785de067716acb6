import Foundation
import PressworkCore
import Testing

/// The misfire policies as a pure decision over due fires and an injected `now`: no database,
/// no clock.
@Suite struct FirePlanTests {
    static let now = Date(timeIntervalSince1970: 1_795_521_600)  // 2026-11-24T12:00:00Z

    /// A schedule of every 5 s whose scheduler was down for 75 s: 15 fires are due, the newest
    /// 0 s late. The current one runs under every policy; of the 14 missed, skip runs none,
    /// latest the newest, all the newest 10.
    @Test(arguments: [(MisfirePolicy.skip, 1), (.latest, 2), (.all, 11)])
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

    /// A scheduler a second or two behind is late, not down: a schedule of every second runs every
    /// fire under every policy.
    @Test(arguments: MisfirePolicy.allCases)
    func aSchedulerAFewSecondsBehindMissesNothing(policy: MisfirePolicy) {
        let due = [Self.now - 2, Self.now - 1.5, Self.now - 1, Self.now]
        let plan = FirePlan.plan(due: due, now: Self.now, next: Self.now + 1, policy: policy, catchUpLimit: 0, grace: 60)
        #expect(plan.run == due)
        #expect(plan.missed.isEmpty)
    }

    /// The newest fire late but within the grace runs under skip too.
    @Test func aLateFireWithinTheGraceRuns() {
        let plan = FirePlan.plan(due: [Self.now - 30], now: Self.now, next: nil, policy: .skip, catchUpLimit: 10, grace: 60)
        #expect(plan.run == [Self.now - 30] && plan.missed.isEmpty)
    }
}
