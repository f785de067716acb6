import Dispatch

/// A serial executor backed by a private dispatch queue: the one thread a connection's blocking
/// libpq calls run on.
///
/// libpq's synchronous calls (`PQexecParams`, `PQconnectdb`) block their thread until the server
/// answers. Running them on Swift's cooperative pool would park one of its few threads (two on a
/// two-core machine) and starve every other task; a dispatch queue gets a thread of its own when
/// it blocks.
final class ConnectionExecutor: SerialExecutor {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        queue.async {
            job.runSynchronously(on: executor)
        }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// Runs blocking work on the queue from outside the actor (used before the actor exists).
    func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: work()) }
        }
    }
}
