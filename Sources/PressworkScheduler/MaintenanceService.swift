import Foundation
import Logging
import PressworkStore

/// Prunes once per `interval` from inside `presswork serve`, on one process at a time however
/// many run: every `checkEvery` each process asks, under the prune lock, whether the last prune
/// (by any process, or by `presswork prune` from cron) finished more than `interval` ago, and the
/// one that gets the lock and finds it due prunes. A prune in progress when the service is
/// cancelled stops between batches. In the same way, at most once per `vectorListInterval`, it
/// refreshes the duplicate check's code lists (VectorListIndexer: trains where a corpus has
/// grown, and moves vectors into the newest lists).
public struct MaintenanceService: Sendable {
    let pruner: Pruner
    let log: MaintenanceLog
    let retention: Pruner.Retention
    let interval: Duration
    let checkEvery: Duration
    let vectorLists: VectorListIndexer?
    let vectorListInterval: Duration
    let owner: String
    let logger: Logger
    /// Told after each check whether it pruned: a signal for tests that must know a check
    /// happened without waiting for the clock.
    let onCheck: @Sendable (_ pruned: Bool) -> Void

    public init(
        pruner: Pruner, retention: Pruner.Retention, interval: Duration, checkEvery: Duration = .seconds(60),
        vectorLists: VectorListIndexer? = nil, vectorListInterval: Duration = .seconds(3_600),
        owner: String, logger: Logger, onCheck: @escaping @Sendable (_ pruned: Bool) -> Void = { _ in }
    ) {
        self.pruner = pruner
        self.log = MaintenanceLog(pool: pruner.pool)
        self.retention = retention
        self.interval = interval
        self.checkEvery = checkEvery
        self.vectorLists = vectorLists
        self.vectorListInterval = vectorListInterval
        self.owner = owner
        self.logger = logger
        self.onCheck = onCheck
    }

    public func run() async throws {
        while !Task.isCancelled {
            do {
                let pruner = self.pruner
                let retention = self.retention
                let pruned = try await log.run(
                    .prune, owner: owner, unlessFinishedWithin: interval,
                    { connection in
                        try await pruner.prune(retention, batchSize: 500, pause: .milliseconds(10), on: connection)
                    })
                if let report = pruned {
                    logger.notice(
                        "pruned",
                        metadata: [
                            "runs_deleted": "\(report.runsDeleted)", "runs_compacted": "\(report.runsCompacted)",
                            "orphans": "\(report.orphans.values.reduce(0, +))", "events": "\(report.events)",
                            "duration_ms": "\(report.durationMs)",
                        ])
                }
                try await vectorLists?.refresh(recordedIn: log, owner: owner, unlessFinishedWithin: vectorListInterval)
                onCheck(pruned != nil)
                try await Task.sleep(for: checkEvery)
            } catch is CancellationError {
                return
            } catch {
                logger.error("maintenance failed", error: error)
                try? await Task.sleep(for: checkEvery)
            }
        }
    }
}
