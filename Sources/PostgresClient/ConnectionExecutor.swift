import Foundation

/// A serial executor with a thread of its own: the thread a connection's blocking libpq calls
/// run on.
///
/// libpq's synchronous calls (`PQexecParams`, `PQconnectdb`, the notification pump's `poll`) block
/// their thread until the server answers, for as long as a lock wait or a LISTEN lasts. They must
/// not run on Swift's cooperative pool (two threads on a two-core machine): when two connections
/// waiting on a lock held by a third did, the third had no thread left for its next statement, a
/// deadlock seen in the concurrent-migration test. Nor on any other pool whose thread count is
/// capped. A thread per connection makes a blocked connection block only itself, whatever the
/// pool size, for a few kilobytes of resident stack each.
final class ConnectionExecutor: SerialExecutor, @unchecked Sendable {
    private let mailbox = Mailbox()
    /// The actor this executor serves. Each job holds it strongly until the job has returned:
    /// otherwise the task that made the last hop off the actor can free it on another thread
    /// while the runtime is still finishing the job on this one (a use-after-free seen in tests
    /// whenever a connection was released right after its last call). Set once, before any job.
    private weak var owner: (any Actor)?

    init(label: String) {
        let mailbox = self.mailbox
        let thread = Thread { mailbox.serve() }
        thread.name = label
        thread.start()
    }

    /// The last reference went away (possibly on the executor's own thread, as a job's entry was
    /// dropped): the thread finishes what is queued and ends.
    deinit {
        mailbox.close()
    }

    func serve(_ owner: any Actor) {
        self.owner = owner
    }

    func enqueue(_ job: consuming ExecutorJob) {
        // The entry keeps this executor and its actor alive until the job has returned.
        mailbox.post(Mailbox.Entry(job: UnownedJob(job), executor: self, owner: owner))
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }
}

/// The executor's job queue, shared by the executor and its thread (which must not keep the
/// executor itself alive, or it would never end).
private final class Mailbox: @unchecked Sendable {
    struct Entry {
        let job: UnownedJob
        let executor: ConnectionExecutor
        let owner: (any Actor)?
    }

    private let condition = NSCondition()
    private var entries: [Entry] = []
    private var closed = false

    func post(_ entry: Entry) {
        condition.lock()
        entries.append(entry)
        condition.signal()
        condition.unlock()
    }

    func close() {
        condition.lock()
        closed = true
        condition.signal()
        condition.unlock()
    }

    /// The thread's body: runs jobs in order until closed and empty.
    func serve() {
        var batch: [Entry] = []
        while true {
            condition.lock()
            while entries.isEmpty && !closed { condition.wait() }
            if entries.isEmpty {
                condition.unlock()
                return
            }
            swap(&batch, &entries)
            condition.unlock()
            for entry in batch {
                withExtendedLifetime(entry) {
                    entry.job.runSynchronously(on: entry.executor.asUnownedSerialExecutor())
                }
            }
            // Dropping the entries may release the executor's last reference; its deinit only
            // takes the lock, which this thread does not hold here.
            batch.removeAll(keepingCapacity: true)
        }
    }
}
