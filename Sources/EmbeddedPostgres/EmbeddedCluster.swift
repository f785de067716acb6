import Dispatch
import Foundation
import Logging
import PostgresClient

/// Presswork's private PostgreSQL cluster, used when no database URL is given.
///
/// Layout under the home folder:
/// - `postgres/data/`: the cluster (owned by the server account, mode 0700)
/// - `postgres/cluster.lock`: taken while starting or stopping, so that concurrent commands
///   initialize and start the cluster once
/// - `run/`: the unix socket folder, the only way in: the server listens on no TCP port
///   (`listen_addresses = ''`) and the socket folder is private to the server account, so
///   `trust` authentication admits only that account and root.
///
/// The server is started on demand and left running (`presswork db stop` stops it). A stale pid
/// file from a crash is removed; PostgreSQL recovers the data from its WAL on start.
public final class EmbeddedCluster: Sendable {
    public let home: String
    /// Extra `postgresql.conf` settings written at `initdb` (tests turn fsync off).
    public let extraSettings: [String: String]
    public let databaseName = "presswork"
    public let superuser = "presswork"
    private let environment: [String: String]
    private let logger: Logger

    public var dataDirectory: String { home + "/postgres/data" }
    public var socketDirectory: String { home + "/run" }
    var lockPath: String { home + "/postgres/cluster.lock" }
    var serverLogPath: String { dataDirectory + "/postgres.log" }

    public init(
        home: String,
        extraSettings: [String: String] = [:],
        environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "presswork.embedded-postgres")
    ) {
        self.home = home.hasSuffix("/") && home.count > 1 ? String(home.dropLast()) : home
        self.extraSettings = extraSettings
        self.environment = environment
        self.logger = logger
    }

    /// The socket's port number. It names the socket file (`.s.PGSQL.5432`); it is written into
    /// the server's configuration and the URL so that a `PGPORT` in the environment changes neither.
    public static let port = 5432

    /// The libpq URL of the cluster's Presswork database (a socket folder, no password).
    public var connectionURL: String { url(database: databaseName) }

    public func configuration(database: String? = nil) throws -> PostgresConfiguration {
        try PostgresConfiguration(url(database: database ?? databaseName))
    }

    private func url(database: String) -> String {
        "postgresql:///\(Self.percentEncode(database))?host=\(Self.percentEncode(socketDirectory))"
            + "&port=\(Self.port)&user=\(superuser)"
    }

    // MARK: Status

    public enum Status: Sendable, Equatable, CustomStringConvertible {
        case notInitialized
        case stopped
        case running(pid: Int32?)

        public var description: String {
            switch self {
            case .notInitialized: return "not initialized"
            case .stopped: return "stopped"
            case .running(let pid): return pid.map { "running (pid \($0))" } ?? "running"
            }
        }
    }

    public func status() async throws -> Status {
        try await offload { try self.statusBlocking() }
    }

    func statusBlocking() throws -> Status {
        guard FileManager.default.fileExists(atPath: dataDirectory + "/PG_VERSION") else { return .notInitialized }
        guard PostgresServerProbe.ping(try configuration(database: "postgres")) == .accepting else { return .stopped }
        return .running(pid: postmasterPID())
    }

    // MARK: Start and stop

    public enum StartOutcome: Sendable, Equatable {
        case alreadyRunning
        case started
        case initializedAndStarted
    }

    /// Initializes the cluster on first use and starts it unless it is running. Safe to call
    /// from several processes at once.
    @discardableResult
    public func start() async throws -> StartOutcome {
        let outcome = try await offload { try self.withClusterLock { try self.startBlocking() } }
        if outcome != .alreadyRunning { try await createDatabaseIfMissing() }
        return outcome
    }

    /// Stops the server (fast shutdown: sessions are ended, transactions rolled back).
    /// Returns false when it was not running.
    @discardableResult
    public func stop() async throws -> Bool {
        try await offload {
            try self.withClusterLock {
                guard try self.statusBlocking() != .notInitialized else { return false }
                let account = try ServerAccount.resolve(environment: self.environment)
                let installation = try self.installation()
                let outcome = try account.command(
                    installation.pgCtl, ["stop", "-D", self.dataDirectory, "-m", "fast", "-w", "-t", "60"]
                ).runBlocking()
                if outcome.succeeded { return true }
                if outcome.output.contains("Is server running?") { return false }
                throw EmbeddedPostgresError("pg_ctl stop failed: \(outcome.output)")
            }
        }
    }

    /// Stops the server at once (immediate shutdown, crash recovery on next start), blocking
    /// the calling thread: for `atexit` handlers of test processes, where nothing async can run.
    public func stopImmediatelyBlocking() {
        guard let account = try? ServerAccount.resolve(environment: environment),
            let installation = try? installation()
        else { return }
        _ = try? account.command(installation.pgCtl, ["stop", "-D", dataDirectory, "-m", "immediate", "-w"])
            .runBlocking()
    }

    private func startBlocking() throws -> StartOutcome {
        let account = try ServerAccount.resolve(environment: environment)
        try prepareFolders(for: account)
        var initialized = false
        if !FileManager.default.fileExists(atPath: dataDirectory + "/PG_VERSION") {
            try initialize(account: account)
            initialized = true
        } else if PostgresServerProbe.ping(try configuration(database: "postgres")) == .accepting {
            return .alreadyRunning
        }
        removeStalePIDFile()
        let installation = try installation()
        logger.info("starting embedded postgres", metadata: ["presswork.home": "\(home)"])
        let outcome = try account.command(
            installation.pgCtl, ["start", "-D", dataDirectory, "-l", serverLogPath, "-w", "-t", "60"]
        ).runBlocking()
        guard outcome.succeeded, PostgresServerProbe.ping(try configuration(database: "postgres")) == .accepting else {
            throw EmbeddedPostgresError(
                "the embedded PostgreSQL server in \(dataDirectory) did not start.\n"
                    + "pg_ctl said: \(outcome.output.trimmingCharacters(in: .whitespacesAndNewlines))\n"
                    + "Last lines of \(serverLogPath):\n\(tail(of: serverLogPath))"
            )
        }
        return initialized ? .initializedAndStarted : .started
    }

    private func prepareFolders(for account: ServerAccount) throws {
        let fileManager = FileManager.default
        for folder in [home, home + "/postgres"] where !fileManager.fileExists(atPath: folder) {
            try fileManager.createDirectory(
                atPath: folder, withIntermediateDirectories: true,
                attributes: [
                    .posixPermissions: account.isInvokingUser ? 0o700 : 0o755
                ])
        }
        if !fileManager.fileExists(atPath: socketDirectory) {
            try fileManager.createDirectory(
                atPath: socketDirectory, withIntermediateDirectories: false,
                attributes: [.posixPermissions: 0o700])
            try account.takeOwnership(of: socketDirectory)
        }
        // unix socket paths are limited to 107 bytes.
        let socketPath = socketDirectory + "/.s.PGSQL.5432"
        guard socketPath.utf8.count <= 107 else {
            throw EmbeddedPostgresError(
                "the home folder \(home) is too long for a unix socket path (\(socketPath.utf8.count) bytes, limit 107); "
                    + "choose a shorter --home or PRESSWORK_HOME"
            )
        }
        if !account.isInvokingUser {
            let check = try account.command("/usr/bin/test", ["-x", home + "/postgres", "-a", "-x", socketDirectory])
                .runBlocking()
            guard check.succeeded else {
                throw EmbeddedPostgresError(
                    """
                    the server account \(account.name) cannot reach \(home)/postgres: a folder above it is not \
                    searchable by other users (a home under /root is not). Choose a --home outside it \
                    (as root the default is /var/lib/presswork), or make its parents searchable (chmod o+x).
                    """)
            }
        }
    }

    private func initialize(account: ServerAccount) throws {
        let installation = try installation()
        let staging = home + "/postgres/data.initdb"
        try? FileManager.default.removeItem(atPath: staging)
        try FileManager.default.createDirectory(
            atPath: staging, withIntermediateDirectories: false,
            attributes: [.posixPermissions: 0o700])
        try account.takeOwnership(of: staging)
        logger.info("initializing embedded postgres", metadata: ["presswork.data": "\(dataDirectory)"])
        var arguments = ["-D", staging, "-U", superuser, "--auth=trust", "--encoding=UTF8", "--locale=C"]
        // A throwaway cluster that will never fsync need not wait for initdb's fsync either.
        if extraSettings["fsync"] == "off" { arguments.append("--no-sync") }
        let outcome = try account.command(installation.initdb, arguments).runBlocking()
        guard outcome.succeeded else {
            throw EmbeddedPostgresError("initdb failed:\n\(outcome.output)")
        }
        var settings = [
            "listen_addresses": "''",
            "unix_socket_directories": "'\(socketDirectory.replacingOccurrences(of: "'", with: "''"))'",
            "unix_socket_permissions": "0700",
            "port": String(Self.port),
        ]
        settings.merge(extraSettings) { _, extra in extra }
        let block =
            "\n# Added by Presswork: a private server reachable only through its socket folder.\n"
            + settings.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)\n" }.joined()
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: staging + "/postgresql.conf"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(block.utf8))
        try handle.close()
        // The cluster appears under its final name only once complete: an interrupted initdb
        // leaves a staging folder that the next start replaces.
        guard rename(staging, dataDirectory) == 0 else {
            throw EmbeddedPostgresError("cannot move the new cluster into \(dataDirectory): \(String(cString: strerror(errno)))")
        }
    }

    private func createDatabaseIfMissing() async throws {
        let connection = try await PostgresConnection.connect(try configuration(database: "postgres"), logger: logger)
        do {
            let exists =
                try await connection.query(
                    "SELECT count(*) FROM pg_database WHERE datname = \(databaseName)"
                ).scalar(Int.self) > 0
            if !exists {
                try await connection.executeScript(unsafeSQL: "CREATE DATABASE \(databaseName)")
            }
        } catch let error as PostgresError where error.sqlState == .duplicateDatabase {
            // Another process created it first.
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
    }

    // MARK: Helpers

    private func installation() throws -> PostgresInstallation {
        let version = try? String(contentsOfFile: dataDirectory + "/PG_VERSION", encoding: .utf8)
        let major = version.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        let installation = try PostgresInstallation.locate(environment: environment, preferredMajor: major)
        if let major, let found = installation.majorVersion, found != major {
            throw EmbeddedPostgresError(
                """
                the embedded cluster in \(dataDirectory) was created by PostgreSQL \(major), but only \
                PostgreSQL \(found) was found (\(installation.binDirectory)). Install PostgreSQL \(major), \
                point PRESSWORK_PG_BINDIR at it, or upgrade the cluster with pg_upgrade.
                """)
        }
        return installation
    }

    /// The postmaster's pid from `postmaster.pid`, if that process is alive and is a postgres.
    private func postmasterPID() -> Int32? {
        guard let text = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8),
            let first = text.split(separator: "\n").first, let pid = Int32(first)
        else { return nil }
        guard kill(pid, 0) == 0 || errno == EPERM else { return nil }
        let command = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? "postgres"
        return command.hasPrefix("postgres") ? pid : nil
    }

    /// PostgreSQL itself ignores a pid file whose process is gone, but not one whose pid was
    /// reused by another program (common after a reboot or in containers): remove it then.
    private func removeStalePIDFile() {
        let path = dataDirectory + "/postmaster.pid"
        guard FileManager.default.fileExists(atPath: path), postmasterPID() == nil else { return }
        logger.warning("removing stale postmaster.pid", metadata: ["presswork.data": "\(dataDirectory)"])
        unlink(path)
        unlink(socketDirectory + "/.s.PGSQL.5432.lock")
    }

    private func withClusterLock<T>(_ body: () throws -> T) throws -> T {
        try Self.makeFolders(home + "/postgres", home: home)
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw EmbeddedPostgresError("cannot open \(lockPath): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw EmbeddedPostgresError("cannot lock \(lockPath): \(String(cString: strerror(errno)))")
            }
        }
        return try body()
    }

    /// `mkdir -p`, with the system's reason when a folder cannot be made (Foundation's errors
    /// say "the file couldn't be saved" or "error 512").
    static func makeFolders(_ path: String, home: String) throws(EmbeddedPostgresError) {
        var current = ""
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw EmbeddedPostgresError(
                    """
                    cannot create the home folder \(home): \(current): \(String(cString: strerror(errno))); give a folder this \
                    user can write with --home or PRESSWORK_HOME, or a server with --database-url
                    """)
            }
            var status = stat()
            if stat(current, &status) == 0 && status.st_mode & S_IFMT != S_IFDIR {
                throw EmbeddedPostgresError("cannot create the home folder \(home): \(current) is a file, not a folder")
            }
        }
    }

    private func tail(of path: String, lines: Int = 15) -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? "(no log)"
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    private func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }

    static func percentEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
