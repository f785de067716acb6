import Foundation
import PostgresClient
import PostgresTestSupport
import PressworkCore
import PressworkScheduler
import TestSupport
import Testing

@testable import PressworkStore

/// Schedules in Postgres, fired by the store with the scheduler's planner: every fire exactly once across concurrent schedulers, the misfire and
/// overlap policies, backfill, pause and resume, and refusals.
@Suite struct ScheduleFiringTests {
    /// The scheduler's policy, as `SchedulerService` uses it.
    let planner = SchedulePlanner()

    static let params = try! RunParams.validated(seeds: ["home espresso"])

    func database(_ name: String) async throws -> PostgresConfiguration {
        let configuration = try await TestDatabase.makeDatabase(name)
        let pool = PostgresConnectionPool(configuration: configuration, maxConnections: 1)
        _ = try await Migrator().migrate(pool)
        await pool.close()
        return configuration
    }

    /// Three schedulers, each with its own connections, tick as fast as they can while 40
    /// schedules fire every second for 6 seconds: each fire has exactly one run, and no second
    /// between a schedule's first and last fire is missing.
    @Test func everyFireRunsExactlyOnceWithThreeSchedulers() async throws {
        let configuration = try await database("firesonce")
        let setup = ScheduleStore(pool: PostgresConnectionPool(configuration: configuration, maxConnections: 2))
        for index in 0..<40 {
            _ = try await setup.add(
                ScheduleDefinition(
                    name: "every-second-\(index)", cron: "* * * * * *", timeZone: "UTC", params: Self.params, overlap: .allow
                ))
        }
        let deadline = ContinuousClock.now + .seconds(6)
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    let pool = PostgresConnectionPool(configuration: configuration, maxConnections: 1)
                    let scheduler = ScheduleStore(pool: pool)
                    var started = 0
                    while ContinuousClock.now < deadline {
                        started += try await scheduler.fireDue(pipelineVersion: "test", planner: planner).count
                        try await Task.sleep(for: .milliseconds(100))
                    }
                    await pool.close()
                    return started
                }
            }
            var total = 0
            for try await started in group { total += started }
            #expect(total > 40 * 3)
        }
        let pool = setup.pool
        let perSchedule = try await pool.query(
            """
            SELECT f.schedule, count(*) AS fires, count(DISTINCT r.id) AS runs,
                   extract(epoch FROM max(f.fire_at) - min(f.fire_at))::int + 1 AS span,
                   count(*) FILTER (WHERE f.outcome <> 'run') AS not_run
            FROM schedule_fires f LEFT JOIN runs r ON r.id = f.run_id
            GROUP BY f.schedule
            """)
        #expect(perSchedule.count == 40)
        for row in perSchedule {
            let fires = try row.decode(Int.self, "fires")
            #expect(try row.decode(Int.self, "runs") == fires)
            #expect(try row.decode(Int.self, "span") == fires, "a second is missing")
            #expect(try row.decode(Int.self, "not_run") == 0)
        }
        // Runs name their fire; the idempotency keys agree.
        let runs = try await pool.query("SELECT count(*) FROM runs WHERE trigger->>'kind' = 'schedule'").scalar(Int.self)
        let fires = try await pool.query("SELECT count(*) FROM schedule_fires").scalar(Int.self)
        #expect(runs == fires)
        // Every started run reads back as a run (its params and trigger decode).
        let store = RunStore(pool: pool)
        let scheduled = try await store.list(limit: 5)
        #expect(scheduled.count == 5)
        #expect(scheduled.allSatisfy { $0.trigger.kind == .schedule && $0.trigger.fireAt != nil })
        await pool.close()
    }

    /// A schedule that fires at minute 0 of every hour, its scheduler down for ten hours.
    @Test(arguments: [(MisfirePolicy.skip, 0), (.latest, 1), (.all, 3)])
    func misfirePoliciesAfterDowntime(policy: MisfirePolicy, expectedRuns: Int) async throws {
        let configuration = try await database("misfire\(policy.rawValue)")
        // A grace of one second: ten-hour-old fires are missed, whatever the clock says now.
        let planner = SchedulePlanner(grace: 1)
        let store = ScheduleStore(pool: PostgresConnectionPool(configuration: configuration, maxConnections: 2))
        _ = try await store.add(
            ScheduleDefinition(
                name: "hourly", cron: "0 * * * *", timeZone: "UTC", params: Self.params, misfire: policy, catchUpLimit: 3,
                overlap: .allow
            ))
        // Judged at half past the hour, whatever the clock says: the newest fire is 30 min late.
        let now = Date(timeIntervalSince1970: 1_795_521_600 + 1_800)  // 2026-11-24T12:30:00Z
        let firstMissed = Date(timeIntervalSince1970: 1_795_521_600 - 36_000)
        _ = try await store.pool.query("UPDATE schedules SET next_fire_at = \(firstMissed) WHERE name = 'hourly'")
        let started = try await store.fireDue(pipelineVersion: "test", now: now, planner: planner)
        #expect(started.count == expectedRuns)
        let record = try await store.get("hourly")
        #expect(record.firesRun == expectedRuns)
        #expect(record.firesMissed == 11 - expectedRuns)
        #expect(record.nextFireAt == Date(timeIntervalSince1970: 1_795_521_600 + 3_600))
        let outcomes = try await store.fires("hourly", limit: 100)
        #expect(outcomes.count == 11)
        // The runs that were started are the newest fires.
        #expect(outcomes.prefix(expectedRuns).allSatisfy { $0.outcome == "run" && $0.runID != nil })
        // Ticking again starts nothing: every fire is handled.
        #expect(try await store.fireDue(pipelineVersion: "test", now: now, planner: planner).isEmpty)
        await store.pool.close()
    }

    @Test func overlapPolicies() async throws {
        let configuration = try await database("overlap")
        let store = ScheduleStore(pool: PostgresConnectionPool(configuration: configuration, maxConnections: 2))
        // Each fire is a second after the last on an injected clock (a schedule fires once per
        // instant), so no test waits for the wall clock to move on.
        var clock = Date(timeIntervalSince1970: 1_900_000_000)
        func fireNow(_ name: String) async throws -> Int {
            clock += 1
            _ = try await store.pool.query("UPDATE schedules SET next_fire_at = \(clock) WHERE name = \(name)")
            return try await store.fireDue(pipelineVersion: "test", now: clock, planner: planner).count
        }
        for policy in OverlapPolicy.allCases {
            _ = try await store.add(
                ScheduleDefinition(
                    name: "overlap-\(policy.rawValue)", cron: "0 0 * * *", timeZone: "UTC", params: Self.params, overlap: policy
                ), now: clock)
        }
        // Nothing active: every policy starts a run.
        for policy in OverlapPolicy.allCases { #expect(try await fireNow("overlap-\(policy.rawValue)") == 1) }
        // The runs are queued now (no worker): skip skips, buffer-one already has one waiting,
        // allow starts another.
        #expect(try await fireNow("overlap-skip") == 0)
        #expect(try await fireNow("overlap-buffer-one") == 0)
        #expect(try await fireNow("overlap-allow") == 1)
        // With its run running instead of waiting, buffer-one queues one behind it.
        _ = try await store.pool.query(
            """
            UPDATE runs SET status = 'running', lease_owner = 'test', lease_expires_at = now() + interval '1 minute'
            WHERE trigger->>'schedule' = 'overlap-buffer-one'
            """)
        #expect(try await fireNow("overlap-buffer-one") == 1)
        #expect(try await store.get("overlap-skip").firesSkipped == 1)

        // allow with at most two active runs: the third fire is skipped.
        _ = try await store.add(
            ScheduleDefinition(
                name: "limited", cron: "0 0 * * *", timeZone: "UTC", params: Self.params, overlap: .allow, maxActive: 2
            ), now: clock)
        #expect(try await fireNow("limited") == 1)
        #expect(try await fireNow("limited") == 1)
        #expect(try await fireNow("limited") == 0)
        #expect(try await store.get("limited").maxActive == 2)
        #expect(try await store.fires("overlap-skip").first?.outcome == "skipped")
        await store.pool.close()
    }

    /// `schedules trigger`: a manual fire starts one run, recorded as manual, under the overlap
    /// policy; buffer-one lets one run wait behind one running, never a third. Time is injected:
    /// each trigger is its own second without waiting for one.
    @Test func manualFiresFollowTheOverlapPolicy() async throws {
        let configuration = try await database("trigger")
        let store = ScheduleStore(pool: PostgresConnectionPool(configuration: configuration, maxConnections: 2))
        let added = try await store.add(
            ScheduleDefinition(
                name: "buffered", cron: "0 0 1 1 *", timeZone: "UTC", params: Self.params, overlap: .bufferOne
            ))
        let t0 = Date(timeIntervalSince1970: 1_795_521_600)
        guard case .started(let first) = try await store.trigger("buffered", pipelineVersion: "test", now: t0) else {
            Issue.record("the first trigger was refused")
            return
        }
        #expect(first.fireAt == t0)
        // Queued, nothing running: buffer-one has its one waiting run.
        #expect(
            try await store.trigger("buffered", pipelineVersion: "test", now: t0 + 1)
                == .skipped(
                    reason: "overlap buffer-one: 0 running and 1 queued"
                ))
        // Running: one may wait behind it; then no third.
        _ = try await store.pool.query("UPDATE runs SET status = 'running' WHERE id = \(first.runID)")
        guard case .started = try await store.trigger("buffered", pipelineVersion: "test", now: t0 + 2) else {
            Issue.record("buffer-one refused a run behind a running one")
            return
        }
        guard case .skipped = try await store.trigger("buffered", pipelineVersion: "test", now: t0 + 3) else {
            Issue.record("buffer-one let a third run start")
            return
        }
        let record = try await store.get("buffered")
        #expect(record.firesRun == 2 && record.firesSkipped == 2)
        #expect(record.nextFireAt == added.nextFireAt, "a manual fire does not move the schedule")
        #expect(try await store.fires("buffered", limit: 10).map(\.outcome) == ["skipped", "manual", "skipped", "manual"])
        let kind = try await store.pool.query("SELECT trigger->>'kind' AS kind FROM runs WHERE id = \(first.runID)")
        #expect(try kind.first?.decode(String.self, "kind") == "schedule")
        await store.pool.close()
    }

    /// A schedule inserted with plain SQL has no next fire: the scheduler gives it one (and
    /// pauses a row whose expression does not parse), so it fires without a hand-set time.
    @Test func rowsWrittenWithSQLGetTheirNextFire() async throws {
        let configuration = try await database("sqlrows")
        let store = ScheduleStore(pool: PostgresConnectionPool(configuration: configuration, maxConnections: 2))
        _ = try await store.pool.query(
            """
            INSERT INTO schedules (name, cron, time_zone, params) VALUES
                ('by-hand', '0 7 * * *', 'Europe/Berlin', \(PostgresJSON(Self.params))),
                ('broken', 'not cron', 'UTC', \(PostgresJSON(Self.params)))
            """)
        let now = Date(timeIntervalSince1970: 1_795_521_600)  // 2026-11-24T12:00:00Z
        #expect(try await store.fireDue(pipelineVersion: "test", now: now, planner: planner).isEmpty)
        #expect(try await store.get("by-hand").nextFireAt == Date(timeIntervalSince1970: 1_795_521_600 + 18 * 3_600))
        let broken = try await store.get("broken")
        #expect(!broken.enabled && broken.nextFireAt == nil)
        // At its time it fires as any schedule.
        #expect(try await store.fireDue(pipelineVersion: "test", now: now + 18 * 3_600, planner: planner).count == 1)
        await store.pool.close()
    }

    /// `presswork_schedule()` from psql: created, replaced, checked at the next tick like
    /// `schedules add` checks (a bad param pauses it with the reason), removed.
    @Test func theSQLFunctionCreatesAndReplacesSchedules() async throws {
        let configuration = try await database("sqlfunction")
        let store = ScheduleStore(pool: PostgresConnectionPool(configuration: configuration, maxConnections: 2))
        let now = Date(timeIntervalSince1970: 1_795_521_600)  // 2026-11-24T12:00:00Z
        _ = try await store.pool.query("SELECT presswork_schedule('morning', '0 7 * * *', ARRAY['home espresso'], 'Europe/Berlin')")
        _ = try await store.fireDue(pipelineVersion: "test", now: now, planner: planner)
        let created = try await store.get("morning")
        #expect(created.params == Self.params && created.nextFireAt == now + 18 * 3_600)
        // Replaced: a new expression and params; the scheduler computes the next fire again.
        _ = try await store.pool.query(
            """
            SELECT presswork_schedule('morning', '30 6 * * *', ARRAY['latte art'], 'UTC', '{"region": "DE"}')
            """)
        _ = try await store.fireDue(pipelineVersion: "test", now: now, planner: planner)
        let replaced = try await store.get("morning")
        #expect(replaced.params.region == "DE" && replaced.params.seeds == ["latte art"])
        #expect(replaced.nextFireAt == now + 18 * 3_600 + 30 * 60)
        #expect(replaced.createdAt == created.createdAt)
        // Params `schedules add` would refuse pause it, naming the field.
        _ = try await store.pool.query("SELECT presswork_schedule('bad', '@daily', ARRAY[E'esc \\u001b[2J'])")
        _ = try await store.pool.query("SELECT presswork_schedule('worse', '@daily', ARRAY['x'], 'UTC', '{\"region\": \"XX\"}')")
        _ = try await store.fireDue(pipelineVersion: "test", now: now, planner: planner)
        let (readable, _) = try await store.listAll()
        let bad = try #require(readable.first { $0.name == "bad" })
        #expect(!bad.enabled && bad.disabledReason?.contains("seeds[0]: contains a control character") == true)
        #expect(try #require(readable.first { $0.name == "worse" }).disabledReason?.contains("region") == true)
        #expect(try await store.pool.query("SELECT presswork_unschedule('bad')").scalar(Bool.self))
        #expect(!(try await store.pool.query("SELECT presswork_unschedule('bad')").scalar(Bool.self)))
        await store.pool.close()
    }

    @Test func backfillTwiceStartsTheWindowOnce() async throws {
        let configuration = try await database("backfill")
        let store = ScheduleStore(pool: PostgresConnectionPool(configuration: configuration, maxConnections: 2))
        _ = try await store.add(ScheduleDefinition(name: "daily", cron: "@daily", timeZone: "Europe/Berlin", params: Self.params))
        let from = ISO8601DateFormatter().date(from: "2026-11-01T00:00:00Z")!
        let to = ISO8601DateFormatter().date(from: "2026-11-06T00:00:00Z")!
        let first = try await store.backfill("daily", from: from, through: to, pipelineVersion: "test")
        #expect(first.count == 5)
        #expect(first.first?.fireAt == ISO8601DateFormatter().date(from: "2026-11-01T23:00:00Z"))
        let second = try await store.backfill("daily", from: from, through: to, pipelineVersion: "test")
        #expect(second.isEmpty)
        let trigger = try await store.pool.query(
            """
            SELECT trigger->>'kind' AS kind, trigger->>'schedule' AS schedule FROM runs WHERE id = \(first[0].runID)
            """)
        #expect(try trigger.first?.decode(String.self, "kind") == "schedule")
        #expect(try trigger.first?.decode(String.self, "schedule") == "daily")
        await store.pool.close()
    }

    @Test func pauseResumeAndRefusals() async throws {
        let configuration = try await database("schedulecli")
        let store = ScheduleStore(pool: PostgresConnectionPool(configuration: configuration, maxConnections: 2))
        let added = try await store.add(
            ScheduleDefinition(name: "weekly", cron: "0 6 * * MON", timeZone: "America/New_York", params: Self.params))
        #expect(added.enabled && added.nextFireAt != nil)
        _ = try await store.pool.query("UPDATE schedules SET next_fire_at = now() - interval '1 day' WHERE name = 'weekly'")
        #expect(try await store.setEnabled("weekly", false).enabled == false)
        #expect(try await store.fireDue(pipelineVersion: "test", planner: planner).isEmpty)
        let resumed = try await store.setEnabled("weekly", true)
        #expect(try #require(resumed.nextFireAt) > Date())
        #expect(try await store.fireDue(pipelineVersion: "test", planner: planner).isEmpty)

        await #expect(throws: NameTaken(kind: "schedule", name: "weekly")) {
            try await store.add(ScheduleDefinition(name: "weekly", cron: "@daily", timeZone: "UTC", params: Self.params))
        }
        await #expect(throws: CronError(field: "hour", "25 is out of range 0–23")) {
            try await store.add(ScheduleDefinition(name: "bad", cron: "0 25 * * *", timeZone: "UTC", params: Self.params))
        }
        await #expect {
            try await store.add(ScheduleDefinition(name: "no spaces", cron: "@daily", timeZone: "UTC", params: Self.params))
        } throws: { ($0 as? ScheduleError)?.code == .invalid && ($0 as? ScheduleError)?.inputField == "name" }
        #expect(try await store.list().map(\.name) == ["weekly"])
        try await store.remove("weekly")
        await #expect { try await store.remove("weekly") } throws: { ($0 as? ScheduleError)?.code == .notFound }
        await store.pool.close()
    }

    /// A schedule row written with plain SQL that cannot be read (params that are not a run's,
    /// a time zone that does not exist) is paused with the reason; the schedules due with it
    /// still fire, and the monitor reports it until it is fixed and resumed.
    @Test func anUnreadableScheduleIsPausedAndTheOthersStillFire() async throws {
        let configuration = try await database("brokenschedule")
        let pool = PostgresConnectionPool(configuration: configuration, maxConnections: 2)
        let store = ScheduleStore(pool: pool)
        _ = try await store.add(ScheduleDefinition(name: "good", cron: "* * * * *", timeZone: "UTC", params: Self.params))
        _ = try await pool.query(
            """
            INSERT INTO schedules (name, cron, time_zone, params, next_fire_at) VALUES
                ('bad-params', '* * * * *', 'UTC', '{"seeds": 42}', now() - interval '2 seconds'),
                ('bad-zone', '* * * * *', 'Mars/Olympus', \(PostgresJSON(Self.params)), now() - interval '2 seconds')
            """)
        _ = try await pool.query("UPDATE schedules SET next_fire_at = now() - interval '1 second' WHERE name = 'good'")
        let started = try await store.fireDue(pipelineVersion: "test", planner: planner)
        #expect(started.map(\.schedule) == ["good"])
        let (readable, unreadable) = try await store.listAll()
        #expect(unreadable.map(\.name) == ["bad-params"])
        let zone = try #require(readable.first { $0.name == "bad-zone" })
        #expect(!zone.enabled && zone.disabledReason?.contains("Mars/Olympus") == true)
        #expect(try await pool.query("SELECT enabled FROM schedules WHERE name = 'bad-params'").scalar(Bool.self) == false)
        // The next tick does not trip over them again.
        #expect(try await store.fireDue(pipelineVersion: "test", planner: planner).isEmpty)

        let report = try await Monitor(pool: pool).check()
        let broken = report.findings.filter { $0.check == "broken_schedules" }
        #expect(Set(broken.map(\.subject)) == ["bad-params", "bad-zone"] && broken.allSatisfy { $0.severity == .critical })

        // Fixed and resumed: the reason goes, the schedule fires again.
        _ = try await pool.query("UPDATE schedules SET time_zone = 'Europe/Berlin' WHERE name = 'bad-zone'")
        let resumed = try await store.setEnabled("bad-zone", true)
        #expect(resumed.enabled && resumed.disabledReason == nil)
        await pool.close()
    }
}
