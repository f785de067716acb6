import Foundation

/// The offline embedding: what an article is about, as a vector. Its content words (function
/// words and words under three letters left out) are hashed into a fixed number of signed
/// buckets, each weighted by the square of how often the article uses it, then scaled to unit
/// length.
///
/// The square is the point: the subject of an article is what it keeps coming back to ("home
/// espresso" 22 times in a section list), while the offline writer's template phrases recur
/// in every article a few times each. Counting words once (v1 hashed every word and word pair)
/// made the template dominate: 4 of 12 articles on distinct seeds were taken for duplicates
/// (`urban cycling` at 0.91 against `home espresso`). With squared counts twelve distinct seeds
/// measure 0.56 at most (`OfflinePipelineTests`) and the same article twice 1.0. It knows nothing of meaning (synonyms
/// do not match), which is what a lexical duplicate check needs.
public struct ContentWordEmbedding: EmbeddingProvider {
    public let model = "offline-content-words-v2"
    public let dimension: Int

    public init(dimension: Int = 256) {
        self.dimension = dimension
    }

    public func embed(_ text: String) async throws -> Generated<[Float]> {
        Generated(vector(for: text))
    }

    public func vector(for text: String) -> [Float] {
        var counts: [String: Int] = [:]
        for word in TextShaping.words(text) where word.count >= 3 && !Self.functionWords.contains(word) {
            counts[word, default: 0] += 1
        }
        var vector = [Float](repeating: 0, count: dimension)
        // In a stable order, so that the sums (and the vector) are the same on every run.
        for (word, count) in counts.sorted(by: { $0.key < $1.key }) {
            let hash = StableHash.of(word)
            let bucket = Int(hash % UInt64(dimension))
            let weight = Float(count * count)
            vector[bucket] += (hash >> 63) == 0 ? weight : -weight
        }
        let length = sqrt(vector.reduce(0) { $0 + $1 * $1 })
        return length > 0 ? vector.map { $0 / length } : vector
    }

    /// English function words: frequent in every text, telling nothing of its subject. Words
    /// split at apostrophes (`TextShaping.words`), so "don't" is "don" here.
    static let functionWords: Set<String> = [
        "about", "above", "after", "again", "against", "all", "also", "and", "any", "are", "aren", "because", "been",
        "before", "being", "below", "between", "both", "but", "can", "cannot", "could", "couldn", "did", "didn", "does",
        "doesn", "doing", "don", "down", "during", "each", "few", "for", "from", "further", "get", "got", "had", "hadn",
        "has", "hasn", "have", "haven", "having", "her", "here", "hers", "herself", "him", "himself", "his", "how",
        "into", "isn", "its", "itself", "just", "like", "made", "make", "makes", "more", "most", "myself", "nor", "not",
        "now", "off", "once", "one", "only", "other", "ought", "our", "ours", "ourselves", "out", "over", "own", "same",
        "she", "should", "shouldn", "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves",
        "then", "there", "these", "they", "this", "those", "through", "too", "two", "under", "until", "very", "was",
        "wasn", "were", "weren", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "won",
        "would", "wouldn", "you", "your", "yours", "yourself", "yourselves",
    ]
}

/// Cosine similarity of two vectors of the same length.
public func cosineSimilarity(_ a: [Float], _ b: [Float]) -> Double {
    precondition(a.count == b.count, "vectors of different dimensions are never compared")
    var dot: Double = 0
    var normA: Double = 0
    var normB: Double = 0
    for index in a.indices {
        dot += Double(a[index]) * Double(b[index])
        normA += Double(a[index]) * Double(a[index])
        normB += Double(b[index]) * Double(b[index])
    }
    guard normA > 0, normB > 0 else { return 0 }
    return dot / (normA.squareRoot() * normB.squareRoot())
}
