import Foundation
import PostgresClient
import PressworkCore
import PressworkOrchestrator
import PressworkPipeline
import PressworkStore
import Testing

@Suite struct GateAndReviewTests {
    @Test func theGateSendsEachScoreItsWay() async throws {
        let harness = try await Harness.make("gate")
        let low = try await harness.create(["low score"])
        #expect(try await harness.orchestrator(ScriptedWriter(score: 0.3)).execute(low.id).status == .skipped)
        let middling = try await harness.create(["middling score"])
        let review = try await harness.orchestrator(ScriptedWriter(score: 0.6)).execute(middling.id)
        #expect(review.status == .needsReview)
        #expect(review.reason?.contains("below the publish threshold") == true)
        #expect(try await harness.artifactAttempts(middling.id)[7] == nil, "nothing published before review")
        let high = try await harness.create(["high score"])
        #expect(try await harness.orchestrator(ScriptedWriter(score: 0.95)).execute(high.id).status == .done)
        let gates = try await harness.diagnostics(low.id, kind: .gate)
        #expect(gates.count == 1 && gates[0].message.contains("below the review threshold"))
        await harness.close()
    }

    @Test func aNearDuplicateOfAFinishedRunIsSkipped() async throws {
        let harness = try await Harness.make("duplicate")
        let first = try await harness.create(["home espresso"])
        #expect(try await harness.orchestrator().execute(first.id).status == .done)
        let second = try await harness.create(["home espresso"])
        let outcome = try await harness.orchestrator().execute(second.id)
        #expect(outcome.status == .skipped)
        #expect(outcome.reason?.contains("duplicate of run \(first.id)") == true)
        let unrelated = try await harness.create(["kayak fishing"])
        #expect(try await harness.orchestrator().execute(unrelated.id).status == .done)
        await harness.close()
    }

    /// Each orchestrator keeps the finished articles' vectors in memory; one that loaded its
    /// corpus before another process finished a run must still see that run.
    @Test func theCorpusCacheSeesRunsFinishedElsewhereAfterItLoaded() async throws {
        let harness = try await Harness.make("corpuscache")
        let longLived = harness.orchestrator()
        let unrelated = try await harness.create(["kayak fishing"])
        #expect(try await longLived.execute(unrelated.id).status == .done)  // loads the (empty) corpus
        let elsewhere = try await harness.create(["home espresso"])
        #expect(try await harness.orchestrator().execute(elsewhere.id).status == .done)
        let again = try await harness.create(["home espresso"])
        let outcome = try await longLived.execute(again.id)
        #expect(outcome.status == .skipped)
        #expect(outcome.reason?.contains(elsewhere.id.description) == true)
        await harness.close()
    }

    @Test func approvalPublishesWithEditsAndRepeatingItChangesNothing() async throws {
        let harness = try await Harness.make("approve")
        let run = try await harness.create()
        #expect(try await harness.orchestrator(ScriptedWriter(score: 0.6)).execute(run.id).status == .needsReview)

        var metadata = try JSONDecoder().decode(
            Metadata.self, from: Data(try #require(try await harness.store.artifacts(run.id)[.metadata]).utf8))
        metadata.seoTitle = "Edited by a person"
        let edit = try JSONValue.encoding(metadata)
        #expect(
            try await harness.store.transition(
                run.id, to: .queued, reason: "approved",
                diagnostics: [
                    Diagnostic(round: .coherence, kind: .review, message: "approved"),
                    Diagnostic(round: .metadata, kind: .humanEdit, message: "metadata replaced", details: edit),
                ], approve: true, replacing: [(.metadata, edit)]
            ))
        let outcome = try await harness.orchestrator(ScriptedWriter(score: 0.6)).execute(run.id)
        #expect(outcome.status == .done)
        let html = try String(contentsOfFile: try #require(outcome.htmlPath), encoding: .utf8)
        #expect(html.contains("<title>Edited by a person</title>"))
        #expect(try await harness.diagnostics(run.id, kind: .humanEdit).count == 1)
        // Approving again is refused by the transition table (done cannot become queued).
        await #expect(throws: RunStateError.self) {
            try await harness.store.transition(run.id, to: .queued, reason: "approved", approve: true)
        }
        await harness.close()
    }

    @Test func rejectionSkipsTheRunAndCanBeRepeated() async throws {
        let harness = try await Harness.make("reject")
        let run = try await harness.create()
        #expect(try await harness.orchestrator(ScriptedWriter(score: 0.6)).execute(run.id).status == .needsReview)
        #expect(try await harness.store.transition(run.id, to: .skipped, reason: "rejected in review: off brand"))
        #expect(try await harness.store.transition(run.id, to: .skipped, reason: "rejected again") == false)
        let record = try #require(try await harness.store.run(run.id))
        #expect(record.status == .skipped && record.statusReason == "rejected in review: off brand")
        await #expect(throws: RunNotClaimable.self) { try await harness.orchestrator().execute(run.id) }
        await harness.close()
    }
}
