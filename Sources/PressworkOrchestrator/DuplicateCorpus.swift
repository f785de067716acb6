import Foundation
import PressworkCore
import PressworkPipeline
import PressworkStore

/// Round 6's search of earlier finished articles for the duplicate check: the nearest by cosine
/// similarity among `done` runs' vectors of the same model and dimension.
///
/// Postgres does the search and no process holds the corpus: a prefilter ranks stored vectors
/// by the Hamming distance between sign codes (one bit per dimension, computed and indexed by the
/// database; migration 0021), and only the best `candidates` are fetched and ranked exactly here;
/// titles and links are then read for the neighbours kept, not for every candidate.
/// Once maintenance has trained code lists for the model (migration 0025, VectorListIndexer),
/// the prefilter reads only the `probes` lists nearest to the probe, so a check's cost grows
/// with the lists' size (about the square root of the corpus), not with the corpus. A process's
/// memory and its first check's time do not grow with the corpus (an earlier design loaded every
/// vector into each process: 150 MB and 14 s at 100,000 vectors); the candidates' embeddings it
/// has read stay in a cache of bounded size (`EmbeddingCache`, 32 MiB by default), so that a
/// check fetches only those it has not seen. The exact ranking of the candidates keeps the
/// similarities exact; what the prefilter can cost is a neighbour it ranked below the candidates
/// or left in a list it did not read: recall is measured in BENCHMARKS.md.
public struct DuplicateCorpus: Sendable {
    private let store: RunStore
    /// How many vectors the prefilter passes on to the exact ranking, at least. 512: at a
    /// million vectors around a thousand topics, 256 let 4 % of new articles on a stored topic
    /// miss their exact nearest (a topic's thousand articles are all about as similar), 512 one
    /// in a hundred, at 46.5 ms p95 against 44.7 (BENCHMARKS.md).
    public let candidates: Int
    /// How many code lists of each generation the prefilter reads (BENCHMARKS.md measures the
    /// recall this buys).
    public let probes: Int

    /// Embeddings already read; shared by every check of the process.
    let cache: EmbeddingCache

    /// `cacheBytes`: the most embedding bytes kept between checks (0 keeps none). 32 MiB hold
    /// about 21,000 vectors of 384 dimensions, 5,000 of 1,536.
    public init(store: RunStore, candidates: Int = 512, probes: Int = 48, cacheBytes: Int = 32 << 20) {
        self.store = store
        self.candidates = max(1, candidates)
        self.probes = max(1, probes)
        self.cache = EmbeddingCache(budgetBytes: cacheBytes)
    }

    /// Keeps the vector this process has just stored for `runID` (round 6's commit) in the
    /// cache, so that later checks find it without fetching it: a stored vector never changes,
    /// and a process's own runs are the candidates it would otherwise fetch most (under
    /// `scripts/profile-inflight`, four of five checks fetched some, 2–4 ms each).
    func remember(_ vector: StoredVector, of runID: RunID) {
        cache.insert([runID: vector.values], model: vector.model)
    }

    /// The `limit` nearest finished runs to `vector` (same model and dimension), most similar
    /// first, leaving out the runs in `excluded` (the run itself and the runs it descends from).
    public func nearest(
        to vector: [Float], model: String, dimension: Int, limit: Int, excluding excluded: Set<RunID>
    ) async throws -> [Neighbor] {
        guard limit > 0, dimension > 0, vector.count == dimension else { return [] }
        let probeNorm = vector.withUnsafeBufferPointer { VectorMath.dot($0.baseAddress!, $0.baseAddress!, dimension) }.squareRoot()
        // A zero vector is similar to nothing.
        guard probeNorm > 0 else { return [] }
        let found = try await store.nearestByCode(
            to: vector, model: model, dimension: dimension,
            candidates: max(candidates, limit * 8), probes: probes, excluding: Array(excluded)
        )
        var embeddings = cache.embeddings(of: found, model: model)
        let missing = found.filter { embeddings[$0] == nil }
        if !missing.isEmpty {
            let fetched = try await store.embeddings(of: missing, model: model)
            cache.insert(fetched, model: model)
            embeddings.merge(fetched) { cached, _ in cached }
        }
        let ranked: [(RunID, Float)] = vector.withUnsafeBufferPointer { probe in
            found.compactMap { runID -> (RunID, Float)? in
                guard let values = embeddings[runID], values.count == dimension else { return nil }
                return values.withUnsafeBufferPointer { stored in
                    let norm = VectorMath.dot(stored.baseAddress!, stored.baseAddress!, dimension).squareRoot()
                    guard norm > 0 else { return nil }
                    return (runID, VectorMath.dot(stored.baseAddress!, probe.baseAddress!, dimension) / (norm * probeNorm))
                }
            }
        }
        let kept = ranked.sorted { $0.1 > $1.1 }.prefix(limit)
        let similarities = Dictionary(kept.map { ($0.0, $0.1) }, uniquingKeysWith: { first, _ in first })
        // Titles and links for the few kept, in their order; one pruned meanwhile is left out.
        return try await store.publishedArticles(kept.map(\.0), model: model).map { article in
            Neighbor(
                runId: article.runID.description, title: article.title,
                similarity: Double(similarities[article.runID] ?? 0), link: article.link)
        }
    }
}

enum VectorMath {
    /// Σ aᵢbᵢ over `count` floats, 16 lanes at a time in two accumulators (SIMD8 maps onto AVX or
    /// two SSE registers; a plain loop does not vectorize, since float addition is not associative).
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        let rawA = UnsafeRawPointer(a)
        let rawB = UnsafeRawPointer(b)
        var first = SIMD8<Float>()
        var second = SIMD8<Float>()
        var index = 0
        while index + 16 <= count {
            let offset = index * MemoryLayout<Float>.stride
            first +=
                rawA.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                * rawB.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            second +=
                rawA.loadUnaligned(fromByteOffset: offset + 32, as: SIMD8<Float>.self)
                * rawB.loadUnaligned(fromByteOffset: offset + 32, as: SIMD8<Float>.self)
            index += 16
        }
        var sum = (first + second).sum()
        while index < count {
            sum += a[index] * b[index]
            index += 1
        }
        return sum
    }
}
