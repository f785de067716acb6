import PressworkCore

/// How long a simulated model call takes: `mean`, give or take up to `jitter` of it, drawn
/// uniformly for each call.
public struct SimulatedLatency: Sendable, Equatable {
    public var mean: Duration
    /// A fraction of `mean`, 0 (every call takes `mean`) to below 1.
    public var jitter: Double

    public init(mean: Duration, jitter: Double = 0) {
        precondition((0..<1).contains(jitter), "a latency's jitter is a fraction of it, from 0 to below 1")
        self.mean = mean
        self.jitter = jitter
    }

    /// One call's wait: `mean × (1 + u)`, `u` uniform in [-jitter, jitter].
    public func draw(using generator: inout some RandomNumberGenerator) -> Duration {
        guard jitter > 0 else { return mean }
        return mean * (1 + Double.random(in: -jitter...jitter, using: &generator))
    }
}

/// A writer that waits before each answer, as a hosted model would: for demonstrations, load
/// tests and tests that must catch a run between rounds (`PRESSWORK_OFFLINE_LATENCY_MS`, and
/// `PRESSWORK_OFFLINE_LATENCY_JITTER`). The text is the wrapped writer's; only the timing changes.
///
/// With no jitter every call takes exactly as long, which no hosted model does: a thousand runs
/// started together then stay in step for good, each round's CPU work arriving at the same
/// instant for all of them. A load test that wants the spread of a real model's latencies sets
/// a jitter.
public struct SimulatedLatencyWriter: ContentWriter {
    public let base: any ContentWriter
    public let latency: SimulatedLatency

    public init(_ base: any ContentWriter, latency: SimulatedLatency) {
        self.base = base
        self.latency = latency
    }

    public init(_ base: any ContentWriter, latency: Duration) {
        self.init(base, latency: SimulatedLatency(mean: latency))
    }

    public var name: String { base.name }

    private func wait() async throws {
        var generator = SystemRandomNumberGenerator()
        try await Task.sleep(for: latency.draw(using: &generator))
    }

    public func ideas(from trends: [TrendItem], params: RunParams) async throws -> Generated<[TopicIdea]> {
        try await wait()
        return try await base.ideas(from: trends, params: params)
    }

    public func outline(for idea: TopicIdea, trends: [TrendItem], params: RunParams) async throws -> Generated<Outline> {
        try await wait()
        return try await base.outline(for: idea, trends: trends, params: params)
    }

    public func draft(section index: Int, of outline: Outline, params: RunParams) async throws -> Generated<SectionDraft> {
        try await wait()
        return try await base.draft(section: index, of: outline, params: params)
    }

    public func polish(_ draft: SectionDraft, of outline: Outline, params: RunParams) async throws -> Generated<PolishedSection> {
        try await wait()
        return try await base.polish(draft, of: outline, params: params)
    }

    public func metadata(for outline: Outline, sections: [PolishedSection], params: RunParams) async throws -> Generated<Metadata> {
        try await wait()
        return try await base.metadata(for: outline, sections: sections, params: params)
    }

    public func review(_ outline: Outline, sections: [PolishedSection], params: RunParams) async throws
        -> Generated<(score: Double, issues: [String])>
    {
        try await wait()
        return try await base.review(outline, sections: sections, params: params)
    }
}
