import Foundation
import PostgresClient
import PressworkCore
import PressworkPipeline
import PressworkStore
import Synchronization
import Testing

@testable import PressworkOrchestrator

/// The offline writer, priced: every call "costs" one cent, as a priced model's would.
final class PricedOfflineWriter: ContentWriter {
    let name = "priced-offline"
    private let base = OfflineWriter()
    private let calls = Mutex(0)
    static let cent = TokenUsage(input: 1_000, output: 500, costUSD: 0.01)

    var callCount: Int { calls.withLock { $0 } }
    private func count() { calls.withLock { $0 += 1 } }

    func ideas(from trends: [TrendItem], params: RunParams) async throws -> Generated<[TopicIdea]> {
        count()
        return Generated(try await base.ideas(from: trends, params: params).value, usage: Self.cent)
    }

    func outline(for idea: TopicIdea, trends: [TrendItem], params: RunParams) async throws -> Generated<Outline> {
        count()
        return Generated(try await base.outline(for: idea, trends: trends, params: params).value, usage: Self.cent)
    }

    func draft(section index: Int, of outline: Outline, params: RunParams) async throws -> Generated<SectionDraft> {
        count()
        return Generated(try await base.draft(section: index, of: outline, params: params).value, usage: Self.cent)
    }

    func polish(_ draft: SectionDraft, of outline: Outline, params: RunParams) async throws -> Generated<PolishedSection> {
        count()
        return Generated(try await base.polish(draft, of: outline, params: params).value, usage: Self.cent)
    }

    func metadata(for outline: Outline, sections: [PolishedSection], params: RunParams) async throws -> Generated<Metadata> {
        count()
        return Generated(try await base.metadata(for: outline, sections: sections, params: params).value, usage: Self.cent)
    }

    func review(_ outline: Outline, sections: [PolishedSection], params: RunParams) async throws
        -> Generated<(score: Double, issues: [String])>
    {
        count()
        return Generated(try await base.review(outline, sections: sections, params: params).value, usage: Self.cent)
    }
}

@Suite struct BudgetTests {
    func create(_ harness: Harness, budget: Double?) async throws -> RunRecord {
        try await harness.store.create(
            params: try RunParams.validated(seeds: ["home espresso"], budgetUSD: budget), trigger: .cli,
            pipelineVersion: Pipeline.version
        ).run
    }

    @Test func costsAreSummedPerRoundAndRun() async throws {
        let harness = try await Harness.make("costs")
        let writer = PricedOfflineWriter()
        let run = try await create(harness, budget: nil)
        let outcome = try await harness.orchestrator(writer).execute(run.id)
        #expect(outcome.status == .done)
        let record = try #require(try await harness.store.run(run.id))
        #expect(abs(record.costUSD - Double(writer.callCount) * 0.01) < 1e-9)
        let perRound = try await harness.pool.query("SELECT round, cost_usd FROM artifacts WHERE run_id = \(run.id) ORDER BY round")
        let drafts = try #require(perRound.first { try $0.decode(Int16.self, "round") == 3 })
        let sections = try await harness.sectionCount(run.id)
        #expect(abs(try drafts.decode(Double.self, "cost_usd") - Double(sections) * 0.01) < 1e-9)
        await harness.close()
    }

    /// A budget of 3.5 cents: ideas and outline spend 2; three drafts start at once (2 < 3.5),
    /// the first to finish makes it 3 and lets a fourth start, the second makes it 4 and no
    /// section starts after that. Sections in flight finish (the overshoot is bounded by the
    /// section concurrency). The run ends in error saying so, and a retry spends nothing more.
    @Test func aSpentBudgetStopsTheRunBeforeItSpendsMore() async throws {
        let harness = try await Harness.make("budget")
        let writer = PricedOfflineWriter()
        let run = try await create(harness, budget: 0.035)
        let outcome = try await harness.orchestrator(writer).execute(run.id)
        #expect(outcome.status == .error)
        #expect(outcome.reason?.contains("budget of $0.0350 is spent") == true)
        let callsBefore = writer.callCount
        #expect(callsBefore == 2 + 4)

        try await harness.store.transition(run.id, to: .queued, reason: "retry")
        let retried = try await harness.orchestrator(writer).execute(run.id)
        #expect(retried.status == .error)
        #expect(retried.reason?.contains("($0.0600 so far)") == true)
        #expect(writer.callCount == callsBefore)
        await harness.close()
    }

    @Test func aBudgetMustBePositive() {
        #expect(throws: ValidationError.self) { try RunParams.validated(seeds: ["x"], budgetUSD: 0) }
        #expect(throws: ValidationError.self) { try RunParams.validated(seeds: ["x"], budgetUSD: -.infinity) }
    }
}

@Suite struct StoreResponseCacheTests {
    @Test func repliesAreKeptPerRunUntilTheRunFinishes() async throws {
        let harness = try await Harness.make("replies")
        let cache = StoreResponseCache(store: harness.store)
        let run = try await harness.create()
        let other = try await harness.create(["kayak trips"])
        let reply = CachedReply(text: #"{"ideas": []}"#, usage: TokenUsage(input: 10, output: 5, costUSD: 0.001))
        try await cache.remember(runID: run.id, key: "k1", reply: reply)
        #expect(try await cache.reply(runID: run.id, key: "k1") == reply)
        #expect(try await cache.reply(runID: other.id, key: "k1") == nil)

        let outcome = try await harness.orchestrator().execute(run.id)
        #expect(outcome.status == .done)
        #expect(try await cache.reply(runID: run.id, key: "k1") == nil)
        await harness.close()
    }
}

/// Spends without returning a result, as a model client does when its repairs run out or a
/// call fails after it was billed: the metadata round fails once (transiently) after spending a
/// cent, then succeeds; the review always fails after spending a cent.
final class WastefulWriter: ContentWriter {
    let name = "wasteful"
    let base = PricedOfflineWriter()
    private let metadataCalls = Mutex(0)

    func ideas(from trends: [TrendItem], params: RunParams) async throws -> Generated<[TopicIdea]> {
        try await base.ideas(from: trends, params: params)
    }

    func outline(for idea: TopicIdea, trends: [TrendItem], params: RunParams) async throws -> Generated<Outline> {
        try await base.outline(for: idea, trends: trends, params: params)
    }

    func draft(section index: Int, of outline: Outline, params: RunParams) async throws -> Generated<SectionDraft> {
        try await base.draft(section: index, of: outline, params: params)
    }

    func polish(_ draft: SectionDraft, of outline: Outline, params: RunParams) async throws -> Generated<PolishedSection> {
        try await base.polish(draft, of: outline, params: params)
    }

    func metadata(for outline: Outline, sections: [PolishedSection], params: RunParams) async throws -> Generated<Metadata> {
        let call = metadataCalls.withLock {
            $0 += 1
            return $0
        }
        if call == 1 {
            RunContext.meter?.add(PricedOfflineWriter.cent)
            throw InjectedFailure(isTransient: true)
        }
        return try await base.metadata(for: outline, sections: sections, params: params)
    }

    func review(_ outline: Outline, sections: [PolishedSection], params: RunParams) async throws
        -> Generated<(score: Double, issues: [String])>
    {
        RunContext.meter?.add(PricedOfflineWriter.cent)
        throw InjectedFailure(isTransient: false)
    }
}

@Suite struct SpendingTests {
    /// Every attempt counts: the failed metadata attempt in the round's commit, the failed
    /// review on the error diagnostic and in the run's totals, and so in the budget of a retry.
    @Test func whatFailedAttemptsSpentIsCounted() async throws {
        let harness = try await Harness.make("spending")
        let writer = WastefulWriter()
        let run = try await harness.store.create(
            params: try RunParams.validated(seeds: ["home espresso"], budgetUSD: 1), trigger: .cli, pipelineVersion: Pipeline.version
        ).run
        let outcome = try await harness.orchestrator(writer).execute(run.id)
        #expect(outcome.status == .error)
        let sections = try await harness.sectionCount(run.id)
        let metadataCost = try await harness.pool.query(
            "SELECT cost_usd FROM artifacts WHERE run_id = \(run.id) AND round = 5"
        ).scalar(Double.self)
        #expect(abs(metadataCost - 0.02) < 1e-9, "the failed attempt and the successful one")
        let error = try #require(try await harness.diagnostics(run.id, kind: .error).first)
        #expect(error.tokensIn == 1_000 && error.tokensOut == 500)
        let record = try #require(try await harness.store.run(run.id))
        // ideas, outline, each draft and polish, two metadata attempts, one failed review.
        let expected = 0.01 * Double(2 + 2 * sections + 2 + 1)
        #expect(abs(record.costUSD - expected) < 1e-9)
        #expect(record.tokensIn == 1_000 * (2 + 2 * sections + 2 + 1))
        await harness.close()
    }
}
