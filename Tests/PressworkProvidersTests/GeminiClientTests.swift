import Foundation
import PressworkCore
import PressworkPipeline
import TestSupport
import Testing

@testable import PressworkProviders

/// Gemini's request and response shapes, against a loopback server that answers as
/// generateContent does.
@Suite struct GeminiClientTests {
    func client(_ server: ScriptedHTTPServer) -> GeminiChatClient {
        GeminiChatClient(
            .init(baseURL: server.baseURL + "/v1beta", apiKey: "gm-test-secret", model: "gemini-test"),
            policy: quickPolicy, logger: quiet)
    }

    @Test func sendsTheSchemaInGeminiFormAndParsesTheReply() async throws {
        let server = try await ScriptedHTTPServer.start()
        server.enqueue(.geminiContent(encoding: IdeasReply(ideas: [sampleIdea])))
        let reply = try await StructuredGenerator(model: client(server)).generate(IdeasReply.self, system: "be brief", prompt: "ideas")
        #expect(reply.value.ideas == [sampleIdea])
        #expect(reply.usage == TokenUsage(input: 120, output: 40, calls: 1))

        let request = try #require(server.requests.first)
        #expect(request.path == "/v1beta/models/gemini-test:generateContent")
        #expect(request.header("x-goog-api-key") == "gm-test-secret")
        let body = request.json
        let system = try #require(body["systemInstruction"] as? [String: Any])
        #expect((system["parts"] as? [[String: Any]])?.first?["text"] as? String == "be brief")
        let contents = try #require(body["contents"] as? [[String: Any]])
        #expect(contents.map { $0["role"] as? String } == ["user"])
        let config = try #require(body["generationConfig"] as? [String: Any])
        #expect(config["responseMimeType"] as? String == "application/json")
        #expect(config["maxOutputTokens"] as? Int == 4096)
        let schema = try #require(config["responseSchema"] as? [String: Any])
        #expect(schema["type"] as? String == "OBJECT")
        #expect(schema["propertyOrdering"] as? [String] == ["ideas"])
        let ideas = try #require((schema["properties"] as? [String: Any])?["ideas"] as? [String: Any])
        #expect(ideas["type"] as? String == "ARRAY")
        let text = String(decoding: request.body, as: UTF8.self)
        #expect(!text.contains("additionalProperties"))
        #expect(!text.contains("maxLength"))
        await server.stop()
    }

    /// MAX_TOKENS cuts the JSON off: the generator asks again with the bad reply as the model's
    /// turn and twice the token limit; thinking tokens count as output.
    @Test func truncatedReplyIsRepairedWithALargerLimit() async throws {
        let server = try await ScriptedHTTPServer.start()
        server.enqueue(
            .geminiContent(#"{"ideas": [{"title": "Esp"#, finishReason: "MAX_TOKENS", thoughtTokens: 30),
            .geminiContent(encoding: IdeasReply(ideas: [sampleIdea]))
        )
        let reply = try await StructuredGenerator(model: client(server)).generate(IdeasReply.self, system: "s", prompt: "p")
        #expect(reply.value.ideas == [sampleIdea])
        #expect(reply.usage == TokenUsage(input: 240, output: 110, calls: 2))
        // Priced, the same exchange costs what its tokens cost, repairs included.
        server.enqueue(.geminiContent(encoding: IdeasReply(ideas: [sampleIdea])))
        let priced = PricedChatModel(client(server), price: ModelPrice(input: 0.30, output: 2.50))
        let pricedReply = try await StructuredGenerator(model: priced).generate(IdeasReply.self, system: "s", prompt: "p")
        #expect(abs(pricedReply.usage.costUSD - (120 * 0.30 + 40 * 2.50) / 1_000_000) < 1e-12)
        let second = try #require(server.requests.dropLast().last?.json)
        #expect((second["generationConfig"] as? [String: Any])?["maxOutputTokens"] as? Int == 8192)
        let roles = (second["contents"] as? [[String: Any]])?.map { $0["role"] as? String }
        #expect(roles == ["user", "model", "user"])
        await server.stop()
    }

    @Test func blockedOrFilteredRepliesFailWithTheReason() async throws {
        let server = try await ScriptedHTTPServer.start()
        server.enqueue(.status(200, body: #"{"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 9}}"#))
        let error = await #expect(throws: ProviderError.self) {
            try await StructuredGenerator(model: client(server)).generate(IdeasReply.self, system: "s", prompt: "p")
        }
        #expect(error?.isTransient == false)
        #expect(error?.message.contains("SAFETY") == true)
        await server.stop()
    }

    @Test func refusedKeyFailsAtOnceWithGeminisMessage() async throws {
        let server = try await ScriptedHTTPServer.start()
        server.enqueue(
            .status(
                400,
                body:
                    #"{"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.", "status": "INVALID_ARGUMENT"}}"#
            ))
        let error = await #expect(throws: ProviderError.self) {
            try await StructuredGenerator(model: client(server)).generate(IdeasReply.self, system: "s", prompt: "p")
        }
        #expect(error?.isTransient == false)
        #expect(error?.message.contains("API key not valid") == true)
        #expect(!(error?.description.contains("gm-test-secret") ?? true))
        #expect(server.requests.count == 1)
        await server.stop()
    }
}
