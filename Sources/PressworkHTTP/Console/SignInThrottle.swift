import Synchronization

/// How many token sign-ins may fail before the console stops checking tokens for a while: at
/// most `limit` failures in any `window`; after that every token sign-in is refused (429, with
/// when to try again) until the oldest failure leaves the window, valid tokens included, so that
/// guessing gains nothing by being fast. Tokens are 256-bit random, so this is defence in
/// depth and a bound on the work a guesser costs; one-time links (`presswork console-url`) are
/// not throttled, so the local user can always get in.
///
/// Per process, not per client: behind a proxy every client has the proxy's address, and the
/// request context does not carry one.
final class SignInThrottle: Sendable {
    let limit: Int
    let window: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let failures = Mutex<[ContinuousClock.Instant]>([])

    init(limit: Int = 10, window: Duration = .seconds(60), now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.limit = limit
        self.window = window
        self.now = now
    }

    /// nil when a sign-in may be tried now; otherwise how long until one may.
    func wait() -> Duration? {
        let now = now()
        return failures.withLock { failures in
            failures.removeAll { $0.advanced(by: window) <= now }
            guard failures.count >= limit, let oldest = failures.first else { return nil }
            return now.duration(to: oldest.advanced(by: window))
        }
    }

    /// Counts a failed sign-in.
    func failed() {
        let now = now()
        failures.withLock { $0.append(now) }
    }
}
