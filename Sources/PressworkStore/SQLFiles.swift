/// The files of the repository's `sql/` folder, compiled into the binary at build time by the
/// EmbedSQL plugin: an installed `presswork` needs no folder beside it, and the SQL it runs is
/// exactly the SQL it was built and tested with.
public enum SQLFiles {
    /// Every file, keyed by its path under `sql/` ("migrations/0001_schema_migrations.sql").
    public static var all: [String: String] { EmbeddedSQL.files }

    /// The text of one file, or nil.
    public static func file(_ relativePath: String) -> String? {
        EmbeddedSQL.files[relativePath]
    }
}
