import Foundation
import Logging
import PostgresClient
import PostgresTestSupport
import PressworkCore
import PressworkOrchestrator
import PressworkPipeline
import PressworkProviders
import PressworkStore
import TestSupport
import Testing

@testable import PressworkRuntime

/// Runs carry their own configuration: a writer profile (pinned at its version) and a site,
/// resolved by the process that executes the run, whatever that process's own settings are.
@Suite struct ProfilesAndSitesTests {
    let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// Services whose own settings are offline, resolving secrets in `environment`.
    /// With `sharing`, over that one's database (another process of the same installation).
    func services(
        _ name: String, environment: [String: String], sharing other: Services? = nil, logger: Logger? = nil
    ) async throws -> Services {
        let logger = logger ?? self.logger
        let settings = try RuntimeSettings.resolve(.init(home: try TemporaryFolder.make()), environment: [:])
        if let other { return Services(settings: settings, pool: other.pool, logger: logger, environment: environment) }
        let pool = try await TestDatabase.makePool(name)
        _ = try await Migrator(logger: logger).migrate(pool)
        return Services(settings: settings, pool: pool, logger: logger, environment: environment)
    }

    static func profile(_ server: ScriptedHTTPServer, model: String) -> JSONValue {
        .object([
            ("llm", .string("openai")), ("openaiBaseURL", .string(server.baseURL + "/v1")), ("openaiModel", .string(model)),
            ("openaiAPIKey", .string("env:TEST_PROFILE_KEY")),
        ])
    }

    @Test(.timeLimit(.minutes(3)))
    func aRunIsWrittenWithItsProfileAtTheVersionItWasCreatedWith() async throws {
        let services = try await services("profilerun", environment: ["TEST_PROFILE_KEY": "sk-profile-secret"])
        let first = try RunParams.validated(seeds: ["sourdough starter"], profile: "writer")
        let second = try RunParams.validated(seeds: ["winter cycling"], profile: "writer")
        let (one, two) = (try await ScriptedHTTPServer.start(), try await ScriptedHTTPServer.start())
        one.respond(try await OfflineAnswers.make(first).reply)
        two.respond(try await OfflineAnswers.make(second).reply)

        let added = try await services.catalog.add(.profile, "writer", settings: Self.profile(one, model: "model-one"))
        #expect(added.version == 1)
        let early = try await services.store.create(
            params: try await services.catalog.prepare(first), trigger: .cli, pipelineVersion: Pipeline.version
        ).run
        #expect(early.params.profileVersion == 1)
        #expect(early.params.providers.llm == "openai(127.0.0.1:\(one.port))/model-one")
        // An edit is a new version: runs created before it keep theirs.
        let edited = try await services.catalog.replace(.profile, "writer", settings: Self.profile(two, model: "model-two"))
        #expect(edited.version == 2)
        let late = try await services.store.create(
            params: try await services.catalog.prepare(second), trigger: .cli, pipelineVersion: Pipeline.version
        ).run
        #expect(late.params.profileVersion == 2)

        // This process's own writer is offline; each run is written by its profile's server.
        let orchestrator = services.orchestrator()
        #expect(try await orchestrator.execute(early.id).status == .done)
        #expect(try await orchestrator.execute(late.id).status == .done)
        #expect(!one.requests.isEmpty && !two.requests.isEmpty)
        #expect(one.requests.allSatisfy { $0.json["model"] as? String == "model-one" })
        #expect(two.requests.allSatisfy { $0.json["model"] as? String == "model-two" })
        // The key came from the reference, resolved by the executing process.
        #expect(one.requests.allSatisfy { $0.header("Authorization") == "Bearer sk-profile-secret" })
        // Postgres holds the reference, never the key.
        let stored = try await services.pool.query("SELECT settings::text AS s FROM profile_versions").map {
            try $0.decode(String.self, "s")
        }
        #expect(stored.count == 2 && stored.allSatisfy { $0.contains("env:TEST_PROFILE_KEY") && !$0.contains("sk-profile-secret") })
        await one.stop()
        await two.stop()
        await services.close()
    }

    @Test(.timeLimit(.minutes(3)))
    func aSecretTheExecutingProcessCannotResolveEndsTheRunInErrorNamingItAndRetryContinues() async throws {
        let params = try RunParams.validated(seeds: ["home espresso"], profile: "writer")
        let server = try await ScriptedHTTPServer.start()
        server.respond(try await OfflineAnswers.make(params).reply)
        let creator = try await services("profilesecret", environment: ["TEST_PROFILE_KEY": "sk-1"])
        _ = try await creator.catalog.add(.profile, "writer", settings: Self.profile(server, model: "m"))
        let run = try await creator.store.create(
            params: try await creator.catalog.prepare(params), trigger: .cli, pipelineVersion: Pipeline.version
        ).run

        // A worker without the variable: the run ends in error naming the reference, with no round run.
        let worker = try await services("profilesecret", environment: [:], sharing: creator)
        let failed = try await worker.orchestrator().execute(run.id)
        #expect(failed.status == .error)
        #expect(failed.reason?.contains("env:TEST_PROFILE_KEY") == true)
        #expect(failed.reason?.contains("not set in this process's environment") == true)
        #expect(server.requests.isEmpty)

        // Retried where the secret resolves, it is done.
        try await creator.store.retry(try #require(try await creator.store.run(run.id)), requestedBy: "test")
        #expect(try await creator.orchestrator().execute(run.id).status == .done)
        await server.stop()
        await creator.close()
    }

    /// A provider's refusal that quotes the key: the key reaches neither the run's record, nor its
    /// diagnostics, nor the events that webhooks and the API's stream carry.
    @Test(.timeLimit(.minutes(3)))
    func aProviderErrorEchoingTheKeyIsStoredWithTheKeyMasked() async throws {
        let key = "sk-echoed-key-7a6b5c4d3e2f1a0b"
        let sink = LineSink.memory()
        let verbose = Logger(label: "presswork.test") { label in PressworkLogHandler(label: label, format: .json, level: .trace, sink: sink)
        }
        let services = try await services("redacted", environment: ["TEST_PROFILE_KEY": key], logger: verbose)
        let failing = try await ScriptedHTTPServer.start()
        failing.respond { request in
            .status(401, body: #"{"error": {"message": "Incorrect API key provided: \#(request.header("Authorization") ?? "")"}}"#)
        }
        let succeeding = try await ScriptedHTTPServer.start()
        let params = try RunParams.validated(seeds: ["home espresso"], profile: "writer")
        succeeding.respond(try await OfflineAnswers.make(params).reply)
        _ = try await services.catalog.add(.profile, "writer", settings: Self.profile(failing, model: "m"))
        let run = try await services.store.create(
            params: try await services.catalog.prepare(params), trigger: .cli, pipelineVersion: Pipeline.version
        ).run
        let outcome = try await services.orchestrator().execute(run.id)
        #expect(outcome.status == .error)
        #expect(outcome.reason?.contains("401") == true && outcome.reason?.contains("[redacted]") == true, "\(outcome.reason ?? "")")
        // The same key against a server that answers: the run succeeds, and still nothing shows it.
        _ = try await services.catalog.replace(.profile, "writer", settings: Self.profile(succeeding, model: "m"))
        let good = try await services.store.create(
            params: try await services.catalog.prepare(try RunParams.validated(seeds: ["home espresso"], profile: "writer")),
            trigger: .cli, pipelineVersion: Pipeline.version
        ).run
        #expect(try await services.orchestrator().execute(good.id).status != .error)
        #expect(succeeding.requests.contains { $0.header("Authorization") == "Bearer \(key)" }, "the key was sent where it belongs")

        // Every row of every table (runs, diagnostics, artifacts, events and so webhook bodies,
        // the response cache…), both run documents, and every log line at the trace level.
        var everything = sink.captured.joined(separator: "\n")
        let tables = try await services.pool.query(
            """
            SELECT table_name::text AS name FROM information_schema.tables
            WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
            """
        ).map { try $0.decode(String.self, "name") }
        #expect(tables.contains("runs") && tables.contains("diagnostics") && tables.contains("events"))
        for table in tables {
            let quoted = "\"" + table.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            everything += try await services.pool.query(
                PostgresQuery(unsafeSQL: "SELECT coalesce(string_agg(t::text, ' '), '') FROM \(quoted) t")
            ).scalar(String.self)
        }
        for id in [run.id, good.id] { everything += try await services.store.document(id)?.text ?? "" }
        #expect(everything.contains("Incorrect API key provided"), "the error itself was kept")
        #expect(!everything.contains(key) && !everything.contains("7a6b5c4d3e2f1a0b"))
        await failing.stop()
        await succeeding.stop()
        await services.close()
    }

    @Test func badProfilesSitesAndReferencesAreRefusedNamingTheFieldWithNothingWritten() async throws {
        let services = try await services("profilerefusals", environment: ["PRESENT": "x"])
        let catalog = services.catalog
        func refusal(_ kind: CatalogStore.Kind, _ settings: JSONValue) async -> PressworkCore.ValidationError? {
            do {
                _ = try await catalog.add(kind, "bad", settings: settings)
                return nil
            } catch {
                return error as? PressworkCore.ValidationError
            }
        }
        let plain = await refusal(
            .profile, .object([("llm", .string("openai")), ("openaiModel", .string("m")), ("openaiAPIKey", .string("sk-live-123"))]))
        #expect(plain?.field == "settings.openaiAPIKey")
        #expect(plain?.problem.contains("not the secret itself") == true)
        #expect(plain?.description.contains("sk-live-123") == false)
        let unresolved = await refusal(
            .profile,
            .object([
                ("llm", .string("openai")), ("openaiModel", .string("m")), ("openaiAPIKey", .string("env:ABSENT_KEY")),
            ]))
        #expect(unresolved?.field == "settings.openaiAPIKey")
        #expect(unresolved?.problem.contains("env:ABSENT_KEY does not resolve") == true)
        let unknownProvider = await refusal(.profile, .object([("llm", .string("claude"))]))
        #expect(unknownProvider?.field == "settings")
        #expect(unknownProvider?.problem.contains("the LLM provider \"claude\" is unknown") == true)
        #expect(await refusal(.profile, .object([("wordpressURL", .string("https://x.example"))]))?.field == "settings.wordpressURL")
        #expect(await refusal(.profile, .object([("temprature", .number(1))]))?.field == "settings.temprature")
        #expect(await refusal(.profile, .array([]))?.field == "settings")
        #expect(
            await refusal(.site, .object([("url", .string("https://blog.example")), ("user", .string("u"))]))?.field
                == "settings.appPassword")
        let badURL = await refusal(
            .site,
            .object([
                ("url", .string("ftp://blog.example")), ("user", .string("u")), ("appPassword", .string("env:PRESENT")),
            ]))
        #expect(badURL?.field == "settings")
        #expect(badURL?.problem.contains("WORDPRESS_URL must be the site's address") == true)
        let fileRef = await refusal(
            .site,
            .object([
                ("url", .string("https://blog.example")), ("user", .string("u")), ("appPassword", .string("file:/nonexistent/secret")),
            ]))
        #expect(fileRef?.problem.contains("file:/nonexistent/secret does not resolve") == true)

        // Runs naming what does not exist are refused before a row is written.
        for (field, params) in [
            ("profile", try RunParams.validated(seeds: ["a"], profile: "missing")),
            ("site", try RunParams.validated(seeds: ["a"], dryRun: false, site: "missing")),
        ] {
            await #expect { try await catalog.prepare(params) } throws: { ($0 as? PressworkCore.ValidationError)?.field == field }
        }
        await #expect { try await catalog.prepare(try RunParams.validated(seeds: ["a"], dryRun: false)) } throws: {
            ($0 as? PressworkCore.ValidationError)?.field == "dryRun"
        }
        #expect(throws: PressworkCore.ValidationError.self) { try RunParams.validated(seeds: ["a"], profile: "no spaces") }
        let rows = try await services.pool.query(
            "SELECT (SELECT count(*) FROM profiles) + (SELECT count(*) FROM sites) + (SELECT count(*) FROM runs) AS n"
        ).first?.decode(Int.self, "n")
        #expect(rows == 0)
        await services.close()
    }

    /// A run without a profile records the process's providers; another process refuses only
    /// the rounds it would have to write differently.
    @Test func aRunWithoutAProfileIsRefusedOnlyForTheRoundsItHasLeft() async throws {
        let services = try await services("mismatch", environment: [:])
        let asked = ProviderChoice(
            llm: "openai(api.openai.com)/gpt-4o-mini", embeddings: "offline", trends: "seeds", publisher: "wordpress(blog.example)"
        )
        var params = try RunParams.validated(seeds: ["home espresso"], dryRun: false, providers: asked)
        let run = try await services.store.create(params: params, trigger: .cli, pipelineVersion: Pipeline.version).run
        let outcome = try await services.orchestrator().execute(run.id)
        #expect(outcome.status == .error)
        #expect(outcome.reason?.contains("this run asks for writer openai(api.openai.com)/gpt-4o-mini (here: offline)") == true)
        #expect(try await services.store.artifacts(run.id).isEmpty)

        let catalog = services.catalog
        // Waiting only to publish (approved after review): the writer does not matter, the publisher does.
        #expect(catalog.writerMismatch(params, rounds: [.publish]) == nil)
        #expect(catalog.writerMismatch(params, rounds: [.drafts, .polish, .publish]) != nil)
        await #expect { try await catalog.pipeline(for: params, rounds: [.publish]) } throws: {
            ($0 as? PipelineUnavailable)?.message.contains("publishes to wordpress(blog.example)") == true
        }
        params.dryRun = true
        _ = try await catalog.pipeline(for: params, rounds: [.publish])
        await services.close()
    }
}

/// A site against a real WordPress: `sites test` reports what its user may do, and a run that
/// names it publishes there with its status and categories, from a process that has no
/// WordPress settings of its own.
@Suite(.serialized, .enabled(if: TestWordPress.enabled, "needs wordpress, php-cli, php-mysql, mariadb-server"))
struct SitePublishingTests {
    let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    @Test(.timeLimit(.minutes(3)))
    func aRunPublishesToTheSiteItNamesWithTheSitesStatusAndCategories() async throws {
        let wordpress = try await TestWordPress.site("named-site")
        wordpress.clearFaults()
        let folder = try TemporaryFolder.make()
        let passwordFile = folder + "/blog-password"
        try (wordpress.applicationPassword + "\n").write(toFile: passwordFile, atomically: true, encoding: .utf8)
        let settings = try RuntimeSettings.resolve(.init(home: folder), environment: [:])
        #expect(settings.providers.wordpress == nil)
        let pool = try await TestDatabase.makePool("namedsite")
        _ = try await Migrator(logger: logger).migrate(pool)
        let services = Services(settings: settings, pool: pool, logger: logger, environment: ["WRONG_PASSWORD": "abcd efgh ijkl"])
        let site: JSONValue = .object([
            ("url", .string(wordpress.url)), ("user", .string(wordpress.user)), ("appPassword", .string("file:" + passwordFile)),
            ("postStatus", .string("draft")), ("categories", .array([.string("From Presswork")])),
        ])
        _ = try await services.catalog.add(.site, "blog", settings: site)

        let access = try await services.catalog.testSite("blog")
        #expect(!access.user.isEmpty)
        #expect(access.capabilities["publish_posts"] == true && access.roles.contains("administrator"))
        #expect(access.summary.contains("may publish posts"))
        // A wrong password is WordPress's 401, before any run uses it.
        let wrong: JSONValue = .object([
            ("url", .string(wordpress.url)), ("user", .string(wordpress.user)), ("appPassword", .string("env:WRONG_PASSWORD")),
        ])
        _ = try await services.catalog.add(.site, "wrong", settings: wrong)
        await #expect(throws: (any Error).self) { try await services.catalog.testSite("wrong") }

        let params = try await services.catalog.prepare(
            try RunParams.validated(
                seeds: ["espresso grinders"], dryRun: false, thresholds: GateThresholds(review: 0, publish: 0, duplicate: 1), site: "blog"
            ))
        #expect(params.providers.publisher == "wordpress(\(OpenAIChatClient.host(wordpress.url)))")
        let run = try await services.store.create(params: params, trigger: .cli, pipelineVersion: Pipeline.version).run
        let outcome = try await services.orchestrator().execute(run.id)
        #expect(outcome.status == .done, "\(outcome.reason ?? "")")

        let client = WordPressClient(
            .init(baseURL: wordpress.url, user: wordpress.user, applicationPassword: wordpress.applicationPassword), logger: logger
        )
        let posts = try await client.posts(containing: run.id.description)
        #expect(posts.count == 1)
        #expect(posts.first?.status == "draft")
        let category = try await client.termID(.categories, named: "From Presswork")
        #expect(posts.first?.categories?.contains(category) == true)
        await services.close()
    }
}
