import Synchronization

/// Asks executions to stop at their next round boundary. A worker shutting down (SIGTERM) lets
/// the round in progress commit, its provider calls paid once, and hands the run back before the
/// next round, instead of cancelling the round and paying for it again on the next attempt.
/// Cancellation stays the hard stop, after the drain deadline or on a second signal.
public final class DrainRequest: Sendable {
    private let state = Mutex<(requested: Bool, actions: [@Sendable () -> Void])>((false, []))

    public init() {}

    /// Requests the drain and runs the actions registered with `onRequest`, once.
    public func request() {
        let actions = state.withLock { state -> [@Sendable () -> Void] in
            guard !state.requested else { return [] }
            state.requested = true
            defer { state.actions = [] }
            return state.actions
        }
        for action in actions { action() }
    }

    public var isRequested: Bool {
        state.withLock { $0.requested }
    }

    /// Runs `action` when the drain is requested (at once when it was already).
    public func onRequest(_ action: @escaping @Sendable () -> Void) {
        let now = state.withLock { state -> Bool in
            if state.requested { return true }
            state.actions.append(action)
            return false
        }
        if now { action() }
    }
}
