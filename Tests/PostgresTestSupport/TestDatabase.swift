import EmbeddedPostgres
import Foundation
import Logging
import PostgresClient
import Synchronization

/// The Postgres server integration tests run against, and a fresh database per caller.
///
/// With `PRESSWORK_TEST_DATABASE_URL` set, that server is used (its user must be allowed to
/// create databases). Otherwise one embedded cluster is started per test process, through the
/// same code as Presswork's embedded default, in a temporary folder, with durability turned off
/// (fine for throwaway data, never for the real default). It is stopped when the process exits.
public enum TestDatabase {
    /// A new, empty database on the test server; the name starts with `prefix`.
    public static func makeDatabase(_ prefix: String) async throws -> PostgresConfiguration {
        let server = try await TestServer.shared.configuration()
        let name =
            "pw_\(prefix.lowercased().filter { $0.isLetter || $0.isNumber })_"
            + UUID().uuidString.prefix(8).lowercased()
        let connection = try await PostgresConnection.connect(server)
        do {
            try await connection.executeScript(unsafeSQL: "CREATE DATABASE \(name)")
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
        return server.database(name)
    }

    /// A pool on a new database.
    public static func makePool(_ prefix: String, maxConnections: Int = 4) async throws -> PostgresConnectionPool {
        PostgresConnectionPool(configuration: try await makeDatabase(prefix), maxConnections: maxConnections)
    }

    /// A cluster of the caller's own in a new temporary folder, for tests that stop, kill or
    /// restart the server; stopped when the process exits. `durable` keeps PostgreSQL's default
    /// durability, which tests that kill the server and expect committed data back need.
    public static func makePrivateCluster(durable: Bool = false) throws -> EmbeddedCluster {
        let cluster = EmbeddedCluster(home: try TemporaryFolder.make(), extraSettings: durable ? [:] : throwawaySettings)
        ExitCleanup.register(cluster)
        return cluster
    }

    /// Durability off: fine for data thrown away after the run, never for the embedded default.
    public static let throwawaySettings = [
        "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off", "max_connections": "200",
    ]
}

/// Starts the shared server once, whichever test asks first.
actor TestServer {
    static let shared = TestServer()
    private var started: Task<PostgresConfiguration, any Error>?

    func configuration() async throws -> PostgresConfiguration {
        if let started { return try await started.value }
        let task = Task<PostgresConfiguration, any Error> {
            if let url = ProcessInfo.processInfo.environment["PRESSWORK_TEST_DATABASE_URL"], !url.isEmpty {
                return try PostgresConfiguration(url)
            }
            let cluster = try TestDatabase.makePrivateCluster()
            try await cluster.start()
            return try cluster.configuration(database: "postgres")
        }
        started = task
        return try await task.value
    }
}

/// Temporary folders reachable by the server account (as root, Postgres runs as another user,
/// and `mkdtemp` makes folders only their owner can enter).
public enum TemporaryFolder {
    public static func make() throws -> String {
        var template = Array("/tmp/presswork-test-XXXXXX".utf8CString)
        guard let path = mkdtemp(&template) else {
            throw EmbeddedPostgresError("mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        let folder = String(cString: path)
        chmod(folder, 0o755)
        ExitCleanup.register(folder: folder)
        return folder
    }
}

/// Stops clusters and removes folders when the test process exits normally. A test process
/// killed with SIGKILL leaves them behind; CI sweeps those (see .ci/run).
enum ExitCleanup {
    private static let state = Mutex<(clusters: [EmbeddedCluster], folders: [String], installed: Bool)>(([], [], false))

    static func register(_ cluster: EmbeddedCluster) {
        installIfNeeded()
        state.withLock { $0.clusters.append(cluster) }
    }

    static func register(folder: String) {
        installIfNeeded()
        state.withLock { $0.folders.append(folder) }
    }

    private static func installIfNeeded() {
        let install = state.withLock { state in
            defer { state.installed = true }
            return !state.installed
        }
        if install { atexit { ExitCleanup.run() } }
    }

    private static func run() {
        let (clusters, folders, _) = state.withLock { $0 }
        for cluster in clusters { cluster.stopImmediatelyBlocking() }
        for folder in folders { try? FileManager.default.removeItem(atPath: folder) }
    }
}
