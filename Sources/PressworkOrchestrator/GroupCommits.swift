import PressworkStore

/// A round's commit under the lease of the execution that made it.
struct LeasedCommit: Sendable {
    var commit: RoundCommit
    var lease: Lease
}

extension GroupCommitter where Item == SectionCheckpoint, Answer == Void {
    /// Section checkpoints: many runs' in one statement (`RunStore.commitSections`).
    static func checkpoints(_ store: RunStore, writers: Int = 2) -> GroupCommitter {
        GroupCommitter(writers: writers) { checkpoints in
            zip(checkpoints, try await store.commitSections(checkpoints)).map { checkpoint, held in
                held ? .success(()) : .failure(LeaseLost(checkpoint.lease))
            }
        }
    }
}

extension GroupCommitter where Item == LeasedCommit, Answer == Bool {
    /// Round commits that neither end their run nor store a vector: many runs' in one statement
    /// (`RunStore.commitRounds`); each answers whether a cancel of its run was requested.
    static func rounds(_ store: RunStore, leaseSeconds: Double, writers: Int = 2) -> GroupCommitter {
        GroupCommitter(writers: writers) { commits in
            zip(commits, try await store.commitRounds(commits.map { ($0.commit, $0.lease) }, leaseSeconds: leaseSeconds)).map {
                commit, answer in
                answer.map { .success($0) } ?? .failure(LeaseLost(commit.lease))
            }
        }
    }
}
