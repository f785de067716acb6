import Foundation
import PressworkCore
import PressworkPipeline
import PressworkStore
import Synchronization

/// Earlier finished articles' vectors, held in memory per orchestrator and refreshed
/// incrementally, for round 6's duplicate check.
///
/// Comparing in SQL costs ~75 µs per stored vector (an `unnest` per row), which grows with every
/// published post; here a refresh fetches only runs finished since the last one, and the
/// comparison is a dot product per vector in memory. That is correct because a `done` run's
/// vector never changes (done is final, and pruning keeps published vectors). Refreshes look back
/// a margin before the previous refresh's server time, so that a run whose commit landed just
/// after that moment is not missed; fetching one twice only replaces it.
final class DuplicateCorpus: Sendable {
    private struct Entry {
        let title: String
        let values: [Float]
        let norm: Float
    }

    private struct Shelf {
        var entries: [UUID: Entry] = [:]
        var refreshedAt: Date?
    }

    private let store: RunStore
    private let shelves = Mutex<[String: Shelf]>([:])
    /// How far before the last refresh the next one looks again.
    static let margin: TimeInterval = 300

    init(store: RunStore) {
        self.store = store
    }

    func nearest(
        to vector: [Float], model: String, dimension: Int, limit: Int, excluding runID: UUID
    ) async throws -> [Neighbor] {
        let key = "\(model)#\(dimension)"
        let since = shelves.withLock { $0[key]?.refreshedAt }.map { $0.addingTimeInterval(-Self.margin) }
        let (fresh, serverTime) = try await store.finishedVectors(model: model, dimension: dimension, finishedSince: since)
        let entries = shelves.withLock { shelves in
            var shelf = shelves[key] ?? Shelf()
            for vector in fresh where vector.values.count == dimension {
                shelf.entries[vector.runID] = Entry(title: vector.title, values: vector.values, norm: Self.norm(vector.values))
            }
            shelf.refreshedAt = max(shelf.refreshedAt ?? serverTime, serverTime)
            shelves[key] = shelf
            return shelf.entries
        }
        let probeNorm = Self.norm(vector)
        guard probeNorm > 0 else { return [] }
        var scored: [Neighbor] = []
        scored.reserveCapacity(entries.count)
        for (id, entry) in entries where id != runID && entry.norm > 0 {
            var dot: Float = 0
            for index in 0..<dimension { dot += entry.values[index] * vector[index] }
            scored.append(Neighbor(
                runId: id.uuidString.lowercased(), title: entry.title, similarity: Double(dot / (entry.norm * probeNorm))
            ))
        }
        return Array(scored.sorted { $0.similarity > $1.similarity }.prefix(limit))
    }

    static func norm(_ values: [Float]) -> Float {
        values.reduce(0) { $0 + $1 * $1 }.squareRoot()
    }
}
