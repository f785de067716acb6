import Foundation

/// How a provider's calls are paced and retried.
public struct CallPolicy: Sendable, Equatable {
    /// Attempts per call, the first included.
    public var maxAttempts: Int
    /// Deadline of one attempt.
    public var timeout: Duration
    /// Backoff before retry n (1-based) is a random delay in 0…min(maxDelay, baseDelay·2ⁿ⁻¹)
    /// ("full jitter"), or the server's Retry-After when it says more.
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// Calls in flight at once, across every run in this process.
    public var maxConcurrentCalls: Int
    /// Calls started per minute, across every run in this process; nil for no limit.
    public var requestsPerMinute: Int?

    public init(
        maxAttempts: Int = 4, timeout: Duration = .seconds(120), baseDelay: Duration = .milliseconds(500),
        maxDelay: Duration = .seconds(30), maxConcurrentCalls: Int = 4, requestsPerMinute: Int? = nil
    ) {
        self.maxAttempts = maxAttempts
        self.timeout = timeout
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxConcurrentCalls = maxConcurrentCalls
        self.requestsPerMinute = requestsPerMinute
    }

    /// The pause before attempt `attempt + 1`, given the server's Retry-After if any. A
    /// Retry-After longer than `maxDelay` is still honoured: calling earlier only earns another 429.
    func delay(afterAttempt attempt: Int, retryAfter: Duration?) -> Duration {
        let ceiling = min(maxDelay, baseDelay * (1 << min(attempt - 1, 20)))
        let jittered = ceiling * Double.random(in: 0...1)
        if let retryAfter, retryAfter > jittered { return retryAfter }
        return jittered
    }

    /// Retry-After as delta-seconds or an HTTP date.
    static func parseRetryAfter(_ value: String?, now: Date = Date()) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds >= 0 { return .milliseconds(Int64(seconds * 1000)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return .milliseconds(Int64(max(0, date.timeIntervalSince(now)) * 1000))
    }
}
