import ArgumentParser
import Foundation
import PostgresClient

/// Round trips per second through Presswork's Postgres client, to set beside pgbench on the same
/// server (scripts/benchmark runs both and prints the comparison).
///
/// Workloads, each for `--seconds`:
/// - select:  `SELECT abalance FROM pgbench_accounts WHERE aid = $1` (pgbench -S's statement)
/// - insert:  `INSERT INTO bench_inserts (v) VALUES ($1)`, each committed on its own
/// Each is run on one connection in a loop isolated to it (how transactions and workers use a
/// connection), on one connection through `pool.query` (a thread hop per statement), and with
/// `--clients` tasks sharing a pool of as many connections.
@main
struct PressworkBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "presswork-bench",
        abstract: "Presswork's benchmarks (scripts/benchmark runs them beside pgbench).",
        subcommands: [
            ClientBenchmark.self, OrchestrationBenchmark.self, DuplicateCheckBenchmark.self, SchedulerBenchmark.self,
            PruneBenchmark.self, NearDuplicateEvaluation.self, ImageBenchmark.self,
        ]
    )
}

struct ClientBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "Measure the Postgres client's round trips per second."
    )

    @Option(help: "libpq URL of a database initialized with pgbench -i.")
    var databaseURL: String

    @Option(help: "Seconds per measurement.")
    var seconds: Double = 10

    @Option(help: "Concurrent clients for the pooled measurement.")
    var clients: Int = 4

    @Option(help: "pgbench_accounts rows (100000 × the pgbench scale).")
    var accounts: Int = 100_000

    func run() async throws {
        let configuration = try PostgresConfiguration(databaseURL)
        let setup = PostgresConnectionPool(configuration: configuration, maxConnections: 1)
        _ = try await setup.query("CREATE TABLE IF NOT EXISTS bench_inserts (id bigserial PRIMARY KEY, v bigint NOT NULL)")
        await setup.close()

        let accounts = self.accounts
        let select: @Sendable (isolated PostgresConnection) async throws -> Void = { connection in
            _ = try await connection.query(
                "SELECT abalance FROM pgbench_accounts WHERE aid = \(Int.random(in: 1...accounts))"
            ).scalar(Int.self)
        }
        let insert: @Sendable (isolated PostgresConnection) async throws -> Void = { connection in
            _ = try await connection.query("INSERT INTO bench_inserts (v) VALUES (\(Int.random(in: 1...1_000_000)))")
        }
        for (name, statement) in [("select", select), ("insert", insert)] {
            let isolated = try await measureIsolated(configuration, statement)
            print("presswork \(name) 1 client, loop on the connection: \(format(isolated)) tps")
            let hopping = try await measurePooled(configuration, clients: 1, statement)
            print("presswork \(name) 1 client, pool.query per statement: \(format(hopping)) tps")
            let leased = try await measurePooled(configuration, clients: clients, perLease: .max, statement)
            print("presswork \(name) \(clients) clients, loop on leased connections: \(format(leased)) tps")
            let pooled = try await measurePooled(configuration, clients: clients, statement)
            print("presswork \(name) \(clients) clients, pool.query per statement: \(format(pooled)) tps")
        }
    }

    private func measureIsolated(
        _ configuration: PostgresConfiguration,
        _ statement: @escaping @Sendable (isolated PostgresConnection) async throws -> Void
    ) async throws -> Double {
        let pool = PostgresConnectionPool(configuration: configuration, maxConnections: 1)
        let duration = Duration.seconds(seconds)
        let (count, elapsed) = try await pool.withConnection { connection in
            try await statement(connection)  // warm up: connection open, plan cached
            let clock = ContinuousClock()
            let start = clock.now
            var count = 0
            while start.duration(to: clock.now) < duration {
                try await statement(connection)
                count += 1
            }
            return (count, start.duration(to: clock.now))
        }
        await pool.close()
        return Double(count) / elapsed.seconds
    }

    /// `clients` tasks share a pool of as many connections; each lease runs `perLease`
    /// statements (1: a `pool.query` per statement; `.max`: the client keeps its connection for
    /// the whole measurement, as each pgbench client does).
    private func measurePooled(
        _ configuration: PostgresConfiguration,
        clients: Int,
        perLease: Int = 1,
        _ statement: @escaping @Sendable (isolated PostgresConnection) async throws -> Void
    ) async throws -> Double {
        let pool = PostgresConnectionPool(configuration: configuration, maxConnections: clients)
        // Open every connection before the clock starts, as pgbench does.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<clients { group.addTask { try await pool.withConnection { try await statement($0) } } }
            try await group.waitForAll()
        }
        let duration = Duration.seconds(seconds)
        let clock = ContinuousClock()
        let start = clock.now
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<clients {
                group.addTask {
                    var count = 0
                    while start.duration(to: clock.now) < duration {
                        count += try await pool.withConnection { connection in
                            var done = 0
                            while done < perLease, start.duration(to: clock.now) < duration {
                                try await statement(connection)
                                done += 1
                            }
                            return done
                        }
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = start.duration(to: clock.now)
        await pool.close()
        return Double(total) / elapsed.seconds
    }

    private func format(_ value: Double) -> String {
        String(format: "%.0f", value)
    }
}

extension Duration {
    var milliseconds: Double { seconds * 1000 }
}

extension Array where Element: Comparable {
    /// The nearest-rank percentile (p in 0…1) of an array sorted ascending; nil when empty.
    func percentile(_ p: Double) -> Element? {
        isEmpty ? nil : self[Swift.min(count - 1, Int(Double(count) * p))]
    }
}
