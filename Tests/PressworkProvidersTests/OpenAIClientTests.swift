import Foundation
import Logging
import PressworkCore
import PressworkPipeline
import Synchronization
import TestSupport
import Testing

@testable import PressworkProviders

/// Short delays so that retries do not slow the tests; the behaviour is the same. The call
/// timeout is generous: a loaded machine must not turn a scripted answer into a timeout (tests
/// of timeouts set their own).
let quickPolicy = CallPolicy(maxAttempts: 3, timeout: .seconds(60), baseDelay: .milliseconds(10), maxDelay: .milliseconds(50))
let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

func chatClient(_ server: ScriptedHTTPServer, policy: CallPolicy = quickPolicy, key: String? = "sk-test-secret") -> OpenAIChatClient {
    // A distinct provider name per server keeps the shared limiters of parallel tests apart.
    OpenAIChatClient(.init(baseURL: server.baseURL + "/v1", apiKey: key, model: "test-model"), policy: policy, logger: quiet)
}

let sampleIdea = TopicIdea(
    title: "Espresso at home", angle: "Why grind size matters most.", keywords: ["espresso", "grinder", "coffee"], score: 0.8)

@Suite struct OpenAIClientTests {
    @Test func sendsTheSchemaAndParsesTheCompletion() async throws {
        let server = try await ScriptedHTTPServer.start()
        server.enqueue(.chatCompletion(encoding: IdeasReply(ideas: [sampleIdea])))
        let generator = StructuredGenerator(model: chatClient(server))
        let reply = try await generator.generate(IdeasReply.self, system: "be brief", prompt: "ideas please")
        #expect(reply.value.ideas == [sampleIdea])
        #expect(reply.usage == TokenUsage(input: 100, output: 50, calls: 1))

        let request = try #require(server.requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/v1/chat/completions")
        #expect(request.header("Authorization") == "Bearer sk-test-secret")
        let body = request.json
        #expect(body["model"] as? String == "test-model")
        let messages = try #require(body["messages"] as? [[String: Any]])
        #expect(messages.map { $0["role"] as? String } == ["system", "user"])
        #expect(messages.last?["content"] as? String == "ideas please")
        let format = try #require(body["response_format"] as? [String: Any])
        #expect(format["type"] as? String == "json_schema")
        let schema = try #require(format["json_schema"] as? [String: Any])
        #expect(schema["name"] as? String == "IdeasReply")
        #expect(schema["strict"] as? Bool == true)
        let sent = try #require(schema["schema"] as? [String: Any])
        #expect(sent["type"] as? String == "object")
        #expect(sent["required"] as? [String] == ["ideas"])
        // A local server (a grammar-based decoder) is sent every bound, patterns anchored.
        let text = String(decoding: request.body, as: UTF8.self)
        #expect(text.contains(#""maxItems":8"#) && text.contains(#""maxLength":120"#) && text.contains(#""maximum":1"#))
        await server.stop()
    }

    @Test func retriesA429AfterItsRetryAfterAndA500ThenSucceeds() async throws {
        let server = try await ScriptedHTTPServer.start()
        server.enqueue(
            .openAIError(429, "slow down", headers: [("Retry-After", "1")]),
            .openAIError(500, "upstream broke"),
            .chatCompletion(encoding: IdeasReply(ideas: [sampleIdea]))
        )
        let started = ContinuousClock.now
        let reply = try await StructuredGenerator(model: chatClient(server)).generate(IdeasReply.self, system: "", prompt: "x")
        #expect(reply.value.ideas.count == 1)
        #expect(server.requests.count == 3)
        // Behaviour, not speed: the client waited at least the second the server asked for.
        #expect(started.duration(to: .now) >= .milliseconds(950))
        await server.stop()
    }

    @Test func givesUpOnTransientFailuresAfterTheLastAttempt() async throws {
        let server = try await ScriptedHTTPServer.start()
        server.enqueue(.openAIError(503, "overloaded"), .openAIError(502, "bad gateway"), .openAIError(500, "still broken"))
        let error = await #expect(throws: ProviderError.self) {
            try await chatClient(server).complete(ChatRequest(system: "", user: "x", schemaName: "X", schema: ReviewReply.schema))
        }
        #expect(error?.kind == .transient)
        #expect(error?.status == 500)
        #expect(error?.description.contains("still broken") == true)
        #expect(server.requests.count == 3)
        await server.stop()
    }

    @Test func aRefusedKeyFailsAtOnceWithoutShowingTheKey() async throws {
        let server = try await ScriptedHTTPServer.start()
        server.enqueue(.openAIError(401, "Incorrect API key provided"))
        let error = await #expect(throws: ProviderError.self) {
            try await chatClient(server).complete(ChatRequest(system: "", user: "x", schemaName: "X", schema: ReviewReply.schema))
        }
        #expect(error?.kind == .permanent)
        #expect(error?.description.contains("401") == true)
        #expect(error?.description.contains("Incorrect API key provided") == true)
        #expect(error?.description.contains("sk-test-secret") == false)
        #expect(server.requests.count == 1)
        await server.stop()
    }

    /// The scripted answers are taken in the order requests reach the server, so the first
    /// attempt's deadline must leave its request time to arrive on a loaded machine (with 500 ms
    /// a CI run's first request arrived after its own timeout and took the second answer).
    @Test(.timeLimit(.minutes(3)))
    func slowRepliesAndDroppedConnectionsAreRetried() async throws {
        let server = try await ScriptedHTTPServer.start()
        server.enqueue(.slow(.seconds(60), .chatCompletion("{}")), .drop, .chatCompletion(encoding: ReviewReply(score: 0.9, issues: [])))
        var policy = quickPolicy
        policy.timeout = .seconds(3)
        let reply = try await StructuredGenerator(model: chatClient(server, policy: policy))
            .generate(ReviewReply.self, system: "", prompt: "review")
        #expect(reply.value.score == 0.9)
        #expect(server.requests.count == 3)
        await server.stop()
    }

    /// A server that answers but trickles its body (a byte every 100 ms of a 2 KB reply) is cut at
    /// the call's deadline, as documented, instead of holding the call for minutes.
    @Test(.timeLimit(.minutes(3)))
    func aTricklingReplyIsCutAtTheDeadline() async throws {
        let server = try await ScriptedHTTPServer.start()
        server.enqueue(.trickle(every: .milliseconds(100), body: String(repeating: " ", count: 2_000)))
        var policy = quickPolicy
        policy.maxAttempts = 1
        policy.timeout = .seconds(1)
        let error = await #expect(throws: ProviderError.self) {
            try await chatClient(server, policy: policy).complete(
                ChatRequest(system: "", user: "x", schemaName: "X", schema: ReviewReply.schema))
        }
        #expect(error?.kind == .transient)
        #expect(error?.description.contains("timed out") == true, "\(error.map(String.init(describing:)) ?? "")")
        await server.stop()
    }

    /// A refused connection is an answer: each attempt fails with it at once (the client does
    /// not retry the connection until the call's 20 s deadline, which made a closed port cost
    /// 20 s × attempts), and the error says so rather than "timed out".
    @Test(.timeLimit(.minutes(3)))
    func aRefusedConnectionFailsEachAttemptAtOnce() async throws {
        let server = try await ScriptedHTTPServer.start()
        let baseURL = server.baseURL
        await server.stop()
        var policy = quickPolicy
        policy.timeout = .seconds(20)
        let client = OpenAIChatClient(.init(baseURL: baseURL + "/v1", apiKey: nil, model: "m"), policy: policy, logger: quiet)
        let error = await #expect(throws: ProviderError.self) {
            try await client.complete(ChatRequest(system: "", user: "x", schemaName: "X", schema: ReviewReply.schema))
        }
        #expect(error?.kind == .transient)
        #expect(error?.description.contains("refused") == true, "\(error.map(String.init(describing:)) ?? "")")
        #expect(error?.description.contains("timed out") == false)
    }
}

@Suite struct StructuredOutputTests {
    @Test func repairsNonJSONAndWrongShapesThenSumsTheTokens() async throws {
        let server = try await ScriptedHTTPServer.start()
        server.enqueue(
            .chatCompletion("Sure! Here are some ideas: espresso, latte."),
            .chatCompletion(#"{"ideas": [{"title": "Espresso", "keywords": ["a"], "score": 0.5}]}"#),
            .chatCompletion(encoding: IdeasReply(ideas: [sampleIdea]))
        )
        let reply = try await StructuredGenerator(model: chatClient(server), maxRepairs: 2)
            .generate(IdeasReply.self, system: "", prompt: "ideas")
        #expect(reply.value.ideas == [sampleIdea])
        #expect(reply.usage == TokenUsage(input: 300, output: 150, calls: 3))
        // Each repair request carries the bad reply and what was wrong with it.
        let second = try #require(server.requests.dropFirst().first?.json["messages"] as? [[String: Any]])
        #expect(second.map { $0["role"] as? String } == ["system", "user", "assistant", "user"])
        #expect((second.last?["content"] as? String)?.contains("not valid JSON") == true)
        let third = try #require(server.requests.last?.json["messages"] as? [[String: Any]])
        #expect((third.last?["content"] as? String)?.contains("ideas[0].angle: missing") == true)
        await server.stop()
    }

    @Test func aTruncatedReplyIsRetriedWithMoreRoom() async throws {
        let server = try await ScriptedHTTPServer.start()
        server.enqueue(
            .chatCompletion(#"{"score": 0.8, "issues": ["The second sec"#, finishReason: "length"),
            .chatCompletion(encoding: ReviewReply(score: 0.8, issues: ["The second section repeats the first."]))
        )
        let reply = try await StructuredGenerator(model: chatClient(server), maxOutputTokens: 1000)
            .generate(ReviewReply.self, system: "", prompt: "review")
        #expect(reply.value.issues.count == 1)
        #expect(server.requests.map { $0.json["max_tokens"] as? Int } == [1000, 2000])
        #expect((server.requests.last?.json["messages"] as? [[String: Any]])?.last?["content"] as? String ?? "" != "")
        await server.stop()
    }

    @Test func persistentlyBadRepliesFailWithWhatWasWrongAndAPrefix() async throws {
        let server = try await ScriptedHTTPServer.start()
        let bad = #"{"score": "high", "issues": "none", "comment": "\#(String(repeating: "blah ", count: 200))"}"#
        server.enqueue(.chatCompletion(bad), .chatCompletion(bad), .chatCompletion(bad))
        let error = await #expect(throws: ProviderError.self) {
            try await StructuredGenerator(model: chatClient(server), maxRepairs: 2).generate(ReviewReply.self, system: "", prompt: "r")
        }
        #expect(error?.kind == .badReply)
        let message = error?.description ?? ""
        #expect(message.contains("after 3 replies"))
        #expect(message.contains("score: expected a number, found a string"))
        #expect(message.contains("comment: not allowed here"))
        #expect(message.contains("It began: \"{\\\"score\\\"") || message.contains("It began: \"{\"score\""))
        // A prefix of the reply, not the whole.
        #expect(message.count < 1200)
        await server.stop()
    }
}

@Suite struct EmbeddingClientTests {
    @Test func embedsAndChecksTheDimension() async throws {
        let server = try await ScriptedHTTPServer.start()
        server.enqueue(.embedding([0.6, 0.8, 0]), .embedding([1, 0]))
        let client = OpenAIEmbeddingClient(
            .init(baseURL: server.baseURL + "/v1", apiKey: "sk-e", model: "test-embedding"), dimension: 3,
            policy: quickPolicy, logger: quiet
        )
        let vector = try await client.embed("an article")
        #expect(vector.value == [0.6, 0.8, 0])
        #expect(vector.usage.input == 12)
        #expect(server.requests.first?.path == "/v1/embeddings")
        #expect(server.requests.first?.json["input"] as? String == "an article")
        let error = await #expect(throws: ProviderError.self) { try await client.embed("another") }
        #expect(error?.description.contains("returned 2 dimensions; 3 are configured") == true)
        await server.stop()
    }

    /// A text longer than the model's window goes as window-sized chunks of whole words in one
    /// request; the vector is their length-weighted mean, at unit length.
    @Test func longTextsAreChunkedToTheWindowAndPooled() async throws {
        let server = try await ScriptedHTTPServer.start()
        let text = (1...100).map { "word\($0)" }.joined(separator: " ")
        // window 32 tokens → 22 words a chunk: 22, 22, 22, 22 and 12.
        server.enqueue(.embeddings([[1, 0], [1, 0], [0, 1], [0, 1], [0, 2]]))
        let client = OpenAIEmbeddingClient(
            .init(baseURL: server.baseURL + "/v1", apiKey: nil, model: "test-embedding"), dimension: 2, window: 32,
            policy: quickPolicy, logger: quiet
        )
        let vector = try await client.embed(text)
        let inputs = try #require(server.requests.first?.json["input"] as? [String])
        #expect(inputs.map { $0.split(separator: " ").count } == [22, 22, 22, 22, 12])
        #expect(inputs.joined(separator: " ") == text)
        // The weighted mean of the unit vectors is (44, 56), in the order the inputs were sent
        // whatever order the server answered in; the element-wise maximum (1, 2). Each at unit
        // length, summed, at unit length.
        let mean = (44.0 / (44.0 * 44 + 56 * 56).squareRoot(), 56.0 / (44.0 * 44 + 56 * 56).squareRoot())
        let maximum = (1 / 5.0.squareRoot(), 2 / 5.0.squareRoot())
        let sum = (mean.0 + maximum.0, mean.1 + maximum.1)
        let length = (sum.0 * sum.0 + sum.1 * sum.1).squareRoot()
        #expect(abs(Double(vector.value[0]) - sum.0 / length) < 1e-5 && abs(Double(vector.value[1]) - sum.1 / length) < 1e-5)
        #expect(vector.usage.calls == 1)
        // A stub under a quarter of a chunk joins the chunk before it.
        #expect(OpenAIEmbeddingClient.chunks((1...47).map { "w\($0)" }.joined(separator: " "), window: 32).count == 2)
        #expect(OpenAIEmbeddingClient.chunks("short text", window: 32) == ["short text"])
        await server.stop()
    }
}

@Suite struct CallLimiterTests {
    @Test func neverRunsMoreThanItsLimitAtOnce() async throws {
        let limiter = CallLimiter(maxConcurrent: 2, perMinute: nil)
        let gauge = Gauge()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await limiter.run {
                        gauge.enter()
                        try await Task.sleep(for: .milliseconds(20))
                        gauge.leave()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(gauge.peak == 2)
        #expect(gauge.total == 8)
    }

    @Test func retryAfterParsesSecondsAndDates() {
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        #expect(CallPolicy.parseRetryAfter("3") == .seconds(3))
        #expect(CallPolicy.parseRetryAfter("0.5") == .milliseconds(500))
        let later = Date(timeInterval: 10, since: now)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        #expect(CallPolicy.parseRetryAfter(formatter.string(from: later), now: now) == .seconds(10))
        #expect(CallPolicy.parseRetryAfter("soon") == nil)
        #expect(CallPolicy.parseRetryAfter(nil) == nil)
    }
}

final class Gauge: Sendable {
    private let state = Mutex<(current: Int, peak: Int, total: Int)>((0, 0, 0))
    func enter() {
        state.withLock {
            $0.current += 1
            $0.peak = max($0.peak, $0.current)
            $0.total += 1
        }
    }
    func leave() { state.withLock { $0.current -= 1 } }
    var peak: Int { state.withLock { $0.peak } }
    var total: Int { state.withLock { $0.total } }
}
