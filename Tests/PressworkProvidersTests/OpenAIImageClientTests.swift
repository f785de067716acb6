import Foundation
import PressworkCore
import PressworkPipeline
import TestSupport
import Testing

@testable import PressworkProviders

/// The OpenAI-compatible images client over real HTTP, against a stand-in that answers as
/// `/v1/images/generations` does: what is sent, what comes back, and what is refused.
@Suite struct OpenAIImageClientTests {
    let request = ImageRequest(
        prompt: "A cup of espresso on a wooden counter", altText: "An espresso cup", placement: "hero", title: "Home espresso")

    func client(_ server: ScriptedHTTPServer, model: String, settings: ImageSettings = .init()) -> OpenAIImageClient {
        OpenAIImageClient(
            .init(baseURL: server.baseURL + "/v1", apiKey: "sk-image-secret", model: model), settings: settings, policy: quickPolicy,
            logger: quiet)
    }

    static func png() async throws -> ImageData {
        try await OfflineImageProvider().generate(
            ImageRequest(prompt: "p", altText: "a", placement: "hero", title: "A card")
        ).value
    }

    static func reply(b64 bytes: Data, outputFormat: String? = nil) -> ScriptedHTTPServer.Reply {
        var body: [String: Any] = ["created": 1_795_000_000, "data": [["b64_json": bytes.base64EncodedString()]]]
        if let outputFormat { body["output_format"] = outputFormat }
        return .status(
            200, headers: [("Content-Type", "application/json")],
            body: String(decoding: try! JSONSerialization.data(withJSONObject: body), as: UTF8.self))
    }

    @Test func sendsThePromptWithStyleAndSizeAndKeepsTheCheckedImageAtItsPrice() async throws {
        let server = try await ScriptedHTTPServer.start()
        let png = try await Self.png()
        server.enqueue(Self.reply(b64: png.bytes), Self.reply(b64: png.bytes, outputFormat: "png"))
        let dalle = client(server, model: "dall-e-3", settings: .init(size: "1792x1024", style: "watercolour", pricePerImageUSD: 0.08))

        let generated = try await dalle.generate(request)

        #expect(generated.value == png)
        #expect(generated.usage.costUSD == 0.08 && generated.usage.calls == 1)
        let sent = try #require(server.requests.first)
        #expect(sent.path == "/v1/images/generations")
        #expect(sent.header("Authorization") == "Bearer sk-image-secret")
        #expect(sent.json["model"] as? String == "dall-e-3")
        #expect(sent.json["size"] as? String == "1792x1024")
        #expect(sent.json["response_format"] as? String == "b64_json")
        #expect((sent.json["prompt"] as? String)?.hasPrefix(request.prompt) == true)
        #expect((sent.json["prompt"] as? String)?.hasSuffix("Style: watercolour") == true)
        #expect(dalle.name == "openai(\(OpenAIChatClient.host(server.baseURL)))/dall-e-3")

        // gpt-image models refuse response_format and say their output format.
        _ = try await client(server, model: "gpt-image-1").generate(request)
        #expect(server.requests[1].json["response_format"] == nil)
        #expect(server.requests[1].json["size"] == nil)
    }

    @Test func aReplyThatIsNotTheImageItClaimsIsRefusedNamingWhy() async throws {
        let server = try await ScriptedHTTPServer.start()
        let png = try await Self.png()
        server.enqueue(
            Self.reply(b64: Data("<html><body>quota exceeded</body></html>".utf8)),
            Self.reply(b64: png.bytes, outputFormat: "jpeg"),
            .status(200, body: #"{"data":[{"url":"\#(server.baseURL)/files/cat.png"}]}"#),
            .status(200, headers: [("Content-Type", "text/html")], body: "<html>not found</html>"),
            .status(200, body: #"{"data":[]}"#)
        )
        let images = client(server, model: "dall-e-3")
        for expected in [
            "the image is refused: the bytes are not an image (they start 3c 68 74 6d",
            "the image is refused: the image is declared image/jpeg but its bytes are image/png",
            "the image is refused: text/html is not an accepted image type",
            "the reply has no image",
        ] {
            let error = await #expect(throws: ProviderError.self) { try await images.generate(request) }
            #expect(error?.kind == .badReply)
            #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
        }
    }

    @Test func rateLimitsAreRetriedAndRefusalsAreNot() async throws {
        let server = try await ScriptedHTTPServer.start()
        let png = try await Self.png()
        server.enqueue(.openAIError(429, "slow down", headers: [("Retry-After", "0")]), Self.reply(b64: png.bytes))
        let images = client(server, model: "dall-e-3")
        #expect(try await images.generate(request).value == png)
        #expect(server.requests.count == 2)

        server.enqueue(.openAIError(400, "Your request was rejected by the safety system"))
        let error = await #expect(throws: ProviderError.self) { try await images.generate(request) }
        #expect(error?.isTransient == false)
        #expect(server.requests.count == 3)
    }
}
