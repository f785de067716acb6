import Synchronization

/// Asks executions to stop at their next round boundary. A worker shutting down (SIGTERM) lets
/// the round in progress commit, its provider calls paid once, and hands the run back before the
/// next round, instead of cancelling the round and paying for it again on the next attempt.
/// Cancellation stays the hard stop, after the drain deadline or on a second signal.
public final class DrainRequest: Sendable {
    private let requested = Mutex(false)

    public init() {}

    public func request() {
        requested.withLock { $0 = true }
    }

    public var isRequested: Bool {
        requested.withLock { $0 }
    }
}
