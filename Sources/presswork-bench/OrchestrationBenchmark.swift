import ArgumentParser
import Foundation
import Logging
import PostgresClient
import PressworkCore
import PressworkOrchestrator
import PressworkPipeline
import PressworkStore
import Synchronization

/// Whole runs with the offline providers, no added latency: how much the orchestration (claim,
/// skip checks, fenced commits, checkpoints, diagnostics, the duplicate query, status changes)
/// adds per round, and how many runs (and rounds) per second it sustains.
///
/// Per-round overhead = the round's wall time (from the orchestrator's "round started" to "round
/// finished", which includes the commit) minus the time spent inside the providers during that
/// round. Sections run one at a time here, so provider time does not overlap.
struct OrchestrationBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orchestration",
        abstract: "Measure per-round orchestration overhead and runs per second on a migrated database."
    )

    @Option(help: "libpq URL of the database (migrated by this command).")
    var databaseURL: String

    @Option(help: "Runs per measurement.")
    var runs = 200

    @Option(help: "Concurrent runs (comma-separated list of measurements).")
    var concurrency = "1,4"

    @Option(help: "Unmeasured runs first, then ANALYZE, so that the measurements see a database in steady state.")
    var warmup = 100

    func run() async throws {
        let configuration = try PostgresConfiguration(databaseURL)
        let levels = concurrency.split(separator: ",").compactMap { Int($0) }
        let pool = PostgresConnectionPool(configuration: configuration, maxConnections: (levels.max() ?? 1) * 2 + 2)
        _ = try await Migrator().migrate(pool)
        let store = RunStore(pool: pool)
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("presswork-bench-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let timing = ProviderTiming()
        let providers = Providers.offline(outputFolder: output)
        let orchestrator = Orchestrator(
            store: store,
            pipeline: Pipeline(providers: Providers(
                trends: TimedTrends(base: providers.trends, timing: timing),
                writer: TimedWriter(base: providers.writer, timing: timing),
                embeddings: TimedEmbeddings(base: providers.embeddings, timing: timing),
                publisher: TimedPublisher(base: providers.publisher, timing: timing)
            )),
            configuration: OrchestratorConfiguration(owner: "bench", sectionConcurrency: 1),
            logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        )
        // Every run writes about a different topic, and only an identical article counts as a
        // duplicate, so that every run goes through all eight rounds.
        let thresholds = GateThresholds(review: 0, publish: 0, duplicate: 1.0)
        for (phase, clients) in ([(true, 1)] + levels.map { (false, $0) }) where !phase || warmup > 0 {
            let warming = phase
            let overheads = Samples()
            let rounds = RoundSamples()
            let counter = Samples()
            let runs = warming ? warmup : self.runs
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<clients {
                    group.addTask {
                        while true {
                            let number = counter.next()
                            guard number <= runs else { return }
                            let params = try RunParams.validated(
                                seeds: ["benchmark topic \(UUID().uuidString.prefix(8))"], thresholds: thresholds
                            )
                            let run = try await store.create(params: params, trigger: .cli, pipelineVersion: Pipeline.version).run
                            timing.alias(run.id.uuidString.lowercased(), to: params.seeds[0])
                            let clock = RoundClock(timing: timing, key: params.seeds[0])
                            let outcome = try await orchestrator.execute(run.id) { clock.observe($0) }
                            guard outcome.status == .done else {
                                throw ValidationError("run \(run.id) ended \(outcome.status): \(outcome.reason ?? "")")
                            }
                            overheads.append(clock.overheads)
                            rounds.add(clock.byRound)
                        }
                    }
                }
                try await group.waitForAll()
            }
            if warming {
                _ = try await pool.query("ANALYZE")
                continue
            }
            let elapsed = started.duration(to: .now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let samples = overheads.values.sorted()
            func percentile(_ p: Double) -> Double { samples[min(samples.count - 1, Int(Double(samples.count) * p))] }
            print(String(format: "orchestration %d concurrent: %.1f runs/s, %.0f rounds/s, per-round overhead p50 %.2f ms, p99 %.2f ms (%d rounds)",
                         clients, Double(runs) / seconds, Double(runs * 8) / seconds, percentile(0.5), percentile(0.99),
                         samples.count))
            print("  per-round overhead p50 by round (ms): " + rounds.medians().map { String(format: "r%d %.2f", $0.0, $0.1) }
                .joined(separator: ", "))
        }
        await pool.close()
    }
}

/// Shared state of the measuring tasks: the overhead samples and the run counter.
final class Samples: Sendable {
    private let state = Mutex<(values: [Double], count: Int)>(([], 0))
    func append(_ values: [Double]) { state.withLock { $0.values += values } }
    var values: [Double] { state.withLock { $0.values } }
    func next() -> Int { state.withLock { $0.count += 1; return $0.count } }
}

/// Overhead samples per round, for the breakdown line.
final class RoundSamples: Sendable {
    private let state = Mutex<[Int: [Double]]>([:])
    func add(_ values: [Int: Double]) { state.withLock { for (round, value) in values { $0[round, default: []].append(value) } } }
    func medians() -> [(Int, Double)] {
        state.withLock { $0 }.sorted { $0.key < $1.key }.map { ($0.key, $0.value.sorted()[$0.value.count / 2]) }
    }
}

// MARK: - Timing the providers

/// Provider time per run (keyed by its unique seed), in milliseconds, accumulated while a round runs.
final class ProviderTiming: Sendable {
    private let spent = Mutex<[String: Double]>([:])
    private let aliases = Mutex<[String: String]>([:])

    /// Lets a provider that only knows the run id (the publisher) charge the run's key.
    func alias(_ runID: String, to key: String) {
        aliases.withLock { $0[runID] = key }
    }

    func key(forRunID runID: String) -> String {
        aliases.withLock { $0[runID] ?? runID }
    }

    func measure<T>(_ key: String, _ work: () async throws -> T) async rethrows -> T {
        let started = ContinuousClock.now
        defer {
            let elapsed = started.duration(to: .now)
            let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            spent.withLock { $0[key, default: 0] += ms }
        }
        return try await work()
    }

    /// Takes (and resets) what the run identified by `key` spent since the last call.
    func take(_ key: String) -> Double {
        spent.withLock { $0.removeValue(forKey: key) ?? 0 }
    }
}

/// Records each round's wall time and subtracts the provider time spent in it.
final class RoundClock: Sendable {
    private let timing: ProviderTiming
    private let key: String
    private let state = Mutex<(start: ContinuousClock.Instant?, overheads: [Double], byRound: [Int: Double])>((nil, [], [:]))

    init(timing: ProviderTiming, key: String) {
        self.timing = timing
        self.key = key
    }

    var overheads: [Double] { state.withLock { $0.overheads } }
    var byRound: [Int: Double] { state.withLock { $0.byRound } }

    func observe(_ event: RunProgress) {
        let now = ContinuousClock.now
        switch event {
        case .roundStarted:
            _ = timing.take(key)
            state.withLock { $0.start = now }
        case .roundFinished(let round, _, _):
            let provider = timing.take(key)
            state.withLock { state in
                guard let start = state.start else { return }
                let wall = start.duration(to: now)
                let ms = Double(wall.components.seconds) * 1000 + Double(wall.components.attoseconds) / 1e15
                state.overheads.append(max(0, ms - provider))
                state.byRound[round.rawValue] = max(0, ms - provider)
                state.start = nil
            }
        default:
            break
        }
    }
}

struct TimedTrends: TrendSource {
    let base: any TrendSource
    let timing: ProviderTiming
    var name: String { base.name }
    func trends(for params: RunParams) async throws -> Generated<[TrendItem]> {
        try await timing.measure(params.key) { try await base.trends(for: params) }
    }
}

struct TimedWriter: ContentWriter {
    let base: any ContentWriter
    let timing: ProviderTiming
    var name: String { base.name }
    func ideas(from trends: [TrendItem], params: RunParams) async throws -> Generated<[TopicIdea]> {
        try await timing.measure(params.key) { try await base.ideas(from: trends, params: params) }
    }
    func outline(for idea: TopicIdea, trends: [TrendItem], params: RunParams) async throws -> Generated<Outline> {
        try await timing.measure(params.key) { try await base.outline(for: idea, trends: trends, params: params) }
    }
    func draft(section index: Int, of outline: Outline, params: RunParams) async throws -> Generated<SectionDraft> {
        try await timing.measure(params.key) { try await base.draft(section: index, of: outline, params: params) }
    }
    func polish(_ draft: SectionDraft, of outline: Outline, params: RunParams) async throws -> Generated<PolishedSection> {
        try await timing.measure(params.key) { try await base.polish(draft, of: outline, params: params) }
    }
    func metadata(for outline: Outline, sections: [PolishedSection], params: RunParams) async throws -> Generated<Metadata> {
        try await timing.measure(params.key) { try await base.metadata(for: outline, sections: sections, params: params) }
    }
    func review(_ outline: Outline, sections: [PolishedSection], params: RunParams) async throws
        -> Generated<(score: Double, issues: [String])>
    {
        try await timing.measure(params.key) { try await base.review(outline, sections: sections, params: params) }
    }
}

struct TimedEmbeddings: EmbeddingProvider {
    let base: any EmbeddingProvider
    let timing: ProviderTiming
    var model: String { base.model }
    var dimension: Int { base.dimension }
    func embed(_ text: String) async throws -> Generated<[Float]> {
        // The embedding call does not say which run it serves, so its time (a hash over the
        // article's words) is counted as overhead: the figure errs on the high side.
        try await base.embed(text)
    }
}

struct TimedPublisher: Publisher {
    let base: any Publisher
    let timing: ProviderTiming
    var name: String { base.name }
    func publish(_ article: Article, runID: String) async throws -> PublishResult {
        try await timing.measure(timing.key(forRunID: runID)) { try await base.publish(article, runID: runID) }
    }
}

private extension RunParams {
    /// Each benchmark run has a unique seed: provider time is accounted under it.
    var key: String { seeds[0] }
}
