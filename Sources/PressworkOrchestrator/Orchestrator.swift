import Foundation
import Logging
import PostgresClient
import PressworkCore
import PressworkPipeline
import PressworkStore
import Tracing

/// Executes runs durably: claims a run with a lease, heartbeats while it works, skips every
/// round whose artifact exists, runs the others with a timeout and in-place retries of transient
/// failures, commits each round (and each section of rounds 3 and 4) in a transaction that checks
/// the lease, applies the gate after round 6, and records everything in diagnostics.
public struct Orchestrator: Sendable {
    public let store: RunStore
    /// The providers of each run (its profile and site, or this process's settings).
    public let pipelines: any PipelineSource
    public let configuration: OrchestratorConfiguration
    let logger: Logger
    /// Finished articles' vectors, shared by this orchestrator's executions.
    let corpus: DuplicateCorpus
    /// The heartbeat of every run this orchestrator executes, one statement per interval.
    let leases: LeaseKeeper
    /// The section checkpoints and round commits of every run this orchestrator executes, many
    /// per statement.
    let checkpoints: GroupCommitter<SectionCheckpoint, Void>
    let commits: GroupCommitter<LeasedCommit, Bool>

    public init(store: RunStore, pipelines: any PipelineSource, configuration: OrchestratorConfiguration, logger: Logger) {
        self.store = store
        self.pipelines = pipelines
        self.configuration = configuration
        self.logger = logger
        self.corpus = DuplicateCorpus(store: store)
        self.leases = LeaseKeeper(
            store: store, owner: configuration.owner, interval: .milliseconds(Int64(configuration.heartbeatSeconds * 1000)),
            leaseSeconds: configuration.leaseSeconds, logger: logger
        )
        self.checkpoints = .checkpoints(store)
        self.commits = .rounds(store, leaseSeconds: configuration.leaseSeconds)
    }

    /// One pipeline for every run (tests, benchmarks).
    public init(store: RunStore, pipeline: Pipeline, configuration: OrchestratorConfiguration, logger: Logger) {
        self.init(store: store, pipelines: FixedPipeline(pipeline), configuration: configuration, logger: logger)
    }

    /// Claims and executes a run until it is done, fails, waits for review or is skipped.
    ///
    /// Throws `RunNotClaimable` when the run cannot be claimed, and `LeaseLost` when another
    /// worker took it over meanwhile (this worker then wrote nothing more). Cancelling the task
    /// hands the run back (`queued`) so that another worker continues where this one stopped.
    public func execute(
        _ runID: RunID, progress: @escaping @Sendable (RunProgress) -> Void = { _ in }
    ) async throws -> RunOutcome {
        guard let lease = try await store.claim(runID, owner: configuration.owner, leaseSeconds: configuration.leaseSeconds)
        else {
            throw RunNotClaimable(runID: runID.description, status: try await store.run(runID)?.status)
        }
        return try await execute(claimed: lease, progress: progress)
    }

    /// Claims the oldest claimable run (queued, or abandoned by a dead worker) for this
    /// orchestrator's owner; nil when there is none. See `RunStore.claimNext`.
    public func claimNext(maxAbandoned: Int) async throws -> Lease? {
        try await claimNext(maxAbandoned: maxAbandoned, limit: 1).first
    }

    /// Claims up to `limit` of the oldest claimable runs in one statement, oldest first; empty
    /// when there is none.
    public func claimNext(maxAbandoned: Int, limit: Int) async throws -> [Lease] {
        let leases = try await store.claimNext(
            owner: configuration.owner, leaseSeconds: configuration.leaseSeconds, maxAbandoned: maxAbandoned, limit: limit
        )
        for lease in leases where lease.tookOver { PipelineMetrics.leaseTakenOver() }
        return leases
    }

    /// Executes a run this orchestrator has claimed (see `execute(_:progress:)`).
    public func execute(
        claimed lease: Lease, progress: @escaping @Sendable (RunProgress) -> Void = { _ in }
    ) async throws -> RunOutcome {
        let runID = lease.runID
        var logger = self.logger
        logger[metadataKey: LogKey.runID] = "\(runID)"
        logger[metadataKey: LogKey.attempt] = "\(lease.attempt)"
        logger.info("run claimed")
        progress(.claimed(attempt: lease.attempt))
        let execution = RunExecution(
            lease: lease, store: store, leases: leases, checkpoints: checkpoints, commits: commits, corpus: corpus,
            pipelines: pipelines, configuration: configuration, logger: logger, progress: progress
        )
        do {
            return try await withThrowingTaskGroup(of: RunOutcome?.self) { group in
                group.addTask {
                    try await execution.keepLeaseAlive()
                    return nil
                }
                // Providers learn the run from the task (the LLM clients' response cache is per run).
                // The run's span is the parent of its rounds' spans and their provider calls'.
                group.addTask {
                    try await withSpan("presswork.run") { span in
                        span.attributes[LogKey.runID] = runID.description
                        span.attributes[LogKey.attempt] = lease.attempt
                        let outcome = try await RunContext.$runID.withValue(runID) { try await execution.run() }
                        span.attributes[LogKey.runStatus] = outcome.status.rawValue
                        if outcome.status == .error {
                            span.setStatus(SpanStatus(code: .error, message: outcome.reason))
                        }
                        return outcome
                    }
                }
                while let next = try await group.next() {
                    if let outcome = next {
                        group.cancelAll()
                        return outcome
                    }
                }
                throw CancellationError()
            }
        } catch is CancelRequested {
            // Cancelled while a round was in flight: its calls were cancelled with it; the rounds
            // committed so far are kept, and the run ends as cancelled.
            let reason = (try? await store.cancelRequest(runID)) ?? "cancelled"
            try await store.finish(
                lease, status: .cancelled, reason: reason,
                diagnostics: [
                    Diagnostic(round: nil, kind: .status, message: "stopped by a cancel; \(reason)", attempt: lease.attempt)
                ])
            PipelineMetrics.runFinished(.cancelled)
            logger.notice("run cancelled")
            progress(.finished(.cancelled, reason: reason))
            return RunOutcome(runID: runID.description, status: .cancelled, reason: reason, htmlPath: nil)
        } catch is CancellationError {
            // Shutting down: hand the run back so another worker continues at once instead of
            // waiting for the lease to expire. If the lease is gone already, there is nothing to do.
            // This task is cancelled, and the pool refuses cancelled callers: release from a new one.
            let store = self.store
            let owner = configuration.owner
            try? await Task {
                try await store.finish(
                    lease, status: .queued, reason: "released by \(owner)",
                    diagnostics: [
                        Diagnostic(
                            round: nil, kind: .status, message: "run released before finishing; it will be continued",
                            attempt: lease.attempt)
                    ])
            }.value
            logger.notice("run released")
            throw CancellationError()
        } catch let error where DatabaseOutage.caused(error) {
            logger.warning("the database went away; the run is handed back when it answers", error: error)
            let handedBack = try await handBackWhenTheDatabaseAnswers(lease)
            let reason = handedBack ? "handed back after a database outage" : "the lease was lost during a database outage"
            logger.notice(handedBack ? "run handed back" : "run not handed back: another worker has it")
            throw RunHandedBack(runID: runID.description, reason: reason)
        }
    }

    /// Hands the run back (`queued`) as soon as the database answers; false when the lease no
    /// longer holds (another worker took the run over meanwhile). Tries again every few
    /// seconds for as long as the database is away; cancellation (shutdown) stops trying, and
    /// the lease's expiry lets another worker take the run over.
    func handBackWhenTheDatabaseAnswers(_ lease: Lease) async throws -> Bool {
        var wait = Duration.milliseconds(100)
        while true {
            do {
                try await store.finish(
                    lease, status: .queued, reason: "handed back after a database outage",
                    diagnostics: [
                        Diagnostic(
                            round: nil, kind: .status, message: "the database went away; handed back to be continued",
                            attempt: lease.attempt)
                    ])
                return true
            } catch is LeaseLost {
                return false
            } catch let error as PostgresError where error.isUnavailable {
                try await Task.sleep(for: wait)
                wait = min(wait * 2, .seconds(5))
            }
        }
    }
}
