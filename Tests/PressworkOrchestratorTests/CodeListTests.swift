import Foundation
import PostgresClient
import PostgresTestSupport
import PressworkCore
import PressworkOrchestrator
import PressworkStore
import TestSupport
import Testing

/// The duplicate check's code lists (migration 0025, VectorListIndexer) on a real Postgres: a
/// corpus that reaches the policy's size gets lists, new vectors join them on insert, a check
/// reading a few lists finds the nearest neighbour an exact scan finds, and a move between
/// generations interrupted half-way loses no vector to the search and is finished by the next
/// refresh.
@Suite struct CodeListTests {
    static let dimension = 64
    static let model = "lists-model"

    /// A corpus around topics, as a blog's articles cluster by subject: a topic's articles are
    /// its centre plus as much noise (about 0.5 similar to each other).
    struct Corpus {
        var generator = SeededGenerator(seed: 25)
        var topics: [[Float]] = []
        var stored: [(RunID, [Float])] = []

        mutating func random() -> [Float] { (0..<CodeListTests.dimension).map { _ in Float.random(in: -0.5...0.5, using: &generator) } }

        mutating func article() -> [Float] {
            let topic = topics[Int.random(in: 0..<topics.count, using: &generator)]
            return zip(topic, random()).map { $0 + $1 }
        }

        /// Stores `count` finished runs with articles, in one statement.
        mutating func add(_ count: Int, _ pool: PostgresConnectionPool) async throws {
            var ids: [RunID] = []
            var texts: [String] = []
            for _ in 0..<count {
                let (id, values) = (RunID.make(), article())
                ids.append(id)
                texts.append("{" + values.map { "\($0)" }.joined(separator: ",") + "}")
                stored.append((id, values))
            }
            _ = try await pool.query(
                """
                WITH new AS (SELECT * FROM unnest(\(ids)::uuid[], \(texts)::text[]) AS new(id, embedding)),
                runs AS (
                    INSERT INTO runs (id, params, status, pipeline_version, trigger, started_at, finished_at)
                    SELECT id, '{"seeds": ["lists"]}', 'done', 'test', '{"kind": "cli"}', now(), now() FROM new
                )
                INSERT INTO vectors (run_id, model, dimension, embedding, title)
                SELECT id, \(CodeListTests.model), \(CodeListTests.dimension), embedding::real[], 'article' FROM new
                """)
        }

        func exactNearest(_ probe: [Float]) -> RunID {
            func cosine(_ a: [Float], _ b: [Float]) -> Float {
                let dot = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
                return dot / (a.reduce(0) { $0 + $1 * $1 }.squareRoot() * b.reduce(0) { $0 + $1 * $1 }.squareRoot())
            }
            return stored.max { cosine($0.1, probe) < cosine($1.1, probe) }!.0
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func aCheckReadingAFewListsFindsWhatAnExactScanFinds() async throws {
        let pool = try await TestDatabase.makePool("codelists")
        _ = try await Migrator().migrate(pool)
        let store = RunStore(pool: pool)
        var corpus = Corpus()
        corpus.topics = (0..<30).map { _ in corpus.random() }
        let policy = VectorListIndexer.Policy(minimumVectors: 2_000, growth: 4, samplePerList: 40, batchSize: 700, listsPerRoot: 1)
        let indexer = VectorListIndexer(store: store, policy: policy)

        // Below the policy's size: no lists, every vector unassigned and searched.
        try await corpus.add(1_500, pool)
        #expect(try await indexer.refresh().trained.isEmpty)
        #expect(try await count("SELECT count(*) FROM vector_list_generations", pool) == 0)

        // At the size: lists trained, every vector moved into them, in batches.
        try await corpus.add(500, pool)
        let trained = try await indexer.refresh()
        #expect(trained.trained == ["\(Self.model)/\(Self.dimension): generation 1, \(policy.lists(for: 2_000)) lists"])
        #expect(trained.moved == 2_000)
        #expect(try await count("SELECT count(*) FROM vectors WHERE generation IS NULL", pool) == 0)
        #expect(try await count("SELECT count(DISTINCT list) FROM vectors", pool) > policy.lists(for: 2_000) / 2)

        // New vectors join the newest lists as they are stored; nothing is left for a refresh.
        try await corpus.add(100, pool)
        #expect(try await count("SELECT count(*) FROM vectors WHERE generation = 1", pool) == 2_100)
        let idle = try await indexer.refresh()
        #expect(idle.trained.isEmpty && idle.moved == 0)

        // A check reading 8 of 45 lists finds the exact nearest neighbour: near copies always,
        // new articles on a stored topic nearly always.
        let checks = DuplicateCorpus(store: store, candidates: 64, probes: 8)
        try await expectRecall(of: checks, corpus: &corpus, near: 1.0, topic: 0.9)

        // A new generation whose move stops after one batch: the search reads both generations'
        // lists, then a refresh finishes the move and removes the old generation.
        let sample = try await store.sampleCodes(model: Self.model, dimension: Self.dimension, count: 2_000)
        var generator = SeededGenerator(seed: 7)
        let centres = sample.centres(count: 40, using: &generator)
        let second = try await store.installVectorLists(model: Self.model, dimension: Self.dimension, centres: centres, trainedOn: 2_100)
        #expect(second == 2)
        let batch = try await store.vectorsOutside(generation: second, model: Self.model, dimension: Self.dimension, limit: 700)
        let assignments = batch.ids.indices.map { (batch.ids[$0], batch.codes.nearest($0, among: centres)) }
        #expect(try await store.assignVectorLists(model: Self.model, generation: second, assignments) == 700)
        #expect(try await count("SELECT count(*) FROM vectors WHERE generation = 1", pool) == 1_400)
        try await expectRecall(of: checks, corpus: &corpus, near: 1.0, topic: 0.9)

        let finished = try await indexer.refresh()
        #expect(finished.trained.isEmpty, "a generation trained on 2,100 vectors is not due again at 2,100")
        #expect(finished.moved == 1_400 && finished.generationsDropped == 1)
        #expect(try await count("SELECT count(*) FROM vectors WHERE generation = 2", pool) == 2_100)
        #expect(try await count("SELECT count(*) FROM vector_list_generations", pool) == 1)
        #expect(try await count("SELECT count(*) FROM vector_lists WHERE generation = 1", pool) == 0)
        try await expectRecall(of: checks, corpus: &corpus, near: 1.0, topic: 0.9)
        await pool.close()
    }

    /// The share of checks whose nearest neighbour is the exact scan's, for near copies of stored
    /// articles and for new articles on stored topics, at least as given.
    func expectRecall(
        of checks: DuplicateCorpus, corpus: inout Corpus, near: Double, topic: Double,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        var hits = (near: 0, topic: 0)
        let rounds = 20
        for _ in 0..<rounds {
            let original = corpus.stored[Int.random(in: 0..<corpus.stored.count, using: &corpus.generator)].1
            let copy = zip(original, corpus.random()).map { $0 + 0.3 * $1 }
            let fresh = corpus.article()
            for (probe, isCopy) in [(copy, true), (fresh, false)] {
                let found = try await checks.nearest(
                    to: probe, model: Self.model, dimension: Self.dimension, limit: 1, excluding: [])
                guard found.first?.runId == corpus.exactNearest(probe).description else { continue }
                if isCopy { hits.near += 1 } else { hits.topic += 1 }
            }
        }
        #expect(Double(hits.near) / Double(rounds) >= near, "near copies: \(hits.near) of \(rounds)", sourceLocation: sourceLocation)
        #expect(Double(hits.topic) / Double(rounds) >= topic, "same topic: \(hits.topic) of \(rounds)", sourceLocation: sourceLocation)
    }

    func count(_ sql: String, _ pool: PostgresConnectionPool) async throws -> Int {
        try await pool.query(PostgresQuery(unsafeSQL: sql)).scalar(Int.self)
    }
}
