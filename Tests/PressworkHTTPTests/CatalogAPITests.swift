import Foundation
import PressworkCore
import PressworkStore
import TestSupport
import Testing

@testable import PressworkHTTP

/// /v1/profiles and /v1/sites: documents with secret references only, checked by the server
/// before anything is written; runs and schedules that name them.
@Suite struct CatalogAPITests {
    @Test func profilesAreManagedAndRunsNameThem() async throws {
        let api = try await APIHarness.start("apicatalog", environment: ["WRITER_KEY": "sk-test"])
        let profile =
            #"{"name": "writer", "settings": {"llm": "openai", "openaiBaseURL": "http://127.0.0.1:9/v1", "openaiModel": "m", "openaiAPIKey": "env:WRITER_KEY"}}"#

        // Scopes: reading and writing profiles are their own.
        let runsOnly = try await api.token("runs-only", [.runsRead, .runsWrite])
        #expect(try await api.request(.GET, "/v1/profiles", token: runsOnly).status == 403)
        let reader = try await api.token("settings-reader", [.settingsRead])
        #expect(try await api.request(.POST, "/v1/profiles", token: reader, body: profile).status == 403)

        // Refusals name the field and write nothing; a plain secret is not echoed.
        let plain = try await api.request(
            .POST, "/v1/profiles", token: api.admin,
            body: #"{"name": "p", "settings": {"llm": "openai", "openaiModel": "m", "openaiAPIKey": "sk-live-abc"}}"#)
        #expect(plain.status == 422 && plain.json["field"] as? String == "settings.openaiAPIKey")
        #expect(!plain.body.contains("sk-live-abc"))
        let unresolved = try await api.request(
            .POST, "/v1/profiles", token: api.admin,
            body: #"{"name": "p", "settings": {"llm": "openai", "openaiModel": "m", "openaiAPIKey": "env:NOT_THERE"}}"#)
        #expect(unresolved.status == 422 && (unresolved.json["detail"] as? String)?.contains("env:NOT_THERE does not resolve") == true)
        let badName = try await api.request(.POST, "/v1/profiles", token: api.admin, body: #"{"name": "a b", "settings": {}}"#)
        #expect(badName.status == 422 && badName.json["field"] as? String == "name")
        #expect(try await api.pool.query("SELECT count(*) FROM profiles").scalar(Int.self) == 0)

        let created = try await api.request(.POST, "/v1/profiles", token: api.admin, body: profile)
        #expect(created.status == 201, "\(created.body)")
        #expect(created.header("Location") == "/v1/profiles/writer" && created.json["version"] as? Int == 1)
        #expect(try await api.request(.POST, "/v1/profiles", token: api.admin, body: profile).status == 409)
        let replaced = try await api.request(
            .PUT, "/v1/profiles/writer", token: api.admin,
            body: #"{"settings": {"llm": "offline"}}"#)
        #expect(replaced.status == 200 && replaced.json["version"] as? Int == 2)
        let first = try await api.request(.GET, "/v1/profiles/writer?version=1", token: reader)
        #expect((first.json["settings"] as? [String: Any])?["openaiAPIKey"] as? String == "env:WRITER_KEY")
        #expect(try await api.request(.GET, "/v1/profiles/writer?version=9", token: reader).status == 404)
        #expect(try await api.request(.PUT, "/v1/profiles/nobody", token: api.admin, body: #"{"settings": {}}"#).status == 404)

        // A run names it: the current version is pinned; an unknown one is a 422 naming the field.
        let run = try await api.request(.POST, "/v1/runs", token: api.admin, body: #"{"seeds": ["tea"], "profile": "writer"}"#)
        #expect(run.status == 201, "\(run.body)")
        let runID = try #require(run.json["runId"] as? String)
        let params = try await api.pool.query("SELECT params->>'profileVersion' AS v FROM runs WHERE id = \(RunID(runID)!)")
            .scalar(String.self)
        #expect(params == "2")
        let unknown = try await api.request(.POST, "/v1/runs", token: api.admin, body: #"{"seeds": ["tea"], "profile": "ghost"}"#)
        #expect(unknown.status == 422 && unknown.json["field"] as? String == "profile")
        let noSite = try await api.request(.POST, "/v1/runs", token: api.admin, body: #"{"seeds": ["tea"], "site": "ghost"}"#)
        #expect(noSite.status == 422 && noSite.json["field"] as? String == "site")
        let schedule = try await api.request(
            .POST, "/v1/schedules", token: api.admin,
            body: #"{"name": "daily", "cron": "0 9 * * *", "seeds": ["tea"], "profile": "ghost"}"#)
        #expect(schedule.status == 422 && schedule.json["field"] as? String == "profile")

        // In use by a queued run: not removed.
        let busy = try await api.request(.DELETE, "/v1/profiles/writer", token: api.admin)
        #expect(busy.status == 409 && (busy.json["detail"] as? String)?.contains("1 unfinished run") == true)
        #expect(try await api.request(.POST, "/v1/runs/\(runID)/cancel", token: api.admin).status == 200)
        #expect(try await api.request(.DELETE, "/v1/profiles/writer", token: api.admin).status == 204)
        #expect(try await api.request(.GET, "/v1/profiles/writer", token: reader).status == 404)
        await api.stop()
    }

    @Test func sitesAreCheckedAndTestedAgainstWordPress() async throws {
        let api = try await APIHarness.start("apisites", environment: ["BLOG_PASSWORD": "not the password"])
        let missing = try await api.request(
            .POST, "/v1/sites", token: api.admin,
            body: #"{"name": "blog", "settings": {"url": "https://blog.example", "user": "u"}}"#)
        #expect(missing.status == 422 && missing.json["field"] as? String == "settings.appPassword")
        // Nothing listens on port 9: the check fails as the site's fault (502), naming WordPress.
        let site =
            #"{"name": "blog", "settings": {"url": "http://127.0.0.1:9", "user": "u", "appPassword": "env:BLOG_PASSWORD", "postStatus": "draft", "categories": ["Coffee"]}}"#
        #expect(try await api.request(.POST, "/v1/sites", token: api.admin, body: site).status == 201)
        let test = try await api.request(.POST, "/v1/sites/blog/test", token: api.admin)
        #expect(test.status == 502 && (test.json["detail"] as? String)?.hasPrefix("WordPress did not answer the check") == true)
        #expect(!test.body.contains("not the password"))
        #expect(try await api.request(.POST, "/v1/sites/ghost/test", token: api.admin).status == 404)
        let listed = try await api.request(.GET, "/v1/sites", token: api.admin)
        #expect(listed.status == 200 && listed.body.contains("env:BLOG_PASSWORD") && !listed.body.contains("not the password"))
        await api.stop()
    }
}
