import Foundation
import Logging
import PostgresClient
import PressworkCore
import PressworkPipeline
import PressworkStore
import Synchronization
import Tracing

/// One claim of one run: the rounds loop, under a lease.
struct RunExecution: Sendable {
    let lease: Lease
    let store: RunStore
    let leases: LeaseKeeper
    let checkpoints: GroupCommitter<SectionCheckpoint, Void>
    let commits: GroupCommitter<LeasedCommit, Bool>
    let corpus: DuplicateCorpus
    let pipelines: any PipelineSource
    let configuration: OrchestratorConfiguration
    let logger: Logger
    let progress: @Sendable (RunProgress) -> Void
    /// What the run has spent on priced providers, all attempts included.
    let spent = Spent()
    /// When this execution started: the run deadline counts from it.
    let started = ContinuousClock.now

    /// Which round is being executed, and whether a round's commit saw a cancel requested.
    let current = CurrentRound()

    /// Follows the lease's heartbeats (`LeaseKeeper`, one statement for all of the process's
    /// runs) until cancelled; throws `LeaseLost` when it no longer held, and `CancelRequested`
    /// when someone cancelled the run (the calls in flight are cancelled).
    func keepLeaseAlive() async throws {
        for await beat in leases.beats(for: lease) {
            guard beat.held else {
                logger.warning("lease lost")
                throw LeaseLost(lease)
            }
            if beat.cancelRequested, current.round != .publish {
                throw CancelRequested(runID: lease.runID)
            }
        }
        throw CancellationError()
    }

    func run() async throws -> RunOutcome {
        // Who claimed the run (the timeline's start of this attempt), recorded in the statement
        // that reads where the run stands.
        let claim = Diagnostic(
            round: nil, kind: .status, message: (lease.tookOver ? "taken over by " : "claimed by ") + lease.owner,
            attempt: lease.attempt, details: RunTimeline.claimDetails(owner: lease.owner, tookOver: lease.tookOver)
        )
        let start = try await store.start(lease, recording: [claim])
        let record = start.record
        let params = record.params
        var artifacts = start.artifacts
        // The run's own providers (its profile and site), for the rounds it has left: a run
        // waiting only to publish needs no writer.
        let pipeline: Pipeline
        do {
            pipeline = try await pipelines.pipeline(for: params, rounds: Round.allCases.filter { artifacts[$0] == nil })
        } catch let error as PipelineUnavailable {
            return try await finish(.error, reason: error.message, gate: false)
        }
        if params.budgetUSD != nil {
            spent.add(record.costUSD + start.uncommittedCheckpointCostUSD)
        }
        // Every round whose artifact exists is skipped: their diagnostics go in one statement.
        let skipped = Round.allCases.filter { artifacts[$0] != nil }
        if !skipped.isEmpty {
            try await store.record(
                skipped.map {
                    Diagnostic(round: $0, kind: .roundSkipped, message: "artifact exists; round not executed again", attempt: lease.attempt)
                }, lease: lease)
        }
        // Cancelled before this attempt began: learnt from the start (later, from each commit).
        current.cancelRequested = start.cancelReason != nil
        var gateDiagnostics: [Diagnostic] = []
        for round in Round.allCases {
            if skipped.contains(round) {
                progress(.roundSkipped(round))
                continue
            }
            // Cancelled by someone: the rounds so far are kept; the run ends here. Learnt from
            // the last round's commit, or, before the first round, asked.
            if current.cancelRequested {
                if let reason = try await store.cancelRequest(lease.runID) {
                    return try await finish(.cancelled, reason: reason, gate: false)
                }
                current.cancelRequested = false
            }
            current.round = round
            // Shutting down: the rounds so far are committed; hand the run back (as on
            // cancellation) before starting another.
            if configuration.drain.isRequested {
                logger.notice("draining: handing the run back before round \(round.rawValue)")
                throw CancellationError()
            }
            if round == .publish {
                let report = try decode(CoherenceReport.self, round: .coherence, from: artifacts)
                let approved = record.reviewApprovedAt != nil
                switch GateDecision.decide(report, thresholds: params.thresholds, approved: approved) {
                case .publish:
                    gateDiagnostics.append(
                        Diagnostic(
                            round: .coherence, kind: .gate,
                            message: approved
                                ? "approved by review; publishing"
                                : "coherence \(String(format: "%.2f", report.score)) passes; publishing",
                            attempt: lease.attempt
                        ))
                case .review(let reason):
                    return try await finish(.needsReview, reason: reason, gate: true)
                case .skip(let reason):
                    return try await finish(.skipped, reason: reason, gate: true)
                }
            }
            // What the round spends beyond the results it commits (repairs of a failed call,
            // attempts retried in place, a failed section): counted in its commit, or on failure.
            let meter = SpendMeter { spent.add($0.costUSD) }
            do {
                try checkBudget(params, before: round)
                // Round 7's commit also ends the run as done: one statement, not two.
                artifacts[round] = try await RunContext.$meter.withValue(meter) {
                    try await execute(
                        round, pipeline: pipeline, start: start, artifacts: artifacts, diagnostics: gateDiagnostics,
                        finishing: round == .publish ? .done : nil, meter: meter
                    )
                }
            } catch let error as LeaseLost {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch let error where DatabaseOutage.caused(error) {
                // Not the round's failure: the run is handed back once the database answers.
                throw error
            } catch {
                return try await fail(round, error, unrecorded: meter.total)
            }
            if round == .publish {
                PipelineMetrics.runFinished(.done)
                logger.info("run finished", metadata: ["status": "done"])
                progress(.finished(.done, reason: nil))
                return outcome(.done, reason: nil, artifacts: artifacts)
            }
        }
        // Every round's artifact existed already: nothing was left to run.
        return try await finish(
            .done, reason: nil, gate: false,
            htmlPath: try? decode(
                PublishResult.self, round: .publish, from: artifacts
            ).htmlPath)
    }

    func outcome(_ status: RunStatus, reason: String?, artifacts: [Round: String]) -> RunOutcome {
        RunOutcome(
            runID: lease.runID.description, status: status, reason: reason,
            htmlPath: try? decode(PublishResult.self, round: .publish, from: artifacts).htmlPath
        )
    }

    // MARK: Rounds

    /// Runs one round and commits it, in a span of its own; returns its artifact as JSON text.
    func execute(
        _ round: Round, pipeline: Pipeline, start: RunStart, artifacts: [Round: String], diagnostics extra: [Diagnostic] = [],
        finishing: RunStatus? = nil, meter: SpendMeter
    ) async throws -> String {
        try await withSpan("presswork.round \(round.rawValue) \(round)") { span in
            span.attributes[LogKey.round] = round.rawValue
            span.attributes[LogKey.attempt] = lease.attempt
            return try await executeRound(
                round, pipeline: pipeline, start: start, artifacts: artifacts, diagnostics: extra, finishing: finishing, meter: meter
            )
        }
    }

    /// When the round must be over: its own timeout, or the run's deadline if that comes first.
    func roundDeadline(_ round: Round) throws -> ContinuousClock.Instant {
        let own = ContinuousClock.now.advanced(by: configuration.roundTimeout)
        guard let runTimeout = configuration.runTimeout else { return own }
        let runDeadline = started.advanced(by: runTimeout)
        guard runDeadline > .now else { throw RunTimeout(timeout: runTimeout, round: round) }
        return min(own, runDeadline)
    }

    func executeRound(
        _ round: Round, pipeline: Pipeline, start: RunStart, artifacts: [Round: String], diagnostics extra: [Diagnostic],
        finishing: RunStatus?, meter: SpendMeter
    ) async throws -> String {
        let params = start.record.params
        var logger = self.logger
        logger[metadataKey: LogKey.round] = "\(round.rawValue)"
        logger.info("round started")
        progress(.roundStarted(round))
        let started = ContinuousClock.now
        let deadline = try roundDeadline(round)
        var output: RoundResult
        switch round {
        case .trends:
            output = try RoundResult(try await attempt(round, until: deadline) { try await pipeline.trends(params) }) {
                "\($0.count) trends"
            }
        case .ideas:
            let trends = try decode([TrendItem].self, round: .trends, from: artifacts)
            output = try RoundResult(
                try await attempt(round, until: deadline) {
                    try await pipeline.ideas(trends, params: params)
                }
            ) {
                "\($0.count) ideas; best: \($0.first?.title ?? "")"
            }
        case .outline:
            let trends = try decode([TrendItem].self, round: .trends, from: artifacts)
            let ideas = try decode([TopicIdea].self, round: .ideas, from: artifacts)
            output = try RoundResult(
                try await attempt(round, until: deadline) {
                    try await pipeline.outline(ideas, trends: trends, params: params)
                }
            ) { "\"\($0.title)\", \($0.sections.count) sections" }
        case .drafts:
            let outline = try decode(Outline.self, round: .outline, from: artifacts)
            output = try await perSection(
                round, params: params, count: outline.sections.count, as: SectionDraft.self,
                checkpointed: start.checkpointedRounds.contains(round), until: deadline
            ) { index in
                try await pipeline.draft(section: index, of: outline, params: params)
            }
        case .polish:
            let outline = try decode(Outline.self, round: .outline, from: artifacts)
            let drafts = try decode([SectionDraft].self, round: .drafts, from: artifacts)
            output = try await perSection(
                round, params: params, count: drafts.count, as: PolishedSection.self,
                checkpointed: start.checkpointedRounds.contains(round), until: deadline
            ) { index in
                try await pipeline.polish(drafts[index], of: outline, params: params)
            }
        case .metadata:
            let article = try decodeArticleParts(artifacts)
            output = try RoundResult(
                try await attempt(round, until: deadline) {
                    try await pipeline.metadata(article.outline, sections: article.sections, params: params)
                }
            ) { "\"\($0.seoTitle)\", \($0.imagePrompts.count) image prompts" }
        case .coherence:
            let article = try decodeArticle(artifacts)
            // A reprocess is not a duplicate of the run it reprocesses, nor of that run's parents.
            // Most runs have no parent: no query then.
            let lineage = start.record.parentRunID == nil ? [] : try await store.ancestors(of: lease.runID)
            let corpus = StoreCorpus(corpus: self.corpus, excluding: Set(lineage + [lease.runID]))
            let result = try await attempt(round, until: deadline) {
                try await pipeline.coherence(article, params: params, corpus: corpus)
            }
            let model = pipeline.providers.embeddings
            output = RoundResult(
                payload: try ArtifactJSON.encode(result.value.report), usage: result.usage, warnings: result.warnings,
                summary: "score \(String(format: "%.2f", result.value.report.score))"
                    + (result.value.report.duplicate.isDuplicate ? ", duplicate" : ""),
                vector: StoredVector(model: model.model, dimension: model.dimension, values: result.value.vector)
            )
        case .publish:
            let article = try decodeArticle(artifacts)
            let runID = lease.runID.description
            let ledger = StoreLedger(store: store, lease: lease)
            let archive = StoreImageArchive(store: store, lease: lease, heldImagesAtStart: start.heldImages)
            // Images are bought only while the budget lasts; the post goes out regardless.
            let budgetLeft = params.budgetUSD.map { $0 - spent.total }
            output = try RoundResult(
                try await attempt(round, until: deadline) {
                    try await pipeline.publish(
                        article, runID: runID, params: params, ledger: ledger, images: archive, budgetLeftUSD: budgetLeft)
                }
            ) {
                ($0.htmlPath.map { "HTML written to \($0)" } ?? "post \($0.wpPostId.map(String.init) ?? "?")")
                    + ($0.images.map { ", \($0.count) image\($0.count == 1 ? "" : "s")" } ?? "")
            }
        }
        // Repairs and in-place retries paid for on the way to this result (sections count theirs
        // in their checkpoints).
        let waste = meter.total
        output.usage = output.usage + waste
        spent.add(-waste.costUSD)
        let durationMs = started.duration(to: .now).wholeMilliseconds
        var diagnostics =
            extra
            + output.warnings.map {
                Diagnostic(round: round, kind: .warning, message: $0, attempt: lease.attempt)
            }
        // Provider calls and their cost, when there were any: what a round cost in requests and money.
        var spending: [(String, JSONValue)] = []
        if output.usage.calls > 0 { spending.append(("calls", .number(Double(output.usage.calls)))) }
        if output.usage.costUSD > 0 { spending.append(("costUSD", .number(output.usage.costUSD))) }
        diagnostics.append(
            Diagnostic(
                round: round, kind: .roundCompleted, message: output.summary, attempt: lease.attempt, durationMs: durationMs,
                tokensIn: output.usage.input, tokensOut: output.usage.output, details: spending.isEmpty ? nil : .object(spending)
            ))
        // Rounds 3 and 4 counted each section's cost as it was checkpointed.
        if !output.countedAsSpent { spent.add(output.usage.costUSD) }
        let commit = RoundCommit(
            round: round, payload: output.payload, durationMs: durationMs, tokensIn: output.usage.input,
            tokensOut: output.usage.output, costUSD: output.usage.costUSD, diagnostics: diagnostics, vector: output.vector)
        // Most rounds' commits share statements with other runs'; the one that ends the run, and
        // round 6's with its vector, are statements of their own.
        if finishing == nil && commit.vector == nil {
            current.cancelRequested = try await commits.submit(LeasedCommit(commit: commit, lease: lease))
        } else {
            current.cancelRequested = try await store.commit(
                commit, lease: lease, leaseSeconds: configuration.leaseSeconds, finishing: finishing.map { ($0, nil) })
            // Committed under the lease, so the stored vector is this one.
            if let vector = commit.vector { corpus.remember(vector, of: lease.runID) }
        }
        PipelineMetrics.roundCompleted(
            round, duration: started.duration(to: .now), tokensIn: output.usage.input, tokensOut: output.usage.output
        )
        for warning in output.warnings { progress(.warning(round, warning)) }
        progress(.roundFinished(round, durationMs: durationMs, summary: output.summary))
        logger.info(
            "round finished",
            metadata: [
                "durationMs": "\(durationMs)", "tokensIn": "\(output.usage.input)", "tokensOut": "\(output.usage.output)",
            ])
        return output.payload
    }

}

/// Where an execution is, for its heartbeat and its round boundaries.
final class CurrentRound: Sendable {
    private let state = Mutex<(round: Round?, cancelRequested: Bool)>((nil, true))
    /// The round being executed: the heartbeat leaves a publishing round alone when a cancel is
    /// requested (its ledger decides what a stop means there: the boundary after it).
    var round: Round? {
        get { state.withLock { $0.round } }
        set { state.withLock { $0.round = newValue } }
    }
    /// Whether a cancel may have been requested: true until the run's start says otherwise (then
    /// each commit tells), so that a round boundary asks the store for the reason.
    var cancelRequested: Bool {
        get { state.withLock { $0.cancelRequested } }
        set { state.withLock { $0.cancelRequested = newValue } }
    }
}

/// US dollars spent by one run, shared by the round loop and concurrent sections.
final class Spent: Sendable {
    private let value = Mutex<Double>(0)
    var total: Double { value.withLock { $0 } }
    func add(_ amount: Double) { value.withLock { $0 += amount } }
}

/// A round's result ready to commit.
struct RoundResult: Sendable {
    /// The artifact as JSON text, encoded once.
    var payload: String
    var usage: TokenUsage
    var warnings: [String]
    var summary: String
    var vector: StoredVector?
    /// The cost is in `RunExecution.spent` already (sections are counted as they finish).
    var countedAsSpent = false

    init(payload: String, usage: TokenUsage, warnings: [String], summary: String, vector: StoredVector?) {
        self.payload = payload
        self.usage = usage
        self.warnings = warnings
        self.summary = summary
        self.vector = vector
    }

    init<Value: Encodable & Sendable>(_ output: RoundOutput<Value>, summary: (Value) -> String) throws {
        self.init(
            payload: try ArtifactJSON.encode(output.value), usage: output.usage, warnings: output.warnings,
            summary: summary(output.value), vector: nil)
    }
}

/// Artifacts as JSON text: keys sorted, so that equal artifacts are equal text.
enum ArtifactJSON {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
