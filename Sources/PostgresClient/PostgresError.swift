/// Every error the Postgres client throws.
///
/// `description` is safe to log: it never contains bind values or passwords. Server errors keep
/// the server's `detail` separately, because Postgres puts row values there ("Key (slug)=(x)
/// already exists"); it is shown by `debugDescription` only.
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What went wrong, broadly; `sqlState` refines `.server`.
    public enum Kind: String, Sendable {
        /// The connection string could not be parsed.
        case invalidConfiguration
        /// No connection could be made (server down, wrong socket, authentication).
        case connectionFailed
        /// An open connection broke (server restart, network). The pool drops it.
        case connectionLost
        /// The server rejected a statement; see `sqlState`.
        case server
        /// A value could not be decoded into the requested Swift type.
        case decoding
        /// A value could not be encoded as a bind parameter.
        case encoding
        /// No pooled connection became free within the acquire timeout.
        case poolTimeout
        /// The pool was closed.
        case poolClosed
        /// libpq or the server did something the client does not handle.
        case unexpected
    }

    public var kind: Kind
    /// One line saying what failed: the server's primary message, or the client's own.
    public var message: String
    /// The server's SQLSTATE, for `.server` errors (and a lost connection's, when it sent one).
    public var sqlState: SQLState?
    /// The server's DETAIL line; may hold row values, so only `debugDescription` shows it.
    public var detail: String?
    /// The server's HINT line.
    public var hint: String?
    /// The SQL text involved (never its bind values), when known.
    public var query: String?
    /// Context added by callers as the error travels up ("applying migration 0002_runs.sql").
    public var context: [String]

    /// An error of `kind`; the client makes these, and tests and callers may too.
    public init(
        _ kind: Kind,
        _ message: String,
        sqlState: SQLState? = nil,
        detail: String? = nil,
        hint: String? = nil,
        query: String? = nil
    ) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.query = query
        self.context = []
    }

    /// True when repeating the work may succeed: a broken connection, a server that is starting or
    /// shutting down, a serialization failure or deadlock, an exhausted pool.
    ///
    /// After `.connectionLost` during `COMMIT` the outcome is unknown: retry only work that is
    /// idempotent or checks what it already did (Presswork's round commits check their fence).
    public var isRetryable: Bool {
        switch kind {
        case .connectionLost, .poolTimeout:
            return true
        case .connectionFailed:
            return true
        case .server:
            guard let sqlState else { return false }
            return [
                .serializationFailure, .deadlockDetected, .adminShutdown, .crashShutdown,
                .cannotConnectNow, .tooManyConnections,
            ].contains(sqlState)
                || sqlState.errorClass == "08"
        case .invalidConfiguration, .decoding, .encoding, .poolClosed, .unexpected:
            return false
        }
    }

    /// True when the database could not be reached or the connection broke (the server went
    /// away, restarts, refuses connections for now, has no connection free): nothing is wrong
    /// with the statement, and the same work succeeds once the database answers again.
    public var isUnavailable: Bool {
        switch kind {
        case .connectionLost, .connectionFailed, .poolTimeout:
            return true
        case .server:
            guard let sqlState else { return false }
            return [.adminShutdown, .crashShutdown, .cannotConnectNow, .tooManyConnections].contains(sqlState)
                || sqlState.errorClass == "08"
        case .invalidConfiguration, .decoding, .encoding, .poolClosed, .unexpected:
            return false
        }
    }

    /// True for the errors that mean "run the whole transaction again": serialization failure
    /// and deadlock.
    public var isTransactionConflict: Bool {
        sqlState == .serializationFailure || sqlState == .deadlockDetected
    }

    /// Returns the error with a line of context prepended ("while …").
    public func adding(context line: String) -> PostgresError {
        var copy = self
        copy.context.insert(line, at: 0)
        return copy
    }

    public var description: String {
        var text = context.map { "\($0): " }.joined() + message
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let hint { text += "; hint: \(hint)" }
        return text
    }

    public var debugDescription: String {
        var text = description
        if let detail { text += "; detail: \(detail)" }
        if let query { text += "; query: \(query)" }
        return text
    }
}
