import ArgumentParser
import Foundation
import Logging
import PostgresClient
import PressworkCore
import PressworkOrchestrator
import PressworkStore

/// Round 6's duplicate check against a large corpus: `--vectors` finished runs whose embeddings
/// are generated in SQL around `--topics` topics (a blog's articles cluster by subject: a
/// topic's articles are about 0.5 similar to each other, unrelated ones about 0), then `--checks`
/// checks through the orchestrator's corpus (the search in Postgres plus the exact ranking), with
/// a new finished run committed before every tenth check. Before the checks it refreshes the code
/// lists as maintenance would (trained once the corpus is large enough, again when it has grown
/// fourfold); `--without-lists` measures the scan of every code instead.
///
/// Prints the first check apart from the rest, the process's resident memory before and after,
/// and the recall of the nearest neighbour against an exact scan of the same corpus (done here,
/// in the benchmark, over every vector) for three kinds of probe: near copies of a stored article
/// (about 0.9 similar), new articles on a stored topic, and random directions that resemble
/// nothing (whose nearest neighbour is at about 0.25 and decides nothing).
struct DuplicateCheckBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "duplicates",
        abstract: "Measure the duplicate check's latency, memory and recall against a large stored corpus."
    )

    @Option(help: "libpq URL of the database (migrated by this command; the corpus is added to it).")
    var databaseURL: String

    @Option(help: "Stored vectors (finished runs).")
    var vectors = 100_000

    @Option(help: "Dimensions per vector.")
    var dimension = 384

    @Option(help: "Topics the stored articles are about.")
    var topics = 1_000

    @Option(help: "Measured checks (a third of each kind of probe).")
    var checks = 300

    @Option(help: "Candidates the prefilter passes to the exact ranking.")
    var candidates = 512

    @Option(help: "Code lists of each generation a check reads (once maintenance has trained lists).")
    var probes = 48

    @Option(
        name: .customLong("cache-mib"),
        help: "MiB of candidates' embeddings the process keeps between checks (0: every check fetches all of them).")
    var cacheMiB = 32

    @Option(help: "Code lists per square root of the corpus, when lists are trained.")
    var listsPerRoot = 4.0

    @ArgumentParser.Flag(help: "Search every code, as before lists: no training, and lists trained earlier are removed.")
    var withoutLists = false

    func run() async throws {
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let pool = PostgresConnectionPool(configuration: try PostgresConfiguration(databaseURL), maxConnections: 2)
        _ = try await Migrator(logger: logger).migrate(pool)
        let model = "bench-topics-\(dimension)"
        let clock = ContinuousClock()

        _ = try await pool.query(
            """
            CREATE TABLE IF NOT EXISTS bench_topics (model text, topic integer, centroid real[], PRIMARY KEY (model, topic))
            """)
        if try await pool.query("SELECT count(*) FROM bench_topics WHERE model = \(model)").scalar(Int.self) == 0 {
            _ = try await pool.query(
                """
                INSERT INTO bench_topics
                SELECT \(model), t, ARRAY(SELECT (random() - 0.5)::real FROM generate_series(1, \(dimension)) WHERE t IS NOT NULL)
                FROM generate_series(0, \(topics - 1)) AS t
                """)
        }
        let topicCount = try await pool.query("SELECT count(*) FROM bench_topics WHERE model = \(model)").scalar(Int.self)
        let existing = try await pool.query("SELECT count(*) FROM vectors WHERE model = \(model)").scalar(Int.self)
        if existing < vectors {
            let started = clock.now
            try await insertRuns(vectors - existing, model: model, topics: topicCount, pool: pool, spreadOverDays: 365)
            print(
                "generated \(vectors - existing) finished runs with \(dimension)-dimension vectors in \(format(started.duration(to: clock.now)))"
            )
        }
        if withoutLists {
            _ = try await pool.query("DELETE FROM vector_list_generations WHERE model = \(model)")
            _ = try await pool.query("UPDATE vectors SET generation = NULL, list = NULL WHERE model = \(model) AND generation IS NOT NULL")
        } else {
            // What maintenance does (serve's maintenance service, or the nightly prune).
            let started = clock.now
            let report = try await VectorListIndexer(store: RunStore(pool: pool), policy: .init(listsPerRoot: listsPerRoot), logger: logger)
                .refresh()
            if !report.trained.isEmpty || report.moved > 0 {
                print(
                    "code lists: \(report.trained.isEmpty ? "none trained" : report.trained.joined(separator: "; ")), "
                        + "\(report.moved) vectors moved, in \(format(started.duration(to: clock.now)))")
            }
        }
        // As autovacuum would have by then: statistics for the plan, and the visibility map
        // that lets the search read the code index alone.
        _ = try await pool.query("VACUUM ANALYZE runs")
        _ = try await pool.query("VACUUM ANALYZE vectors")
        let centroids = try await pool.query("SELECT centroid FROM bench_topics WHERE model = \(model) ORDER BY topic")
            .map { try $0.decode([Float].self, "centroid") }

        let memoryBefore = residentMemory()
        let corpus = DuplicateCorpus(store: RunStore(pool: pool), candidates: candidates, probes: probes, cacheBytes: cacheMiB << 20)
        let probeRun = RunID.make()
        let coldStart = clock.now
        _ = try await corpus.nearest(to: Self.randomVector(dimension), model: model, dimension: dimension, limit: 5, excluding: [probeRun])
        let cold = coldStart.duration(to: clock.now)

        let stored = try await storedSample(model: model, count: checks, pool: pool)
        var probes: [(kind: Probe, values: [Float])] = []
        for check in 0..<checks {
            switch Probe.allCases[check % Probe.allCases.count] {
            case .nearCopy:
                probes.append((.nearCopy, zip(stored[check % stored.count], Self.randomVector(dimension)).map { $0 + 0.7 * $1 }))
            case .sameTopic:
                probes.append((.sameTopic, zip(centroids.randomElement()!, Self.randomVector(dimension)).map { $0 + $1 }))
            case .unrelated:
                probes.append((.unrelated, Self.randomVector(dimension)))
            }
        }
        var timings: [Duration] = []
        var answers: [String?] = []  // each check's nearest run
        for (check, probe) in probes.enumerated() {
            if check % 10 == 0 { try await insertRuns(1, model: model, topics: topicCount, pool: pool) }
            let started = clock.now
            let nearest = try await corpus.nearest(to: probe.values, model: model, dimension: dimension, limit: 5, excluding: [probeRun])
            timings.append(started.duration(to: clock.now))
            precondition(nearest.count == 5, "the corpus returned \(nearest.count) neighbours")
            answers.append(nearest.first?.runId)
        }
        let memoryAfter = residentMemory()
        timings.sort()
        func percentile(_ p: Double) -> Duration { timings.percentile(p) ?? .zero }
        let total = try await pool.query("SELECT count(*) FROM vectors WHERE model = \(model)").scalar(Int.self)
        let lists = try await pool.query(
            "SELECT coalesce(sum(lists), 0)::integer FROM vector_list_generations WHERE model = \(model)"
        ).scalar(Int.self)
        print(
            "duplicate check, \(total) stored vectors × \(dimension) dimensions, \(topicCount) topics, \(candidates) candidates, "
                + (lists == 0 ? "every code read:" : "\(self.probes) of \(lists) code lists read:"))
        print("  first check of the process: \(format(cold))")
        print("  checks (\(checks)): p50 \(format(percentile(0.5))), p95 \(format(percentile(0.95))), p99 \(format(percentile(0.99)))")
        print("  resident memory: \(memoryBefore / 1_048_576) MB before the first check, \(memoryAfter / 1_048_576) MB after the last")

        // The exact answers, by a scan of every vector (the benchmark's own, done after the
        // measured checks so that their memory is not the corpus's).
        let exact = try await ExactScan.load(model: model, dimension: dimension, pool: pool)
        print("  recall of the nearest neighbour against an exact scan of the same corpus:")
        for kind in Probe.allCases {
            let indices = probes.indices.filter { probes[$0].kind == kind }
            var hits = 0
            var similarities: [Double] = []
            for index in indices {
                let truth = exact.nearest(to: probes[index].values)
                similarities.append(truth.similarity)
                if answers[index] == truth.runID.description { hits += 1 }
            }
            similarities.sort()
            let median = similarities.isEmpty ? 0 : similarities[similarities.count / 2]
            print(
                String(
                    format: "    %@: %d of %d (%.3f), the exact nearest at median similarity %.2f",
                    kind.rawValue, hits, indices.count, Double(hits) / Double(max(1, indices.count)), median))
        }
        await pool.close()
    }

    enum Probe: String, CaseIterable {
        case nearCopy = "near copies of a stored article"
        case sameTopic = "new articles on a stored topic"
        case unrelated = "random directions (resemble nothing)"
    }

    /// Finished runs with vectors around the benchmark's topics (centroid plus as much noise:
    /// two articles of a topic are about 0.5 similar), generated by the server in batches; the
    /// topic of a run is a hash of its id, so that the subquery is evaluated per row.
    private func insertRuns(_ count: Int, model: String, topics: Int, pool: PostgresConnectionPool, spreadOverDays: Int = 0) async throws {
        var remaining = count
        while remaining > 0 {
            let batch = min(remaining, 5_000)
            _ = try await pool.query(
                """
                WITH new_runs AS (
                    INSERT INTO runs (id, params, status, pipeline_version, trigger, started_at, finished_at)
                    SELECT gen_random_uuid(), '{"bench": true}', 'done', 'bench', '{"kind": "cli"}', now(),
                           now() - random() * make_interval(days => \(spreadOverDays)::integer)
                    FROM generate_series(1, \(batch))
                    RETURNING id
                )
                INSERT INTO vectors (run_id, model, dimension, embedding)
                SELECT n.id, \(model), \(dimension),
                       ARRAY(SELECT (t.centroid[i] + random() - 0.5)::real FROM generate_series(1, \(dimension)) AS i)
                FROM new_runs n
                JOIN bench_topics t ON t.model = \(model) AND t.topic = abs(hashtext(n.id::text)) % \(topics)
                """)
            remaining -= batch
        }
    }

    /// Stored vectors to make near copies of.
    private func storedSample(model: String, count: Int, pool: PostgresConnectionPool) async throws -> [[Float]] {
        try await pool.query(
            """
            SELECT array_send(embedding) AS embedding FROM vectors TABLESAMPLE SYSTEM (1)
            WHERE model = \(model) LIMIT \(count)
            """
        ).map { try $0.decode(PostgresSentFloatArray.self, "embedding").values }
    }

    static func randomVector(_ dimension: Int) -> [Float] {
        (0..<dimension).map { _ in Float.random(in: -0.5...0.5) }
    }

    private func format(_ duration: Duration) -> String {
        let ms = duration.seconds * 1000
        return ms >= 1000 ? String(format: "%.1f s", ms / 1000) : String(format: "%.1f ms", ms)
    }

    /// The process's resident set, from /proc (Linux), in bytes.
    private func residentMemory() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kilobytes * 1024
    }
}

/// Every `done` run's vector of one model, held in memory: the exact answers the search is
/// measured against.
private struct ExactScan {
    let ids: [RunID]
    let unitVectors: [[Float]]

    static func load(model: String, dimension: Int, pool: PostgresConnectionPool) async throws -> ExactScan {
        let rows = try await pool.query(
            """
            SELECT v.run_id, array_send(v.embedding) AS embedding FROM vectors v
            JOIN runs r ON r.id = v.run_id AND r.status = 'done'
            WHERE v.model = \(model) AND v.dimension = \(dimension)
            """)
        var ids: [RunID] = []
        var vectors: [[Float]] = []
        for row in rows {
            ids.append(try row.decode(RunID.self, "run_id"))
            vectors.append(unit(try row.decode(PostgresSentFloatArray.self, "embedding").values))
        }
        return ExactScan(ids: ids, unitVectors: vectors)
    }

    static func unit(_ vector: [Float]) -> [Float] {
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? vector.map { $0 / norm } : vector
    }

    func nearest(to probe: [Float]) -> (runID: RunID, similarity: Double) {
        let unitProbe = Self.unit(probe)
        var best = (index: 0, similarity: -Float.infinity)
        for (index, vector) in unitVectors.enumerated() {
            var sum: Float = 0
            for position in 0..<vector.count { sum += vector[position] * unitProbe[position] }
            if sum > best.similarity { best = (index, sum) }
        }
        return (ids[best.index], Double(best.similarity))
    }
}
