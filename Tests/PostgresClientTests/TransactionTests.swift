import PostgresClient
import PostgresTestSupport
import Testing

private struct Planned: Error {}

@Suite struct TransactionTests {
    @Test func commitsWhenTheBodyReturnsAndRollsBackWhenItThrows() async throws {
        let pool = try await TestDatabase.makePool("tx")
        _ = try await pool.query("CREATE TABLE items (name text PRIMARY KEY)")
        try await pool.withTransaction { connection in
            _ = try await connection.query("INSERT INTO items VALUES ('kept')")
        }
        await #expect(throws: Planned.self) {
            try await pool.withTransaction { connection in
                _ = try await connection.query("INSERT INTO items VALUES ('discarded')")
                throw Planned()
            }
        }
        let names = try await pool.query("SELECT name FROM items").map { try $0.decode(String.self, "name") }
        #expect(names == ["kept"])
        #expect(pool.statistics.open >= 1)
        await pool.close()
    }

    @Test func aSwallowedStatementErrorIsNotCommittedSilently() async throws {
        let pool = try await TestDatabase.makePool("txswallow")
        _ = try await pool.query("CREATE TABLE items (name text PRIMARY KEY)")
        await #expect {
            try await pool.withTransaction { connection in
                _ = try await connection.query("INSERT INTO items VALUES ('first')")
                _ = try? await connection.query("INSERT INTO items VALUES ('first')")
            }
        } throws: { error in
            "\(error)".contains("aborted by an earlier statement error")
        }
        #expect(try await pool.query("SELECT count(*) FROM items").scalar(Int.self) == 0)
        await pool.close()
    }

    @Test func uniqueViolationCarriesItsSQLState() async throws {
        let pool = try await TestDatabase.makePool("unique")
        _ = try await pool.query("CREATE TABLE slugs (slug text UNIQUE)")
        _ = try await pool.query("INSERT INTO slugs VALUES (\("same"))")
        await #expect {
            try await pool.query("INSERT INTO slugs VALUES (\("same"))")
        } throws: { error in
            guard let error = error as? PostgresError else { return false }
            return error.sqlState == .uniqueViolation && error.kind == .server && !error.isRetryable
                && error.detail?.contains("same") == true && !error.description.contains("same")
        }
        await #expect {
            try await pool.query("SELEC 1")
        } throws: { error in
            (error as? PostgresError)?.sqlState == .syntaxError
        }
        await pool.close()
    }

    /// Two serializable transactions that each read what the other writes: Postgres aborts one
    /// with 40001. Without retry the caller sees it; with the retry policy both commit.
    @Test func serializationFailuresAreReportedAndRetried() async throws {
        let configuration = try await TestDatabase.makeDatabase("serial")
        let pool = PostgresConnectionPool(configuration: configuration, maxConnections: 4)
        _ = try await pool.query("CREATE TABLE doctors (name text PRIMARY KEY, on_call boolean NOT NULL)")
        _ = try await pool.query("INSERT INTO doctors VALUES ('alice', true), ('bob', true)")

        let first = try await PostgresConnection.connect(configuration)
        let second = try await PostgresConnection.connect(configuration)
        _ = try await first.query("BEGIN ISOLATION LEVEL SERIALIZABLE")
        _ = try await second.query("BEGIN ISOLATION LEVEL SERIALIZABLE")
        _ = try await first.query("SELECT count(*) FROM doctors WHERE on_call")
        _ = try await second.query("SELECT count(*) FROM doctors WHERE on_call")
        _ = try await first.query("UPDATE doctors SET on_call = false WHERE name = 'alice'")
        _ = try await second.query("UPDATE doctors SET on_call = false WHERE name = 'bob'")
        _ = try await first.query("COMMIT")
        await #expect {
            try await second.query("COMMIT")
        } throws: { error in
            let error = error as? PostgresError
            return error?.sqlState == .serializationFailure && error?.isTransactionConflict == true
        }
        await first.close()
        await second.close()

        // The same write skew, run concurrently through the pool with retries: every transaction
        // eventually commits, and the invariant (someone stays on call) holds.
        _ = try await pool.query("UPDATE doctors SET on_call = true")
        let attempts = Counter()
        let barrier = Barrier(parties: 2)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for name in ["alice", "bob"] {
                group.addTask {
                    let mine = Counter()
                    try await pool.withTransaction(isolation: .serializable, retry: .onConflict) { connection in
                        attempts.increment()
                        mine.increment()
                        let onCall = try await connection.query(
                            "SELECT count(*) FROM doctors WHERE on_call"
                        ).scalar(Int.self)
                        // First attempts wait until both have read: the write skew is certain.
                        if mine.value == 1 { await barrier.arrive() }
                        if onCall > 1 {
                            _ = try await connection.query("UPDATE doctors SET on_call = false WHERE name = \(name)")
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await pool.query("SELECT count(*) FROM doctors WHERE on_call").scalar(Int.self) == 1)
        #expect(attempts.value >= 3, "one of the two transactions must have been retried")
        await pool.close()
    }
}
