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
///
/// Two kinds of provider: `offline`, the offline writer generating every article (what
/// `presswork run` does), and `precomputed`, the offline writer's answers computed during the
/// warm-up and served from memory, with random unit vectors for embeddings so that no repeated
/// topic is a duplicate. The second measures the orchestrator alone: its runs/s is what the
/// orchestration sustains when the providers cost nothing.
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

    @Option(
        help:
            "offline: the offline writer generates every article. precomputed: its answers for \(Self.topics) topics, computed during the warm-up, are served from memory (the orchestrator alone)."
    )
    var providers = ProviderKind.offline

    enum ProviderKind: String, ExpressibleByArgument, CaseIterable {
        case offline, precomputed
    }

    /// Topics the precomputed answers cycle through (each run's seeds name one of them).
    static let topics = 32

    /// Three made-up words: an offline article's topic. The offline embedding hashes each content
    /// word into one of 256 signed buckets, and articles on different topics differ only in their
    /// topic's words; with one word (an 8-digit hex id) two articles in 512 fell into the same
    /// bucket with the same sign, identical vectors, and a run among the first hundred ended as a
    /// duplicate. With three, that takes three such collisions at once.
    static func randomTopic() -> String {
        (0..<3).map { _ in String((0..<8).map { _ in Character(UnicodeScalar(UInt8.random(in: 97...122))) }) }.joined(separator: " ")
    }

    func validate() throws {
        if providers == .precomputed && warmup < Self.topics {
            throw ValidationError("--providers precomputed needs --warmup \(Self.topics) or more, to compute the answers before measuring")
        }
    }

    func run() async throws {
        let configuration = try PostgresConfiguration(databaseURL)
        let levels = concurrency.split(separator: ",").compactMap { Int($0) }
        let pool = PostgresConnectionPool(configuration: configuration, maxConnections: (levels.max() ?? 1) * 2 + 2)
        _ = try await Migrator().migrate(pool)
        let store = RunStore(pool: pool)
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("presswork-bench-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let timing = ProviderTiming()
        let offline = Providers.offline(outputFolder: output)
        let base =
            providers == .offline
            ? offline
            : Providers(
                trends: MemoizedTrends(base: offline.trends), writer: MemoizedWriter(base: offline.writer),
                embeddings: RandomEmbeddings(model: offline.embeddings.model, dimension: offline.embeddings.dimension),
                dryRun: offline.dryRun
            )
        let orchestrator = Orchestrator(
            store: store,
            pipeline: Pipeline(
                providers: Providers(
                    trends: TimedTrends(base: base.trends, timing: timing),
                    writer: TimedWriter(base: base.writer, timing: timing),
                    embeddings: TimedEmbeddings(base: base.embeddings, timing: timing),
                    dryRun: TimedPublisher(base: base.dryRun, timing: timing),
                    // Drawing images is provider work this step would count as the orchestrator's
                    // overhead; `presswork-bench images` measures it.
                    images: nil
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
            let phases = RoundSamples()
            let counter = Samples()
            let runs = warming ? warmup : self.runs
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<clients {
                    group.addTask {
                        while true {
                            let number = counter.next()
                            guard number <= runs else { return }
                            let topic = providers == .offline ? Self.randomTopic() : String(number % Self.topics)
                            let params = try RunParams.validated(seeds: ["benchmark topic \(topic)"], thresholds: thresholds)
                            let creating = ContinuousClock.now
                            let run = try await store.create(params: params, trigger: .cli, pipelineVersion: Pipeline.version).run
                            let key = run.id.description
                            let clock = RoundClock(timing: timing, key: key)
                            clock.mark(.created, at: creating)
                            clock.mark(.executing)
                            let outcome = try await ProviderTiming.$runKey.withValue(key) {
                                try await orchestrator.execute(run.id) { clock.observe($0) }
                            }
                            clock.mark(.returned)
                            guard outcome.status == .done else {
                                throw ValidationError("run \(run.id) ended \(outcome.status): \(outcome.reason ?? "")")
                            }
                            overheads.append(clock.overheads)
                            rounds.add(clock.byRound)
                            phases.add(clock.phases)
                            // Transactions: the run's creation, its claim, eight rounds, its sections.
                            counter.count(transactions: 2 + 8 + clock.sectionCount.load(ordering: .relaxed))
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
            let seconds = elapsed.seconds
            let samples = overheads.values.sorted()
            print(
                String(
                    format:
                        "orchestration (%@ providers) %d concurrent: %.1f runs/s, %.0f rounds/s, %.0f transactions/s, per-round overhead p50 %.2f ms, p99 %.2f ms (%d rounds)",
                    providers.rawValue, clients, Double(runs) / seconds, Double(runs * 8) / seconds,
                    Double(counter.transactions) / seconds, samples.percentile(0.5) ?? 0, samples.percentile(0.99) ?? 0,
                    samples.count))
            print(
                "  per-round overhead p50 by round (ms): "
                    + rounds.medians().map { String(format: "r%d %.2f", $0.0, $0.1) }
                    .joined(separator: ", "))
            let phase = Dictionary(uniqueKeysWithValues: phases.medians())
            print(
                String(
                    format: "  per run p50 (ms): create %.2f, execute until round 0 starts %.2f, rounds (wall) %.2f, after round 7 %.2f",
                    phase[0] ?? 0, phase[1] ?? 0, phase[2] ?? 0, phase[3] ?? 0))
        }
        await pool.close()
    }
}

/// Shared state of the measuring tasks: the overhead samples and the run counter.
final class Samples: Sendable {
    private let state = Mutex<(values: [Double], count: Int)>(([], 0))
    func append(_ values: [Double]) { state.withLock { $0.values += values } }
    var values: [Double] { state.withLock { $0.values } }
    func next() -> Int {
        state.withLock {
            $0.count += 1
            return $0.count
        }
    }
    private let transactionTotal = Atomic<Int>(0)
    func count(transactions: Int) { transactionTotal.add(transactions, ordering: .relaxed) }
    var transactions: Int { transactionTotal.load(ordering: .relaxed) }
}

/// Overhead samples per round, for the breakdown line.
final class RoundSamples: Sendable {
    private let state = Mutex<[Int: [Double]]>([:])
    func add(_ values: [Int: Double]) { state.withLock { for (round, value) in values { $0[round, default: []].append(value) } } }
    func medians() -> [(Int, Double)] {
        state.withLock { $0 }.sorted { $0.key < $1.key }.map { ($0.key, $0.value.sorted().percentile(0.5) ?? 0) }
    }
}

// MARK: - Timing the providers

/// Provider time per run, in milliseconds, accumulated while a round runs. The run is named by
/// a task-local value set around its execution: provider calls happen in tasks the orchestrator
/// starts, which inherit it, whatever arguments the provider gets.
final class ProviderTiming: Sendable {
    @TaskLocal static var runKey = ""
    private let spent = Mutex<[String: Double]>([:])

    func measure<T>(_ work: () async throws -> T) async rethrows -> T {
        let key = Self.runKey
        let started = ContinuousClock.now
        defer {
            let ms = started.duration(to: .now).milliseconds
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

    /// Section checkpoints committed (each its own transaction).
    let sectionCount = Atomic<Int>(0)

    /// Moments of a run outside its rounds, for the per-run breakdown.
    enum Moment: Int { case created, executing, firstRound, lastRoundDone, returned }
    private let moments = Mutex<[Moment: ContinuousClock.Instant]>([:])

    func mark(_ moment: Moment, at instant: ContinuousClock.Instant = .now) {
        moments.withLock { if $0[moment] == nil || moment == .lastRoundDone { $0[moment] = instant } }
    }

    /// Milliseconds: 0 creating, 1 from execute() to round 0, 2 the rounds, 3 after round 7.
    var phases: [Int: Double] {
        let m = moments.withLock { $0 }
        func ms(_ a: Moment, _ b: Moment) -> Double {
            guard let from = m[a], let to = m[b] else { return 0 }
            return from.duration(to: to).milliseconds
        }
        return [
            0: ms(.created, .executing), 1: ms(.executing, .firstRound), 2: ms(.firstRound, .lastRoundDone),
            3: ms(.lastRoundDone, .returned),
        ]
    }

    func observe(_ event: RunProgress) {
        let now = ContinuousClock.now
        switch event {
        case .roundStarted:
            mark(.firstRound, at: now)
            _ = timing.take(key)
            state.withLock { $0.start = now }
        case .sectionFinished:
            sectionCount.add(1, ordering: .relaxed)
        case .roundFinished(let round, _, _):
            let provider = timing.take(key)
            state.withLock { state in
                guard let start = state.start else { return }
                let ms = start.duration(to: now).milliseconds
                state.overheads.append(max(0, ms - provider))
                state.byRound[round.rawValue] = max(0, ms - provider)
                state.start = nil
            }
            mark(.lastRoundDone, at: now)
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
        try await timing.measure { try await base.trends(for: params) }
    }
}

struct TimedWriter: ContentWriter {
    let base: any ContentWriter
    let timing: ProviderTiming
    var name: String { base.name }
    func ideas(from trends: [TrendItem], params: RunParams) async throws -> Generated<[TopicIdea]> {
        try await timing.measure { try await base.ideas(from: trends, params: params) }
    }
    func outline(for idea: TopicIdea, trends: [TrendItem], params: RunParams) async throws -> Generated<Outline> {
        try await timing.measure { try await base.outline(for: idea, trends: trends, params: params) }
    }
    func draft(section index: Int, of outline: Outline, params: RunParams) async throws -> Generated<SectionDraft> {
        try await timing.measure { try await base.draft(section: index, of: outline, params: params) }
    }
    func polish(_ draft: SectionDraft, of outline: Outline, params: RunParams) async throws -> Generated<PolishedSection> {
        try await timing.measure { try await base.polish(draft, of: outline, params: params) }
    }
    func metadata(for outline: Outline, sections: [PolishedSection], params: RunParams) async throws -> Generated<Metadata> {
        try await timing.measure { try await base.metadata(for: outline, sections: sections, params: params) }
    }
    func review(_ outline: Outline, sections: [PolishedSection], params: RunParams) async throws
        -> Generated<(score: Double, issues: [String])>
    {
        try await timing.measure { try await base.review(outline, sections: sections, params: params) }
    }
}

struct TimedEmbeddings: EmbeddingProvider {
    let base: any EmbeddingProvider
    let timing: ProviderTiming
    var model: String { base.model }
    var dimension: Int { base.dimension }
    func embed(_ text: String) async throws -> Generated<[Float]> {
        try await timing.measure { try await base.embed(text) }
    }
}

struct TimedPublisher: Publisher {
    let base: any Publisher
    let timing: ProviderTiming
    var name: String { base.name }
    func publish(_ article: Article, runID: String, ledger: any PublicationLedger) async throws -> PublishResult {
        try await timing.measure { try await base.publish(article, runID: runID, ledger: ledger) }
    }
}
