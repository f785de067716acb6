/// When to run a whole transaction again: after a serialization failure or a deadlock, which
/// Postgres reports precisely so that the client retries.
public struct TransactionRetryPolicy: Sendable {
    /// Attempts in all, the first included; 1 means no retry.
    public var maxAttempts: Int
    /// Delay before the second attempt; each later one doubles it, up to `maxDelay`, with full
    /// jitter so that conflicting clients do not retry in lockstep.
    public var baseDelay: Duration
    /// The longest delay before an attempt, however many came before.
    public var maxDelay: Duration

    /// A policy of `maxAttempts` (at least 1) with exponential, jittered delays between them.
    public init(maxAttempts: Int, baseDelay: Duration = .milliseconds(5), maxDelay: Duration = .milliseconds(500)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// One attempt: a conflict is the caller's to handle.
    public static let none = TransactionRetryPolicy(maxAttempts: 1)
    /// Eight attempts: enough for the short transactions of a busy store to get through.
    public static let onConflict = TransactionRetryPolicy(maxAttempts: 8)

    /// The pause after failed attempt `attempt` (1-based): random in [0, min(max, base·2^(n-1))].
    func delay(afterAttempt attempt: Int) -> Duration {
        let ceiling = min(maxDelay, baseDelay * (1 << min(attempt - 1, 20)))
        let nanoseconds = ceiling.components.seconds * 1_000_000_000 + ceiling.components.attoseconds / 1_000_000_000
        return .nanoseconds(Int64.random(in: 0...max(0, nanoseconds)))
    }
}
