import Foundation
import PostgresClient
import PostgresTestSupport
import Testing

@testable import EmbeddedPostgres

/// The embedded default's life cycle, on clusters of their own. CI runs these as root, where the
/// server runs as an unprivileged account; developers run them as themselves.
@Suite struct EmbeddedClusterTests {
    @Test func initializesStartsStopsAndRestarts() async throws {
        let cluster = try TestDatabase.makePrivateCluster()
        #expect(try await cluster.status() == .notInitialized)
        #expect(try await cluster.start() == .initializedAndStarted)
        #expect(try await cluster.start() == .alreadyRunning)
        guard case .running(let pid) = try await cluster.status() else {
            Issue.record("not running after start")
            return
        }
        #expect(pid != nil)

        // Listens on the socket only, as the presswork superuser, with the presswork database.
        let connection = try await PostgresConnection.connect(try cluster.configuration())
        let row = try #require(
            try await connection.query(
                """
                SELECT current_database() AS db, current_user AS who, current_setting('listen_addresses') AS tcp
                """
            ).first)
        #expect(try row.decode(String.self, "db") == "presswork")
        #expect(try row.decode(String.self, "who") == "presswork")
        #expect(try row.decode(String.self, "tcp") == "")
        await connection.close()

        #expect(try await cluster.stop())
        #expect(try await cluster.stop() == false)
        #expect(try await cluster.status() == .stopped)
        #expect(try await cluster.start() == .started)
        try await cluster.stop()
    }

    /// A home that cannot be made says which folder and why, before anything else happens.
    @Test func aHomeThatCannotBeMadeIsNamedWithTheReason() async throws {
        let file = try TemporaryFolder.make() + "/a-file"
        _ = FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
        let cluster = EmbeddedCluster(home: file + "/presswork")
        let error = await #expect(throws: EmbeddedPostgresError.self) { try await cluster.start() }
        #expect(
            error?.description.contains("cannot create the home folder \(file)/presswork: \(file) is a file, not a folder") == true,
            "\(error.map(String.init(describing:)) ?? "")")
    }

    @Test func concurrentStartsInitializeOnce() async throws {
        let cluster = try TestDatabase.makePrivateCluster()
        let outcomes = try await withThrowingTaskGroup(of: EmbeddedCluster.StartOutcome.self) { group in
            for _ in 0..<3 { group.addTask { try await cluster.start() } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == .initializedAndStarted }.count == 1)
        #expect(outcomes.filter { $0 == .alreadyRunning }.count == 2)
        try await cluster.stop()
    }

    @Test func aStalePIDFileFromAnotherProgramIsRecovered() async throws {
        let cluster = try TestDatabase.makePrivateCluster()
        try await cluster.start()
        try await cluster.stop()
        // A pid file naming a live process that is not postgres (this test process), as after a
        // reboot that handed the old pid to someone else.
        let pidFile = cluster.dataDirectory + "/postmaster.pid"
        try "\(getpid())\n\(cluster.dataDirectory)\n".write(toFile: pidFile, atomically: true, encoding: .utf8)
        #expect(try await cluster.start() == .started)
        try await cluster.stop()
    }

    @Test func aKilledServerIsRestartedWithItsData() async throws {
        let cluster = try TestDatabase.makePrivateCluster(durable: true)
        try await cluster.start()
        let pool = PostgresConnectionPool(configuration: try cluster.configuration(), maxConnections: 1)
        _ = try await pool.query("CREATE TABLE kept (n int)")
        _ = try await pool.query("INSERT INTO kept VALUES (42)")
        await pool.close()

        guard case .running(let pid?) = try await cluster.status() else {
            Issue.record("no postmaster pid")
            return
        }
        kill(pid, SIGKILL)
        // Wait for the postmaster and its children to be gone before starting again.
        while kill(pid, 0) == 0 {
            try await Task.sleep(for: .milliseconds(50))
        }
        while try await cluster.status() != .stopped {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try await cluster.start() == .started)
        let again = PostgresConnectionPool(configuration: try cluster.configuration(), maxConnections: 1)
        #expect(try await again.query("SELECT n FROM kept").scalar(Int.self) == 42)
        await again.close()
        try await cluster.stop()
    }

    @Test func aHomeTooLongForASocketIsRefusedByName() async throws {
        let base = try TemporaryFolder.make()
        let cluster = EmbeddedCluster(home: base + "/" + String(repeating: "h", count: 100))
        await #expect {
            try await cluster.start()
        } throws: { error in
            "\(error)".contains("too long for a unix socket path")
        }
    }

    @Test func theConnectionURLPercentEncodesTheSocketFolder() throws {
        let cluster = EmbeddedCluster(home: "/srv/press work")
        #expect(cluster.connectionURL == "postgresql:///presswork?host=/srv/press%20work/run&port=5432&user=presswork")
        #expect(try cluster.configuration().targetDescription.contains("socket folder /srv/press work/run"))
    }
}

@Suite struct PostgresInstallationTests {
    @Test func findsTheServerProgramsOnThisMachine() throws {
        let installation = try PostgresInstallation.locate()
        #expect(FileManager.default.isExecutableFile(atPath: installation.initdb))
        #expect(installation.majorVersion != nil)
    }

    @Test func aBadExplicitFolderIsNamedInTheError() {
        #expect {
            try PostgresInstallation.locate(environment: ["PRESSWORK_PG_BINDIR": "/nonexistent/pg/bin"])
        } throws: { error in
            "\(error)".contains("PRESSWORK_PG_BINDIR is /nonexistent/pg/bin")
        }
    }

    @Test func withNoProgramsAnywhereItSaysWhatToInstall() {
        // Only the PATH search can be emptied here; skip on machines whose fixed folders hold them.
        let fixed = ["/usr/lib/postgresql", "/usr/pgsql-15", "/opt/homebrew/opt"]
        guard !fixed.contains(where: { FileManager.default.fileExists(atPath: $0) }) else { return }
        #expect {
            try PostgresInstallation.locate(environment: ["PATH": "/nonexistent"])
        } throws: { error in
            "\(error)".contains("apt-get install postgresql")
        }
    }
}
