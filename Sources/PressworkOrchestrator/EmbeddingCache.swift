import PressworkCore
import Synchronization

/// The embeddings of finished runs this process has read for the duplicate check, so that a
/// check fetches from Postgres only the candidates it has not seen. Fetching, sending and decoding
/// 512 candidates' embeddings was most of a check's cost (BENCHMARKS.md), and the same
/// candidates come back check after check: the articles on one subject are each other's
/// neighbours.
///
/// Never stale: a stored vector does not change (round 6 writes it once, with its artifact; a
/// reprocess is a new run), and the prefilter names only runs whose vectors exist, so an entry
/// of a pruned run is just never asked for again and ages out.
///
/// Bounded by bytes, in two generations: new entries go to the young one, a hit in the old one
/// moves the entry to the young one, and when the young one holds half the budget the old one is
/// dropped and the young one becomes old. So the cache never holds more than its budget, keeps
/// what checks keep asking for, and needs no bookkeeping per entry (an approximation of LRU).
final class EmbeddingCache: Sendable {
    struct Key: Hashable {
        let runID: RunID
        let model: String
    }

    private struct Generations {
        var young: [Key: [Float]] = [:]
        var old: [Key: [Float]] = [:]
        /// What `young` holds, kept as it fills: it decides when the generation retires.
        var youngBytes = 0
    }

    /// The most bytes of embeddings held (each float 4 bytes; keys and tables not counted).
    let budgetBytes: Int
    private let generations = Mutex(Generations())

    init(budgetBytes: Int) {
        self.budgetBytes = max(0, budgetBytes)
    }

    /// The embeddings of `model` among `runIDs` that are cached.
    func embeddings(of runIDs: [RunID], model: String) -> [RunID: [Float]] {
        generations.withLock { state in
            var found: [RunID: [Float]] = [:]
            for runID in runIDs {
                let key = Key(runID: runID, model: model)
                if let values = state.young[key] {
                    found[runID] = values
                } else if let values = state.old.removeValue(forKey: key) {
                    found[runID] = values
                    keep(key, values, in: &state)
                }
            }
            return found
        }
    }

    /// Keeps `embeddings` of `model`, read from the store.
    func insert(_ embeddings: [RunID: [Float]], model: String) {
        generations.withLock { state in
            for (runID, values) in embeddings { keep(Key(runID: runID, model: model), values, in: &state) }
        }
    }

    /// Entries and bytes held (the tests read it).
    var usage: (entries: Int, bytes: Int) {
        generations.withLock { state in
            let entries = Array(state.young.values) + Array(state.old.values)
            return (entries.count, entries.reduce(0) { $0 + $1.count * 4 })
        }
    }

    private func keep(_ key: Key, _ values: [Float], in state: inout Generations) {
        let bytes = values.count * 4
        // An embedding larger than a generation is not worth holding.
        guard bytes <= budgetBytes / 2 else { return }
        if state.youngBytes + bytes > budgetBytes / 2 {
            state.old = state.young
            state.young = [:]
            state.youngBytes = 0
        }
        if let replaced = state.young.updateValue(values, forKey: key) { state.youngBytes -= replaced.count * 4 }
        state.youngBytes += bytes
    }
}
