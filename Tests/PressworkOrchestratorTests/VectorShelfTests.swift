import Foundation
@testable import PressworkOrchestrator
import PressworkPipeline
import PressworkStore
import Testing

/// The in-memory index behind the duplicate check agrees with a plain cosine similarity.
@Suite struct VectorShelfTests {
    @Test(arguments: [50, 384])
    func nearestMatchesBruteForceCosine(dimension: Int) {
        var generator = SystemRandomNumberGenerator()
        let shelf = VectorShelf(dimension: dimension)
        var stored: [(UUID, [Float])] = []
        // More rows than one chunk, and a dimension that is not a multiple of 16 (the SIMD tail).
        for index in 0..<2_500 {
            let values = index == 7 ? [Float](repeating: 0, count: dimension)
                : (0..<dimension).map { _ in Float.random(in: -1...1, using: &generator) }
            let id = UUID()
            stored.append((id, values))
            shelf.append(PublishedVector(runID: id, title: "t\(index)", values: values, finishedAt: Date()))
        }
        let probe = stored[42].1.enumerated().map { $0.offset % 3 == 0 ? $0.element : $0.element * 0.9 }
        let excluded = stored[1].0
        let expected = stored.filter { $0.0 != excluded }
            .map { ($0.0, cosineSimilarity($0.1, probe)) }
            .sorted { $0.1 > $1.1 }
            .prefix(5)
        let found = shelf.snapshot().nearest(to: probe, limit: 5, excluding: [excluded])
        #expect(found.map(\.runId) == expected.map { $0.0.uuidString.lowercased() })
        for (neighbor, (_, similarity)) in zip(found, expected) {
            #expect(abs(neighbor.similarity - similarity) < 1e-4)
        }
        #expect(found.first?.runId == stored[42].0.uuidString.lowercased())
        // A snapshot sees the rows of its moment; later appends do not disturb it.
        let snapshot = shelf.snapshot()
        shelf.append(PublishedVector(runID: UUID(), title: "late", values: probe, finishedAt: Date()))
        #expect(snapshot.nearest(to: probe, limit: 1, excluding: [excluded]).first?.title == "t42")
        #expect(shelf.snapshot().nearest(to: probe, limit: 1, excluding: [excluded]).first?.title == "late")
    }
}
