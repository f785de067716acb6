import CLibPQ
import Synchronization

/// Sends a cancel request for the statement a connection is running, from any thread.
///
/// Task cancellation handlers run on the cancelling thread while the connection's own thread is
/// blocked inside libpq; `PQcancel` on a `PGcancel` object is libpq's thread-safe way in. A
/// request is sent only while a cancellable statement is in flight, so a late cancel does not hit
/// the next statement on the same connection (a request already on the wire may still arrive late:
/// libpq has no way to tie it to one statement).
final class QueryCanceller: Sendable {
    /// A `PGcancel*`; libpq documents `PQcancel` on it as safe from any thread.
    private struct CancelObject: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    private struct State: ~Copyable {
        var cancelObject: CancelObject?
        var inFlight = false
    }

    private let state = Mutex(State())

    func attach(_ cancelObject: OpaquePointer?) {
        let object = cancelObject.map(CancelObject.init)
        state.withLock { $0.cancelObject = object }
    }

    func begin() {
        state.withLock { $0.inFlight = true }
    }

    func end() {
        state.withLock { $0.inFlight = false }
    }

    /// Asks the server to cancel the running statement; a no-op when none is running.
    func cancel() {
        state.withLock { state in
            guard state.inFlight, let cancelObject = state.cancelObject else { return }
            var buffer = [CChar](repeating: 0, count: 256)
            _ = PQcancel(cancelObject.pointer, &buffer, Int32(buffer.count))
        }
    }

    /// Frees the cancel object; later `cancel()` calls do nothing.
    func detach() {
        state.withLock { state in
            if let cancelObject = state.cancelObject { PQfreeCancel(cancelObject.pointer) }
            state.cancelObject = nil
            state.inFlight = false
        }
    }
}
