import PostgresClient
import PostgresTestSupport
import Testing

@Suite struct BlockedConnectionTests {
    /// Connections blocked in the server (lock waits, a LISTEN) outnumber the cores here; the
    /// connection holding the lock must still get a thread to run its statements and let them go.
    /// With the executors on a shared, core-capped thread pool this deadlocked.
    @Test func connectionsBlockedOnALockNeverStarveTheOneHoldingIt() async throws {
        let configuration = try await TestDatabase.makeDatabase("blocked")
        let waiterCount = 6
        let holder = try await PostgresConnection.connect(configuration)
        _ = try await holder.query("SELECT pg_advisory_lock(42)")
        let notifications = try await PostgresConnection.listen(on: ["blocked_test"], configuration: configuration)

        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<waiterCount {
                group.addTask {
                    let waiter = try await PostgresConnection.connect(configuration)
                    _ = try await waiter.query("SELECT pg_advisory_lock(42)")
                    _ = try await waiter.query("SELECT pg_advisory_unlock(42)")
                    return 1
                }
            }
            group.addTask {
                try await Task.sleep(for: .seconds(60))
                throw DeadlineExceeded()
            }
            // The holder sees every waiter blocked, then releases the lock: all of this runs on
            // the holder's thread while the others block theirs.
            let lockWaits: PostgresQuery = """
                SELECT count(*) FROM pg_stat_activity
                WHERE wait_event_type = 'Lock' AND query = 'SELECT pg_advisory_lock(42)'
                """
            while try await holder.query(lockWaits).scalar(Int.self) < waiterCount {
                try await Task.sleep(for: .milliseconds(10))
            }
            _ = try await holder.query("SELECT pg_advisory_unlock(42)")
            var finished = 0
            while finished < waiterCount, let one = try await group.next() {
                finished += one
            }
            group.cancelAll()
            #expect(finished == waiterCount)
        }
        _ = notifications
    }
}

private struct DeadlineExceeded: Error, CustomStringConvertible {
    var description: String { "the waiters did not finish within 60 s: a blocked connection starved the others" }
}
