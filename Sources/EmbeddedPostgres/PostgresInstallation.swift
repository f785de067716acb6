import Foundation

/// The PostgreSQL server programs on this machine: `initdb`, `pg_ctl` and `postgres`.
public struct PostgresInstallation: Sendable, Equatable {
    public let binDirectory: String
    /// The major version (`15`), read from the directory name or `pg_ctl --version`.
    public let majorVersion: Int?

    public var initdb: String { binDirectory + "/initdb" }
    public var pgCtl: String { binDirectory + "/pg_ctl" }

    static let requiredPrograms = ["initdb", "pg_ctl", "postgres"]

    /// Finds the server programs: `$PRESSWORK_PG_BINDIR`, then `pg_config --bindir`, then
    /// `/usr/lib/postgresql/*/bin` (Debian, Ubuntu), `/usr/pgsql-*/bin` (RHEL), Homebrew's
    /// folders, then `PATH`. Among several versions, `preferredMajor` (the version that created an
    /// existing cluster) wins, then the newest.
    public static func locate(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        preferredMajor: Int? = nil
    ) throws(EmbeddedPostgresError) -> PostgresInstallation {
        if let explicit = environment["PRESSWORK_PG_BINDIR"], !explicit.isEmpty {
            guard isComplete(explicit) else {
                throw EmbeddedPostgresError(
                    "PRESSWORK_PG_BINDIR is \(explicit), which does not hold initdb, pg_ctl and postgres"
                )
            }
            return PostgresInstallation(binDirectory: explicit, majorVersion: majorVersion(of: explicit))
        }
        var candidates: [String] = []
        if let pgConfig = findInPath("pg_config", environment: environment),
            let outcome = try? ChildProcess(executable: pgConfig, arguments: ["--bindir"]).runBlocking(),
            outcome.succeeded
        {
            candidates.append(outcome.output.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        candidates += versionedFolders(under: "/usr/lib/postgresql", pattern: { "/usr/lib/postgresql/\($0)/bin" })
        candidates += versionedFolders(under: "/usr", prefix: "pgsql-", pattern: { "/usr/pgsql-\($0)/bin" })
        candidates += versionedFolders(
            under: "/opt/homebrew/opt", prefix: "postgresql@",
            pattern: {
                "/opt/homebrew/opt/postgresql@\($0)/bin"
            })
        candidates += (environment["PATH"] ?? "").split(separator: ":").map(String.init)

        let found = candidates.filter(isComplete).map {
            PostgresInstallation(binDirectory: $0, majorVersion: majorVersion(of: $0))
        }
        if let preferredMajor, let match = found.first(where: { $0.majorVersion == preferredMajor }) {
            return match
        }
        if let newest = found.max(by: { ($0.majorVersion ?? 0) < ($1.majorVersion ?? 0) }) {
            return newest
        }
        throw EmbeddedPostgresError(
            """
            PostgreSQL server programs (initdb, pg_ctl, postgres) were not found.
            Presswork's embedded database needs them. Install them with:
              Debian/Ubuntu:  apt-get install postgresql
              Fedora/RHEL:    dnf install postgresql-server
              macOS:          brew install postgresql@16
            or name their folder with PRESSWORK_PG_BINDIR, or use an existing server with
            --database-url / DATABASE_URL.
            """)
    }

    private static func isComplete(_ directory: String) -> Bool {
        requiredPrograms.allSatisfy { FileManager.default.isExecutableFile(atPath: directory + "/" + $0) }
    }

    private static func versionedFolders(
        under parent: String,
        prefix: String = "",
        pattern: (String) -> String
    ) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
        return names.filter { $0.hasPrefix(prefix) }
            .map { String($0.dropFirst(prefix.count)) }
            .filter { Int($0) != nil }
            .sorted { Int($0)! > Int($1)! }
            .map(pattern)
    }

    private static func majorVersion(of directory: String) -> Int? {
        guard
            let outcome = try? ChildProcess(executable: directory + "/pg_ctl", arguments: ["--version"])
                .runBlocking(), outcome.succeeded
        else { return nil }
        // "pg_ctl (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
        let words = outcome.output.split(separator: " ")
        guard let index = words.firstIndex(of: "(PostgreSQL)"), index + 1 < words.count else { return nil }
        return Int(words[index + 1].split(separator: ".").first ?? "")
    }

    static func findInPath(_ program: String, environment: [String: String]) -> String? {
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":")
            .map { "\($0)/\(program)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
