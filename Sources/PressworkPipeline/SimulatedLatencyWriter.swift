import PressworkCore

/// A writer that waits before each answer, as a hosted model would: for demonstrations, load
/// tests and tests that must catch a run between rounds (`PRESSWORK_OFFLINE_LATENCY_MS`). The
/// text is the wrapped writer's; only the timing changes.
public struct SimulatedLatencyWriter: ContentWriter {
    public let base: any ContentWriter
    public let latency: Duration

    public init(_ base: any ContentWriter, latency: Duration) {
        self.base = base
        self.latency = latency
    }

    public var name: String { base.name }

    public func ideas(from trends: [TrendItem], params: RunParams) async throws -> Generated<[TopicIdea]> {
        try await Task.sleep(for: latency)
        return try await base.ideas(from: trends, params: params)
    }

    public func outline(for idea: TopicIdea, trends: [TrendItem], params: RunParams) async throws -> Generated<Outline> {
        try await Task.sleep(for: latency)
        return try await base.outline(for: idea, trends: trends, params: params)
    }

    public func draft(section index: Int, of outline: Outline, params: RunParams) async throws -> Generated<SectionDraft> {
        try await Task.sleep(for: latency)
        return try await base.draft(section: index, of: outline, params: params)
    }

    public func polish(_ draft: SectionDraft, of outline: Outline, params: RunParams) async throws -> Generated<PolishedSection> {
        try await Task.sleep(for: latency)
        return try await base.polish(draft, of: outline, params: params)
    }

    public func metadata(for outline: Outline, sections: [PolishedSection], params: RunParams) async throws -> Generated<Metadata> {
        try await Task.sleep(for: latency)
        return try await base.metadata(for: outline, sections: sections, params: params)
    }

    public func review(_ outline: Outline, sections: [PolishedSection], params: RunParams) async throws
        -> Generated<(score: Double, issues: [String])>
    {
        try await Task.sleep(for: latency)
        return try await base.review(outline, sections: sections, params: params)
    }
}
