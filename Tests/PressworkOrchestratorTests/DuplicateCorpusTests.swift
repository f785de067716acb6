import Foundation
import PostgresClient
import PostgresTestSupport
import PressworkCore
import PressworkStore
import TestSupport
import Testing

@testable import PressworkOrchestrator

/// The duplicate check's search in Postgres (sign-code prefilter, exact cosine ranking) finds the
/// neighbours an exact scan finds, with exact similarities, among `done` runs only.
@Suite struct DuplicateCorpusTests {
    @Test(arguments: [50, 384])
    func plantedNeighboursAreFoundAsAnExactScanFindsThem(dimension: Int) async throws {
        let pool = try await TestDatabase.makePool("corpus\(dimension)")
        _ = try await Migrator().migrate(pool)
        // Seeded: the same corpus every run. Random directions in 50 dimensions reach a cosine of
        // about 0.5 with the probe among 3,000 (the spread is 1/√50 ≈ 0.14), so the farthest
        // planted neighbour sits at 0.68, well clear of chance.
        var generator = SeededGenerator(seed: UInt64(dimension))
        func random() -> [Float] { (0..<dimension).map { _ in Float.random(in: -1...1, using: &generator) } }
        func unit(_ vector: [Float]) -> [Float] {
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return vector.map { $0 / norm }
        }
        let probe = unit(random())
        // Vectors at chosen similarities to the probe: the probe's share plus an orthogonal rest.
        func planted(similarity: Float) -> [Float] {
            var noise = random()
            let along = zip(noise, probe).reduce(0) { $0 + $1.0 * $1.1 }
            noise = unit(zip(noise, probe).map { $0 - along * $1 })
            return zip(probe, noise).map { similarity * $0 + (1 - similarity * similarity).squareRoot() * $1 }
        }
        // 3,000 unrelated articles (random directions: similarity near 0), then the neighbours.
        var stored: [(RunID, String, [Float])] = (0..<3_000).map { _ in (RunID.make(), "done", random()) }
        let near = [(Float(0.97), "near copy"), (0.88, "same story"), (0.78, "same topic"), (0.68, "related")]
        let plantedRows = near.map { (RunID.make(), $0.1, planted(similarity: $0.0)) }
        stored += plantedRows.map { ($0.0, "done", $0.2) }
        // Closer than all of them, but not candidates: a failed run, a run still going, and the
        // run's own lineage (excluded by the caller).
        let failed = RunID.make()
        let running = RunID.make()
        let ancestor = RunID.make()
        stored += [(failed, "error", probe), (running, "running", probe), (ancestor, "done", probe)]
        for (id, status, values) in stored {
            let title = plantedRows.first { $0.0 == id }?.1 ?? "unrelated"
            _ = try await pool.query(
                """
                WITH run AS (
                    INSERT INTO runs (id, params, status, pipeline_version, trigger, started_at, finished_at)
                    VALUES (\(id), '{"seeds": ["corpus"]}', \(status), 'test', '{"kind": "cli"}', now(),
                            CASE WHEN \(status) IN ('done', 'error') THEN now() END)
                    RETURNING id
                )
                INSERT INTO vectors (run_id, model, dimension, embedding, title)
                SELECT id, 'test-model', \(dimension), \(values)::real[], \(title) FROM run
                """)
        }
        _ = try await pool.query("ANALYZE vectors")

        let corpus = DuplicateCorpus(store: RunStore(pool: pool))
        let found = try await corpus.nearest(
            to: probe, model: "test-model", dimension: dimension, limit: 4, excluding: [ancestor]
        )
        #expect(found.map(\.title) == near.map(\.1))
        for (neighbor, (similarity, _)) in zip(found, near) {
            #expect(abs(neighbor.similarity - Double(similarity)) < 1e-3, "\(neighbor.title): \(neighbor.similarity)")
        }
        #expect(!found.contains { [failed, running, ancestor].map { $0.description }.contains($0.runId) })

        // The candidates' embeddings stay cached, as stored; the next check answers the same as
        // a corpus that caches nothing.
        let cached = corpus.cache.embeddings(of: plantedRows.map(\.0), model: "test-model")
        #expect(plantedRows.allSatisfy { cached[$0.0] == $0.2 })
        let again = try await corpus.nearest(to: probe, model: "test-model", dimension: dimension, limit: 4, excluding: [ancestor])
        let uncached = DuplicateCorpus(store: RunStore(pool: pool), cacheBytes: 0)
        let fresh = try await uncached.nearest(to: probe, model: "test-model", dimension: dimension, limit: 4, excluding: [ancestor])
        #expect(again == found && fresh == found)
        #expect(uncached.cache.usage.entries == 0)

        // Another model's vectors and a zero probe find nothing; the code is the one SQL computes.
        #expect(try await corpus.nearest(to: probe, model: "other", dimension: dimension, limit: 4, excluding: []).isEmpty)
        #expect(
            try await corpus.nearest(
                to: [Float](repeating: 0, count: dimension), model: "test-model",
                dimension: dimension, limit: 4, excluding: []
            ).isEmpty)
        let code = try await pool.query("SELECT presswork_sign_code('{1.5,-2,0,0.25}'::real[])::text AS code").scalar(String.self)
        #expect(code == "1001")
        await pool.close()
    }
}
