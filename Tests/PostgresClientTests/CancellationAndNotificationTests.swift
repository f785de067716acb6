import PostgresClient
import PostgresTestSupport
import Testing

@Suite struct CancellationTests {
    @Test func cancellingTheTaskCancelsTheRunningStatement() async throws {
        let pool = try await TestDatabase.makePool("cancel", maxConnections: 2)
        let started = ContinuousClock.now
        let sleeper = Task { try await pool.query("SELECT pg_sleep(10)") }
        // Wait until the server is really running it, then cancel.
        while try await pool.query(
            "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(10)' AND state = 'active'"
        ).scalar(Int.self) == 0 {
            try await Task.sleep(for: .milliseconds(10))
        }
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        let elapsed = started.duration(to: .now)
        // Not a speed target: without the cancel request the statement would run its 10 seconds.
        #expect(elapsed < .seconds(9), "pg_sleep(10) was not cancelled (took \(elapsed))")
        print("pg_sleep(10) cancelled after \(elapsed)")
        // The connection went back to the pool in working order.
        #expect(try await pool.query("SELECT 1").scalar(Int.self) == 1)
        await pool.close()
    }

    @Test func aTaskCancelledBeforeItsStatementNeverSendsIt() async throws {
        let pool = try await TestDatabase.makePool("cancelearly")
        _ = try await pool.query("CREATE TABLE t (n int)")
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            _ = try await pool.query("INSERT INTO t VALUES (1)")
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(try await pool.query("SELECT count(*) FROM t").scalar(Int.self) == 0)
        await pool.close()
    }
}

@Suite struct NotificationTests {
    @Test func notificationsArriveInOrderWithTheirPayloads() async throws {
        let configuration = try await TestDatabase.makeDatabase("notify")
        let channels = ["presswork_runs", "Odd \"Channel\" name"]
        let notifications = try await PostgresConnection.listen(on: channels, configuration: configuration)
        let pool = PostgresConnectionPool(configuration: configuration, maxConnections: 1)
        let sent = [
            (channels[0], "run 1 queued"), (channels[1], "ünïcödé ✓"), (channels[0], "'; DROP TABLE x; --"),
            ("not_listened", "ignored"), (channels[0], ""),
        ]
        for (channel, payload) in sent {
            _ = try await pool.query("SELECT pg_notify(\(channel), \(payload))")
        }
        var received: [PostgresNotification] = []
        for try await notification in notifications {
            received.append(notification)
            if received.count == 4 { break }
        }
        let expected = sent.filter { $0.0 != "not_listened" }
        #expect(received.map(\.channel) == expected.map(\.0))
        #expect(received.map(\.payload) == expected.map(\.1))
        #expect(received.allSatisfy { $0.senderProcessID > 0 })
        await pool.close()
    }

    @Test func connectionFailuresNameTheSocketAndNeverThePassword() async throws {
        let configuration = try PostgresConfiguration(
            "postgresql://writer:topsecret@/presswork?host=/nonexistent/presswork-socket"
        )
        await #expect {
            try await PostgresConnection.connect(configuration)
        } throws: { error in
            let text = "\(error)"
            return (error as? PostgresError)?.kind == .connectionFailed
                && text.contains("/nonexistent/presswork-socket") && !text.contains("topsecret")
        }
    }
}
