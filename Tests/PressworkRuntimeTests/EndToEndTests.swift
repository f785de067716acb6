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

/// The issue's "done when": a run with an OpenAI-compatible server as its writer and a real
/// WordPress publishes exactly one post, wired as `presswork run` wires it (Services from
/// settings: priced models, the response cache, the WordPress publisher, the store).
///
/// The "model" is a protocol-faithful chat-completions server on loopback that answers each
/// request from its schema name and prompt with what the offline writer produces for the same
/// inputs, so every reply is a realistic, valid article.
@Suite(.serialized, .enabled(if: TestWordPress.enabled, "needs wordpress, php-cli, php-mysql, mariadb-server"))
struct EndToEndTests {
    let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    @Test func aRunWrittenByAChatServerPublishesExactlyOnePost() async throws {
        let site = try await TestWordPress.site("end-to-end")
        site.clearFaults()
        let params = try RunParams.validated(seeds: ["mountain biking"], region: "GB", dryRun: false)
        let model = try await OfflineAnswers.make(params)
        let server = try await ScriptedHTTPServer.start()
        server.respond(model.reply)

        var settings = try RuntimeSettings.resolve(
            .init(home: try TemporaryFolder.make(), llm: "openai"),
            environment: [
                "OPENAI_BASE_URL": server.baseURL + "/v1", "OPENAI_MODEL": "test-model",
                "PRESSWORK_PRICES": "test-model=1.0/2.0",
                "WORDPRESS_URL": site.url, "WORDPRESS_USER": site.user, "WORDPRESS_APP_PASSWORD": site.applicationPassword,
            ])
        settings.providers.wordpressPostStatus = .publish
        let pool = try await TestDatabase.makePool("endtoend")
        _ = try await Migrator(logger: logger).migrate(pool)
        let services = Services(settings: settings, pool: pool, logger: logger)
        var runParams = params
        runParams.providers = settings.providers.choice
        let run = try await services.store.create(params: runParams, trigger: .cli, pipelineVersion: Pipeline.version).run

        let outcome = try await services.orchestrator().execute(run.id)

        #expect(outcome.status == .done, "\(outcome.reason ?? "")")
        let record = try #require(try await services.store.run(run.id))
        #expect(record.params.providers.llm == "openai(127.0.0.1:\(server.port))/test-model")
        #expect(record.params.providers.publisher == "wordpress(\(OpenAIChatClient.host(site.url)))")
        // 100 prompt and 50 completion tokens per call, at $1 and $2 per million.
        let calls = server.requests.count
        #expect(record.tokensIn == 100 * calls && record.tokensOut == 50 * calls)
        #expect(abs(record.costUSD - Double(calls) * 200 / 1_000_000) < 1e-9)
        let client = WordPressClient(
            .init(baseURL: site.url, user: site.user, applicationPassword: site.applicationPassword), logger: logger)
        let posts = try await client.posts(containing: run.id.description)
        #expect(posts.count == 1)
        #expect(posts.first?.status == "publish")
        #expect(posts.first?.content.raw?.contains("<h2>\(ArticleHTML.escape(model.polished[0].heading))</h2>") == true)
        #expect(try await services.store.publication(run.id)?.stage == "published")
        // The finished run's cached replies are gone.
        let cached = try await pool.query("SELECT count(*) FROM response_cache WHERE run_id = \(run.id)").scalar(Int.self)
        #expect(cached == 0)
        await server.stop()
        await services.close()
    }
}

/// The offline writer's answers for one run's inputs, served as chat completions.
struct OfflineAnswers: Sendable {
    let material: OfflineArticle
    var polished: [PolishedSection] { material.polished }

    static func make(_ params: RunParams) async throws -> OfflineAnswers {
        OfflineAnswers(material: try await OfflineArticle.make(params))
    }

    /// The chat completion for a request: which answer follows from its schema's name, and for a
    /// section, from the index its prompt asks for.
    func reply(_ request: ScriptedHTTPServer.Request) -> ScriptedHTTPServer.Reply {
        let body = request.json
        let format = body["response_format"] as? [String: Any]
        let name = (format?["json_schema"] as? [String: Any])?["name"] as? String ?? ""
        let prompt = ((body["messages"] as? [[String: Any]])?.last?["content"] as? String) ?? ""
        let index =
            prompt.range(of: #""index": \d+"#, options: .regularExpression)
            .flatMap { Int(prompt[$0].filter(\.isNumber)) } ?? 0
        let content: String
        switch name {
        case "IdeasReply": content = Self.json(["ideas": material.ideas])
        case "Outline": content = Self.json(material.outline)
        case "SectionDraft": content = Self.json(material.drafts[min(index, material.drafts.count - 1)])
        case "PolishedSection": content = Self.json(material.polished[min(index, material.polished.count - 1)])
        case "Metadata": content = Self.json(material.metadata)
        case "ReviewReply": content = #"{"score": 0.9, "issues": []}"#
        default: return .status(400, body: #"{"error": {"message": "unknown schema \#(name)"}}"#)
        }
        let completion: [String: Any] = [
            "id": "chatcmpl-e2e", "object": "chat.completion", "model": "test-model",
            "choices": [["index": 0, "message": ["role": "assistant", "content": content], "finish_reason": "stop"]],
            "usage": ["prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150],
        ]
        return .status(200, body: String(decoding: try! JSONSerialization.data(withJSONObject: completion), as: UTF8.self))
    }

    static func json<T: Encodable>(_ value: T) -> String {
        String(decoding: try! JSONEncoder().encode(value), as: UTF8.self)
    }
}
