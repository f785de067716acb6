import PressworkCore
import PressworkPipeline
import Synchronization

// Providers for measuring the orchestrator alone: the offline writer's answers, computed once
// per topic (during the warm-up) and then served from memory.

/// Remembers answers by a key built from a call's inputs; the first call computes.
final class AnswerMemory: Sendable {
    private let answers = Mutex<[String: any Sendable]>([:])

    func answer<T: Sendable>(_ key: String, _ compute: () async throws -> T) async rethrows -> T {
        if let known = answers.withLock({ $0[key] }) as? T { return known }
        let computed = try await compute()
        answers.withLock { $0[key] = computed }
        return computed
    }
}

struct MemoizedTrends: TrendSource {
    let base: any TrendSource
    let memory = AnswerMemory()
    var name: String { base.name }
    func trends(for params: RunParams) async throws -> Generated<[TrendItem]> {
        try await memory.answer("\(params.seeds)") { try await base.trends(for: params) }
    }
}

/// Keys are the topic (the run's seeds) and the call's position: the runs of one topic ask the
/// same questions in the same order, so the answers are the offline writer's own.
struct MemoizedWriter: ContentWriter {
    let base: any ContentWriter
    let memory = AnswerMemory()
    var name: String { base.name }
    func ideas(from trends: [TrendItem], params: RunParams) async throws -> Generated<[TopicIdea]> {
        try await memory.answer("ideas \(params.seeds)") { try await base.ideas(from: trends, params: params) }
    }
    func outline(for idea: TopicIdea, trends: [TrendItem], params: RunParams) async throws -> Generated<Outline> {
        try await memory.answer("outline \(params.seeds)") { try await base.outline(for: idea, trends: trends, params: params) }
    }
    func draft(section index: Int, of outline: Outline, params: RunParams) async throws -> Generated<SectionDraft> {
        try await memory.answer("draft \(index) \(params.seeds)") { try await base.draft(section: index, of: outline, params: params) }
    }
    func polish(_ draft: SectionDraft, of outline: Outline, params: RunParams) async throws -> Generated<PolishedSection> {
        try await memory.answer("polish \(draft.index) \(params.seeds)") { try await base.polish(draft, of: outline, params: params) }
    }
    func metadata(for outline: Outline, sections: [PolishedSection], params: RunParams) async throws -> Generated<Metadata> {
        try await memory.answer("metadata \(params.seeds)") { try await base.metadata(for: outline, sections: sections, params: params) }
    }
    func review(_ outline: Outline, sections: [PolishedSection], params: RunParams) async throws
        -> Generated<(score: Double, issues: [String])>
    {
        try await memory.answer("review \(params.seeds)") { try await base.review(outline, sections: sections, params: params) }
    }
}

/// Random unit vectors: no two runs are duplicates, whatever their topic.
struct RandomEmbeddings: EmbeddingProvider {
    let model: String
    let dimension: Int
    func embed(_ text: String) async throws -> Generated<[Float]> {
        var vector = (0..<dimension).map { _ in Float.random(in: -1...1) }
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        vector = vector.map { $0 / norm }
        return Generated(vector)
    }
}
