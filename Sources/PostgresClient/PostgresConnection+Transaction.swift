/// How strictly a transaction is isolated from concurrent ones.
public enum TransactionIsolation: String, Sendable {
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
}

extension PostgresConnection {
    /// Runs `body` inside `BEGIN … COMMIT`; any error thrown (or cancellation) rolls back.
    ///
    /// The body gets the connection `isolated`, so its statements run back to back on the
    /// connection's thread. A body that swallows a statement error leaves the transaction
    /// aborted; committing it would silently roll back, so that case throws instead.
    public func withTransaction<Result: Sendable>(
        isolation: TransactionIsolation = .readCommitted,
        _ body: (isolated PostgresConnection) async throws -> Result
    ) async throws -> Result {
        guard transactionState == .idle else {
            throw PostgresError(.unexpected, "withTransaction called inside an open transaction")
        }
        _ = try await query(PostgresQuery(unsafeSQL: "BEGIN ISOLATION LEVEL \(isolation.rawValue)"))
        let result: Result
        do {
            result = try await body(self)
        } catch {
            rollBackQuietly()
            throw error
        }
        if transactionState == .failed {
            rollBackQuietly()
            throw PostgresError(
                .unexpected,
                "transaction was aborted by an earlier statement error and has been rolled back"
            )
        }
        do {
            // COMMIT runs even if the task was cancelled meanwhile: the body finished its work.
            _ = try runBlocking(PostgresQuery(unsafeSQL: "COMMIT"), cancellable: false)
        } catch {
            rollBackQuietly()
            throw error
        }
        return result
    }

    /// Rolls back whatever transaction is open; never cancelled, never throws (a broken
    /// connection has no transaction left to roll back).
    func rollBackQuietly() {
        guard !isClosed, transactionState != .idle else { return }
        do {
            _ = try runBlocking(PostgresQuery(unsafeSQL: "ROLLBACK"), cancellable: false)
        } catch {
            logger.debug("rollback failed", error: error)
        }
    }
}
