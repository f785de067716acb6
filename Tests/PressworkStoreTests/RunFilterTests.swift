import Foundation
import PostgresClient
import PostgresTestSupport
import PressworkCore
import Testing

@testable import PressworkStore

/// `runs list` filters and bulk actions' selections: each condition alone and together.
@Suite struct RunFilterTests {
    @Test func everyConditionSelectsWhatItSays() async throws {
        let pool = try await TestDatabase.makePool("runfilter")
        _ = try await Migrator().migrate(pool)
        let store = RunStore(pool: pool)
        func create(_ seed: String, site: String? = nil, profile: String? = nil, trigger: RunTrigger = .cli) async throws -> RunID {
            try await store.create(
                params: try RunParams.validated(seeds: [seed], dryRun: site == nil, profile: profile, site: site), trigger: trigger,
                pipelineVersion: "test"
            ).run.id
        }
        let espresso = try await create("Home Espresso", site: "coffee")
        let tea = try await create("green tea", profile: "cheap")
        let fired = try await create("100% rye", trigger: RunTrigger(kind: .schedule, schedule: "daily", fireAt: Date()))
        // Created "yesterday": the time filters read created_at.
        _ = try await pool.query("UPDATE runs SET created_at = '2026-11-30T12:00:00Z' WHERE id = \(tea)")
        _ = try await store.cancel(fired, reason: nil, by: "test")

        func ids(_ filter: RunFilter) async throws -> Set<RunID> {
            Set(try await store.listPage(filter).runs.map(\.id))
        }
        #expect(try await ids(RunFilter()) == [espresso, tea, fired])
        #expect(try await ids(RunFilter(statuses: [.cancelled])) == [fired])
        #expect(try await ids(RunFilter(statuses: [.cancelled, .queued])) == [espresso, tea, fired])
        #expect(try await ids(RunFilter(schedule: "daily")) == [fired])
        #expect(try await ids(RunFilter(site: "coffee")) == [espresso])
        #expect(try await ids(RunFilter(profile: "cheap")) == [tea])
        let cut = try Date("2026-12-01T00:00:00Z", strategy: .iso8601)
        #expect(try await ids(RunFilter(until: cut)) == [tea])
        #expect(try await ids(RunFilter(since: cut)) == [espresso, fired])
        #expect(try await ids(RunFilter(seed: "espresso")) == [espresso])
        // LIKE's wildcards are matched literally.
        #expect(try await ids(RunFilter(seed: "0%")) == [fired])
        #expect(try await ids(RunFilter(seed: "_")) == [])
        #expect(try await ids(RunFilter(statuses: [.queued], site: "coffee", seed: "home")) == [espresso])
        #expect(try await store.ids(RunFilter(statuses: [.queued]), limit: 10) == [tea, espresso])

        #expect(throws: ValidationError.self) { try RunFilter(site: "no spaces").validate() }
        #expect(throws: ValidationError.self) { try RunFilter(since: cut, until: cut).validate() }
        #expect(throws: ValidationError.self) { try RunFilter(seed: "\u{1b}[2J").validate() }
        await pool.close()
    }
}
