import EmbeddedPostgres
import Foundation
import PostgresClient
import PostgresTestSupport
import PressworkCore
import TestSupport
import Testing

/// Presswork behind a real PgBouncer (Debian's package) in transaction pooling, in front of the
/// test server: statements go unnamed, notifications are polled when there is no direct URL,
/// `migrate` refuses to run through the pooler (its advisory lock needs a session) and runs with
/// PRESSWORK_DIRECT_DATABASE_URL, and `serve` executes queued runs and fires a schedule.
@Suite(.enabled(if: PgBouncer.installed, "pgbouncer is not installed (apt-get install pgbouncer)"))
struct PgBouncerTests {
    @Test(.timeLimit(.minutes(3)))
    func serveWorksBehindATransactionPooler() async throws {
        let direct = try await TestDatabase.makeDatabase("pgbouncer")
        let bouncer = try await PgBouncer.start(in: direct)
        defer { bouncer.stop() }
        let pooled = bouncer.url
        let home = try TemporaryFolder.make()
        let environment = ["DATABASE_URL": pooled, "PRESSWORK_DATABASE_POOLER": "transaction", "PRESSWORK_HOME": home]

        // migrate needs a session: refused through the pooler alone, naming the way out.
        let refused = try PressworkProcess(["migrate"], environment: environment)
        #expect(await refused.waitForExit(timeout: .seconds(60)) != 0)
        #expect(refused.output.contains("PRESSWORK_DIRECT_DATABASE_URL"), "\(refused.output)")
        let migrated = try PressworkProcess(
            ["migrate"], environment: environment.merging(["PRESSWORK_DIRECT_DATABASE_URL": TestDatabase.url(direct)]) { $1 }
        )
        #expect(await migrated.waitForExit(timeout: .seconds(60)) == 0, "\(migrated.output)")

        // Runs queued through the pooler (unnamed statements), and a schedule of every second.
        var configuration = try PostgresConfiguration(pooled)
        configuration.preparesStatements = false
        let pool = PostgresConnectionPool(configuration: configuration, maxConnections: 2)
        defer { Task { await pool.close() } }
        for index in 0..<12 {
            let params = String(
                decoding: try JSONEncoder().encode(try RunParams.validated(seeds: ["pooled topic \(index)"])), as: UTF8.self)
            _ = try await pool.query("INSERT INTO runs (params) VALUES (\(params)::jsonb)")
        }
        let every = String(decoding: try JSONEncoder().encode(try RunParams.validated(seeds: ["every second"])), as: UTF8.self)
        _ = try await pool.query(
            """
            INSERT INTO schedules (name, cron, time_zone, params, overlap) VALUES ('tick', '* * * * * *', 'UTC', \(every)::jsonb, 'allow')
            """)

        // No direct URL: serve polls for work instead of listening.
        let serve = try PressworkProcess(["serve", "--workers", "4", "--pool-size", "4", "--log-level", "info"], environment: environment)
        let deadline = ContinuousClock.now + .seconds(120)
        var finished = 0
        var fired = 0
        while ContinuousClock.now < deadline {
            finished = try await pool.query(
                """
                SELECT count(*) FROM runs WHERE trigger->>'kind' IS DISTINCT FROM 'schedule' AND status IN ('done', 'skipped')
                """
            ).scalar(Int.self)
            fired = try await pool.query(
                """
                SELECT count(*) FROM runs WHERE trigger->>'schedule' = 'tick' AND status IN ('done', 'skipped')
                """
            ).scalar(Int.self)
            if finished == 12 && fired >= 2 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(finished == 12, "\(serve.output.suffix(3_000))")
        #expect(fired >= 2, "\(serve.output.suffix(3_000))")
        #expect(try await pool.query("SELECT count(*) FROM runs WHERE status = 'error'").scalar(Int.self) == 0)
        #expect(!serve.output.contains("prepared statement"), "\(serve.output.suffix(3_000))")
        serve.signal(SIGTERM)
        #expect(await serve.waitForExit(timeout: .seconds(30)) == 0, "\(serve.output.suffix(3_000))")
    }
}

/// A PgBouncer in transaction mode on a free loopback port, in front of the test server's socket.
/// It will not run as root: as root it runs as the embedded server's account.
final class PgBouncer: Sendable {
    static let executable = "/usr/sbin/pgbouncer"
    static var installed: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    let process: Process
    let url: String

    private init(process: Process, url: String) {
        self.process = process
        self.url = url
    }

    static func start(in database: PostgresConfiguration) async throws -> PgBouncer {
        let components = try #require(URLComponents(string: database.connectionString))
        let socket = try #require(components.queryItems?.first { $0.name == "host" }?.value, "the test server is reached by a socket")
        let user = components.queryItems?.first { $0.name == "user" }?.value ?? "presswork"
        let name = try #require(database.databaseOverride)
        let folder = try TemporaryFolder.make()
        let port = try LoopbackPort.free()
        try """
        [databases]
        * = host=\(socket) port=5432
        [pgbouncer]
        listen_addr = 127.0.0.1
        listen_port = \(port)
        unix_socket_dir =
        auth_type = trust
        auth_file = \(folder)/users.txt
        pool_mode = transaction
        default_pool_size = 6
        max_client_conn = 200
        logfile = \(folder)/pgbouncer.log
        """.write(toFile: folder + "/pgbouncer.ini", atomically: true, encoding: .utf8)
        try "\"\(user)\" \"\"\n".write(toFile: folder + "/users.txt", atomically: true, encoding: .utf8)
        let process = Process()
        if geteuid() == 0 {
            let account = try ServerAccount.resolve()
            for path in [folder, folder + "/pgbouncer.ini", folder + "/users.txt"] { chown(path, account.uid, account.gid) }
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = [
                "--reuid=\(account.uid)", "--regid=\(account.gid)", "--init-groups", "--", executable, folder + "/pgbouncer.ini",
            ]
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = [folder + "/pgbouncer.ini"]
        }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let bouncer = PgBouncer(process: process, url: "postgresql://\(user)@127.0.0.1:\(port)/\(name)")
        // Ready when it accepts a connection and answers through to Postgres.
        var configuration = try PostgresConfiguration(bouncer.url, connectTimeoutSeconds: 2)
        configuration.preparesStatements = false
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if let connection = try? await PostgresConnection.connect(configuration) {
                await connection.close()
                return bouncer
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        bouncer.stop()
        let log = (try? String(contentsOfFile: folder + "/pgbouncer.log", encoding: .utf8)) ?? ""
        throw PgBouncerError(description: "pgbouncer did not start: \(log.suffix(1_000))")
    }

    /// SIGKILL: started from the test process, PgBouncer did not end on SIGTERM or SIGINT (seen
    /// here, not explained); a throwaway pooler holds nothing worth a clean stop.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

struct PgBouncerError: Error, CustomStringConvertible {
    let description: String
}
