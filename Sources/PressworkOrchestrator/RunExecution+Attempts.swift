import Foundation
import Logging
import PostgresClient
import PressworkCore
import PressworkPipeline
import PressworkStore
import Synchronization

/// The retry and timeout policy of a round's work: in-place retries of transient failures under
/// the round's deadline.
extension RunExecution {
    /// Runs `work` before the round's deadline, retrying transient failures in place with
    /// exponential backoff and full jitter. The deadline bounds every retry: reaching it fails
    /// the round (`RoundTimeout`), which is not retried here.
    func attempt<Value: Sendable>(
        _ round: Round, section: Int? = nil, until deadline: ContinuousClock.Instant,
        _ work: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        var failures = 0
        while true {
            do {
                return try await withDeadline(deadline, round: round, work)
            } catch let error where Self.isTransient(error) && failures < configuration.transientRetries {
                failures += 1
                let ceiling = configuration.retryBaseDelay * (1 << min(failures - 1, 16))
                let delay = Duration.nanoseconds(Int64.random(in: 0...max(0, ceiling.nanoseconds)))
                let reason = Self.chain(error).joined(separator: ": ")
                guard ContinuousClock.now.advanced(by: delay) < deadline else { throw error }
                logger.warning(
                    "transient failure, retrying",
                    metadata: [
                        LogKey.round: "\(round.rawValue)", "retry": "\(failures)", "error": "\(reason)",
                    ])
                try await store.record(
                    [
                        Diagnostic(
                            round: round, kind: .retry,
                            message: "retry \(failures) of \(configuration.transientRetries)"
                                + (section.map { " (section \($0))" } ?? "") + ": \(reason)",
                            attempt: lease.attempt
                        )
                    ], lease: lease)
                progress(.retrying(round, attempt: failures, reason: reason))
                try await Task.sleep(for: delay)
            }
        }
    }

    func withDeadline<Value: Sendable>(
        _ deadline: ContinuousClock.Instant, round: Round, _ work: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        guard let value = try await withTimeLimit(until: deadline, work) else {
            throw RoundTimeout(round: round, timeout: configuration.roundTimeout)
        }
        return value
    }
}
