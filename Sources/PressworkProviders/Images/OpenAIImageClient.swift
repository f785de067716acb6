import Foundation
import Logging
import PressworkCore
import PressworkPipeline

/// An OpenAI-compatible `/images/generations` client (OpenAI's gpt-image and DALL·E models, and
/// local servers that speak the same API). The image comes back base64-encoded in the reply
/// (`b64_json`), or as an address it is fetched from; either way it is checked
/// (`ImageData.checked`) before anything keeps it.
public struct OpenAIImageClient: ImageProvider {
    public let configuration: OpenAIChatClient.Configuration
    public let settings: ImageSettings
    let calls: ProviderCalls

    public init(
        _ configuration: OpenAIChatClient.Configuration, settings: ImageSettings = ImageSettings(), policy: CallPolicy = CallPolicy(),
        logger: Logger
    ) {
        self.configuration = configuration
        self.settings = settings
        self.calls = ProviderCalls(
            provider: "openai-images(\(OpenAIChatClient.host(configuration.baseURL)))", policy: policy, logger: logger)
    }

    public var name: String { "openai(\(OpenAIChatClient.host(configuration.baseURL)))/\(configuration.model)" }

    public func generate(_ request: ImageRequest) async throws -> Generated<ImageData> {
        let body = Self.body(request, model: configuration.model, settings: settings)
        let reply = try await calls.postJSON(
            configuration.endpoint("/images/generations"), headers: configuration.authorization, body: Data(body.text.utf8))
        struct Reply: Decodable {
            struct Item: Decodable {
                let b64_json: String?
                let url: String?
            }
            let data: [Item]
            let output_format: String?
        }
        guard let decoded = try? JSONDecoder().decode(Reply.self, from: reply.body), let item = decoded.data.first else {
            throw ProviderError(
                provider: calls.provider, kind: .badReply,
                message: "the reply has no image (expected data[0].b64_json or data[0].url): \(reply.bodyPrefix(200))",
                status: reply.status)
        }
        let image: ImageData
        if let encoded = item.b64_json {
            guard let bytes = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters) else {
                throw ProviderError(provider: calls.provider, kind: .badReply, message: "data[0].b64_json is not base64")
            }
            // gpt-image models say their format; DALL·E's are PNG.
            let declared = decoded.output_format.map { "image/" + ($0 == "jpg" ? "jpeg" : $0) } ?? "image/png"
            image = try ImageSettings.checked(bytes, declared: declared, provider: calls.provider)
        } else if let address = item.url, address.hasPrefix("https://") || address.hasPrefix("http://") {
            let file = try await calls.call(.GET, address, headers: [])
            image = try ImageSettings.checked(file.body, declared: file.header("Content-Type") ?? "", provider: calls.provider)
        } else {
            throw ProviderError(
                provider: calls.provider, kind: .badReply, message: "the reply's image has neither b64_json nor an http(s) url")
        }
        return Generated(image, usage: settings.usage)
    }

    /// The request: `response_format` only for the models that take it (gpt-image models always
    /// answer in base64 and refuse the parameter).
    static func body(_ request: ImageRequest, model: String, settings: ImageSettings) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("model", .string(model)), ("prompt", .string(settings.prompt(request))), ("n", .number(1)),
        ]
        if let size = settings.size { fields.append(("size", .string(size))) }
        if !model.hasPrefix("gpt-image") { fields.append(("response_format", .string("b64_json"))) }
        return .object(fields)
    }
}
