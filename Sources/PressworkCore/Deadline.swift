/// Runs work under a time limit: its result, or nil when `deadline` came first (the work is then
/// cancelled). Cancelling the caller cancels the work and throws `CancellationError`.
public func withTimeLimit<T: Sendable>(
    until deadline: ContinuousClock.Instant, _ work: @escaping @Sendable () async throws -> T
) async throws -> T? {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await work() }
        group.addTask {
            try await Task.sleep(until: deadline, clock: .continuous)
            return nil
        }
        defer { group.cancelAll() }
        return try await group.next() ?? nil
    }
}

/// The same, `timeout` from now.
public func withTimeLimit<T: Sendable>(
    _ timeout: Duration, _ work: @escaping @Sendable () async throws -> T
) async throws -> T? {
    try await withTimeLimit(until: .now.advanced(by: timeout), work)
}
