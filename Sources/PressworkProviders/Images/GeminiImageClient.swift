import Foundation
import Logging
import PressworkCore
import PressworkPipeline

/// Gemini's native image generation (`models/{model}:generateContent` with the IMAGE response
/// modality, e.g. `gemini-2.5-flash-image`): the image comes back as a part's `inlineData`
/// (mime type and base64), checked (`ImageData.checked`) against the type it declares. The key
/// travels in the `x-goog-api-key` header, as for the Gemini writer.
public struct GeminiImageClient: ImageProvider {
    public let configuration: GeminiChatClient.Configuration
    public let settings: ImageSettings
    let calls: ProviderCalls

    public init(
        _ configuration: GeminiChatClient.Configuration, settings: ImageSettings = .init(),
        policy: CallPolicy = CallPolicy(), logger: Logger
    ) {
        self.configuration = configuration
        self.settings = settings
        self.calls = ProviderCalls(
            provider: "gemini-images(\(OpenAIChatClient.host(configuration.baseURL)))", policy: policy, logger: logger)
    }

    public var name: String { "gemini(\(OpenAIChatClient.host(configuration.baseURL)))/\(configuration.model)" }

    public func generate(_ request: ImageRequest) async throws -> Generated<ImageData> {
        let body = Self.body(request, settings: settings)
        let url = configuration.baseURL.trimmingSuffix("/") + "/models/\(configuration.model):generateContent"
        let reply = try await calls.postJSON(url, headers: [("x-goog-api-key", configuration.apiKey)], body: Data(body.text.utf8))
        struct Response: Decodable {
            struct Candidate: Decodable {
                struct Content: Decodable {
                    struct Part: Decodable {
                        struct Inline: Decodable {
                            let mimeType: String?
                            let data: String?
                        }
                        let text: String?
                        let inlineData: Inline?
                    }
                    let parts: [Part]?
                }
                let content: Content?
                let finishReason: String?
            }
            struct Feedback: Decodable { let blockReason: String? }
            let candidates: [Candidate]?
            let promptFeedback: Feedback?
        }
        guard let response = try? JSONDecoder().decode(Response.self, from: reply.body) else {
            throw failure("the reply is not a generateContent response: \(reply.bodyPrefix(200))")
        }
        let candidate = response.candidates?.first
        guard let inline = candidate?.content?.parts?.compactMap(\.inlineData).first, let encoded = inline.data else {
            let reason =
                response.promptFeedback?.blockReason.map { "the prompt was blocked (\($0))" }
                ?? candidate?.finishReason.map { "it finished with \($0)" } ?? "no candidate"
            let said = candidate?.content?.parts?.compactMap(\.text).joined(separator: " ") ?? ""
            throw failure("the reply has no image: \(reason)" + (said.isEmpty ? "" : "; it said: \(said.prefix(200))"))
        }
        guard let bytes = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters) else {
            throw failure("the image's inlineData is not base64")
        }
        let image = try ImageSettings.checked(bytes, declared: inline.mimeType ?? "", provider: calls.provider)
        return Generated(image, usage: settings.usage)
    }

    /// The request: the prompt (with the style), images and text allowed in the reply, and the
    /// size as an aspect ratio where it is one Gemini knows.
    static func body(_ request: ImageRequest, settings: ImageSettings) -> JSONValue {
        var generation: [(String, JSONValue)] = [("responseModalities", .array([.string("TEXT"), .string("IMAGE")]))]
        if let ratio = settings.size.flatMap(aspectRatio) {
            generation.append(("imageConfig", .object([("aspectRatio", .string(ratio))])))
        }
        return .object([
            ("contents", .array([.object([("parts", .array([.object([("text", .string(settings.prompt(request)))])]))])])),
            ("generationConfig", .object(generation)),
        ])
    }

    /// `1536x1024` as the nearest of the ratios Gemini takes (`3:2`); nil for `auto`.
    static func aspectRatio(_ size: String) -> String? {
        let parts = size.split(separator: "x").compactMap { Double($0) }
        guard parts.count == 2, parts[1] > 0 else { return nil }
        let wanted = parts[0] / parts[1]
        let ratios = ["1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"]
        return ratios.min { lhs, rhs in
            func value(_ ratio: String) -> Double {
                let sides = ratio.split(separator: ":").compactMap { Double($0) }
                return sides[0] / sides[1]
            }
            return abs(log(value(lhs) / wanted)) < abs(log(value(rhs) / wanted))
        }
    }

    private func failure(_ message: String) -> ProviderError {
        ProviderError(provider: calls.provider, kind: .badReply, message: message)
    }
}
