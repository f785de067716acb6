import Foundation
import Logging
import PostgresClient
import PressworkStore

/// Wakes idle workers when a run is queued (a NOTIFY arrived), or lets them poll after a
/// timeout when notifications are lost: nothing waits forever.
actor Doorbell {
    private var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    /// Waits that ended before they parked (the timeout or a ring came first).
    private var ended: Set<UUID> = []

    func ring() {
        for waiter in waiters.values { waiter.resume() }
        waiters.removeAll()
    }

    /// Returns when rung, after `timeout`, or when the task is cancelled.
    func wait(upTo timeout: Duration) async {
        let id = UUID()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.park(id) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                await self.release(id)
            }
            await group.next()
            group.cancelAll()
            release(id)
        }
        // Both children are done: whatever either left behind for this wait goes.
        ended.remove(id)
    }

    private func park(_ id: UUID) async {
        if ended.remove(id) != nil { return }
        await withCheckedContinuation { waiters[id] = $0 }
    }

    private func release(_ id: UUID) {
        if let waiter = waiters.removeValue(forKey: id) {
            waiter.resume()
        } else {
            ended.insert(id)
        }
    }
}

extension Doorbell {
    /// Rings for every notification on `channel` until cancelled, and each time the LISTEN is
    /// (again) in place; whoever waits polls meanwhile, so nothing is missed for long.
    /// `listening` is called each time the LISTEN is in place (tests wait for it, not a sleep).
    func ring(
        onNotificationsFrom channel: String, configuration: PostgresConfiguration, logger: Logger,
        listening: @escaping @Sendable () -> Void = {}
    ) async {
        await NotificationListener(channel: channel, configuration: configuration, logger: logger).run { signal in
            switch signal {
            case .listening:
                listening()
                await self.ring()
            case .notification:
                await self.ring()
            case .lost:
                break
            }
        }
    }
}
