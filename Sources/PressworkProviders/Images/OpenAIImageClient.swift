import Foundation
import Logging
import PressworkCore
import PressworkPipeline

/// An OpenAI-compatible `/images/generations` client (OpenAI's gpt-image and DALL·E models, and
/// local servers that speak the same API). The image comes back base64-encoded in the reply
/// (`b64_json`), or as an address it is fetched from; either way it is checked
/// (`ImageData.checked`) before anything keeps it.
public struct OpenAIImageClient: ImageProvider {
    public struct Settings: Sendable, Equatable {
        /// e.g. `1024x1024`, `1536x1024`; nil: the server's default.
        public var size: String?
        /// Appended to every prompt (`"flat vector illustration, muted colours"`); nil: none.
        public var style: String?
        /// US dollars per image, for cost totals and budgets; nil: unpriced (0).
        public var pricePerImageUSD: Double?

        public init(size: String? = nil, style: String? = nil, pricePerImageUSD: Double? = nil) {
            self.size = size
            self.style = style
            self.pricePerImageUSD = pricePerImageUSD
        }
    }

    public let configuration: OpenAIChatClient.Configuration
    public let settings: Settings
    let calls: ProviderCalls

    public init(
        _ configuration: OpenAIChatClient.Configuration, settings: Settings = Settings(), policy: CallPolicy = CallPolicy(),
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
            image = try checked(bytes, declared: declared)
        } else if let address = item.url, address.hasPrefix("https://") || address.hasPrefix("http://") {
            let file = try await calls.call(.GET, address, headers: [])
            image = try checked(file.body, declared: file.header("Content-Type") ?? "")
        } else {
            throw ProviderError(
                provider: calls.provider, kind: .badReply, message: "the reply's image has neither b64_json nor an http(s) url")
        }
        return Generated(image, usage: TokenUsage(costUSD: settings.pricePerImageUSD ?? 0, calls: 1))
    }

    /// The request: `response_format` only for the models that take it (gpt-image models always
    /// answer in base64 and refuse the parameter).
    static func body(_ request: ImageRequest, model: String, settings: Settings) -> JSONValue {
        var prompt = request.prompt
        if let style = settings.style, !style.isEmpty { prompt += "\n\nStyle: \(style)" }
        var fields: [(String, JSONValue)] = [("model", .string(model)), ("prompt", .string(prompt)), ("n", .number(1))]
        if let size = settings.size { fields.append(("size", .string(size))) }
        if !model.hasPrefix("gpt-image") { fields.append(("response_format", .string("b64_json"))) }
        return .object(fields)
    }

    /// The checked image, or the refusal as a bad reply (not retried: asking again gets the same kind of bytes).
    private func checked(_ bytes: Data, declared: String) throws -> ImageData {
        do {
            return try ImageData.checked(bytes, declared: declared)
        } catch {
            throw ProviderError(provider: calls.provider, kind: .badReply, message: "the image is refused: \(error)")
        }
    }
}
