import Foundation
import PostgresClient
import PostgresTestSupport
import PressworkCore
import Testing

@testable import PressworkStore

/// A claimed run's start: one statement reads what the execution needs and records the claim.
@Suite struct RunStartTests {
    @Test func theStartReadsArtifactsCheckpointsAndACancelAndRecordsTheClaim() async throws {
        let pool = try await TestDatabase.makePool("runstart")
        _ = try await Migrator().migrate(pool)
        let store = RunStore(pool: pool)
        let params = try RunParams.validated(seeds: ["home espresso"])
        let (run, _) = try await store.create(params: params, trigger: .cli, pipelineVersion: "test")
        let first = try #require(try await store.claimNext(owner: "a", leaseSeconds: 30, maxAbandoned: 3))

        // A fresh run: nothing committed, nothing asked.
        let fresh = try await store.start(first, recording: [Diagnostic(round: nil, kind: .status, message: "claimed by a")])
        #expect(fresh.record.id == run.id && fresh.record.attempt == 1 && fresh.record.params == params)
        #expect(fresh.artifacts.isEmpty && fresh.checkpointedRounds.isEmpty && fresh.cancelReason == nil)
        #expect(fresh.uncommittedCheckpointCostUSD == 0 && !fresh.heldImages)

        // Rounds 0 and 1 committed, two paid sections of round 3 checkpointed, then a cancel asked.
        try await store.commit(RoundCommit(round: .trends, payload: #"["t"]"#, durationMs: 1), lease: first, leaseSeconds: 30)
        try await store.commit(RoundCommit(round: .ideas, payload: #"["i"]"#, durationMs: 1), lease: first, leaseSeconds: 30)
        for section in 0..<2 {
            try await store.commitSection(
                section, of: .drafts, payload: #"{"s":\#(section)}"#, durationMs: 1, tokensIn: 1, tokensOut: 1, costUSD: 0.25,
                lease: first)
        }
        // Images kept in one statement; of two for one placement, the later.
        func image(_ placement: String, _ prompt: String) -> StoredImage {
            StoredImage(
                placement: placement, prompt: prompt, altText: "alt", mediaType: "image/png", bytes: Data(prompt.utf8),
                sha256: String(repeating: "0", count: 64), provider: "test", costUSD: 0)
        }
        try await store.saveImages([image("hero", "first"), image("section-0", "a"), image("hero", "second")], lease: first)
        #expect(try await store.images(of: run.id).map { [$0.placement, $0.prompt] } == [["hero", "second"], ["section-0", "a"]])
        #expect(try await store.cancel(run.id, reason: "wrong topic", by: "by test") == .requested)
        // The worker died: the lease expires and another takes the run over.
        let later = Date().addingTimeInterval(3_600)
        let second = try #require(try await store.claimNext(owner: "b", leaseSeconds: 30, maxAbandoned: 3, now: later))
        #expect(second.tookOver && second.attempt == 2)

        let resumed = try await store.start(second, recording: [Diagnostic(round: nil, kind: .status, message: "taken over by b")])
        #expect(resumed.artifacts == [.trends: #"["t"]"#, .ideas: #"["i"]"#])
        #expect(resumed.checkpointedRounds == [.drafts])
        #expect(resumed.uncommittedCheckpointCostUSD == 0.5 && resumed.heldImages)
        #expect(resumed.cancelReason == "cancelled by test: wrong topic")
        let notes = try await store.diagnostics(run.id).map(\.diagnostic.message)
        #expect(notes.filter { $0.hasSuffix(" by a") || $0.hasSuffix(" by b") } == ["claimed by a", "taken over by b"])

        // The first worker's lease is gone: its start is refused and records nothing.
        await #expect(throws: LeaseLost.self) {
            try await store.start(first, recording: [Diagnostic(round: nil, kind: .status, message: "late note")])
        }
        #expect(try await !store.diagnostics(run.id).contains { $0.diagnostic.message == "late note" })
        await pool.close()
    }
}
