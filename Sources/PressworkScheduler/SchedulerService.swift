import Foundation
import Logging
import Metrics
import PressworkCore
import PressworkStore

/// The cron timer: fires due schedules as `planner` decides (see `ScheduleStore.fireDue`) and sleeps until the next
/// fire is due, at most `maxSleep` (new and resumed schedules are seen within that). Any number
/// of schedulers may run against one database: each due schedule is handled by exactly one.
public struct SchedulerService: Sendable {
    let store: ScheduleStore
    let pipelineVersion: String
    let maxSleep: Duration
    let planner: SchedulePlanner
    let logger: Logger

    public init(
        store: ScheduleStore, pipelineVersion: String, maxSleep: Duration = .seconds(1), planner: SchedulePlanner = SchedulePlanner(),
        logger: Logger
    ) {
        self.store = store
        self.planner = planner
        self.pipelineVersion = pipelineVersion
        self.maxSleep = maxSleep
        self.logger = logger
    }

    /// Made once, on first use (after `serve` bootstrapped the metrics system).
    static let lateness = Metrics.Timer(label: "presswork_schedule_lateness_seconds", preferredDisplayUnit: .seconds)

    public func run() async throws {
        while !Task.isCancelled {
            do {
                let started = try await store.fireDue(pipelineVersion: pipelineVersion, planner: planner)
                let now = Date()
                for run in started {
                    // How late each fire started its run: the scheduler's health in one histogram.
                    Self.lateness.recordNanoseconds(Int64(max(0, now.timeIntervalSince(run.fireAt)) * 1e9))
                    logger.info(
                        "schedule fired",
                        metadata: [
                            LogKey.schedule: "\(run.schedule)", LogKey.runID: "\(run.runID)",
                        ])
                }
                let wait = try await store.secondsUntilNextFire().map { Duration.milliseconds(Int64(max(0, $0) * 1000)) } ?? maxSleep
                try await Task.sleep(for: min(maxSleep, max(.milliseconds(10), wait)))
            } catch is CancellationError {
                return
            } catch {
                logger.error("scheduler tick failed", error: error)
                try await Task.sleep(for: maxSleep)
            }
        }
    }
}
