import Foundation
import PostgresClient
import PressworkCore
import Testing

@testable import PressworkOrchestrator
@testable import PressworkStore

/// Section checkpoints of many runs share statements: those that gather while a statement
/// writes go together in the next, and each caller still learns its own outcome.
@Suite struct CheckpointBatcherTests {
    @Test func checkpointsGatheredWhileAStatementWritesShareTheNextOne() async throws {
        let harness = try await Harness.make("batcher")
        let leases = try await Self.claimed(3, in: harness)
        let batcher = CheckpointBatcher(store: harness.store, writers: 1)
        let gathered =
            (1...10).flatMap { section in leases.map { Self.checkpoint($0, section: section) } }
            + [Self.checkpoint(Lease(runID: leases[0].runID, owner: leases[0].owner, attempt: 7), section: 99)]

        let outcomes = try await Self.whileTheFirstIsBlocked(Self.checkpoint(leases[0], section: 0), harness, batcher) {
            gathered
        }
        #expect(outcomes.dropLast().allSatisfy { $0 == "written" }, "\(outcomes)")
        #expect(outcomes.last == "lease lost", "the checkpoint of an attempt that is not the run's is refused alone")
        // Rows written by one transaction share its xmin: the blocked statement, then one more.
        let statements = try await harness.pool.query("SELECT count(DISTINCT xmin::text) FROM section_checkpoints").scalar(Int.self)
        let rows = try await harness.pool.query("SELECT count(*) FROM section_checkpoints").scalar(Int.self)
        #expect(statements == 2 && rows == 31, "\(statements) statements, \(rows) rows")
        await harness.close()
    }

    @Test func aCheckpointTheDatabaseRefusesFailsAloneNotItsBatch() async throws {
        let harness = try await Harness.make("batcher")
        let leases = try await Self.claimed(2, in: harness)
        let batcher = CheckpointBatcher(store: harness.store, writers: 1)
        var broken = Self.checkpoint(leases[1], section: 5)
        broken.payload = #"{"heading": "unterminated"#
        let gathered = (1...4).flatMap { section in leases.map { Self.checkpoint($0, section: section) } } + [broken]

        let outcomes = try await Self.whileTheFirstIsBlocked(Self.checkpoint(leases[0], section: 0), harness, batcher) {
            gathered
        }
        #expect(outcomes.dropLast().allSatisfy { $0 == "written" }, "\(outcomes)")
        #expect(outcomes.last?.contains("json") == true, "\(outcomes.last ?? "")")
        let rows = try await harness.pool.query("SELECT count(*) FROM section_checkpoints").scalar(Int.self)
        #expect(rows == 9)
        await harness.close()
    }

    // MARK: Helpers

    static func claimed(_ count: Int, in harness: Harness) async throws -> [Lease] {
        var leases: [Lease] = []
        for index in 0..<count {
            let run = try await harness.create(["topic \(index)"])
            leases.append(try #require(try await harness.store.claim(run.id, owner: "batcher-test", leaseSeconds: 60)))
        }
        return leases
    }

    static func checkpoint(_ lease: Lease, section: Int) -> SectionCheckpoint {
        SectionCheckpoint(
            lease: lease, round: .drafts, section: section, payload: #"{"section": \#(section)}"#, durationMs: 1, tokensIn: 1,
            tokensOut: 1, costUSD: 0)
    }

    /// Saves `first` while another transaction holds its run's row, so that its statement
    /// blocks; saves `gathered` once it does, lets the first go when all of them wait, and
    /// returns what became of each of `first` and `gathered` ("written", "lease lost", or the
    /// error), in order.
    static func whileTheFirstIsBlocked(
        _ first: SectionCheckpoint, _ harness: Harness, _ batcher: CheckpointBatcher, gathered: () -> [SectionCheckpoint]
    ) async throws -> [String] {
        let (locked, lockedNow) = AsyncStream.makeStream(of: Void.self)
        let (release, releaseNow) = AsyncStream.makeStream(of: Void.self)
        let holder = Task {
            try await harness.pool.withTransaction { connection in
                _ = try await connection.query("SELECT 1 FROM runs WHERE id = \(first.lease.runID) FOR UPDATE")
                lockedNow.yield()
                for await _ in release { break }
            }
        }
        for await _ in locked { break }
        func outcome(_ checkpoint: SectionCheckpoint) async -> String {
            do {
                try await batcher.save(checkpoint)
                return "written"
            } catch is LeaseLost {
                return "lease lost"
            } catch {
                return "\(error)"
            }
        }
        let firstSaved = Task { await outcome(first) }
        let lockWaits: PostgresQuery = """
            SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%section_checkpoints%'
            """
        while try await harness.pool.query(lockWaits).scalar(Int.self) < 1 { try await Task.sleep(for: .milliseconds(10)) }
        let others = gathered().map { checkpoint in Task { await outcome(checkpoint) } }
        while batcher.waiting < others.count { try await Task.sleep(for: .milliseconds(1)) }
        releaseNow.yield()
        try await holder.value
        var outcomes = [await firstSaved.value]
        for other in others { outcomes.append(await other.value) }
        return outcomes
    }
}
