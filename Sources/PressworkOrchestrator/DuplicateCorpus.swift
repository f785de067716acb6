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
/// a margin before the previous refresh's server time, so that a run whose commit became visible
/// only after that moment (its `finished_at` is its statement's start) is not missed; the runs
/// already held are named in the query and left out.
final class DuplicateCorpus: Sendable {
    private struct Entry {
        let title: String
        let values: [Float]
        let norm: Float
        let finishedAt: Date
    }

    private struct Shelf {
        var entries: [UUID: Entry] = [:]
        var refreshedAt: Date?
    }

    private let store: RunStore
    private let shelves = Mutex<[String: Shelf]>([:])
    /// How far before the last refresh the next one looks again: far longer than a commit takes
    /// to become visible after its statement started (milliseconds; seconds under heavy load).
    static let margin: TimeInterval = 10

    init(store: RunStore) {
        self.store = store
    }

    func nearest(
        to vector: [Float], model: String, dimension: Int, limit: Int, excluding runID: UUID
    ) async throws -> [Neighbor] {
        let key = "\(model)#\(dimension)"
        let (since, known): (Date?, [UUID]) = shelves.withLock { shelves in
            guard let shelf = shelves[key], let refreshed = shelf.refreshedAt else { return (nil, []) }
            let since = refreshed.addingTimeInterval(-Self.margin)
            return (since, shelf.entries.filter { $0.value.finishedAt >= since }.map(\.key))
        }
        let (fresh, serverTime) = try await store.finishedVectors(
            model: model, dimension: dimension, finishedSince: since, known: known
        )
        let entries = shelves.withLock { shelves in
            var shelf = shelves[key] ?? Shelf()
            for vector in fresh where vector.values.count == dimension {
                shelf.entries[vector.runID] = Entry(
                    title: vector.title, values: vector.values, norm: Self.norm(vector.values), finishedAt: vector.finishedAt
                )
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
