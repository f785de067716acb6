import Foundation
import Logging
import PostgresClient
import PressworkCore
import PressworkPipeline
import PressworkStore
import Tracing
import Synchronization

/// One claim of one run: the rounds loop, under a lease.
struct RunExecution: Sendable {
    let lease: Lease
    let store: RunStore
    let leases: LeaseKeeper
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
                throw LeaseLost(runID: lease.runID, attempt: lease.attempt, currentAttempt: nil, currentStatus: nil)
            }
            if beat.cancelRequested, current.round != .publish {
                throw CancelRequested(runID: lease.runID)
            }
        }
        throw CancellationError()
    }

    func run() async throws -> RunOutcome {
        guard let record = try await store.run(lease.runID) else {
            throw RunNotClaimable(runID: lease.runID.uuidString.lowercased(), status: nil)
        }
        let params = record.params
        var artifacts = try await store.artifacts(lease.runID)
        // The run's own providers (its profile and site), for the rounds it has left: a run
        // waiting only to publish needs no writer.
        let pipeline: Pipeline
        do {
            pipeline = try await pipelines.pipeline(for: params, rounds: Round.allCases.filter { artifacts[$0] == nil })
        } catch let error as PipelineUnavailable {
            return try await finish(.error, reason: error.message, gate: false)
        }
        if params.budgetUSD != nil {
            spent.add(record.costUSD + (try await store.uncommittedCheckpointCost(lease.runID)))
        }
        // Who claimed the run (the timeline's start of this attempt), and every round whose
        // artifact exists, skipped: their diagnostics go in one statement.
        let skipped = Round.allCases.filter { artifacts[$0] != nil }
        let claim = Diagnostic(
            round: nil, kind: .status, message: (lease.tookOver ? "taken over by " : "claimed by ") + lease.owner,
            attempt: lease.attempt, details: RunTimeline.claimDetails(owner: lease.owner, tookOver: lease.tookOver)
        )
        try await store.record([claim] + skipped.map {
            Diagnostic(round: $0, kind: .roundSkipped, message: "artifact exists; round not executed again", attempt: lease.attempt)
        }, lease: lease)
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
                    gateDiagnostics.append(Diagnostic(
                        round: .coherence, kind: .gate,
                        message: approved ? "approved by review; publishing"
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
                        round, pipeline: pipeline, params: params, artifacts: artifacts, diagnostics: gateDiagnostics,
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
        return try await finish(.done, reason: nil, gate: false, htmlPath: try? decode(
            PublishResult.self, round: .publish, from: artifacts
        ).htmlPath)
    }

    private func outcome(_ status: RunStatus, reason: String?, artifacts: [Round: String]) -> RunOutcome {
        RunOutcome(
            runID: lease.runID.uuidString.lowercased(), status: status, reason: reason,
            htmlPath: try? decode(PublishResult.self, round: .publish, from: artifacts).htmlPath
        )
    }

    // MARK: Rounds

    /// Runs one round and commits it, in a span of its own; returns its artifact as JSON text.
    private func execute(
        _ round: Round, pipeline: Pipeline, params: RunParams, artifacts: [Round: String], diagnostics extra: [Diagnostic] = [],
        finishing: RunStatus? = nil, meter: SpendMeter
    ) async throws -> String {
        try await withSpan("presswork.round \(round.rawValue) \(round)") { span in
            span.attributes[LogKey.round] = round.rawValue
            span.attributes[LogKey.attempt] = lease.attempt
            return try await executeRound(
                round, pipeline: pipeline, params: params, artifacts: artifacts, diagnostics: extra, finishing: finishing, meter: meter
            )
        }
    }

    /// When the round must be over: its own timeout, or the run's deadline if that comes first.
    private func roundDeadline(_ round: Round) throws -> ContinuousClock.Instant {
        let own = ContinuousClock.now.advanced(by: configuration.roundTimeout)
        guard let runTimeout = configuration.runTimeout else { return own }
        let runDeadline = started.advanced(by: runTimeout)
        guard runDeadline > .now else { throw RunTimeout(timeout: runTimeout, round: round) }
        return min(own, runDeadline)
    }

    private func executeRound(
        _ round: Round, pipeline: Pipeline, params: RunParams, artifacts: [Round: String], diagnostics extra: [Diagnostic],
        finishing: RunStatus?, meter: SpendMeter
    ) async throws -> String {
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
            output = try RoundResult(try await attempt(round, until: deadline) {
                try await pipeline.ideas(trends, params: params)
            }) {
                "\($0.count) ideas; best: \($0.first?.title ?? "")"
            }
        case .outline:
            let trends = try decode([TrendItem].self, round: .trends, from: artifacts)
            let ideas = try decode([TopicIdea].self, round: .ideas, from: artifacts)
            output = try RoundResult(try await attempt(round, until: deadline) {
                try await pipeline.outline(ideas, trends: trends, params: params)
            }) { "\"\($0.title)\", \($0.sections.count) sections" }
        case .drafts:
            let outline = try decode(Outline.self, round: .outline, from: artifacts)
            output = try await perSection(
                round, params: params, count: outline.sections.count, as: SectionDraft.self, until: deadline
            ) { index in
                try await pipeline.draft(section: index, of: outline, params: params)
            }
        case .polish:
            let outline = try decode(Outline.self, round: .outline, from: artifacts)
            let drafts = try decode([SectionDraft].self, round: .drafts, from: artifacts)
            output = try await perSection(
                round, params: params, count: drafts.count, as: PolishedSection.self, until: deadline
            ) { index in
                try await pipeline.polish(drafts[index], of: outline, params: params)
            }
        case .metadata:
            let article = try decodeArticleParts(artifacts)
            output = try RoundResult(try await attempt(round, until: deadline) {
                try await pipeline.metadata(article.outline, sections: article.sections, params: params)
            }) { "\"\($0.seoTitle)\", \($0.imagePrompts.count) image prompts" }
        case .coherence:
            let article = try decodeArticle(artifacts)
            // A reprocess is not a duplicate of the run it reprocesses, nor of that run's parents.
            let lineage = try await store.ancestors(of: lease.runID)
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
            let runID = lease.runID.uuidString.lowercased()
            let ledger = StoreLedger(store: store, lease: lease)
            output = try RoundResult(try await attempt(round, until: deadline) {
                try await pipeline.publish(article, runID: runID, params: params, ledger: ledger)
            }) {
                $0.htmlPath.map { "HTML written to \($0)" } ?? "post \($0.wpPostId.map(String.init) ?? "?")"
            }
        }
        // Repairs and in-place retries paid for on the way to this result (sections count theirs
        // in their checkpoints).
        let waste = meter.total
        output.usage = output.usage + waste
        spent.add(-waste.costUSD)
        let durationMs = started.duration(to: .now).wholeMilliseconds
        var diagnostics = extra + output.warnings.map {
            Diagnostic(round: round, kind: .warning, message: $0, attempt: lease.attempt)
        }
        // Provider calls and their cost, when there were any: what a round cost in requests and money.
        var spending: [(String, JSONValue)] = []
        if output.usage.calls > 0 { spending.append(("calls", .number(Double(output.usage.calls)))) }
        if output.usage.costUSD > 0 { spending.append(("costUSD", .number(output.usage.costUSD))) }
        diagnostics.append(Diagnostic(
            round: round, kind: .roundCompleted, message: output.summary, attempt: lease.attempt, durationMs: durationMs,
            tokensIn: output.usage.input, tokensOut: output.usage.output, details: spending.isEmpty ? nil : .object(spending)
        ))
        // Rounds 3 and 4 counted each section's cost as it was checkpointed.
        if !output.countedAsSpent { spent.add(output.usage.costUSD) }
        current.cancelRequested = try await store.commit(RoundCommit(
            round: round, payload: output.payload, durationMs: durationMs, tokensIn: output.usage.input,
            tokensOut: output.usage.output, costUSD: output.usage.costUSD, diagnostics: diagnostics, vector: output.vector
        ), lease: lease, leaseSeconds: configuration.leaseSeconds, finishing: finishing.map { ($0, nil) })
        PipelineMetrics.roundCompleted(
            round, duration: started.duration(to: .now), tokensIn: output.usage.input, tokensOut: output.usage.output
        )
        for warning in output.warnings { progress(.warning(round, warning)) }
        progress(.roundFinished(round, durationMs: durationMs, summary: output.summary))
        logger.info("round finished", metadata: [
            "durationMs": "\(durationMs)", "tokensIn": "\(output.usage.input)", "tokensOut": "\(output.usage.output)",
        ])
        return output.payload
    }

    /// Rounds 3 and 4: the sections already checkpointed are kept; the missing ones run
    /// concurrently (bounded), each committed as it finishes; then the round is assembled.
    private func perSection<Section: SchemaDescribed>(
        _ round: Round, params: RunParams, count: Int, as: Section.Type, until deadline: ContinuousClock.Instant,
        _ work: @escaping @Sendable (Int) async throws -> RoundOutput<Section>
    ) async throws -> RoundResult {
        let roundMeter = RunContext.meter
        var sections: [Int: Section] = [:]
        // Sections kept from an earlier attempt count in the round's usage: they were paid for,
        // and only the round's commit adds usage to the run's totals. (Their cost is in `spent`
        // since the execution began.)
        var usage = TokenUsage.zero
        for (index, checkpoint) in try await store.checkpoints(lease.runID, round: round) where index < count {
            sections[index] = try JSONDecoder().decode(Section.self, from: Data(checkpoint.payload.utf8))
            usage = usage + TokenUsage(input: checkpoint.tokensIn, output: checkpoint.tokensOut, costUSD: checkpoint.costUSD)
        }
        let missing = (0..<count).filter { sections[$0] == nil }
        var warnings: [String] = []
        // A section that fails stops new sections from starting, but those already running finish
        // and are checkpointed: their (possibly paid) work is kept for the retry.
        var firstFailure: (any Error)?
        try await withThrowingTaskGroup(of: (Int, Result<RoundOutput<Section>, any Error>, Int).self) { group in
            var next = missing.makeIterator()
            func startNext() {
                guard firstFailure == nil, let index = next.next() else { return }
                do {
                    try checkBudget(params, before: round)
                } catch {
                    firstFailure = error
                    return
                }
                group.addTask {
                    let started = ContinuousClock.now
                    let result: Result<RoundOutput<Section>, any Error>
                    // A section's own meter: what its repairs and retries spent goes into its
                    // checkpoint when it succeeds, and into the round's meter when it fails.
                    let sectionMeter = SpendMeter { spent.add($0.costUSD) }
                    do {
                        var output = try await RunContext.$meter.withValue(sectionMeter) {
                            try await attempt(round, section: index, until: deadline) { try await work(index) }
                        }
                        output.usage = output.usage + sectionMeter.total
                        result = .success(output)
                    } catch {
                        result = .failure(error)
                    }
                    let waste = sectionMeter.total
                    if case .failure = result {
                        // Counted in the budget already; the round's failure records it.
                        roundMeter?.add(waste, forwarding: false)
                    } else {
                        spent.add(-waste.costUSD)
                    }
                    return (index, result, started.duration(to: .now).wholeMilliseconds)
                }
            }
            for _ in 0..<configuration.sectionConcurrency { startNext() }
            while let (index, result, durationMs) = try await group.next() {
                switch result {
                case .success(let output):
                    warnings += output.warnings
                    try await store.commitSection(
                        index, of: round, payload: try ArtifactJSON.encode(output.value), durationMs: durationMs,
                        tokensIn: output.usage.input, tokensOut: output.usage.output, costUSD: output.usage.costUSD,
                        lease: lease
                    )
                    sections[index] = output.value
                    usage = usage + output.usage
                    spent.add(output.usage.costUSD)
                    progress(.sectionFinished(round, index: index, done: sections.count, total: count))
                case .failure(let error):
                    if error is LeaseLost || error is CancellationError { throw error }
                    firstFailure = firstFailure ?? SectionFailure(section: index, underlying: error)
                }
                startNext()
            }
        }
        if let firstFailure { throw firstFailure }
        let ordered = (0..<count).compactMap { sections[$0] }
        let reused = count - missing.count
        var result = RoundResult(
            payload: try ArtifactJSON.encode(ordered), usage: usage, warnings: warnings,
            summary: "\(count) sections" + (reused > 0 ? " (\(reused) kept from an earlier attempt)" : ""),
            vector: nil
        )
        result.countedAsSpent = true
        return result
    }

    /// Runs `work` before the round's deadline, retrying transient failures in place with
    /// exponential backoff and full jitter. The deadline bounds every retry: reaching it fails
    /// the round (`RoundTimeout`), which is not retried here.
    private func attempt<Value: Sendable>(
        _ round: Round, section: Int? = nil, until deadline: ContinuousClock.Instant,
        _ work: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        var failures = 0
        while true {
            do {
                return try await withDeadline(deadline, round: round, work)
            } catch let error where Self.isTransient(error) && failures < configuration.transientRetries {
                failures += 1
                let ceiling = configuration.retryBaseDelay * (1 << min(failures - 1, 16))
                let delay = Duration.nanoseconds(Int64.random(in: 0...max(0, ceiling.nanoseconds)))
                let reason = Self.chain(error).joined(separator: ": ")
                guard ContinuousClock.now.advanced(by: delay) < deadline else { throw error }
                logger.warning("transient failure, retrying", metadata: [
                    LogKey.round: "\(round.rawValue)", "retry": "\(failures)", "error": "\(reason)",
                ])
                try await store.record([Diagnostic(
                    round: round, kind: .retry,
                    message: "retry \(failures) of \(configuration.transientRetries)"
                        + (section.map { " (section \($0))" } ?? "") + ": \(reason)",
                    attempt: lease.attempt
                )], lease: lease)
                progress(.retrying(round, attempt: failures, reason: reason))
                try await Task.sleep(for: delay)
            }
        }
    }

    private func withDeadline<Value: Sendable>(
        _ deadline: ContinuousClock.Instant, round: Round, _ work: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        let timeout = configuration.roundTimeout
        return try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(until: deadline, clock: .continuous)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw RoundTimeout(round: round, timeout: timeout)
            }
            return value
        }
    }

    // MARK: Endings

    private func finish(_ status: RunStatus, reason: String?, gate: Bool, htmlPath: String? = nil) async throws -> RunOutcome {
        let diagnostic = Diagnostic(
            round: gate ? .coherence : nil, kind: gate ? .gate : .status,
            message: reason ?? "run \(status)", attempt: lease.attempt
        )
        try await store.finish(lease, status: status, reason: reason, diagnostics: [diagnostic])
        PipelineMetrics.runFinished(status)
        logger.info("run finished", metadata: ["status": "\(status)"])
        progress(.finished(status, reason: reason))
        return RunOutcome(runID: lease.runID.uuidString.lowercased(), status: status, reason: reason, htmlPath: htmlPath)
    }

    /// Ends the run as `error`. `unrecorded` is what the failed round spent (its calls, repairs
    /// and retries): it goes on the error diagnostic and into the run's totals.
    private func fail(_ round: Round, _ error: any Error, unrecorded: TokenUsage = .zero) async throws -> RunOutcome {
        let chain = Self.chain(error)
        let message = chain.joined(separator: ": ")
        logger.error("round failed", metadata: [LogKey.round: "\(round.rawValue)", "error": "\(message)"])
        var details: [(String, JSONValue)] = [
            ("errorType", .string(String(describing: type(of: error)))),
            ("chain", .array(chain.map(JSONValue.string))),
            ("transient", .bool(Self.isTransient(error))),
        ]
        if unrecorded.calls > 0 { details.append(("calls", .number(Double(unrecorded.calls)))) }
        if unrecorded.costUSD > 0 { details.append(("costUSD", .number(unrecorded.costUSD))) }
        try await store.finish(lease, status: .error, reason: "\(round): \(message)", diagnostics: [Diagnostic(
            round: round, kind: .error, message: message, attempt: lease.attempt,
            tokensIn: unrecorded.input, tokensOut: unrecorded.output, details: .object(details)
        )], unrecorded: (unrecorded.input, unrecorded.output, unrecorded.costUSD))
        PipelineMetrics.roundFailed(round)
        PipelineMetrics.runFinished(.error)
        progress(.finished(.error, reason: "\(round): \(message)"))
        return RunOutcome(runID: lease.runID.uuidString.lowercased(), status: .error, reason: "\(round): \(message)", htmlPath: nil)
    }

    // MARK: Budget

    /// Throws when the run's budget is spent; rounds 0 and 7 call no paid provider and pass.
    private func checkBudget(_ params: RunParams, before round: Round) throws {
        guard let budget = params.budgetUSD, round != .trends, round != .publish else { return }
        let spentSoFar = spent.total
        if spentSoFar >= budget { throw BudgetExhausted(budgetUSD: budget, spentUSD: spentSoFar, round: round) }
    }

    // MARK: Helpers

    static func isTransient(_ error: any Error) -> Bool {
        switch error {
        case let error as SectionFailure: return isTransient(error.underlying)
        case let error as PostgresError: return error.isRetryable
        case let error as any ProviderFailure: return error.isTransient
        // A round's deadline covers its retries: once reached, trying again in place cannot fit.
        case is RoundTimeout, is RunTimeout: return false
        default: return false
        }
    }

    /// The error and the errors it wraps, outermost first, as readable lines.
    /// The error and what it wraps, one line each, secrets masked: these lines go to the run's
    /// status reason and diagnostics, and from there to the API, webhooks and logs.
    static func chain(_ error: any Error) -> [String] {
        var lines = [SecretRedactor.redact("\(error)")]
        if let wrapped = (error as? any UnderlyingErrorCarrying)?.underlying {
            lines += chain(wrapped)
        }
        return lines
    }

    private func decode<T: Decodable>(_ type: T.Type, round: Round, from artifacts: [Round: String]) throws -> T {
        guard let text = artifacts[round] else {
            throw PipelineError(round, "the artifact of \(round) is missing")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        } catch {
            throw PipelineError(round, "the stored artifact of \(round) does not decode as \(T.self): \(error)")
        }
    }

    private func decodeArticleParts(_ artifacts: [Round: String]) throws -> (outline: Outline, sections: [PolishedSection]) {
        (try decode(Outline.self, round: .outline, from: artifacts),
         try decode([PolishedSection].self, round: .polish, from: artifacts))
    }

    private func decodeArticle(_ artifacts: [Round: String]) throws -> Article {
        let parts = try decodeArticleParts(artifacts)
        return Article(outline: parts.outline, sections: parts.sections,
                       metadata: try decode(Metadata.self, round: .metadata, from: artifacts))
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
    /// Whether a cancel may have been requested: true until the first commit says otherwise, so
    /// that the first round boundary asks the store.
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

/// Someone asked for the run to stop (`RunStore.cancel`); the executor ends it as cancelled.
public struct CancelRequested: Error, Sendable, CustomStringConvertible {
    public let runID: UUID
    public var description: String { "run \(runID.uuidString.lowercased()) was cancelled" }
}

/// The run's budget is spent: nothing more is called.
public struct BudgetExhausted: Error, Sendable, CustomStringConvertible {
    public let budgetUSD: Double
    public let spentUSD: Double
    public let round: Round
    public var description: String {
        String(format: "the run's budget of $%.4f is spent ($%.4f so far); %@ was not started", budgetUSD, spentUSD, "\(round)")
    }
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
        self.init(payload: try ArtifactJSON.encode(output.value), usage: output.usage, warnings: output.warnings,
                  summary: summary(output.value), vector: nil)
    }
}

/// One section of round 3 or 4 failed; the message names it, the chain keeps the cause.
struct SectionFailure: UnderlyingErrorCarrying, CustomStringConvertible {
    let section: Int
    let underlying: any Error
    var description: String { "section \(section) failed" }
}

/// Artifacts as JSON text: keys sorted, so that equal artifacts are equal text.
enum ArtifactJSON {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// A round did not finish before its deadline (its retries and sections included).
public struct RoundTimeout: Error, Sendable, CustomStringConvertible {
    public let round: Round
    public let timeout: Duration
    public var description: String { "\(round) did not finish within its deadline (round timeout \(timeout))" }
}

/// The execution reached the run's deadline before this round could start.
public struct RunTimeout: Error, Sendable, CustomStringConvertible {
    public let timeout: Duration
    public let round: Round
    public var description: String { "the run's deadline (\(timeout)) passed before \(round) could start" }
}

/// An error that wraps another (for the error chain in diagnostics).
public protocol UnderlyingErrorCarrying: Error {
    var underlying: any Error { get }
}

/// The duplicate check's view of earlier articles for one run: the orchestrator's corpus cache,
/// without the run itself.
struct StoreCorpus: PublishedCorpus {
    let corpus: DuplicateCorpus
    let excluding: Set<UUID>

    func nearest(to vector: [Float], model: String, dimension: Int, limit: Int) async throws -> [Neighbor] {
        try await corpus.nearest(to: vector, model: model, dimension: dimension, limit: limit, excluding: excluding)
    }
}

/// Round 7's ledger for one claim of one run: the store's publications table, fenced by the lease.
struct StoreLedger: PublicationLedger {
    let store: RunStore
    let lease: Lease

    func begin(site: String, slug: String) async throws -> PublicationRecord {
        let row = try await store.beginPublication(site: site, slug: slug, lease: lease)
        guard let stage = PublicationRecord.Stage(rawValue: row.stage) else {
            throw PipelineError(.publish, "the publication of run \(lease.runID) has an unknown stage \(row.stage)")
        }
        return PublicationRecord(stage: stage, postID: row.postID, slug: row.slug, attempts: row.attempts, site: row.site)
    }

    func record(_ stage: PublicationRecord.Stage, postID: Int?, link: String?, error: String?) async throws {
        try await store.recordPublication(stage: stage.rawValue, postID: postID, link: link, error: error, lease: lease)
    }
}
