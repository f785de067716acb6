import PostgresClient
import PressworkStore

/// The database went away while a run was being executed: a broken connection, a server
/// restarting or refusing connections. Nothing is wrong with the run, so it does not end in
/// `error`: the execution stops, waits until the database answers again and hands the run back
/// (`queued`), and a worker continues it from its first missing round. A round whose commit was
/// cut off is either committed (its artifact exists and it is skipped) or not (it runs again):
/// the fenced commit makes it one or the other, never both.
enum DatabaseOutage {
    /// Whether `error`, or an error it wraps, says the database is unavailable.
    static func caused(_ error: any Error) -> Bool {
        if let error = error as? PostgresError { return error.isUnavailable }
        if let wrapped = (error as? any UnderlyingErrorCarrying)?.underlying { return caused(wrapped) }
        return false
    }
}

/// The run was handed back after a database outage (see `DatabaseOutage`); another attempt
/// continues it. Not a failure of the run: workers log it and claim the next.
public struct RunHandedBack: Error, Sendable, CustomStringConvertible {
    public let runID: String
    public let reason: String
    public var description: String { "run \(runID) handed back: \(reason)" }
}
