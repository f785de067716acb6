import Foundation

/// The offline embedding: words and word pairs hashed into a fixed number of signed buckets,
/// then scaled to unit length. Texts that share vocabulary and phrasing get a high cosine
/// similarity, unrelated texts a low one; it knows nothing of meaning (synonyms do not match),
/// which is what a lexical duplicate check needs.
public struct HashedNgramEmbedding: EmbeddingProvider {
    public let model = "offline-hashed-ngrams-v1"
    public let dimension: Int

    public init(dimension: Int = 256) {
        self.dimension = dimension
    }

    public func embed(_ text: String) async throws -> Generated<[Float]> {
        Generated(vector(for: text))
    }

    public func vector(for text: String) -> [Float] {
        var vector = [Float](repeating: 0, count: dimension)
        let words = TextShaping.words(text)
        func add(_ feature: String, weight: Float) {
            let hash = StableHash.of(feature)
            let bucket = Int(hash % UInt64(dimension))
            vector[bucket] += (hash >> 63) == 0 ? weight : -weight
        }
        for (index, word) in words.enumerated() {
            add(word, weight: 1)
            if index > 0 { add(words[index - 1] + " " + word, weight: 0.5) }
        }
        let length = sqrt(vector.reduce(0) { $0 + $1 * $1 })
        return length > 0 ? vector.map { $0 / length } : vector
    }
}

/// Cosine similarity of two vectors of the same length.
public func cosineSimilarity(_ a: [Float], _ b: [Float]) -> Double {
    precondition(a.count == b.count, "vectors of different dimensions are never compared")
    var dot: Double = 0, normA: Double = 0, normB: Double = 0
    for index in a.indices {
        dot += Double(a[index]) * Double(b[index])
        normA += Double(a[index]) * Double(a[index])
        normB += Double(b[index]) * Double(b[index])
    }
    guard normA > 0, normB > 0 else { return 0 }
    return dot / (normA.squareRoot() * normB.squareRoot())
}
