import Crypto
import Foundation

/// One view of `sql/views/NAME.sql`: metrics people query with SQL, and the views prune and
/// monitor read. Unlike migrations, views are repeatable: each file is `CREATE OR REPLACE VIEW`,
/// and `migrate` applies it again whenever its text changed (the checksum of the text last
/// applied is kept in `presswork_schema_views`), after every migration.
public struct SchemaView: Sendable, Equatable {
    public let name: String
    public let sql: String

    public var fileName: String { "views/\(name).sql" }

    /// SHA-256 of the text, in hex.
    public var checksum: String {
        SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    public init(name: String, sql: String) {
        self.name = name
        self.sql = sql
    }

    /// The views in `files` (paths relative to `sql/`), by name.
    public static func load(from files: [String: String] = SQLFiles.all) -> [SchemaView] {
        files.compactMap { path, sql -> SchemaView? in
            guard path.hasPrefix("views/"), path.hasSuffix(".sql") else { return nil }
            let name = String(path.dropFirst("views/".count).dropLast(".sql".count))
            guard !name.contains("/") else { return nil }
            return SchemaView(name: name, sql: sql)
        }.sorted { $0.name < $1.name }
    }
}
