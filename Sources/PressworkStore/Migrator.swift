import Foundation
import Logging
import PostgresClient
import PressworkCore

/// Applies `sql/migrations` to a database, then the views of `sql/views` whose text changed.
///
/// - Each migration runs in its own transaction together with its record in
///   `presswork_schema_migrations`: it is applied whole or not at all.
/// - A session advisory lock serializes concurrent `migrate` runs (several `presswork serve`
///   processes starting at once): the second waits, then finds nothing left to do.
/// - Before applying anything, every recorded migration is checked against the files: an edited
///   file, or a recorded migration this binary does not have (the database is newer), is refused
///   with an error naming it, and nothing is applied.
public struct Migrator: Sendable {
    public let migrations: [Migration]
    public let views: [SchemaView]
    private let logger: Logger

    /// The advisory lock key: the first eight bytes of "presswork" as a number; any constant
    /// unlikely to collide with an application's own advisory locks would do.
    static let advisoryLockKey: Int64 = 0x7072_6573_7377_6f72

    public init(migrations: [Migration], views: [SchemaView] = [], logger: Logger = Logger(label: "presswork.migrate")) {
        self.migrations = migrations
        self.views = views
        self.logger = logger
    }

    public init(logger: Logger = Logger(label: "presswork.migrate")) throws(MigrationError) {
        self.init(migrations: try Migration.load(), views: SchemaView.load(), logger: logger)
    }

    /// What one `migrate` did.
    public struct Report: Sendable, Equatable {
        public let applied: [Migration]
        public let alreadyApplied: Int
        /// Views created or replaced because their text changed (or they were new).
        public var viewsApplied: [SchemaView] = []
    }

    /// How many of this binary's migrations the database lacks (after checking the applied
    /// ones, as `migrate` does); reads only, takes no lock.
    public func pendingCount(_ pool: PostgresConnectionPool) async throws -> Int {
        try await pool.withConnection { connection in
            let recorded = try await self.recorded(on: connection)
            try self.verify(recorded: recorded)
            return self.migrations.filter { recorded[$0.version] == nil }.count
        }
    }

    public func migrate(_ pool: PostgresConnectionPool) async throws -> Report {
        try await pool.withConnection { connection in
            try await self.migrate(on: connection)
        }
    }

    public func migrate(on connection: isolated PostgresConnection) async throws -> Report {
        _ = try await connection.query("SELECT pg_advisory_lock(\(Self.advisoryLockKey))")
        do {
            var report = try await applyPending(on: connection)
            report.viewsApplied = try await applyChangedViews(on: connection)
            _ = try await connection.query("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))")
            return report
        } catch {
            // Unlock even when cancelled; the lock would otherwise live as long as the connection.
            _ = try? connection.queryIgnoringCancellation("SELECT pg_advisory_unlock_all()")
            throw error
        }
    }

    /// The migrations recorded in the database, by version, with their checksums.
    public func recorded(on connection: isolated PostgresConnection) async throws -> [Int: (name: String, checksum: String)] {
        let exists = try await connection.query(
            "SELECT to_regclass('presswork_schema_migrations') IS NOT NULL"
        ).scalar(Bool.self)
        guard exists else { return [:] }
        var recorded: [Int: (name: String, checksum: String)] = [:]
        for row in try await connection.query("SELECT version, name, checksum FROM presswork_schema_migrations") {
            recorded[try row.decode(Int.self, "version")] = (try row.decode(String.self, "name"), try row.decode(String.self, "checksum"))
        }
        return recorded
    }

    private func applyPending(on connection: isolated PostgresConnection) async throws -> Report {
        let recorded = try await recorded(on: connection)
        try verify(recorded: recorded)
        let pending = migrations.filter { recorded[$0.version] == nil }
        for migration in pending {
            let started = ContinuousClock.now
            logger.info("applying migration", metadata: [LogKey.migration: "\(migration.fileName)"])
            do {
                try await connection.withTransaction { connection in
                    try await connection.executeScript(unsafeSQL: migration.sql)
                    let milliseconds = started.duration(to: .now).wholeMilliseconds
                    _ = try await connection.query(
                        """
                        INSERT INTO presswork_schema_migrations (version, name, checksum, duration_ms)
                        VALUES (\(migration.version), \(migration.name), \(migration.checksum), \(milliseconds))
                        """)
                }
            } catch let error as PostgresError {
                throw error.adding(context: "applying migration \(migration.fileName)")
            }
        }
        return Report(applied: pending, alreadyApplied: migrations.count - pending.count)
    }

    /// Creates or replaces each view whose text differs from the one last applied, each in its
    /// own transaction with its checksum. Unchanged views are not touched: replacing a view takes
    /// a lock that would wait for every query reading it.
    private func applyChangedViews(on connection: isolated PostgresConnection) async throws -> [SchemaView] {
        guard !views.isEmpty else { return [] }
        var applied: [SchemaView] = []
        var current: [String: String] = [:]
        for row in try await connection.query("SELECT name, checksum FROM presswork_schema_views") {
            current[try row.decode(String.self, "name")] = try row.decode(String.self, "checksum")
        }
        for view in views where current[view.name] != view.checksum {
            logger.info("applying view", metadata: [LogKey.view: "\(view.fileName)"])
            do {
                try await connection.withTransaction { connection in
                    try await connection.executeScript(unsafeSQL: view.sql)
                    _ = try await connection.query(
                        """
                        INSERT INTO presswork_schema_views (name, checksum) VALUES (\(view.name), \(view.checksum))
                        ON CONFLICT (name) DO UPDATE SET checksum = excluded.checksum, applied_at = now()
                        """)
                }
            } catch let error as PostgresError {
                throw error.adding(context: "applying \(view.fileName)")
            }
            applied.append(view)
        }
        return applied
    }

    private func verify(recorded: [Int: (name: String, checksum: String)]) throws(MigrationError) {
        for (version, record) in recorded.sorted(by: { $0.key < $1.key }) {
            guard let migration = migrations.first(where: { $0.version == version }) else {
                throw MigrationError(
                    """
                    the database has migration \(String(format: "%04d", version))_\(record.name) applied, which this \
                    presswork does not have: the database was migrated by a newer version. Run that version, \
                    or restore a backup taken before it.
                    """)
            }
            guard migration.checksum == record.checksum else {
                throw MigrationError(
                    """
                    migration \(migration.fileName) was edited after it was applied (recorded checksum \
                    \(record.checksum.prefix(12))…, file now \(migration.checksum.prefix(12))…). Migrations are \
                    forward-only: restore the file as it was and put the change in a new migration.
                    """)
            }
        }
    }
}
