import PostgresClient
import PostgresTestSupport
import Testing

@Suite struct PoolTests {
    @Test func exhaustionTimesOutThenRecoversAndWaitersAreServedInTurn() async throws {
        let configuration = try await TestDatabase.makeDatabase("pool")
        // Long enough for a waiter to be handed a connection on a loaded machine, short enough
        // for the first caller's timeout not to slow the suite.
        let pool = PostgresConnectionPool(configuration: configuration, maxConnections: 2, acquireTimeout: .seconds(2))
        let (held, holding) = AsyncStream.makeStream(of: Void.self)
        let (release, releasing) = AsyncStream.makeStream(of: Void.self)

        let holders = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        try await pool.withConnection { _ in
                            holding.yield()
                            for await _ in release { break }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        var iterator = held.makeAsyncIterator()
        _ = await iterator.next()
        _ = await iterator.next()
        #expect(pool.statistics == .init(open: 2, idle: 0, waiting: 0))

        await #expect {
            try await pool.query("SELECT 1")
        } throws: { error in
            let error = error as? PostgresError
            return error?.kind == .poolTimeout && error?.isRetryable == true
        }

        // A waiter with time to spare gets the first connection handed back.
        let waiter = Task { try await pool.query("SELECT 7").scalar(Int.self) }
        while pool.statistics.waiting == 0 { await Task.yield() }
        releasing.yield()
        #expect(try await waiter.value == 7)
        releasing.yield()
        try await holders.value
        #expect(pool.statistics.open <= 2)
        #expect(try await pool.query("SELECT 1").scalar(Int.self) == 1)
        await pool.close()
    }

    @Test func aConnectionKilledMidUseIsReplaced() async throws {
        let pool = try await TestDatabase.makePool("killed", maxConnections: 1)
        let victimPID = try await pool.query("SELECT pg_backend_pid()").scalar(Int32.self)
        let admin = try await TestDatabase.makePool("killedadmin", maxConnections: 1)
        _ = try await admin.query("SELECT pg_terminate_backend(\(victimPID))")

        // The killed connection either fails its next statement as lost (retryable) or is noticed
        // while idle and replaced before use; either way the pool keeps working.
        var result: Int?
        for _ in 0..<2 where result == nil {
            do {
                result = try await pool.query("SELECT 1").scalar(Int.self)
            } catch let error as PostgresError {
                #expect(error.kind == .connectionLost && error.isRetryable)
            }
        }
        #expect(result == 1)
        #expect(try await pool.query("SELECT pg_backend_pid()").scalar(Int32.self) != victimPID)
        #expect(pool.statistics.open == 1)
        await pool.close()
        await admin.close()
    }

    @Test func theServerStoppedAndRestartedUnderThePool() async throws {
        let cluster = try TestDatabase.makePrivateCluster(durable: true)
        try await cluster.start()
        let pool = PostgresConnectionPool(configuration: try cluster.configuration(), maxConnections: 3)
        _ = try await pool.query("CREATE TABLE survived (n int)")
        _ = try await pool.query("INSERT INTO survived VALUES (1)")

        cluster.stopImmediatelyBlocking()  // like a crash: no shutdown checkpoint
        await #expect {
            try await pool.query("SELECT 1")
        } throws: { error in
            (error as? PostgresError)?.isRetryable == true
        }
        try await cluster.start()

        #expect(try await pool.query("SELECT n FROM survived").scalar(Int.self) == 1)
        #expect(pool.statistics.open <= 3)
        await pool.close()
        try await cluster.stop()
    }

    @Test func aConnectionLeftInsideATransactionIsRolledBackBeforeReuse() async throws {
        let pool = try await TestDatabase.makePool("leftopen", maxConnections: 1)
        _ = try await pool.query("CREATE TABLE t (n int)")
        try await pool.withConnection { connection in
            _ = try await connection.query("BEGIN")
            _ = try await connection.query("INSERT INTO t VALUES (1)")
        }
        #expect(try await pool.query("SELECT count(*) FROM t").scalar(Int.self) == 0)
        #expect(try await pool.withConnection { $0.transactionState } == .idle)
        await pool.close()
    }

    @Test func aClosedPoolRefusesWork() async throws {
        let pool = try await TestDatabase.makePool("closed")
        _ = try await pool.query("SELECT 1")
        await pool.close()
        await #expect {
            try await pool.query("SELECT 1")
        } throws: { error in
            (error as? PostgresError)?.kind == .poolClosed
        }
    }
}
