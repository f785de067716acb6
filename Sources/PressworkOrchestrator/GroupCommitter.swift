import Synchronization

/// Writes items of all of a process's runs, many in one statement (a database's group commit,
/// done by the client).
///
/// With a thousand runs in flight, runs reach the same step together (a model's calls take
/// about the same time), and one statement per run queued thousands of statements for a handful
/// of connections. Here an item waits while `writers` statements are already writing, and the
/// next statement takes every item that has gathered meanwhile (up to `batchLimit`): alone, an
/// item is written at once; in a wave, hundreds share a statement. Each caller still learns its
/// own answer (`write` returns one per item, in order: a lost lease fails only its own item). A
/// statement the database refuses for another reason than being away is tried again one item
/// at a time, so that one bad item fails only its own caller.
final class GroupCommitter<Item: Sendable, Answer: Sendable>: Sendable {
    typealias Write = @Sendable ([Item]) async throws -> [Result<Answer, any Error>]
    private typealias Waiting = (item: Item, continuation: CheckedContinuation<Answer, any Error>)

    private let writers: Int
    private let batchLimit: Int
    private let write: Write
    private let state = Mutex<(waiting: [Waiting], writing: Int)>(([], 0))

    init(writers: Int = 2, batchLimit: Int = 200, write: @escaping Write) {
        precondition(writers > 0 && batchLimit > 0)
        self.writers = writers
        self.batchLimit = batchLimit
        self.write = write
    }

    /// How many items wait for a statement (tests wait on it).
    var waiting: Int { state.withLock { $0.waiting.count } }

    /// Returns the item's answer once its statement committed, or throws its error or the
    /// database's. Not cancellable: an item handed over is written (or refused), and its caller
    /// learns which.
    func submit(_ item: Item) async throws -> Answer {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Answer, any Error>) in
            let startsWriter = state.withLock { state in
                state.waiting.append((item, continuation))
                guard state.writing < writers else { return false }
                state.writing += 1
                return true
            }
            // Detached: the writer serves every run, not the one whose item started it (nor its
            // span, nor its cancellation).
            if startsWriter { Task.detached { await self.drain() } }
        }
    }

    /// Writes what is waiting, a batch at a time, until nothing is.
    private func drain() async {
        while true {
            let batch = state.withLock { state in
                let batch = Array(state.waiting.prefix(batchLimit))
                state.waiting.removeFirst(batch.count)
                if batch.isEmpty { state.writing -= 1 }
                return batch
            }
            guard !batch.isEmpty else { return }
            await write(batch)
        }
    }

    private func write(_ batch: [Waiting]) async {
        do {
            let answers = try await write(batch.map(\.item))
            precondition(answers.count == batch.count, "a group commit answers every item")
            for (waiting, answer) in zip(batch, answers) { waiting.continuation.resume(with: answer) }
        } catch let error where batch.count > 1 && !DatabaseOutage.caused(error) {
            for waiting in batch { await write([waiting]) }
        } catch {
            for waiting in batch { waiting.continuation.resume(throwing: error) }
        }
    }
}
