import Foundation
import Logging
import PressworkCore
import PressworkPipeline

/// An OpenAI-compatible `/embeddings` client (OpenAI, Ollama, vLLM, LM Studio, …).
public struct OpenAIEmbeddingClient: EmbeddingProvider {
    public let configuration: OpenAIChatClient.Configuration
    public let dimension: Int
    let calls: ProviderCalls

    /// `dimension` is what the model returns; runs compare vectors of one model and dimension
    /// only, and a reply of another size fails the round. Defaults: 1536 for OpenAI's
    /// text-embedding-3-small and ada-002, 3072 for text-embedding-3-large.
    public init(_ configuration: OpenAIChatClient.Configuration, dimension: Int, policy: CallPolicy = CallPolicy(), logger: Logger) {
        self.configuration = configuration
        self.dimension = dimension
        self.calls = ProviderCalls(
            provider: "openai-embeddings(\(OpenAIChatClient.host(configuration.baseURL)))", policy: policy, logger: logger
        )
    }

    public static func knownDimension(of model: String) -> Int? {
        ["text-embedding-3-small": 1536, "text-embedding-ada-002": 1536, "text-embedding-3-large": 3072][model]
    }

    public var model: String { configuration.model }

    public func embed(_ text: String) async throws -> Generated<[Float]> {
        let body = JSONValue.object([("model", .string(configuration.model)), ("input", .string(text))])
        let reply = try await calls.postJSON(
            configuration.endpoint("/embeddings"), headers: configuration.authorization, body: Data(body.text.utf8)
        )
        struct Embeddings: Decodable {
            struct Item: Decodable { let embedding: [Float] }
            struct Usage: Decodable { let prompt_tokens: Int? }
            let data: [Item]
            let usage: Usage?
        }
        guard let decoded = try? JSONDecoder().decode(Embeddings.self, from: reply.body), let first = decoded.data.first else {
            throw ProviderError(provider: calls.provider, kind: .badReply,
                                message: "the reply is not an embedding list: \(reply.bodyPrefix(200))")
        }
        guard first.embedding.count == dimension else {
            throw ProviderError(
                provider: calls.provider, kind: .permanent,
                message: "\(configuration.model) returned \(first.embedding.count) dimensions; \(dimension) are configured"
            )
        }
        return Generated(first.embedding, usage: TokenUsage(input: decoded.usage?.prompt_tokens ?? 0, output: 0, calls: 1))
    }
}
