import Foundation
import PressworkCore
import PressworkPipeline
import PressworkStore
import Synchronization

/// Earlier finished articles' vectors, held in memory per orchestrator and refreshed
/// incrementally, for round 6's duplicate check: an in-process index kept in step with the
/// `vectors` table.
///
/// Comparing in SQL costs ~75 µs per stored vector (an `unnest` per row), which grows with every
/// published post; here a refresh fetches only runs finished since the last one, and the
/// comparison is a SIMD dot product per vector over contiguous memory (100,000 vectors of 384
/// dimensions: see BENCHMARKS.md). That is correct because a `done` run's vector never changes
/// (done is final, and pruning keeps published vectors). Refreshes look back a margin before the
/// previous refresh's server time, so that a run whose commit became visible only after that
/// moment (its `finished_at` is its statement's start) is not missed; the runs already held are
/// named in the query and left out.
public final class DuplicateCorpus: Sendable {
    private let store: RunStore
    private let shelves = Mutex<[String: VectorShelf]>([:])
    /// How far before the last refresh the next one looks again: far longer than a commit takes
    /// to become visible after its statement started (milliseconds; seconds under heavy load).
    static let margin: TimeInterval = 10

    public init(store: RunStore) {
        self.store = store
    }

    /// The `limit` nearest finished runs to `vector` (same model and dimension), most similar
    /// first, leaving out the runs in `excluded` (the run itself and the runs it descends from).
    public func nearest(
        to vector: [Float], model: String, dimension: Int, limit: Int, excluding excluded: Set<UUID>
    ) async throws -> [Neighbor] {
        let key = "\(model)#\(dimension)"
        let (since, known): (Date?, [UUID]) = shelves.withLock { shelves in
            guard let shelf = shelves[key], let refreshed = shelf.refreshedAt else { return (nil, []) }
            let since = refreshed.addingTimeInterval(-Self.margin)
            return (since, shelf.runs(finishedSince: since))
        }
        let (fresh, serverTime) = try await store.finishedVectors(
            model: model, dimension: dimension, finishedSince: since, known: known
        )
        let snapshot = shelves.withLock { shelves in
            let shelf = shelves[key] ?? VectorShelf(dimension: dimension)
            for vector in fresh where vector.values.count == dimension { shelf.append(vector) }
            shelf.refreshedAt = max(shelf.refreshedAt ?? serverTime, serverTime)
            shelves[key] = shelf
            return shelf.snapshot()
        }
        // The scan runs outside the lock: the snapshot's rows never change or move.
        return snapshot.nearest(to: vector, limit: limit, excluding: excluded)
    }
}

/// One model's vectors, append-only, in fixed-size chunks that never move: a snapshot taken
/// under the corpus's lock can be scanned without it while a later refresh appends behind it.
/// Every mutation happens under that lock.
final class VectorShelf: @unchecked Sendable {
    static let chunkRows = 1024

    let dimension: Int
    var refreshedAt: Date?
    private var chunks: [UnsafeMutablePointer<Float>] = []
    private var ids: [UUID] = []
    private var titles: [String] = []
    private var finishedAt: [Date] = []
    /// 1/‖v‖, or 0 for a zero vector (similar to nothing).
    private var inverseNorms: [Float] = []
    private var rows: [UUID: Int] = [:]

    init(dimension: Int) {
        self.dimension = dimension
    }

    deinit {
        for chunk in chunks { chunk.deallocate() }
    }

    var count: Int { ids.count }

    func runs(finishedSince date: Date) -> [UUID] {
        // Rows arrive roughly in finishing order: walk back from the newest.
        var found: [UUID] = []
        for row in stride(from: count - 1, through: 0, by: -1) where finishedAt[row] >= date {
            found.append(ids[row])
        }
        return found
    }

    func append(_ vector: PublishedVector) {
        guard rows[vector.runID] == nil else { return }
        let row = count
        if row / Self.chunkRows == chunks.count {
            chunks.append(.allocate(capacity: Self.chunkRows * dimension))
        }
        let target = chunks[row / Self.chunkRows] + (row % Self.chunkRows) * dimension
        vector.values.withUnsafeBufferPointer { target.update(from: $0.baseAddress!, count: dimension) }
        let norm = VectorMath.dot(target, target, dimension).squareRoot()
        ids.append(vector.runID)
        titles.append(vector.title)
        finishedAt.append(vector.finishedAt)
        inverseNorms.append(norm > 0 ? 1 / norm : 0)
        rows[vector.runID] = row
    }

    func snapshot() -> Snapshot {
        Snapshot(shelf: self, chunks: chunks, ids: ids, titles: titles, inverseNorms: inverseNorms, dimension: dimension)
    }

    /// The first `ids.count` rows of a shelf as they were; keeps the shelf (and its memory) alive.
    struct Snapshot: @unchecked Sendable {
        let shelf: VectorShelf
        let chunks: [UnsafeMutablePointer<Float>]
        let ids: [UUID]
        let titles: [String]
        let inverseNorms: [Float]
        let dimension: Int

        func nearest(to probe: [Float], limit: Int, excluding excluded: Set<UUID>) -> [Neighbor] {
            guard probe.count == dimension, limit > 0 else { return [] }
            let probeNorm = probe.withUnsafeBufferPointer { VectorMath.dot($0.baseAddress!, $0.baseAddress!, dimension) }.squareRoot()
            guard probeNorm > 0 else { return [] }
            // The best `limit` rows, kept sorted, most similar first: no array of every score.
            var best: [(row: Int, similarity: Float)] = []
            best.reserveCapacity(limit + 1)
            probe.withUnsafeBufferPointer { probeBuffer in
                let probePointer = probeBuffer.baseAddress!
                let scale = 1 / probeNorm
                for row in 0..<ids.count where inverseNorms[row] > 0 {
                    let vector = UnsafePointer(chunks[row / VectorShelf.chunkRows] + (row % VectorShelf.chunkRows) * dimension)
                    let similarity = VectorMath.dot(vector, probePointer, dimension) * inverseNorms[row] * scale
                    if best.count == limit, let worst = best.last, similarity <= worst.similarity { continue }
                    if !excluded.isEmpty, excluded.contains(ids[row]) { continue }
                    let position = best.firstIndex { $0.similarity < similarity } ?? best.count
                    best.insert((row, similarity), at: position)
                    if best.count > limit { best.removeLast() }
                }
            }
            return best.map {
                Neighbor(runId: ids[$0.row].uuidString.lowercased(), title: titles[$0.row], similarity: Double($0.similarity))
            }
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
            first += rawA.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                * rawB.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            second += rawA.loadUnaligned(fromByteOffset: offset + 32, as: SIMD8<Float>.self)
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
