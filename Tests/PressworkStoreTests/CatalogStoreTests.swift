import Foundation
import PostgresClient
import PostgresTestSupport
import PressworkCore
import Testing

@testable import PressworkStore

/// Profiles and sites in Postgres: versions kept, a schedule's fire pins the current version,
/// and nothing that schedules or unfinished runs name can be removed.
@Suite struct CatalogStoreTests {
    static let settings: JSONValue = .object([("llm", .string("offline"))])

    @Test func aProfileKeepsEveryVersionAndAScheduleFirePinsTheCurrentOne() async throws {
        let pool = try await TestDatabase.makePool("catalogversions")
        _ = try await Migrator().migrate(pool)
        let profiles = CatalogStore(pool: pool, kind: .profile)
        #expect(try await profiles.add("writer", settings: Self.settings).version == 1)
        await #expect { try await profiles.add("writer", settings: Self.settings) } throws: {
            ($0 as? NameTaken) == NameTaken(kind: "profile", name: "writer") && ($0 as? any Refusal)?.code == .conflict
        }
        let changed: JSONValue = .object([("llm", .string("openai"))])
        #expect(try await profiles.replace("writer", settings: changed).version == 2)
        #expect(try await profiles.get("writer")?.settings == changed)
        #expect(try await profiles.get("writer", version: 1)?.settings == Self.settings)
        #expect(try await profiles.get("writer", version: 3) == nil)
        #expect(try await profiles.list().map(\.version) == [2])
        await #expect(throws: CatalogEntryMissing.self) { try await profiles.replace("nobody", settings: changed) }

        // A schedule that names the profile: each fire's run records the version at the fire.
        let schedules = ScheduleStore(pool: pool)
        _ = try await schedules.add(
            ScheduleDefinition(
                name: "daily", cron: "0 9 * * *", timeZone: "UTC", params: try RunParams.validated(seeds: ["a"], profile: "writer")
            ))
        guard case .started(let started) = try await schedules.trigger("daily", pipelineVersion: "test") else {
            Issue.record("the trigger started no run")
            return
        }
        let run = try #require(try await RunStore(pool: pool).run(started.runID))
        #expect(run.params.profile == "writer" && run.params.profileVersion == 2)
        await pool.close()
    }

    @Test func whatSchedulesOrUnfinishedRunsNameCannotBeRemoved() async throws {
        let pool = try await TestDatabase.makePool("catalogremove")
        _ = try await Migrator().migrate(pool)
        let sites = CatalogStore(pool: pool, kind: .site)
        _ = try await sites.add("blog", settings: .object([("url", .string("https://blog.example"))]))
        let schedules = ScheduleStore(pool: pool)
        _ = try await schedules.add(
            ScheduleDefinition(
                name: "daily", cron: "0 9 * * *", timeZone: "UTC",
                params: try RunParams.validated(seeds: ["a"], dryRun: false, site: "blog")
            ))
        await #expect { try await sites.remove("blog") } throws: {
            ($0 as? CatalogInUse)?.description
                == "site blog is used by schedules daily; change or remove those first (finished runs keep their record either way)"
        }
        try await schedules.remove("daily")
        let store = RunStore(pool: pool)
        let run = try await store.create(
            params: try RunParams.validated(seeds: ["b"], dryRun: false, site: "blog"), trigger: .cli, pipelineVersion: "test"
        ).run
        #expect(try await sites.users(of: "blog") == .init(schedules: [], unfinishedRuns: 1))
        await #expect(throws: CatalogInUse.self) { try await sites.remove("blog") }
        // A finished run does not hold it.
        _ = try await store.cancel(run.id, reason: nil, by: "test")
        try await sites.remove("blog")
        #expect(try await sites.get("blog") == nil)
        await #expect(throws: CatalogEntryMissing.self) { try await sites.remove("blog") }
        await pool.close()
    }
}
