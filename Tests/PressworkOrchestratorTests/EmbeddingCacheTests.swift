import PressworkCore
import PressworkPipeline
import Testing

@testable import PressworkOrchestrator

/// The duplicate check's cache of embeddings: within its budget, keeping what is asked for
/// again, per model.
@Suite struct EmbeddingCacheTests {
    /// Vectors of 4 floats: 16 bytes each.
    static func vector(_ value: Float) -> [Float] { [value, value, value, value] }

    @Test func whatWasReadIsAnsweredPerModel() {
        let cache = EmbeddingCache(budgetBytes: 1_024)
        let (a, b) = (RunID.make(), RunID.make())
        cache.insert([a: Self.vector(1), b: Self.vector(2)], model: "m")
        #expect(cache.embeddings(of: [a, b, .make()], model: "m") == [a: Self.vector(1), b: Self.vector(2)])
        #expect(cache.embeddings(of: [a, b], model: "other").isEmpty)
        #expect(cache.usage.entries == 2 && cache.usage.bytes == 32)
    }

    /// A budget of 8 vectors holds two generations of at most 4: when the young one is full the
    /// next vector retires it and the old one is dropped; a vector asked for from the old one
    /// moves to the young one, and so outlives the others of its age.
    @Test func theBudgetHoldsAndWhatIsAskedForStays() {
        let cache = EmbeddingCache(budgetBytes: 8 * 16)
        let ids = (0..<12).map { _ in RunID.make() }
        for (index, id) in ids.prefix(8).enumerated() { cache.insert([id: Self.vector(Float(index))], model: "m") }
        #expect(cache.usage.entries == 8 && cache.usage.bytes == 8 * 16)
        // ids[0] is old; asked for, it moves to the young generation (which then retires).
        #expect(cache.embeddings(of: [ids[0]], model: "m") == [ids[0]: Self.vector(0)])
        for (index, id) in ids.suffix(4).enumerated() { cache.insert([id: Self.vector(Float(8 + index))], model: "m") }
        #expect(cache.usage.bytes <= 8 * 16)
        #expect(cache.embeddings(of: [ids[0]], model: "m") == [ids[0]: Self.vector(0)])
        #expect(cache.embeddings(of: Array(ids[1...3]), model: "m").isEmpty, "the oldest are gone")
        #expect(cache.embeddings(of: Array(ids.suffix(4)), model: "m").count == 4)
    }

    /// Round 6's commit leaves the run's own vector in the process's cache, as stored: a later
    /// run's check has nothing to fetch for it.
    @Test func aVectorThisProcessStoredIsCachedAsStored() async throws {
        let harness = try await Harness.make("ownvector")
        let orchestrator = harness.orchestrator()
        let run = try await harness.create(["alpine cheese"])
        #expect(try await orchestrator.execute(run.id).status == .done)
        let model = ContentWordEmbedding().model
        let stored = try await harness.store.embeddings(of: [run.id], model: model)
        #expect(stored[run.id]?.isEmpty == false)
        #expect(orchestrator.corpus.cache.embeddings(of: [run.id], model: model) == stored)
        await harness.close()
    }

    @Test func aZeroBudgetHoldsNothing() {
        let cache = EmbeddingCache(budgetBytes: 0)
        let id = RunID.make()
        cache.insert([id: Self.vector(1)], model: "m")
        #expect(cache.embeddings(of: [id], model: "m").isEmpty)
        #expect(cache.usage.entries == 0)
    }
}
