import Foundation
import Logging
import PostgresClient
import PressworkCore
import PressworkStore
import Synchronization

/// Keeps the leases of every run an orchestrator executes alive with one statement per
/// heartbeat interval (`RunStore.beat(owner:leases:)`), however many runs are in flight: a
/// process's database load while its runs wait on providers does not grow with its concurrency.
/// Each execution follows its own lease's beats (`beats(for:)`): lost, or cancel requested.
///
/// The beating task runs while at least one lease is registered. A database that does not
/// answer is ridden out (a warning per failed beat); the run's next write meets the outage and
/// hands the run back (`DatabaseOutage`), and an expired lease shows at the first beat that gets
/// through.
final class LeaseKeeper: Sendable {
    struct Beat: Sendable {
        let held: Bool
        let cancelRequested: Bool
    }

    private struct State {
        var followers: [RunID: (lease: Lease, continuation: AsyncStream<Beat>.Continuation)] = [:]
        var beating = false
    }

    private let store: RunStore
    private let owner: String
    private let interval: Duration
    private let leaseSeconds: Double
    private let logger: Logger
    private let state = Mutex(State())

    init(store: RunStore, owner: String, interval: Duration, leaseSeconds: Double, logger: Logger) {
        self.store = store
        self.owner = owner
        self.interval = interval
        self.leaseSeconds = leaseSeconds
        self.logger = logger
    }

    /// The beats of `lease`, until the caller stops iterating (its task is cancelled).
    func beats(for lease: Lease) -> AsyncStream<Beat> {
        let (stream, continuation) = AsyncStream.makeStream(of: Beat.self, bufferingPolicy: .bufferingNewest(1))
        let runID = lease.runID
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { state in
                if state.followers[runID]?.lease == lease { state.followers[runID] = nil }
            }
        }
        let start = state.withLock { state -> Bool in
            state.followers[runID] = (lease, continuation)
            guard !state.beating else { return false }
            state.beating = true
            return true
        }
        if start { Task { await self.beat() } }
        return stream
    }

    /// Beats every interval until no lease is left.
    private func beat() async {
        while true {
            try? await Task.sleep(for: interval)
            let followers = state.withLock { state -> [(lease: Lease, continuation: AsyncStream<Beat>.Continuation)]? in
                if state.followers.isEmpty {
                    state.beating = false
                    return nil
                }
                return Array(state.followers.values)
            }
            guard let followers else { return }
            let held: [RunID: Bool]
            do {
                held = try await store.beat(owner: owner, leases: followers.map(\.lease), leaseSeconds: leaseSeconds)
            } catch let error as PostgresError where error.isUnavailable {
                logger.warning(
                    "heartbeat failed: the database does not answer", error: error, metadata: ["runs": "\(followers.count)"])
                continue
            } catch {
                logger.error("heartbeat failed", error: error, metadata: ["runs": "\(followers.count)"])
                continue
            }
            for follower in followers {
                let cancel = held[follower.lease.runID]
                follower.continuation.yield(Beat(held: cancel != nil, cancelRequested: cancel ?? false))
            }
        }
    }
}
