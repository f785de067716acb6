import Foundation
import PostgresClient
import PressworkCore
import Testing

@testable import PressworkOrchestrator
@testable import PressworkStore

/// Section checkpoints and round commits of many runs share statements: those that gather while
/// a statement writes go together in the next, and each caller still learns its own outcome.
@Suite struct GroupCommitterTests {
    @Test func checkpointsGatheredWhileAStatementWritesShareTheNextOne() async throws {
        let harness = try await Harness.make("groupcommit")
        let leases = try await Self.claimed(3, in: harness)
        let committer = GroupCommitter.checkpoints(harness.store, writers: 1)
        let gathered =
            (1...10).flatMap { section in leases.map { Self.checkpoint($0, section: section) } }
            + [Self.checkpoint(Lease(runID: leases[0].runID, owner: leases[0].owner, attempt: 7), section: 99)]

        let outcomes = try await Self.whileTheFirstIsBlocked(
            Self.checkpoint(leases[0], section: 0), of: leases[0].runID, harness, committer, gathered: gathered)
        #expect(outcomes.dropLast().allSatisfy { $0 == "()" }, "\(outcomes)")
        #expect(outcomes.last == "lease lost", "the checkpoint of an attempt that is not the run's is refused alone")
        // Rows written by one transaction share its xmin: the blocked statement, then one more.
        #expect(try await Self.statements(writing: "section_checkpoints", harness) == 2)
        #expect(try await harness.pool.query("SELECT count(*) FROM section_checkpoints").scalar(Int.self) == 31)
        await harness.close()
    }

    @Test func aCheckpointTheDatabaseRefusesFailsAloneNotItsBatch() async throws {
        let harness = try await Harness.make("groupcommit")
        let leases = try await Self.claimed(2, in: harness)
        let committer = GroupCommitter.checkpoints(harness.store, writers: 1)
        var broken = Self.checkpoint(leases[1], section: 5)
        broken.payload = #"{"heading": "unterminated"#
        let gathered = (1...4).flatMap { section in leases.map { Self.checkpoint($0, section: section) } } + [broken]

        let outcomes = try await Self.whileTheFirstIsBlocked(
            Self.checkpoint(leases[0], section: 0), of: leases[0].runID, harness, committer, gathered: gathered)
        #expect(outcomes.dropLast().allSatisfy { $0 == "()" }, "\(outcomes)")
        #expect(outcomes.last?.contains("json") == true, "\(outcomes.last ?? "")")
        #expect(try await harness.pool.query("SELECT count(*) FROM section_checkpoints").scalar(Int.self) == 9)
        await harness.close()
    }

    /// Round commits of many runs in one statement write what `commit` writes for each: the
    /// artifact, the run's round and totals, its diagnostics, its lease extended, the round's
    /// checkpoints removed; a lost lease writes nothing of its run, even beside the claim that
    /// took it over in the same statement; each learns its cancel.
    @Test func roundCommitsGatheredShareAStatementAndEachWritesWhatItsOwnWould() async throws {
        let harness = try await Harness.make("groupcommit")
        let leases = try await Self.claimed(5, in: harness)
        let committer = GroupCommitter.rounds(harness.store, leaseSeconds: 600, writers: 1)
        // Run 1 has a checkpoint of round 3 and commits round 3; run 2 is asked to cancel; run 3's
        // lease is lost (taken over); run 4 committed round 3 already, and commits it again.
        try await harness.store.commitSection(
            0, of: .drafts, payload: #"{"s": 0}"#, durationMs: 1, tokensIn: 1, tokensOut: 1, lease: leases[1])
        #expect(try await harness.store.cancel(leases[2].runID, reason: nil, by: "by test") == .requested)
        let later = Date().addingTimeInterval(3_600)
        let taker = try #require(try await harness.store.claim(leases[3].runID, owner: "other", leaseSeconds: 60, now: later))
        try await harness.store.commit(Self.round(.drafts, "earlier"), lease: leases[4], leaseSeconds: 60)

        let outcomes = try await Self.whileTheFirstIsBlocked(
            LeasedCommit(commit: Self.round(.trends, "first"), lease: leases[0]), of: leases[0].runID, harness, committer,
            gathered: [
                LeasedCommit(commit: Self.round(.drafts, "one"), lease: leases[1]),
                LeasedCommit(commit: Self.round(.trends, "two"), lease: leases[2]),
                LeasedCommit(commit: Self.round(.trends, "three"), lease: leases[3]),
                LeasedCommit(commit: Self.round(.drafts, "again"), lease: leases[4]),
                LeasedCommit(commit: Self.round(.trends, "taker"), lease: taker),
            ])
        #expect(outcomes == ["false", "false", "true", "lease lost", "false", "false"])
        #expect(try await Self.statements(writing: "artifacts", harness) == 3, "run 4's earlier commit, then two")

        for (index, lease) in leases.enumerated() {
            let row = try #require(
                try await harness.pool.query(
                    """
                    SELECT round, tokens_in, work_ms, lease_expires_at > now() + interval '5 minutes' AS extended,
                           (SELECT count(*) FROM diagnostics d WHERE d.run_id = r.id AND d.kind = 'round_completed') AS notes,
                           (SELECT count(*) FROM section_checkpoints c WHERE c.run_id = r.id) AS checkpoints,
                           (SELECT string_agg(payload->>'text', ',') FROM artifacts a WHERE a.run_id = r.id) AS texts
                    FROM runs r WHERE id = \(lease.runID)
                    """
                ).first)
            let round = try row.decode(Int16?.self, "round")
            let texts = try row.decode(String?.self, "texts")
            let tokensIn = try row.decode(Int.self, "tokens_in")
            let workMs = try row.decode(Int.self, "work_ms")
            let extended = try row.decode(Bool.self, "extended")
            let notes = try row.decode(Int.self, "notes")
            let checkpoints = try row.decode(Int.self, "checkpoints")
            switch index {
            case 0, 2:
                #expect(round == 0 && texts == (index == 0 ? "first" : "two") && extended)
                #expect(tokensIn == 3 && workMs == 5 && notes == 1)
            case 1:
                #expect(round == 3 && texts == "one" && checkpoints == 0)
            case 3:
                #expect(round == 0 && texts == "taker" && notes == 1, "only the claim whose lease holds writes")
            default:
                // The artifact existed: nothing else of the second commit is written.
                #expect(texts == "earlier" && tokensIn == 3 && notes == 1)
            }
        }
        await harness.close()
    }

    // MARK: Helpers

    static func claimed(_ count: Int, in harness: Harness) async throws -> [Lease] {
        var leases: [Lease] = []
        for index in 0..<count {
            let run = try await harness.create(["topic \(index)"])
            leases.append(try #require(try await harness.store.claim(run.id, owner: "group-test", leaseSeconds: 60)))
        }
        return leases
    }

    static func checkpoint(_ lease: Lease, section: Int) -> SectionCheckpoint {
        SectionCheckpoint(
            lease: lease, round: .drafts, section: section, payload: #"{"section": \#(section)}"#, durationMs: 1, tokensIn: 1,
            tokensOut: 1, costUSD: 0)
    }

    static func round(_ round: Round, _ text: String) -> RoundCommit {
        RoundCommit(
            round: round, payload: #"{"text": "\#(text)"}"#, durationMs: 5, tokensIn: 3, tokensOut: 4,
            diagnostics: [Diagnostic(round: round, kind: .roundCompleted, message: text, attempt: 1)])
    }

    /// How many transactions wrote `table`'s rows (rows written by one share its xmin).
    static func statements(writing table: StaticString, _ harness: Harness) async throws -> Int {
        try await harness.pool.query("SELECT count(DISTINCT xmin::text) FROM \(unsafeRaw: "\(table)")").scalar(Int.self)
    }

    /// Submits `first` while another transaction holds the row of its run `runID`, so that its
    /// statement blocks; submits `gathered` once it does, lets the first go when all of them
    /// wait, and returns what became of each of `first` and `gathered` (the answer, "lease lost",
    /// or the error), in order.
    static func whileTheFirstIsBlocked<Item: Sendable, Answer: Sendable>(
        _ first: Item, of runID: RunID, _ harness: Harness, _ committer: GroupCommitter<Item, Answer>, gathered: [Item]
    ) async throws -> [String] {
        let (locked, lockedNow) = AsyncStream.makeStream(of: Void.self)
        let (release, releaseNow) = AsyncStream.makeStream(of: Void.self)
        let holder = Task {
            try await harness.pool.withTransaction { connection in
                _ = try await connection.query("SELECT 1 FROM runs WHERE id = \(runID) FOR UPDATE")
                lockedNow.yield()
                for await _ in release { break }
            }
        }
        for await _ in locked { break }
        @Sendable func outcome(_ item: Item) async -> String {
            do {
                return "\(try await committer.submit(item))"
            } catch is LeaseLost {
                return "lease lost"
            } catch {
                return "\(error)"
            }
        }
        let firstSubmitted = Task { await outcome(first) }
        let lockWaits: PostgresQuery = """
            SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%WITH batch AS%'
            """
        while try await harness.pool.query(lockWaits).scalar(Int.self) < 1 { try await Task.sleep(for: .milliseconds(10)) }
        let others = gathered.map { item in Task { await outcome(item) } }
        while committer.waiting < others.count { try await Task.sleep(for: .milliseconds(1)) }
        releaseNow.yield()
        try await holder.value
        var outcomes = [await firstSubmitted.value]
        for other in others { outcomes.append(await other.value) }
        return outcomes
    }
}
