import Dispatch

/// A serial executor backed by a private dispatch queue: the one thread a connection's blocking
/// libpq calls run on.
///
/// libpq's synchronous calls (`PQexecParams`, `PQconnectdb`) block their thread until the server
/// answers. Running them on Swift's cooperative pool would park one of its few threads (two on a
/// two-core machine) and starve every other task; a dispatch queue gets a thread of its own when
/// it blocks.
final class ConnectionExecutor: SerialExecutor, @unchecked Sendable {
    private let queue: DispatchQueue
    /// The actor this executor serves. Each job holds it strongly until the job has returned:
    /// otherwise the task that made the last hop off the actor can free it on another thread
    /// while the runtime is still finishing the job on this one (a use-after-free seen in tests
    /// whenever a connection was released right after its last call). Set once, before any job.
    private weak var owner: (any Actor)?

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func serve(_ owner: any Actor) {
        self.owner = owner
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let owner = self.owner
        // The block keeps this executor and its actor alive until the job has returned.
        queue.async { [self] in
            withExtendedLifetime(owner) {
                job.runSynchronously(on: self.asUnownedSerialExecutor())
            }
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
