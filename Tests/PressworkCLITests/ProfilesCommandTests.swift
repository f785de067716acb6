import Foundation
import PostgresClient
import PostgresTestSupport
import PressworkCore
import TestSupport
import Testing

/// `presswork profiles`, `sites` and `schedules edit` as a person types them: a plain secret is
/// refused without being echoed, a run names its profile and records its version, a schedule is
/// edited field by field, and what is in use is not removed.
@Suite struct ProfilesCommandTests {
    func presswork(_ arguments: [String], database: PostgresConfiguration, home: String, environment: [String: String] = [:]) async throws
        -> (status: Int32, output: String)
    {
        var variables = ["DATABASE_URL": TestDatabase.url(database), "PRESSWORK_HOME": home]
        variables.merge(environment) { $1 }
        let process = try PressworkProcess(arguments, environment: variables)
        let status = try #require(await process.waitForExit(timeout: .seconds(120)), "presswork \(arguments) did not exit")
        return (status, process.output)
    }

    @Test func profilesAndSitesFromTheCommandLine() async throws {
        let database = try await TestDatabase.makeDatabase("profilescli")
        let home = try TemporaryFolder.make()
        let plain = home + "/plain.json"
        try #"{"llm": "openai", "openaiModel": "m", "openaiAPIKey": "sk-live-plain"}"#.write(
            toFile: plain, atomically: true, encoding: .utf8)
        let refused = try await presswork(["profiles", "add", "writer", "--file", plain], database: database, home: home)
        #expect(
            refused.status == 65 && refused.output.contains("settings.openaiAPIKey") && !refused.output.contains("sk-live-plain"),
            "\(refused.output)")

        let offline = home + "/offline.json"
        try #"{"llm": "offline", "runBudgetUSD": 2.5}"#.write(toFile: offline, atomically: true, encoding: .utf8)
        let added = try await presswork(["profiles", "add", "writer", "--file", offline], database: database, home: home)
        #expect(added.status == 0 && added.output.contains("added profile writer, version 1"), "\(added.output)")
        let listed = try await presswork(["profiles", "list"], database: database, home: home)
        #expect(listed.output.contains("writer") && listed.output.contains("offline"), "\(listed.output)")

        let run = try await presswork(["run", "--seed", "home espresso", "--profile", "writer", "--json"], database: database, home: home)
        #expect(run.status == 0, "\(run.output)")
        #expect(
            run.output.contains(#""profile":"writer""#) && run.output.contains(#""profileVersion":1"#)
                && run.output.contains(#""budgetUSD":2.5"#))
        let unknown = try await presswork(["run", "--seed", "tea", "--profile", "ghost"], database: database, home: home)
        #expect(unknown.status == 65 && unknown.output.contains("profile: there is no profile named ghost"), "\(unknown.output)")

        // A site whose password reference does not resolve here is refused by name.
        let site = try await presswork(
            ["sites", "add", "blog", "--url", "https://blog.example", "--user", "u", "--app-password", "env:BLOG_PW"],
            database: database, home: home
        )
        #expect(site.status == 65 && site.output.contains("env:BLOG_PW does not resolve"), "\(site.output)")
        let added2 = try await presswork(
            ["sites", "add", "blog", "--url", "https://blog.example", "--user", "u", "--app-password", "env:BLOG_PW"],
            database: database, home: home, environment: ["BLOG_PW": "xxxx yyyy"]
        )
        #expect(added2.status == 0, "\(added2.output)")
        let shown = try await presswork(["sites", "show", "blog"], database: database, home: home)
        #expect(shown.output.contains("env:BLOG_PW") && !shown.output.contains("xxxx"), "\(shown.output)")

        // A schedule names both; edit changes one field and keeps the rest; the profile is in use.
        let schedule = try await presswork(
            ["schedules", "add", "daily", "--cron", "0 9 * * *", "--seed", "latte art", "--profile", "writer", "--dry-run"],
            database: database, home: home
        )
        #expect(schedule.status == 0, "\(schedule.output)")
        // Refusals exit with their kind: a taken name, an unknown one, an expression that is not cron.
        let taken = try await presswork(["schedules", "add", "daily", "--cron", "@daily", "--seed", "x"], database: database, home: home)
        #expect(taken.status == 67 && taken.output.contains("a schedule named daily exists already"), "\(taken.output)")
        let missing = try await presswork(["schedules", "show", "nightly"], database: database, home: home)
        #expect(missing.status == 66 && missing.output.contains("no schedule named nightly"), "\(missing.output)")
        let badCron = try await presswork(
            ["schedules", "add", "nightly", "--cron", "0 25 * * *", "--seed", "x"], database: database, home: home)
        #expect(badCron.status == 65 && badCron.output.contains("hour"), "\(badCron.output)")
        let edited = try await presswork(
            ["schedules", "edit", "daily", "--cron", "0 10 * * *", "--region", "DE"], database: database, home: home)
        #expect(edited.status == 0 && edited.output.contains("changed daily"), "\(edited.output)")
        let json = try await presswork(["schedules", "show", "daily", "--json"], database: database, home: home)
        #expect(
            json.output.contains(#""cron":"0 10 * * *""#) && json.output.contains(#""region":"DE""#)
                && json.output.contains(#""profile":"writer""#) && json.output.contains("latte art"), "\(json.output)")
        let busy = try await presswork(["profiles", "remove", "writer"], database: database, home: home)
        #expect(busy.status == 67 && busy.output.contains("profile writer is used by schedules daily"), "\(busy.output)")
        let dropped = try await presswork(["schedules", "edit", "daily", "--no-profile"], database: database, home: home)
        #expect(dropped.status == 0, "\(dropped.output)")
        #expect(try await presswork(["profiles", "remove", "writer"], database: database, home: home).status == 0)
    }
}
