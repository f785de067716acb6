import Foundation
import Logging
import PostgresClient
import PressworkCore
import PressworkOrchestrator
import PressworkStore

/// Workers: each claims the oldest claimable run (queued, or abandoned by a worker whose lease
/// expired), executes it through the orchestrator (leases, heartbeats, fenced commits), and
/// claims the next. Idle workers wait for a `NOTIFY presswork_runs` (sent by a trigger whenever a
/// run becomes queued, whoever queued it: the CLI, the scheduler, a plain SQL INSERT), with a
/// polling fallback so that a lost notification delays a run by at most `pollInterval`.
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

    public static let channel = "presswork_runs"

    let orchestrator: Orchestrator
    let listenConfiguration: PostgresConfiguration
    let configuration: Configuration
    let logger: Logger

    public init(orchestrator: Orchestrator, listenConfiguration: PostgresConfiguration, configuration: Configuration, logger: Logger) {
        self.orchestrator = orchestrator
        self.listenConfiguration = listenConfiguration
        self.configuration = configuration
        self.logger = logger
    }

    /// Works until cancelled, or until a drain is requested (`orchestrator.configuration.drain`)
    /// and every run in progress has reached a round boundary and been handed back.
    public func run() async throws {
        let doorbell = Doorbell()
        // Idle workers wait on the doorbell: a drain rings it, so that they stop at once.
        orchestrator.configuration.drain.onRequest { Task { await doorbell.ring() } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await doorbell.ring(onNotificationsFrom: Self.channel, configuration: listenConfiguration, logger: logger) }
            try await withThrowingTaskGroup(of: Void.self) { workers in
                for index in 0..<configuration.concurrency {
                    workers.addTask { try await work(index, doorbell: doorbell) }
                }
                try await workers.waitForAll()
            }
            group.cancelAll()
        }
    }

    private func work(_ index: Int, doorbell: Doorbell) async throws {
        var logger = self.logger
        logger[metadataKey: "presswork.worker"] = "\(index)"
        let drain = orchestrator.configuration.drain
        while !Task.isCancelled && !drain.isRequested {
            let lease: Lease?
            do {
                lease = try await orchestrator.claimNext(maxAbandoned: configuration.maxAbandoned)
            } catch is CancellationError {
                return
            } catch let error as PostgresError where error.isUnavailable {
                logger.warning("cannot claim a run: the database does not answer", metadata: ["error": "\(error)"])
                await doorbell.wait(upTo: configuration.pollInterval)
                continue
            } catch {
                logger.error("cannot claim a run", metadata: ["error": "\(error)"])
                await doorbell.wait(upTo: configuration.pollInterval)
                continue
            }
            guard let lease else {
                await doorbell.wait(upTo: configuration.pollInterval)
                continue
            }
            do {
                let outcome = try await orchestrator.execute(claimed: lease)
                logger.info("run ended", metadata: [
                    "presswork.run.id": "\(outcome.runID)", "status": "\(outcome.status)",
                ])
            } catch is CancellationError {
                return
            } catch let error as LeaseLost {
                logger.warning("lease lost; another worker has the run", metadata: ["presswork.run.id": "\(error.runID)"])
            } catch let error as RunHandedBack {
                logger.notice("run handed back after a database outage", metadata: ["presswork.run.id": "\(error.runID)"])
            } catch {
                // A run that cannot even be read (a plain SQL INSERT with bad params) ends as an
                // error with the reason, instead of being claimed again and again.
                logger.error("run cannot be executed", metadata: ["presswork.run.id": "\(lease.runID)", "error": "\(error)"])
                try? await orchestrator.store.finish(lease, status: .error, reason: "cannot be executed: \(error)", diagnostics: [
                    Diagnostic(round: nil, kind: .error, message: "cannot be executed: \(error)", attempt: lease.attempt),
                ])
            }
        }
    }
}
