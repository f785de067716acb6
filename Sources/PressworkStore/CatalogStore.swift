import Foundation
import PostgresClient
import PressworkCore

/// Writer profiles and WordPress sites (migration 0016): named settings documents that runs and
/// schedules refer to. The store keeps them and says who still uses them; what a document may
/// say, and how its secret references resolve, is the runtime's (`RunCatalog`).
///
/// A profile keeps every version (a run is executed with the version it was created with); a
/// site keeps its current settings and counts its edits.
public struct CatalogStore: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case profile
        case site

        /// The key of `RunParams` that names an entry of this kind.
        var paramsKey: String { rawValue }
        public var plural: String { rawValue + "s" }
    }

    /// One entry at one version.
    public struct Entry: Sendable, Equatable {
        public var kind: Kind
        public var name: String
        public var version: Int
        public var settings: JSONValue
        public var createdAt: Date
        public var updatedAt: Date
    }

    /// What still names an entry: it cannot be removed while any does.
    public struct Users: Sendable, Equatable {
        public var schedules: [String]
        public var unfinishedRuns: Int
        public var isEmpty: Bool { schedules.isEmpty && unfinishedRuns == 0 }
    }

    public let pool: PostgresConnectionPool
    public let kind: Kind

    public init(pool: PostgresConnectionPool, kind: Kind) {
        self.pool = pool
        self.kind = kind
    }

    /// Adds an entry at version 1; a taken name is refused naming it.
    public func add(_ name: String, settings: JSONValue) async throws -> Entry {
        try ObjectName.check(name)
        let document = PostgresJSON(settings)
        let rows: [PostgresRow]
        switch kind {
        case .profile:
            rows = try await pool.withTransaction { connection in
                let created = try await connection.query(
                    "INSERT INTO profiles (name) VALUES (\(name)) ON CONFLICT (name) DO NOTHING RETURNING name"
                )
                guard !created.isEmpty else { return [] }
                _ = try await connection.query(
                    "INSERT INTO profile_versions (profile, version, settings) VALUES (\(name), 1, \(document))"
                )
                return try await connection.query("\(unsafeRaw: Self.profileSelect) WHERE p.name = \(name)").rows
            }
        case .site:
            rows = try await pool.query(
                """
                INSERT INTO sites (name, settings) VALUES (\(name), \(document)) ON CONFLICT (name) DO NOTHING
                RETURNING name, version, settings, created_at, updated_at
                """
            ).rows
        }
        guard let row = rows.first else { throw NameTaken(kind: "\(kind)", name: name) }
        return try entry(row)
    }

    /// Replaces an entry's settings: a profile gets a new version (runs created from now on use
    /// it), a site its settings in place. Throws when there is no such entry.
    public func replace(_ name: String, settings: JSONValue) async throws -> Entry {
        let document = PostgresJSON(settings)
        let rows: [PostgresRow]
        switch kind {
        case .profile:
            rows = try await pool.withTransaction { connection in
                let bumped = try await connection.query(
                    """
                    UPDATE profiles SET current_version = current_version + 1, updated_at = now()
                    WHERE name = \(name) RETURNING current_version
                    """)
                guard let version = try bumped.first?.decode(Int.self, "current_version") else { return [] }
                _ = try await connection.query(
                    "INSERT INTO profile_versions (profile, version, settings) VALUES (\(name), \(version), \(document))"
                )
                return try await connection.query("\(unsafeRaw: Self.profileSelect) WHERE p.name = \(name)").rows
            }
        case .site:
            rows = try await pool.query(
                """
                UPDATE sites SET settings = \(document), version = version + 1, updated_at = now() WHERE name = \(name)
                RETURNING name, version, settings, created_at, updated_at
                """
            ).rows
        }
        guard let row = rows.first else { throw missing(name) }
        return try entry(row)
    }

    /// The entry at its current version, or, for a profile, at `version`; nil when absent.
    public func get(_ name: String, version: Int? = nil) async throws -> Entry? {
        let rows: [PostgresRow]
        switch kind {
        case .profile:
            if let version {
                rows = try await pool.query(
                    """
                    SELECT p.name, v.version, v.settings, p.created_at, v.created_at AS updated_at
                    FROM profiles p JOIN profile_versions v ON v.profile = p.name
                    WHERE p.name = \(name) AND v.version = \(version)
                    """
                ).rows
            } else {
                rows = try await pool.query("\(unsafeRaw: Self.profileSelect) WHERE p.name = \(name)").rows
            }
        case .site:
            rows = try await pool.query("SELECT name, version, settings, created_at, updated_at FROM sites WHERE name = \(name)").rows
        }
        return try rows.first.map(entry)
    }

    /// Every entry at its current version, by name.
    public func list() async throws -> [Entry] {
        switch kind {
        case .profile: return try await pool.query("\(unsafeRaw: Self.profileSelect) ORDER BY p.name").map(entry)
        case .site:
            return try await pool.query("SELECT name, version, settings, created_at, updated_at FROM sites ORDER BY name").map(entry)
        }
    }

    /// The schedules and the unfinished runs (queued, running, waiting for review) that name it.
    public func users(of name: String) async throws -> Users {
        try await pool.withTransaction { connection in try await users(of: name, on: connection) }
    }

    private func users(of name: String, on connection: isolated PostgresConnection) async throws -> Users {
        let key = kind.paramsKey
        // FOR SHARE: a schedule cannot change to not naming it while a remove decides.
        let schedules = try await connection.query(
            "SELECT name FROM schedules WHERE params ->> \(key) = \(name) ORDER BY name FOR SHARE"
        ).map { try $0.decode(String.self, "name") }
        let runs =
            try await connection.query(
                """
                SELECT count(*)::bigint AS n FROM runs
                WHERE params ? \(key) AND params ->> \(key) = \(name) AND status IN ('queued', 'running', 'needs_review')
                """
            ).first?.decode(Int.self, "n") ?? 0
        return Users(schedules: schedules, unfinishedRuns: runs)
    }

    /// Removes an entry (a profile with all its versions); refused while a schedule or an
    /// unfinished run names it, in the same transaction that would delete it.
    public func remove(_ name: String) async throws {
        let table = kind.plural
        try await pool.withTransaction { connection in
            // Rows that name the entry are locked first, so that none appears between check and delete.
            let entry = try await connection.query("SELECT name FROM \(unsafeRaw: table) WHERE name = \(name) FOR UPDATE")
            guard !entry.isEmpty else { throw missing(name) }
            let users = try await users(of: name, on: connection)
            guard users.isEmpty else { throw CatalogInUse(kind: kind, name: name, users: users) }
            _ = try await connection.query("DELETE FROM \(unsafeRaw: table) WHERE name = \(name)")
        }
    }

    private func missing(_ name: String) -> CatalogEntryMissing { CatalogEntryMissing(kind: kind, name: name) }

    private static let profileSelect = """
        SELECT p.name, p.current_version AS version, v.settings, p.created_at, p.updated_at
        FROM profiles p JOIN profile_versions v ON v.profile = p.name AND v.version = p.current_version
        """

    private func entry(_ row: PostgresRow) throws -> Entry {
        Entry(
            kind: kind, name: try row.decode(String.self, "name"), version: try row.decode(Int.self, "version"),
            settings: try row.decode(PostgresJSON<JSONValue>.self, "settings").value,
            createdAt: try row.decode(Date.self, "created_at"), updatedAt: try row.decode(Date.self, "updated_at")
        )
    }
}

/// No profile or site of that name.
public struct CatalogEntryMissing: Refusal {
    public var code: RefusalCode { .notFound }
    public let kind: CatalogStore.Kind
    public let name: String
    public init(kind: CatalogStore.Kind, name: String) {
        self.kind = kind
        self.name = name
    }
    public var description: String { "there is no \(kind) named \(name) (presswork \(kind.plural) list)" }
}

/// A profile or site that schedules or unfinished runs still name.
public struct CatalogInUse: Refusal {
    public var code: RefusalCode { .conflict }
    public let kind: CatalogStore.Kind
    public let name: String
    public let users: CatalogStore.Users

    public var description: String {
        var parts: [String] = []
        if !users.schedules.isEmpty { parts.append("schedules " + users.schedules.joined(separator: ", ")) }
        if users.unfinishedRuns > 0 { parts.append("\(users.unfinishedRuns) unfinished run" + (users.unfinishedRuns == 1 ? "" : "s")) }
        return "\(kind) \(name) is used by " + parts.joined(separator: " and ")
            + "; change or remove those first (finished runs keep their record either way)"
    }
}
