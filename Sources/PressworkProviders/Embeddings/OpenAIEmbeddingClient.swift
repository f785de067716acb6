import Foundation
import Logging
import PressworkCore
import PressworkPipeline

/// An OpenAI-compatible `/embeddings` client (OpenAI, Ollama, vLLM, LM Studio, …).
///
/// A model sees at most its input window (all-MiniLM-L6-v2: 256 tokens; a server keeps the
/// first ones and drops the rest, silently). So that the duplicate check compares whole
/// articles, a text longer than the window goes as window-sized chunks of whole words, in one
/// request, and the article's vector pools the chunks' (`pooled`). Measured on the
/// near-duplicate set (BENCHMARKS.md): the first 256 tokens alone missed 9 of 30
/// near-duplicates at the default threshold.
public struct OpenAIEmbeddingClient: EmbeddingProvider {
    public let configuration: OpenAIChatClient.Configuration
    public let dimension: Int
    /// The model's input window in tokens; nil: the whole text goes as one input.
    public let window: Int?
    let calls: ProviderCalls

    /// `dimension` is what the model returns; runs compare vectors of one model and dimension
    /// only, and a reply of another size fails the round. Defaults: 1536 for OpenAI's
    /// text-embedding-3-small and ada-002, 3072 for text-embedding-3-large.
    public init(
        _ configuration: OpenAIChatClient.Configuration, dimension: Int, window: Int? = nil, policy: CallPolicy = CallPolicy(),
        logger: Logger
    ) {
        self.configuration = configuration
        self.dimension = dimension
        self.window = window
        self.calls = ProviderCalls(
            provider: "openai-embeddings(\(OpenAIChatClient.host(configuration.baseURL)))", policy: policy, logger: logger
        )
    }

    public static func knownDimension(of model: String) -> Int? {
        [
            "text-embedding-3-small": 1536, "text-embedding-ada-002": 1536, "text-embedding-3-large": 3072,
            "all-MiniLM-L6-v2": 384, "all-minilm": 384,
        ][model]
    }

    /// Input windows of known models, in tokens.
    public static func knownWindow(of model: String) -> Int? {
        [
            "text-embedding-3-small": 8191, "text-embedding-ada-002": 8191, "text-embedding-3-large": 8191,
            "all-MiniLM-L6-v2": 256, "all-minilm": 256,
        ][model]
    }

    public var model: String { configuration.model }

    public func embed(_ text: String) async throws -> Generated<[Float]> {
        let chunks = Self.chunks(text, window: window)
        let input: JSONValue = chunks.count == 1 ? .string(chunks[0]) : .array(chunks.map(JSONValue.string))
        let body = JSONValue.object([("model", .string(configuration.model)), ("input", input)])
        let reply = try await calls.postJSON(
            configuration.endpoint("/embeddings"), headers: configuration.authorization, body: Data(body.text.utf8)
        )
        struct Embeddings: Decodable {
            struct Item: Decodable {
                let embedding: [Float]
                let index: Int?
            }
            struct Usage: Decodable { let prompt_tokens: Int? }
            let data: [Item]
            let usage: Usage?
        }
        guard let decoded = try? JSONDecoder().decode(Embeddings.self, from: reply.body), decoded.data.count == chunks.count else {
            throw ProviderError(
                provider: calls.provider, kind: .badReply,
                message: "the reply is not a list of \(chunks.count) embeddings: \(reply.bodyPrefix(200))")
        }
        if let wrong = decoded.data.first(where: { $0.embedding.count != dimension }) {
            throw ProviderError(
                provider: calls.provider, kind: .permanent,
                message: "\(configuration.model) returned \(wrong.embedding.count) dimensions; \(dimension) are configured"
            )
        }
        let ordered = decoded.data.enumerated().sorted { ($0.element.index ?? $0.offset) < ($1.element.index ?? $1.offset) }
        let vectors = ordered.map(\.element.embedding)
        let weights = chunks.map { Float(TextShaping.words($0).count) }
        let usage = TokenUsage(input: decoded.usage?.prompt_tokens ?? 0, output: 0, calls: 1)
        return Generated(Self.pooled(vectors, weights: weights), usage: usage)
    }

    /// Words per chunk for a window of `window` tokens: English averages about 1.3 WordPiece or
    /// BPE tokens a word, and markup-free prose a little less; 0.7 leaves room for long words.
    static func wordsPerChunk(window: Int) -> Int {
        max(16, Int(Double(window) * 0.7))
    }

    /// The text as chunks of whole words that fit the window, the last one merged into the one
    /// before it when it is less than a quarter of a chunk (a stub would weigh on the mean).
    static func chunks(_ text: String, window: Int?) -> [String] {
        guard let window else { return [text] }
        let size = wordsPerChunk(window: window)
        let words = text.split(whereSeparator: { $0.isWhitespace })
        guard words.count > size else { return [text] }
        var chunks: [[Substring]] = stride(from: 0, to: words.count, by: size).map { Array(words[$0..<min($0 + size, words.count)]) }
        if chunks.count > 1, let last = chunks.last, last.count < size / 4 {
            chunks.removeLast()
            chunks[chunks.count - 1] += last
        }
        return chunks.map { $0.joined(separator: " ") }
    }

    /// Mean and max pooling together: the length-weighted mean of the chunks' unit vectors and
    /// their element-wise maximum, each at unit length, summed and scaled to unit length.
    ///
    /// The mean alone averages an article towards its topic, so two distinct articles on one
    /// seed drew close (on the near-duplicate set, one pair at 0.905 against a threshold of
    /// 0.9); the maximum keeps what is particular to each chunk. See BENCHMARKS.md.
    static func pooled(_ vectors: [[Float]], weights: [Float]) -> [Float] {
        guard vectors.count > 1, let dimension = vectors.first?.count else { return vectors.first ?? [] }
        var mean = [Float](repeating: 0, count: dimension)
        var maximum = [Float](repeating: -.infinity, count: dimension)
        for (vector, weight) in zip(vectors, weights) {
            // Every chunk takes part in the maximum (a zero vector too, so it is never -∞);
            // a zero vector adds nothing to the mean.
            for index in 0..<dimension { maximum[index] = max(maximum[index], vector[index]) }
            let length = sqrt(vector.reduce(0) { $0 + $1 * $1 })
            guard length > 0 else { continue }
            for index in 0..<dimension { mean[index] += vector[index] / length * weight }
        }
        let pooled = zip(unit(mean), unit(maximum)).map { $0 + $1 }
        return unit(pooled)
    }

    private static func unit(_ vector: [Float]) -> [Float] {
        let length = sqrt(vector.reduce(0) { $0 + $1 * $1 })
        return length > 0 ? vector.map { $0 / length } : vector
    }
}
