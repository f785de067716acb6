import Foundation
import PressworkCore
import PressworkPipeline
import TestSupport
import Testing

@testable import PressworkProviders

/// Gemini's image generation over real HTTP, against a stand-in that answers as
/// `models/{model}:generateContent` does with the IMAGE modality.
@Suite struct GeminiImageClientTests {
    let request = ImageRequest(prompt: "A cup of espresso", altText: "An espresso cup", placement: "hero", title: "Home espresso")

    func client(_ server: ScriptedHTTPServer, settings: ImageSettings = .init()) -> GeminiImageClient {
        GeminiImageClient(
            .init(baseURL: server.baseURL + "/v1beta", apiKey: "gemini-image-key", model: "gemini-2.5-flash-image"),
            settings: settings, policy: quickPolicy, logger: quiet)
    }

    static func reply(parts: [[String: Any]], finishReason: String = "STOP") -> ScriptedHTTPServer.Reply {
        let body: [String: Any] = [
            "candidates": [["content": ["role": "model", "parts": parts], "finishReason": finishReason]],
            "usageMetadata": ["promptTokenCount": 12, "candidatesTokenCount": 1290],
        ]
        return .status(200, body: String(decoding: try! JSONSerialization.data(withJSONObject: body), as: UTF8.self))
    }

    @Test func sendsThePromptAndReadsTheInlineImage() async throws {
        let server = try await ScriptedHTTPServer.start()
        let png = try await OpenAIImageClientTests.png()
        server.enqueue(
            Self.reply(parts: [
                ["text": "Here is your image."], ["inlineData": ["mimeType": "image/png", "data": png.bytes.base64EncodedString()]],
            ]))
        let gemini = client(server, settings: .init(size: "1536x1024", style: "watercolour", pricePerImageUSD: 0.039))

        let generated = try await gemini.generate(request)

        #expect(generated.value == png)
        #expect(generated.usage.costUSD == 0.039)
        let sent = try #require(server.requests.first)
        #expect(sent.path == "/v1beta/models/gemini-2.5-flash-image:generateContent")
        #expect(sent.header("x-goog-api-key") == "gemini-image-key")
        #expect(!sent.path.contains("key="), "the key never travels in the URL")
        let generation = try #require(sent.json["generationConfig"] as? [String: Any])
        #expect(generation["responseModalities"] as? [String] == ["TEXT", "IMAGE"])
        #expect((generation["imageConfig"] as? [String: Any])?["aspectRatio"] as? String == "3:2")
        let text = (((sent.json["contents"] as? [[String: Any]])?.first?["parts"] as? [[String: Any]])?.first?["text"] as? String) ?? ""
        #expect(text.hasPrefix(request.prompt) && text.hasSuffix("Style: watercolour"))
        #expect(gemini.name == "gemini(\(OpenAIChatClient.host(server.baseURL)))/gemini-2.5-flash-image")
    }

    @Test func aReplyWithoutAnImageOrWithTheWrongOneIsRefusedNamingWhy() async throws {
        let server = try await ScriptedHTTPServer.start()
        let png = try await OpenAIImageClientTests.png()
        server.enqueue(
            Self.reply(parts: [["text": "I cannot draw that."]], finishReason: "IMAGE_SAFETY"),
            .status(200, body: #"{"promptFeedback":{"blockReason":"SAFETY"}}"#),
            Self.reply(parts: [["inlineData": ["mimeType": "image/webp", "data": png.bytes.base64EncodedString()]]]),
            Self.reply(parts: [["inlineData": ["mimeType": "image/svg+xml", "data": Data("<svg/>".utf8).base64EncodedString()]]])
        )
        let gemini = client(server)
        for expected in [
            "the reply has no image: it finished with IMAGE_SAFETY; it said: I cannot draw that.",
            "the reply has no image: the prompt was blocked (SAFETY)",
            "the image is refused: the image is declared image/webp but its bytes are image/png",
            "the image is refused: image/svg+xml is not an accepted image type",
        ] {
            let error = await #expect(throws: ProviderError.self) { try await gemini.generate(request) }
            #expect(error?.kind == .badReply)
            #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
        }
    }

    @Test func sizesBecomeTheNearestAspectRatioGeminiTakes() {
        #expect(GeminiImageClient.aspectRatio("1024x1024") == "1:1")
        #expect(GeminiImageClient.aspectRatio("1792x1024") == "16:9")
        #expect(GeminiImageClient.aspectRatio("1024x1536") == "2:3")
        #expect(GeminiImageClient.aspectRatio("auto") == nil)
    }
}
