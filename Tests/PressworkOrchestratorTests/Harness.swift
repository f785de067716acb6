import Foundation
import Logging
import PostgresClient
import PostgresTestSupport
import PressworkCore
import PressworkOrchestrator
import PressworkPipeline
import PressworkStore
import Synchronization
import TestSupport

/// The offline writer with hooks: tests make chosen calls fail or wait, count calls, or fix the
/// coherence score, to drive the orchestrator down each path.
final class ScriptedWriter: ContentWriter {
    enum Call: Hashable, Sendable {
        case ideas, outline
        case draft(Int)
        case polish(Int)
        case metadata, review
    }

    let name = "scripted-offline"
    private let base = OfflineWriter()
    private let counts = Mutex<[Call: Int]>([:])
    private let hook: @Sendable (Call, Int) async throws -> Void
    private let score: Double?

    /// `hook` runs before each call with the call and how many times it was made before.
    init(score: Double? = nil, hook: @escaping @Sendable (Call, Int) async throws -> Void = { _, _ in }) {
        self.score = score
        self.hook = hook
    }

    func calls(_ call: Call) -> Int { counts.withLock { $0[call] ?? 0 } }

    private func enter(_ call: Call) async throws {
        let previous = counts.withLock { counts in
            defer { counts[call, default: 0] += 1 }
            return counts[call] ?? 0
        }
        try await hook(call, previous)
    }

    func ideas(from trends: [TrendItem], params: RunParams) async throws -> Generated<[TopicIdea]> {
        try await enter(.ideas)
        return try await base.ideas(from: trends, params: params)
    }

    func outline(for idea: TopicIdea, trends: [TrendItem], params: RunParams) async throws -> Generated<Outline> {
        try await enter(.outline)
        return try await base.outline(for: idea, trends: trends, params: params)
    }

    func draft(section index: Int, of outline: Outline, params: RunParams) async throws -> Generated<SectionDraft> {
        try await enter(.draft(index))
        return try await base.draft(section: index, of: outline, params: params)
    }

    func polish(_ draft: SectionDraft, of outline: Outline, params: RunParams) async throws -> Generated<PolishedSection> {
        try await enter(.polish(draft.index))
        return try await base.polish(draft, of: outline, params: params)
    }

    func metadata(for outline: Outline, sections: [PolishedSection], params: RunParams) async throws -> Generated<Metadata> {
        try await enter(.metadata)
        return try await base.metadata(for: outline, sections: sections, params: params)
    }

    func review(_ outline: Outline, sections: [PolishedSection], params: RunParams) async throws
        -> Generated<(score: Double, issues: [String])>
    {
        try await enter(.review)
        let reviewed = try await base.review(outline, sections: sections, params: params)
        guard let score else { return reviewed }
        return Generated((score, ["score fixed by the test"]), usage: TokenUsage(input: 10, output: 5))
    }
}

/// A failure the test chooses to be transient or permanent.
struct InjectedFailure: ProviderFailure, CustomStringConvertible {
    let isTransient: Bool
    var description: String { isTransient ? "injected transient failure" : "injected permanent failure" }
}

/// A migrated database, a store and orchestrators over it.
struct Harness {
    let pool: PostgresConnectionPool
    let store: RunStore
    let output: String

    static func make(_ name: String) async throws -> Harness {
        let pool = try await TestDatabase.makePool(name, maxConnections: 8)
        _ = try await Migrator().migrate(pool)
        return Harness(pool: pool, store: RunStore(pool: pool), output: try TemporaryFolder.make())
    }

    func orchestrator(
        _ writer: any ContentWriter = OfflineWriter(),
        leaseSeconds: Double = 30, heartbeatSeconds: Double = 10, retryBaseDelay: Duration = .milliseconds(5),
        images: (any ImageProvider)? = OfflineImageProvider(), imagesRequired: Bool = false
    ) -> Orchestrator {
        Orchestrator(
            store: store,
            pipeline: Pipeline(
                providers: Providers(
                    trends: SeedTrendSource(), writer: writer, embeddings: ContentWordEmbedding(),
                    dryRun: DryRunPublisher(outputFolder: output, writerDescription: "test"), images: images,
                    imagesRequired: imagesRequired
                )),
            configuration: OrchestratorConfiguration(
                owner: "test-\(UUID().uuidString.prefix(6))", leaseSeconds: leaseSeconds,
                heartbeatSeconds: heartbeatSeconds, roundTimeout: .seconds(30), transientRetries: 3,
                retryBaseDelay: retryBaseDelay, sectionConcurrency: 3
            ),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        )
    }

    func create(_ seeds: [String] = ["home espresso"], thresholds: GateThresholds = GateThresholds(), key: String? = nil)
        async throws -> RunRecord
    {
        try await store.create(
            params: try RunParams.validated(seeds: seeds, thresholds: thresholds), trigger: .cli,
            pipelineVersion: Pipeline.version, idempotencyKey: key
        ).run
    }

    /// Artifact rows per round with the attempt that wrote each.
    func artifactAttempts(_ runID: RunID) async throws -> [Int: Int] {
        var attempts: [Int: Int] = [:]
        for row in try await pool.query("SELECT round, attempt FROM artifacts WHERE run_id = \(runID)") {
            attempts[Int(try row.decode(Int16.self, "round"))] = try row.decode(Int.self, "attempt")
        }
        return attempts
    }

    /// The number of sections in a committed round 3 or 4 (its artifact is their array). The
    /// section checkpoints are gone by then: the round's commit removes them.
    func sectionCount(_ runID: RunID, round: Round = .drafts) async throws -> Int {
        try await pool.query(
            "SELECT jsonb_array_length(payload) FROM artifacts WHERE run_id = \(runID) AND round = \(Int16(round.rawValue))"
        ).scalar(Int.self)
    }

    func diagnostics(_ runID: RunID, kind: DiagnosticKind) async throws -> [Diagnostic] {
        try await store.diagnostics(runID).map(\.diagnostic).filter { $0.kind == kind }
    }

    func close() async {
        await pool.close()
        try? FileManager.default.removeItem(atPath: output)
    }
}
