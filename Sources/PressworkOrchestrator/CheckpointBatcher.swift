import PressworkStore
import Synchronization

/// Writes the section checkpoints of all of a process's runs, many in one statement.
///
/// With a thousand runs in flight, sections finish in waves (a model's calls take about the same
/// time), and one statement per section queued thousands of statements for a handful of
/// connections. Here a checkpoint waits while `writers` statements are already writing, and the
/// next statement takes every checkpoint that has gathered meanwhile (up to `batchLimit`), as a
/// database's group commit does: alone, a checkpoint is written at once; in a wave, hundreds
/// share a statement. Each caller still learns its own outcome: written, or `LeaseLost` when its
/// lease no longer held. A statement the database refuses for another reason than being away is
/// tried again one checkpoint at a time, so that one bad checkpoint fails only its own section.
final class CheckpointBatcher: Sendable {
    private typealias Waiting = (checkpoint: SectionCheckpoint, continuation: CheckedContinuation<Void, any Error>)

    private let store: RunStore
    private let writers: Int
    private let batchLimit: Int
    private let state = Mutex<(waiting: [Waiting], writing: Int)>(([], 0))

    init(store: RunStore, writers: Int = 2, batchLimit: Int = 200) {
        precondition(writers > 0 && batchLimit > 0)
        self.store = store
        self.writers = writers
        self.batchLimit = batchLimit
    }

    /// How many checkpoints wait for a statement (tests wait on it).
    var waiting: Int { state.withLock { $0.waiting.count } }

    /// Returns once the checkpoint is written; throws `LeaseLost` when its lease no longer
    /// held, or the database's error. Not cancellable: a checkpoint handed over is written (or
    /// refused by its fence), and its caller learns which.
    func save(_ checkpoint: SectionCheckpoint) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let startsWriter = state.withLock { state in
                state.waiting.append((checkpoint, continuation))
                guard state.writing < writers else { return false }
                state.writing += 1
                return true
            }
            // Detached: the writer serves every run, not the one whose checkpoint started it (nor
            // its span, nor its cancellation).
            if startsWriter { Task.detached { await self.write() } }
        }
    }

    /// Writes what is waiting, a batch at a time, until nothing is.
    private func write() async {
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
            let held = try await store.commitSections(batch.map(\.checkpoint))
            for (waiting, held) in zip(batch, held) {
                if held {
                    waiting.continuation.resume()
                } else {
                    let lease = waiting.checkpoint.lease
                    waiting.continuation.resume(
                        throwing: LeaseLost(runID: lease.runID, attempt: lease.attempt, currentAttempt: nil, currentStatus: nil))
                }
            }
        } catch let error where batch.count > 1 && !DatabaseOutage.caused(error) {
            for waiting in batch { await write([waiting]) }
        } catch {
            for waiting in batch { waiting.continuation.resume(throwing: error) }
        }
    }
}
