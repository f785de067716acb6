import Foundation
import Logging
import PostgresClient
import PressworkCore
import PressworkOrchestrator
import PressworkStore
import Synchronization

/// Workers: up to `concurrency` runs at once, each the oldest claimable run (queued, or abandoned
/// by a worker whose lease expired), executed through the orchestrator (leases, one heartbeat
/// statement for all, fenced commits). An idle pool waits for a `NOTIFY presswork_runs` (sent
/// by a trigger whenever a run becomes queued, whoever queued it: the CLI, the scheduler, a plain
/// SQL INSERT), with a polling fallback so that a lost notification delays a run by at most `pollInterval`.
///
/// Cancelling `run()` stops claiming; runs being executed are handed back (`queued`) by the
/// orchestrator for another worker to continue. A drain (`OrchestratorConfiguration.drain`) stops
/// claiming too, but lets each run finish the round in progress before handing it back.
public struct WorkerPool: Sendable {
    public struct Configuration: Sendable {
        public var concurrency: Int
        public var pollInterval: Duration
        /// Takeovers after which a run is ended as `error` instead of claimed again.
        public var maxAbandoned: Int

        public init(concurrency: Int = 2, pollInterval: Duration = .seconds(2), maxAbandoned: Int = 3) {
            self.concurrency = concurrency
            self.pollInterval = pollInterval
            self.maxAbandoned = maxAbandoned
        }
    }

    public static let channel = NotificationChannel.runs
    /// The most runs one claim statement takes: a thousand free slots fill in ten round trips,
    /// and no statement locks more rows than a few milliseconds' work.
    static let claimBatch = 100

    let orchestrator: Orchestrator
    /// Where to LISTEN; nil: poll only (behind a transaction pooler without a direct URL).
    let listenConfiguration: PostgresConfiguration?
    let configuration: Configuration
    let logger: Logger

    /// Called when the pool listens for queued runs (each time, after a reconnect too).
    let onListening: @Sendable () -> Void

    public init(
        orchestrator: Orchestrator, listenConfiguration: PostgresConfiguration?, configuration: Configuration, logger: Logger,
        onListening: @escaping @Sendable () -> Void = {}
    ) {
        self.onListening = onListening
        self.orchestrator = orchestrator
        self.listenConfiguration = listenConfiguration
        self.configuration = configuration
        self.logger = logger
    }

    /// Works until cancelled, or until a drain is requested (`orchestrator.configuration.drain`)
    /// and every run in progress has reached a round boundary and been handed back.
    ///
    /// One loop claims while fewer than `concurrency` are in flight, as many runs per statement
    /// as there are free slots (at most `claimBatch`); each claimed run executes in a task of its
    /// own. Idle, the loop waits for a notification (or the poll interval), so a thousand free
    /// slots cost a claim per wake-up, not a thousand.
    public func run() async throws {
        let doorbell = Doorbell()
        // The claiming loop waits on the doorbell: a drain rings it, so that it stops at once.
        orchestrator.configuration.drain.onRequest { Task { await doorbell.ring() } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            if let listenConfiguration {
                group.addTask {
                    await doorbell.ring(
                        onNotificationsFrom: Self.channel, configuration: listenConfiguration, logger: logger, listening: onListening)
                }
            }
            try await claimAndExecute(doorbell: doorbell)
            group.cancelAll()
        }
    }

    private func claimAndExecute(doorbell: Doorbell) async throws {
        let drain = orchestrator.configuration.drain
        let inFlight = InFlight()
        await withDiscardingTaskGroup { runs in
            while !Task.isCancelled && !drain.isRequested {
                let free = configuration.concurrency - inFlight.count
                if free <= 0 {
                    // A finishing run rings; the short wait covers a ring that came just before.
                    await doorbell.wait(upTo: min(configuration.pollInterval, .milliseconds(100)))
                    continue
                }
                let leases: [Lease]
                do {
                    leases = try await orchestrator.claimNext(
                        maxAbandoned: configuration.maxAbandoned, limit: min(free, Self.claimBatch))
                } catch is CancellationError {
                    return
                } catch let error as PostgresError where error.isUnavailable {
                    logger.warning("cannot claim a run: the database does not answer", error: error)
                    await doorbell.wait(upTo: configuration.pollInterval)
                    continue
                } catch {
                    logger.error("cannot claim a run", error: error)
                    await doorbell.wait(upTo: configuration.pollInterval)
                    continue
                }
                if leases.isEmpty {
                    await doorbell.wait(upTo: configuration.pollInterval)
                    continue
                }
                inFlight.add(leases.count)
                for lease in leases {
                    runs.addTask {
                        await execute(lease)
                        inFlight.add(-1)
                        await doorbell.ring()
                    }
                }
            }
        }
    }

    /// Executes one claimed run to its end (or its hand-back), logging how it ended.
    private func execute(_ lease: Lease) async {
        do {
            let outcome = try await orchestrator.execute(claimed: lease)
            logger.info(
                "run ended",
                metadata: [
                    LogKey.runID: "\(outcome.runID)", "status": "\(outcome.status)",
                ])
        } catch is CancellationError {
            return
        } catch let error as LeaseLost {
            logger.warning("lease lost; another worker has the run", metadata: [LogKey.runID: "\(error.runID)"])
        } catch let error as RunHandedBack {
            logger.notice("run handed back after a database outage", metadata: [LogKey.runID: "\(error.runID)"])
        } catch {
            // A run that cannot even be read (a plain SQL INSERT with bad params) ends as an
            // error with the reason, instead of being claimed again and again.
            logger.error("run cannot be executed", error: error, metadata: [LogKey.runID: "\(lease.runID)"])
            try? await orchestrator.store.finish(
                lease, status: .error, reason: "cannot be executed: \(error)",
                diagnostics: [
                    Diagnostic(round: nil, kind: .error, message: "cannot be executed: \(error)", attempt: lease.attempt)
                ])
        }
    }
}

/// How many runs a pool is executing.
private final class InFlight: Sendable {
    private let value = Mutex(0)
    var count: Int { value.withLock { $0 } }
    func add(_ delta: Int) { value.withLock { $0 += delta } }
}
