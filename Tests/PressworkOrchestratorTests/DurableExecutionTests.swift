import Foundation
import PostgresClient
import PressworkCore
import PressworkOrchestrator
import PressworkPipeline
import PressworkStore
import Synchronization
import Testing

@Suite struct DurableExecutionTests {
    @Test func aRunGoesThroughAllEightRoundsAndCommitsEachOnce() async throws {
        let harness = try await Harness.make("fullrun")
        let run = try await harness.create()
        let outcome = try await harness.orchestrator().execute(run.id)
        #expect(outcome.status == .done)
        let html = try #require(outcome.htmlPath)
        #expect(try String(contentsOfFile: html, encoding: .utf8).hasPrefix("<!DOCTYPE html>"))
        #expect(try await harness.artifactAttempts(run.id) == Dictionary(uniqueKeysWithValues: (0...7).map { ($0, 1) }))
        #expect(try await harness.diagnostics(run.id, kind: .roundCompleted).count == 8)

        let record = try #require(try await harness.store.run(run.id))
        #expect(record.status == .done && record.round == .publish && record.leaseOwner == nil && record.finishedAt != nil)
        let document = try RunDocument.build(
            run: record, artifacts: try await harness.store.artifacts(run.id),
            diagnostics: try await harness.store.diagnostics(run.id)
        )
        guard case .object(let fields) = document, case .object(let artifacts)? = fields.first(where: { $0.0 == "artifacts" })?.1 else {
            Issue.record("the run document is not an object with artifacts")
            return
        }
        #expect(fields.map(\.0).starts(with: ["runId", "params", "status", "statusReason", "round", "pipelineVersion", "trigger"]))
        #expect(artifacts.map(\.0) == (0...7).map { "round\($0)" })
        #expect(fields.contains { $0.0 == "diagnostics" })
        // A done run cannot be claimed or executed again.
        await #expect(throws: RunNotClaimable.self) { try await harness.orchestrator().execute(run.id) }
        await harness.close()
    }

    @Test func aRetryAfterAFailureSkipsCommittedRoundsAndRedoesOnlyTheFailedSection() async throws {
        let harness = try await Harness.make("retrysection")
        let failing = ScriptedWriter { call, previous in
            if call == .draft(2) && previous == 0 { throw InjectedFailure(isTransient: false) }
        }
        let run = try await harness.create()
        let first = try await harness.orchestrator(failing).execute(run.id)
        #expect(first.status == .error)
        #expect(first.reason?.contains("injected permanent failure") == true)
        let errors = try await harness.diagnostics(run.id, kind: .error)
        #expect(errors.count == 1 && errors[0].round == .drafts)
        #expect(try await harness.artifactAttempts(run.id).keys.sorted() == [0, 1, 2])
        let checkpointed = try await harness.store.checkpoints(run.id, round: .drafts).keys.sorted()
        #expect(!checkpointed.contains(2) && checkpointed.count >= 1)
        #expect(first.reason?.contains("section 2 failed: injected permanent failure") == true)
        let callsAfterFirst = (0..<8).map { failing.calls(.draft($0)) }

        // `runs retry`: error → queued, then execute again.
        try await harness.store.transition(run.id, to: .queued, reason: "retry requested")
        let second = try await harness.orchestrator(failing).execute(run.id)
        #expect(second.status == .done)
        let sections = try await harness.sectionCount(run.id)
        #expect(try await harness.store.checkpoints(run.id, round: .drafts).isEmpty, "the round's commit removes its checkpoints")
        // Checkpointed sections are never drafted again; each missing one exactly once more.
        for index in 0..<sections {
            let expected = callsAfterFirst[index] + (checkpointed.contains(index) ? 0 : 1)
            #expect(failing.calls(.draft(index)) == expected, "section \(index) drafted \(failing.calls(.draft(index))) times")
        }
        #expect(failing.calls(.ideas) == 1 && failing.calls(.outline) == 1)
        let attempts = try await harness.artifactAttempts(run.id)
        #expect(attempts[0] == 1 && attempts[2] == 1 && attempts[3] == 2 && attempts[7] == 2)
        #expect(try await harness.diagnostics(run.id, kind: .roundSkipped).map(\.round) == [.trends, .ideas, .outline])
        await harness.close()
    }

    @Test func transientFailuresAreRetriedInPlace() async throws {
        let harness = try await Harness.make("transient")
        let flaky = ScriptedWriter { call, previous in
            if call == .ideas && previous < 2 { throw InjectedFailure(isTransient: true) }
        }
        let run = try await harness.create()
        #expect(try await harness.orchestrator(flaky).execute(run.id).status == .done)
        #expect(flaky.calls(.ideas) == 3)
        let retries = try await harness.diagnostics(run.id, kind: .retry)
        #expect(retries.count == 2 && retries.allSatisfy { $0.round == .ideas && $0.message.contains("transient") })

        let hopeless = ScriptedWriter { call, _ in
            if call == .metadata { throw InjectedFailure(isTransient: true) }
        }
        let other = try await harness.create(["sourdough"])
        let outcome = try await harness.orchestrator(hopeless).execute(other.id)
        #expect(outcome.status == .error)
        #expect(hopeless.calls(.metadata) == 4, "one try and three retries")
        await harness.close()
    }

    /// Worker A commits rounds 0–2, then hangs in round 3 without heartbeats (as a dead or stuck
    /// process does). Its lease expires; worker B takes the run over, skips 0–2 and finishes it.
    /// When A wakes up, its commit is refused by the fence and it writes nothing.
    @Test func aDeadWorkersRunIsTakenOverAndItsLateCommitIsRefused() async throws {
        let harness = try await Harness.make("takeover")
        let (wake, waking) = AsyncStream.makeStream(of: Void.self)
        let (stuck, stuckSignal) = AsyncStream.makeStream(of: Void.self)
        let hanging = ScriptedWriter { call, _ in
            guard case .draft = call else { return }
            stuckSignal.yield()
            for await _ in wake { break }
        }
        let run = try await harness.create()
        let workerA = harness.orchestrator(hanging, leaseSeconds: 1, heartbeatSeconds: 3600)
        let taskA = Task { try await workerA.execute(run.id) }
        var stuckIterator = stuck.makeAsyncIterator()
        _ = await stuckIterator.next()
        #expect(try await harness.artifactAttempts(run.id).keys.sorted() == [0, 1, 2])

        // Wait for A's lease to expire, then B claims and completes the run.
        var outcomeB: RunOutcome?
        while outcomeB == nil {
            do {
                outcomeB = try await harness.orchestrator().execute(run.id)
            } catch is RunNotClaimable {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(outcomeB?.status == .done)

        // A wakes up and tries to commit its sections: refused.
        waking.finish()
        await #expect(throws: LeaseLost.self) { try await taskA.value }
        let attempts = try await harness.artifactAttempts(run.id)
        #expect(attempts[0] == 1 && attempts[2] == 1)
        #expect((3...7).allSatisfy { attempts[$0] == 2 }, "rounds 3–7 must be B's: \(attempts)")
        // B's round commits removed the checkpoints; A's late section commits were refused, so
        // none came back.
        let sectionRows = try await harness.pool.query(
            "SELECT count(*) FROM section_checkpoints WHERE run_id = \(run.id)"
        ).scalar(Int.self)
        #expect(sectionRows == 0)
        #expect(try await harness.store.run(run.id)?.status == .done)
        // The timeline tells the two attempts apart: who claimed, the takeover, whose rounds.
        let timeline = try await harness.store.timeline(run.id)
        #expect(timeline.attempts.map(\.number) == [1, 2])
        #expect(timeline.attempts[0].claimedBy == workerA.configuration.owner && !timeline.attempts[0].tookOver)
        #expect(timeline.attempts[0].rounds.map(\.round.rawValue) == [0, 1, 2])
        #expect(timeline.attempts[1].tookOver && timeline.attempts[1].claimedBy != workerA.configuration.owner)
        #expect(timeline.attempts[1].rounds.map(\.round.rawValue) == [3, 4, 5, 6, 7])
        #expect(timeline.attempts[1].claimedAt.map { $0 >= timeline.attempts[0].claimedAt! } == true)
        await harness.close()
    }

    /// A writer whose metadata call signals `reached`, then waits until its task is cancelled.
    static func hangingAtMetadata() -> (ScriptedWriter, AsyncStream<Void>) {
        let (reached, reaching) = AsyncStream.makeStream(of: Void.self)
        let writer = ScriptedWriter { call, _ in
            guard call == .metadata else { return }
            reaching.yield()
            let (never, _) = AsyncStream.makeStream(of: Void.self)
            for await _ in never {}
            try Task.checkCancellation()
        }
        return (writer, reached)
    }

    /// Ctrl-C or SIGTERM cancels the executing task: the run is handed back as queued, with no
    /// lease, and the next execution continues from the first missing round.
    @Test func aCancelledExecutionHandsTheRunBack() async throws {
        let harness = try await Harness.make("cancelled")
        let (hanging, reached) = Self.hangingAtMetadata()
        let run = try await harness.create()
        let task = Task { try await harness.orchestrator(hanging).execute(run.id) }
        var iterator = reached.makeAsyncIterator()
        _ = await iterator.next()
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        let record = try #require(try await harness.store.run(run.id))
        #expect(record.status == .queued && record.leaseOwner == nil && record.round == .polish)

        #expect(try await harness.orchestrator().execute(run.id).status == .done)
        #expect(try await harness.artifactAttempts(run.id)[4] == 1)
        #expect(try await harness.artifactAttempts(run.id)[5] == 2)
        await harness.close()
    }

    /// `runs cancel` on a running run: the heartbeat sees the request and cancels the call in
    /// flight; the rounds committed so far are kept and the run ends as cancelled.
    @Test(.timeLimit(.minutes(3))) func aCancelRequestStopsACallInFlight() async throws {
        let harness = try await Harness.make("cancelinflight")
        let (hanging, reached) = Self.hangingAtMetadata()
        let run = try await harness.create()
        let task = Task { try await harness.orchestrator(hanging, heartbeatSeconds: 0.05).execute(run.id) }
        var iterator = reached.makeAsyncIterator()
        _ = await iterator.next()
        #expect(try await harness.store.cancel(run.id, reason: "wrong seed", by: "by the test") == .requested)
        let outcome = try await task.value
        #expect(outcome.status == .cancelled)
        let record = try #require(try await harness.store.run(run.id))
        #expect(record.status == .cancelled && record.leaseOwner == nil && record.round == .polish)
        #expect(record.statusReason == "cancelled by the test: wrong seed")
        #expect(try await harness.store.events(run.id).contains { $0.kind == "run.cancelled" })
        // A cancelled run stays cancelled: retry refuses it, a second cancel changes nothing.
        #expect(try await harness.store.cancel(run.id, reason: nil, by: "again") == .already)
        await harness.close()
    }

    /// A cancel requested between rounds stops the run at the next round boundary, with no
    /// heartbeat in between.
    @Test(.timeLimit(.minutes(3))) func aCancelRequestStopsTheRunAtTheNextRound() async throws {
        let harness = try await Harness.make("cancelboundary")
        let store = harness.store
        let runID = Mutex<RunID?>(nil)
        let writer = ScriptedWriter { call, count in
            guard call == .polish(0), count == 0, let id = runID.withLock({ $0 }) else { return }
            _ = try await store.cancel(id, reason: nil, by: "by the test")
        }
        let run = try await harness.create()
        runID.withLock { $0 = run.id }
        // No heartbeat during the test (it would see the request and stop the round in progress,
        // as it should): a loaded machine once made round 4 outlast the default interval.
        let outcome = try await harness.orchestrator(writer, leaseSeconds: 1_200, heartbeatSeconds: 600).execute(run.id)
        #expect(outcome.status == .cancelled)
        let record = try #require(try await harness.store.run(run.id))
        #expect(record.round == .polish, "the round in progress finished; the next did not start")
        #expect(writer.calls(.metadata) == 0)
        await harness.close()
    }

    @Test func theSameIdempotencyKeyGivesOneRunUnderConcurrency() async throws {
        let harness = try await Harness.make("idempotency")
        let store = harness.store
        let params = try RunParams.validated(seeds: ["home espresso"])
        let results = try await withThrowingTaskGroup(of: (RunID, Bool).self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let (run, created) = try await store.create(
                        params: params, trigger: .cli, pipelineVersion: Pipeline.version, idempotencyKey: "daily-2026-11-24"
                    )
                    return (run.id, created)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(results.map(\.0)).count == 1)
        #expect(results.filter(\.1).count == 1)
        #expect(try await harness.pool.query("SELECT count(*) FROM runs").scalar(Int.self) == 1)
        await harness.close()
    }

    @Test func badParamsAreRefusedBeforeAnythingIsWritten() async throws {
        let harness = try await Harness.make("badparams")
        #expect(throws: ValidationError.self) { try RunParams.validated(seeds: ["  "]) }
        #expect(throws: ValidationError.self) { try RunParams.validated(seeds: ["ok"], region: "Atlantis") }
        #expect(try await harness.pool.query("SELECT count(*) FROM runs").scalar(Int.self) == 0)
        // The database refuses what the type system would let through: an unknown status.
        await #expect(throws: PostgresError.self) {
            _ = try await harness.pool.query(
                """
                INSERT INTO runs (id, params, pipeline_version, trigger, status)
                VALUES (gen_random_uuid(), '{}', 'x', '{}', 'finished')
                """)
        }
        await harness.close()
    }

    @Test func reprocessReusesEarlierArtifacts() async throws {
        let harness = try await Harness.make("reprocess")
        let parent = try await harness.create()
        _ = try await harness.orchestrator().execute(parent.id)
        let (child, _) = try await harness.store.create(
            params: parent.params, trigger: RunTrigger(kind: .reprocess), pipelineVersion: Pipeline.version,
            parentRunID: parent.id
        )
        #expect(try await harness.store.copyArtifacts(from: parent.id, to: child.id, before: .drafts) == 3)
        let writer = ScriptedWriter()
        // The parent is done with the same text: lower nothing, but the duplicate gate would skip the
        // child; the test is about reuse, so accept either ending after round 6.
        let outcome = try await harness.orchestrator(writer).execute(child.id)
        #expect([RunStatus.done, .skipped].contains(outcome.status))
        #expect(writer.calls(.ideas) == 0 && writer.calls(.outline) == 0 && writer.calls(.draft(0)) == 1)
        #expect(try await harness.store.run(child.id)?.parentRunID == parent.id)
        await harness.close()
    }
}
