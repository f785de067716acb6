import Foundation
import PostgresClient

/// Values for the `presswork.*` settings that the files of sql/monitor, sql/prune and sql/views
/// read (`presswork_interval('presswork.retain_finished', '30 days')`): each file has its own
/// defaults and runs as it stands in psql; the program sets what it was told for one transaction
/// (`set_config(name, value, true)`, the function form of SET LOCAL).
struct SQLSettings: Sendable {
    private(set) var values: [(name: String, value: String)] = []

    mutating func set(_ name: String, _ duration: Duration) {
        values.append(("presswork." + name, "\(duration.wholeMilliseconds) milliseconds"))
    }

    mutating func set(_ name: String, _ number: Int) {
        values.append(("presswork." + name, String(number)))
    }

    /// `presswork.now`, read by `presswork_now()` (migration 0020): the time the queries judge
    /// at; nil leaves it unset, so they use the server's now().
    mutating func setNow(_ now: Date?) {
        guard let now else { return }
        values.append(("presswork.now", now.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))))
    }

    /// Applies the values to the connection's open transaction.
    func apply(on connection: isolated PostgresConnection) async throws {
        for (name, value) in values {
            _ = try await connection.query("SELECT set_config(\(name), \(value), true)")
        }
    }
}

extension SQLFiles {
    /// The text of one of the files compiled in, as a query. The names are constants of this
    /// module, each covered by a test; a missing one is a build mistake, not a runtime condition.
    static func query(_ relativePath: String) -> PostgresQuery {
        guard let sql = file(relativePath) else { preconditionFailure("sql/\(relativePath) is not compiled in") }
        return PostgresQuery(unsafeSQL: sql)
    }
}
