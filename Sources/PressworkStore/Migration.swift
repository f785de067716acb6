import Crypto
import Foundation

/// One forward-only schema change: `sql/migrations/NNNN_name.sql`.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String

    /// `0001_schema_migrations.sql`
    public var fileName: String { String(format: "%04d_%@.sql", version, name) }

    /// SHA-256 of the text, in hex: recorded when applied, compared on every later `migrate`.
    public var checksum: String {
        SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Reads migrations from `files` (paths relative to `sql/`), ordered by version.
    ///
    /// Only `migrations/*.sql` are migrations; each name must be `NNNN_name.sql` with a unique
    /// number, so that a misnamed or duplicated file is caught before anything is applied.
    public static func load(from files: [String: String] = SQLFiles.all) throws(MigrationError) -> [Migration] {
        var migrations: [Migration] = []
        for (path, sql) in files where path.hasPrefix("migrations/") {
            let fileName = String(path.dropFirst("migrations/".count))
            guard fileName.hasSuffix(".sql"), !fileName.contains("/") else { continue }
            let stem = fileName.dropLast(4)
            guard let separator = stem.firstIndex(of: "_"),
                let version = Int(stem[..<separator]), version > 0,
                stem[..<separator].count == 4,
                !stem[stem.index(after: separator)...].isEmpty
            else {
                throw MigrationError(
                    "migration file \(fileName) is misnamed: expected NNNN_name.sql (four digits, from 0001)"
                )
            }
            if let clash = migrations.first(where: { $0.version == version }) {
                throw MigrationError("migration files \(clash.fileName) and \(fileName) share the number \(version)")
            }
            migrations.append(Migration(version: version, name: String(stem[stem.index(after: separator)...]), sql: sql))
        }
        return migrations.sorted { $0.version < $1.version }
    }
}

/// Why `migrate` refused or failed; the message names the file.
public struct MigrationError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
