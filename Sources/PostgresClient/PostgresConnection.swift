import CLibPQ
import Foundation
import Logging
import Synchronization

/// One connection to a Postgres server.
///
/// The connection is an actor whose executor is a private thread (see `ConnectionExecutor`), so
/// libpq's blocking calls never occupy Swift's cooperative pool. Closures passed to
/// `withTransaction` receive the connection `isolated`: their statements run on that thread one
/// after another, without a thread hop per statement.
///
/// Cancelling the calling task while a statement runs sends a cancel request to the server; the
/// statement then fails and the call throws `CancellationError`.
public actor PostgresConnection {
    /// What the connection was opened with.
    public nonisolated let configuration: PostgresConfiguration
    let logger: Logger
    nonisolated let executor: ConnectionExecutor
    let canceller = QueryCanceller()
    /// The `PGconn*`. Used only on this actor's executor, and by `deinit` once nothing else can.
    private let handleBox = HandleBox()
    private var handle: OpaquePointer? {
        get { handleBox.pointer }
        set { handleBox.pointer = newValue }
    }
    private let noticeSink: NoticeSink
    /// Prepared statements by SQL text, and how often texts not yet prepared were seen.
    private var statementCache = StatementCache()
    /// The socket, for the pool's cheap idle check; -1 when not connected.
    nonisolated let socketDescriptor: SocketDescriptor = SocketDescriptor()

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    private init(configuration: PostgresConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.executor = ConnectionExecutor(label: "presswork.postgres.connection")
        self.noticeSink = NoticeSink(logger: logger)
    }

    // A plain deinit: no reference to the connection is left, so nothing else can be using the
    // handle. (An `isolated deinit` would run as a job on the connection's own executor, which
    // the deallocation then frees under the running job.)
    deinit {
        canceller.detach()
        if let handle = handleBox.pointer { PQfinish(handle) }
    }

    /// Opens a connection; the error names the host or socket folder tried, never the password.
    public static func connect(
        _ configuration: PostgresConfiguration,
        logger: Logger = Logger(label: "presswork.postgres")
    ) async throws -> PostgresConnection {
        let connection = PostgresConnection(configuration: configuration, logger: logger)
        connection.executor.serve(connection)
        try await connection.open()
        return connection
    }

    // MARK: Opening and closing

    private func open() throws(PostgresError) {
        // Keywords given after `dbname` override the connection string's; those before it are
        // defaults it may override. `dbname` holding a whole connection string is expanded in place.
        var keywords = ["connect_timeout", "fallback_application_name", "dbname", "client_encoding"]
        var values = [
            String(configuration.connectTimeoutSeconds), configuration.applicationName,
            configuration.connectionString, "UTF8",
        ]
        if let database = configuration.databaseOverride {
            // Only the first `dbname` is expanded as a connection string; this one is a plain name.
            keywords.append("dbname")
            values.append(database)
        }
        let connection = withOptionalCStringArray(keywords) { keywordPointers in
            withOptionalCStringArray(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let connection else {
            throw PostgresError(.connectionFailed, "cannot connect to \(configuration.targetDescription): out of memory")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let reason = String(cString: PQerrorMessage(connection)).trimmingCharacters(in: [" ", "\n"])
            PQfinish(connection)
            throw PostgresError(
                .connectionFailed,
                "cannot connect to \(configuration.targetDescription): "
                    + reason.replacingOccurrences(of: "\n\t", with: " ").replacingOccurrences(of: "\n", with: " ")
            )
        }
        handle = connection
        PQsetNoticeProcessor(connection, noticeProcessor, Unmanaged.passUnretained(noticeSink).toOpaque())
        canceller.attach(PQgetCancel(connection))
        socketDescriptor.set(PQsocket(connection))
        // Timestamps are parsed in ISO style; the session setting makes that independent of the
        // server's configuration.
        _ = try runBlocking(PostgresQuery(unsafeSQL: "SET DateStyle TO 'ISO, YMD'"), cancellable: false)
    }

    /// Closes the connection. Statements after this fail with `.connectionLost`.
    public func close() {
        canceller.detach()
        socketDescriptor.set(-1)
        if let handle {
            PQfinish(handle)
            self.handle = nil
        }
    }

    /// True when the connection is closed or libpq saw it break.
    public var isClosed: Bool {
        guard let handle else { return true }
        return PQstatus(handle) != CONNECTION_OK
    }

    /// The raw handle for the notification pump, which runs on this actor's thread.
    var handleForListening: OpaquePointer? { handle }

    /// Whether a transaction is open (idle in it, or failed in it) on this connection.
    public var transactionState: TransactionState {
        guard let handle else { return .unknown }
        switch PQtransactionStatus(handle) {
        case PQTRANS_IDLE: return .idle
        case PQTRANS_INTRANS: return .inTransaction
        case PQTRANS_INERROR: return .failed
        case PQTRANS_ACTIVE: return .active
        default: return .unknown
        }
    }

    /// libpq's view of the session between statements (`PQtransactionStatus`): a pool rolls
    /// back a connection returned `inTransaction` or `failed`, and drops one that is `unknown`.
    public enum TransactionState: Sendable {
        case idle, inTransaction, failed, active, unknown
    }

    /// Reads whatever the server sent while the connection sat idle (an error before a shutdown,
    /// a notice); returns false when that shows the connection is gone.
    func drainIdleInput() -> Bool {
        guard let handle, PQconsumeInput(handle) == 1 else { return false }
        while let notification = PQnotifies(handle) { PQfreemem(notification) }
        return PQstatus(handle) == CONNECTION_OK
    }

    // MARK: Statements

    /// Runs one statement with its parameters and returns every row.
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresQueryResult {
        if let encodingError = query.encodingError { throw encodingError }
        return try await cancellable { connection in try connection.runBlocking(query, cancellable: true) }
    }

    /// Runs a statement that must run even if the task was cancelled: cleanup such as releasing
    /// an advisory lock on the way out of a cancelled operation.
    public func queryIgnoringCancellation(_ query: PostgresQuery) throws -> PostgresQueryResult {
        if let encodingError = query.encodingError { throw encodingError }
        return try runBlocking(query, cancellable: false)
    }

    /// Runs SQL text that may hold several statements and no parameters (a migration file),
    /// through the simple query protocol.
    public func executeScript(unsafeSQL sql: String) async throws {
        try await cancellable { connection in try connection.runScriptBlocking(sql) }
    }

    /// Runs blocking statement work so that cancelling the task cancels the statement: checked
    /// before it starts, a cancel request while it runs, and the server's "canceling statement"
    /// error turned into `CancellationError` when the task was cancelled.
    ///
    /// `work` takes the connection `isolated`, so the compiler checks that it runs on this actor's
    /// thread: a closure that merely calls it from the operation below, capturing nothing
    /// isolated, would run on the global executor, blocking a cooperative thread (seen: lock
    /// waits then starved every other task).
    private func cancellable<Result: Sendable>(
        _ work: (isolated PostgresConnection) throws -> Result
    ) async throws -> Result {
        try Task.checkCancellation()
        let canceller = self.canceller
        do {
            return try await withTaskCancellationHandler {
                try work(self)
            } onCancel: {
                canceller.cancel()
            }
        } catch let error as PostgresError where error.sqlState == .queryCanceled && Task.isCancelled {
            throw CancellationError()
        }
    }

    /// Quotes a name for use as an SQL identifier (`LISTEN`, which takes no parameters).
    public func quoteIdentifier(_ name: String) throws(PostgresError) -> String {
        let handle = try liveHandle(for: "quoting an identifier")
        guard let quoted = PQescapeIdentifier(handle, name, name.utf8.count) else {
            throw PostgresError(.encoding, "cannot quote identifier: " + String(cString: PQerrorMessage(handle)))
        }
        defer { PQfreemem(quoted) }
        return String(cString: quoted)
    }

    func runBlocking(_ query: PostgresQuery, cancellable: Bool) throws(PostgresError) -> PostgresQueryResult {
        assertIsolated("a blocking libpq call off the connection's thread")
        let handle = try liveHandle(for: query.sql)
        if cancellable { canceller.begin() }
        defer { if cancellable { canceller.end() } }
        let binds = query.binds
        let types = binds.map { $0.type.oid }
        // A statement seen before is prepared once and then executed by name: the server parses
        // and plans it once per connection instead of every time.
        let key = StatementCache.Key(sql: query.sql, types: types)
        var name: String?
        // Behind a transaction pooler (PgBouncer's pool_mode = transaction) a named statement
        // prepared on one server connection is gone on the next: every statement goes unnamed.
        switch configuration.preparesStatements ? statementCache.lookup(key) : .unnamed {
        case .prepared(let existing):
            name = existing
        case .prepare(let new):
            let prepared = types.withUnsafeBufferPointer { typePointer in
                PQprepare(handle, new, query.sql, Int32(types.count), typePointer.baseAddress)
            }
            _ = try consume(prepared, sql: query.sql, handle: handle)
            if let evicted = statementCache.didPrepare(key, name: new) { deallocate(evicted, handle: handle) }
            name = new
        case .unnamed:
            name = nil
        }
        let result = withOptionalCStringArray(binds.map(\.text)) { values in
            if let name {
                return PQexecPrepared(handle, name, Int32(binds.count), values, nil, nil, 0)
            }
            return types.withUnsafeBufferPointer { typePointer in
                PQexecParams(handle, query.sql, Int32(binds.count), typePointer.baseAddress, values, nil, nil, 0)
            }
        }
        do {
            return try consume(result, sql: query.sql, handle: handle)
        } catch let error where error.sqlState == .featureNotSupported && name != nil {
            // "cached plan must not change result type": the schema changed under a prepared
            // statement. Forget them all; the caller's retry (or next use) prepares afresh.
            for stale in statementCache.removeAll() { deallocate(stale, handle: handle) }
            throw error
        }
    }

    /// Drops a prepared statement on the server; failure (inside an aborted transaction) is
    /// harmless, the name is never reused.
    private func deallocate(_ name: String, handle: OpaquePointer) {
        if let result = PQexec(handle, "DEALLOCATE \(name)") { PQclear(result) }
    }

    private func runScriptBlocking(_ sql: String) throws(PostgresError) {
        assertIsolated("a blocking libpq call off the connection's thread")
        let handle = try liveHandle(for: sql)
        canceller.begin()
        defer { canceller.end() }
        _ = try consume(PQexec(handle, sql), sql: sql, handle: handle)
    }

    private func liveHandle(for sql: String) throws(PostgresError) -> OpaquePointer {
        guard let handle, PQstatus(handle) == CONNECTION_OK else {
            throw PostgresError(
                .connectionLost,
                "connection to \(configuration.targetDescription) is closed",
                query: sql
            )
        }
        return handle
    }

    // MARK: Results

    private func consume(_ result: OpaquePointer?, sql: String, handle: OpaquePointer) throws(PostgresError)
        -> PostgresQueryResult
    {
        guard let result else {
            throw connectionError(handle: handle, sql: sql)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return Self.decodeResult(result)
        case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR, PGRES_BAD_RESPONSE:
            if PQstatus(handle) != CONNECTION_OK {
                throw connectionError(handle: handle, sql: sql, result: result)
            }
            throw Self.serverError(result, sql: sql)
        default:
            let status = String(cString: PQresStatus(PQresultStatus(result)))
            throw PostgresError(.unexpected, "statement returned \(status), which this client does not handle", query: sql)
        }
    }

    private func connectionError(handle: OpaquePointer, sql: String, result: OpaquePointer? = nil) -> PostgresError {
        var error =
            result.map { Self.serverError($0, sql: sql) }
            ?? PostgresError(.connectionLost, String(cString: PQerrorMessage(handle)), query: sql)
        error.kind = .connectionLost
        error.message =
            "lost the connection to \(configuration.targetDescription): "
            + error.message.trimmingCharacters(in: [" ", "\n"]).replacingOccurrences(of: "\n", with: " ")
        return error
    }

    private static func serverError(_ result: OpaquePointer, sql: String) -> PostgresError {
        func field(_ code: Int32) -> String? {
            PQresultErrorField(result, code).map { String(cString: $0) }
        }
        let message =
            field(CLibPQ_PG_DIAG_MESSAGE_PRIMARY)
            ?? String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: [" ", "\n"])
        return PostgresError(
            .server,
            message,
            sqlState: field(CLibPQ_PG_DIAG_SQLSTATE).map(SQLState.init),
            detail: field(CLibPQ_PG_DIAG_MESSAGE_DETAIL),
            hint: field(CLibPQ_PG_DIAG_MESSAGE_HINT),
            query: sql
        )
    }

    private static func decodeResult(_ result: OpaquePointer) -> PostgresQueryResult {
        let rowCount = PQntuples(result)
        let columnCount = PQnfields(result)
        let columns = PostgresColumns(
            names: (0..<columnCount).map { String(cString: PQfname(result, $0)) },
            types: (0..<columnCount).map { PostgresType.forOID(PQftype(result, $0)) }
        )
        var rows: [PostgresRow] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            let values: [String?] = (0..<columnCount).map { column in
                PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
            }
            rows.append(PostgresRow(columns: columns, values: values))
        }
        let tag = String(cString: PQcmdStatus(result))
        return PostgresQueryResult(
            columns: columns,
            rows: rows,
            affectedRows: Int(String(cString: PQcmdTuples(result))) ?? 0,
            commandTag: tag
        )
    }
}

// MARK: - Helpers

/// Holds the `PGconn*` so that the nonisolated `deinit` can finish it. Access is serialized by
/// the owning actor; `deinit` runs when no other access can happen.
final class HandleBox: @unchecked Sendable {
    var pointer: OpaquePointer?
}

/// The socket number, readable from any thread for a non-blocking readiness check.
final class SocketDescriptor: Sendable {
    private let value = Atomic<Int32>(-1)
    func set(_ descriptor: Int32) { value.store(descriptor, ordering: .releasing) }
    func get() -> Int32 { value.load(ordering: .acquiring) }
}

/// Routes server notices (`NOTICE: relation already exists, skipping`) to the logger at debug
/// level instead of libpq's default, which prints them on stderr.
final class NoticeSink: Sendable {
    let logger: Logger
    init(logger: Logger) { self.logger = logger }
}

private let noticeProcessor: PQnoticeProcessor = { argument, message in
    guard let argument, let message else { return }
    let sink = Unmanaged<NoticeSink>.fromOpaque(argument).takeUnretainedValue()
    let text = String(cString: message).trimmingCharacters(in: [" ", "\n"])
    sink.logger.debug("postgres notice", metadata: ["postgres.notice": "\(text)"])
}

/// Hands libpq a NULL-terminated array of C strings; nil entries stay NULL (SQL NULL for binds).
func withOptionalCStringArray<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let duplicates: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0)! } }
    defer { duplicates.forEach { free($0) } }
    let pointers = duplicates.map { UnsafePointer($0) } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
