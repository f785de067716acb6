import CLibPQ

/// Where and how to connect: a libpq connection string, either a URL
/// (`postgresql://user@host:5432/db`, `postgresql:///db?host=/run/socket-dir`) or key/value
/// conninfo (`host=/tmp dbname=presswork`).
///
/// The string is checked when the configuration is made, so a typo fails before any connect.
/// `targetDescription` names the host or socket folder, the port, database and user, never the
/// password; it is what connection errors and logs show.
public struct PostgresConfiguration: Sendable, CustomStringConvertible {
    /// The string as given. It may contain a password: never log it; log `targetDescription`.
    public let connectionString: String
    /// Shown in `pg_stat_activity` unless the connection string sets its own.
    public var applicationName: String
    /// Seconds libpq waits for a connection before giving up (libpq's `connect_timeout`).
    public var connectTimeoutSeconds: Int
    /// The server, socket folder, database and user, without the password.
    public private(set) var targetDescription: String
    /// A database name that replaces the connection string's (see `database(_:)`).
    public private(set) var databaseOverride: String?
    /// Statements used again are prepared once per connection and executed by name. Off behind
    /// a transaction pooler (PgBouncer's transaction mode), where a connection's next
    /// transaction may run on another server connection that never saw the statement.
    public var preparesStatements = true

    /// A libpq connection string (`postgresql://user@host/db?…` or `host=… dbname=…`), checked
    /// here: one libpq cannot parse is refused with its reason, before any connection is tried.
    /// `connectTimeoutSeconds` bounds each connection attempt (libpq's `connect_timeout`).
    public init(
        _ connectionString: String,
        applicationName: String = "presswork",
        connectTimeoutSeconds: Int = 10
    ) throws(PostgresError) {
        self.connectionString = connectionString
        self.applicationName = applicationName
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.targetDescription = try Self.describe(connectionString)
    }

    /// Host (or socket folder), port, database and user: never the password.
    public var description: String { targetDescription }

    /// The same server and credentials, another database (tests create one per suite).
    public func database(_ name: String) -> PostgresConfiguration {
        var copy = self
        copy.databaseOverride = name
        if let range = copy.targetDescription.range(of: ", database ") {
            let rest = copy.targetDescription[range.upperBound...]
            let end = rest.range(of: ", user ")?.lowerBound ?? rest.endIndex
            copy.targetDescription.replaceSubrange(range.upperBound..<end, with: name)
        } else {
            copy.targetDescription += ", database \(name)"
        }
        return copy
    }

    /// Parses the string with libpq's own parser and renders the parts that identify the target.
    private static func describe(_ connectionString: String) throws(PostgresError) -> String {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(connectionString, &errorMessage) else {
            let reason = errorMessage.map { String(cString: $0) } ?? "unparseable connection string"
            if let errorMessage { PQfreemem(errorMessage) }
            throw PostgresError(
                .invalidConfiguration,
                "invalid database connection string: "
                    + reason.trimmingCharacters(in: [" ", "\n"])
            )
        }
        defer { PQconninfoFree(options) }

        var values: [String: String] = [:]
        var cursor = options
        while let keyword = cursor.pointee.keyword {
            if let value = cursor.pointee.val {
                values[String(cString: keyword)] = String(cString: value)
            }
            cursor += 1
        }
        return describe(values: values)
    }

    /// Renders parsed conninfo values; libpq's defaults fill what the string leaves out.
    static func describe(values: [String: String]) -> String {
        let host = values["host"] ?? values["hostaddr"] ?? "the default socket folder"
        let port = values["port"] ?? "5432"
        let isSocket = host.hasPrefix("/") || host.hasPrefix("@")
        var text = isSocket ? "socket folder \(host) (port \(port))" : "host \(host) port \(port)"
        if let database = values["dbname"] { text += ", database \(database)" }
        if let user = values["user"] { text += ", user \(user)" }
        return text
    }
}

extension String {
    func trimmingCharacters(in set: Set<Character>) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
