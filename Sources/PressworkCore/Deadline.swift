/// Runs work under a time limit: its result, or nil when `timeout` passed first (the work is
/// then cancelled). Cancelling the caller cancels the work and throws `CancellationError`.
public func withTimeLimit<T: Sendable>(
    _ timeout: Duration, _ work: @escaping @Sendable () async throws -> T
) async throws -> T? {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await work() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        return try await group.next() ?? nil
    }
}
