import PressworkCore

/// A round's output with its token usage and the warnings of minor failures it fell back from.
public struct RoundOutput<Value: Sendable>: Sendable {
    public var value: Value
    public var usage: TokenUsage
    public var warnings: [String]

    public init(_ value: Value, usage: TokenUsage, warnings: [String] = []) {
        self.value = value
        self.usage = usage
        self.warnings = warnings
    }
}

/// The eight rounds as functions of their inputs and the providers. Nothing here knows about
/// Postgres, leases or retries: the orchestrator calls these, and stores what they return.
public struct Pipeline: Sendable {
    public let providers: Providers

    /// Changes whenever the rounds' logic or prompts change, so runs record what made them.
    public static let version = "2026.12.1"

    public init(providers: Providers) {
        self.providers = providers
    }

    // MARK: Rounds 0–2

    public func trends(_ params: RunParams) async throws -> RoundOutput<[TrendItem]> {
        let generated = try await providers.trends.trends(for: params)
        guard !generated.value.isEmpty else {
            throw PipelineError(.trends, "the trend source \(providers.trends.name) found no trends for these seeds")
        }
        return RoundOutput(generated.value, usage: generated.usage)
    }

    public func ideas(_ trends: [TrendItem], params: RunParams) async throws -> RoundOutput<[TopicIdea]> {
        let generated = try await providers.writer.ideas(from: trends, params: params)
        guard !generated.value.isEmpty else { throw PipelineError(.ideas, "the writer proposed no ideas") }
        return RoundOutput(generated.value.sorted { $0.score > $1.score }, usage: generated.usage, warnings: generated.warnings)
    }

    public func outline(_ ideas: [TopicIdea], trends: [TrendItem], params: RunParams) async throws -> RoundOutput<Outline> {
        guard let best = ideas.max(by: { $0.score < $1.score }) else {
            throw PipelineError(.outline, "there is no idea to outline")
        }
        let generated = try await providers.writer.outline(for: best, trends: trends, params: params)
        guard Outline.sectionRange.contains(generated.value.sections.count) else {
            throw PipelineError(.outline, "the outline has \(generated.value.sections.count) sections; 4 to 7 are required")
        }
        return RoundOutput(generated.value, usage: generated.usage, warnings: generated.warnings)
    }

    // MARK: Rounds 3–4, one section at a time

    public func draft(section index: Int, of outline: Outline, params: RunParams) async throws -> RoundOutput<SectionDraft> {
        let generated = try await providers.writer.draft(section: index, of: outline, params: params)
        return RoundOutput(generated.value, usage: generated.usage, warnings: generated.warnings.map { "section \(index): \($0)" })
    }

    public func polish(_ draft: SectionDraft, of outline: Outline, params: RunParams) async throws
        -> RoundOutput<PolishedSection>
    {
        let generated = try await providers.writer.polish(draft, of: outline, params: params)
        return RoundOutput(generated.value, usage: generated.usage, warnings: generated.warnings.map { "section \(draft.index): \($0)" })
    }

    // MARK: Round 5

    public func metadata(_ outline: Outline, sections: [PolishedSection], params: RunParams) async throws
        -> RoundOutput<Metadata>
    {
        let generated = try await providers.writer.metadata(for: outline, sections: sections, params: params)
        let (metadata, warnings) = MinorFailures.repair(generated.value, outline: outline, sections: sections)
        return RoundOutput(metadata, usage: generated.usage, warnings: generated.warnings + warnings)
    }

    /// Rounds 0 to 5 one after the other, in memory, nothing kept: the article a run would
    /// publish, for benchmarks and tests that need one (runs go through the orchestrator).
    public func article(_ params: RunParams) async throws -> Article {
        let trends = try await trends(params).value
        let ideas = try await ideas(trends, params: params).value
        let outline = try await outline(ideas, trends: trends, params: params).value
        var sections: [PolishedSection] = []
        for index in outline.sections.indices {
            let draft = try await draft(section: index, of: outline, params: params).value
            sections.append(try await polish(draft, of: outline, params: params).value)
        }
        let metadata = try await metadata(outline, sections: sections, params: params).value
        return Article(outline: outline, sections: sections, metadata: metadata)
    }

    // MARK: Round 6

    /// The coherence report, and the article's vector (the orchestrator stores it for later
    /// duplicate checks).
    public func coherence(
        _ article: Article, params: RunParams, corpus: any PublishedCorpus
    ) async throws -> RoundOutput<(report: CoherenceReport, vector: [Float])> {
        let review = try await providers.writer.review(article.outline, sections: article.sections, params: params)
        let embedding = try await providers.embeddings.embed(article.plainText)
        let model = providers.embeddings.model
        let dimension = providers.embeddings.dimension
        guard embedding.value.count == dimension else {
            throw PipelineError(.coherence, "the embedding has \(embedding.value.count) dimensions; \(model) promises \(dimension)")
        }
        // More neighbours than the report shows: related reading picks among them.
        let neighbours = try await corpus.nearest(to: embedding.value, model: model, dimension: dimension, limit: 10)
        let nearest = Array(neighbours.prefix(3))
        let isDuplicate = nearest.contains { $0.similarity >= params.thresholds.duplicate }
        let checks = CoherenceChecks.check(article)
        var issues = review.value.issues + checks.issues
        if isDuplicate, let closest = nearest.first {
            issues.append(
                "nearly the same as run \(closest.runId) (\"\(closest.title)\", similarity "
                    + "\(String(format: "%.2f", closest.similarity)))")
        }
        let report = CoherenceReport(
            score: min(1, max(0, review.value.score), checks.score), issues: issues,
            duplicate: DuplicateCheck(isDuplicate: isDuplicate, nearest: nearest, model: model, dimension: dimension),
            related: isDuplicate ? [] : RelatedReading.choose(from: neighbours, params: params)
        )
        return RoundOutput((report, embedding.value), usage: review.usage + embedding.usage, warnings: review.warnings + embedding.warnings)
    }

    // MARK: Round 7

    /// Draws the planned images (`illustrate`), then publishes with the dry-run publisher or the
    /// live one, as the run's params say. A run that asks for WordPress where none is configured
    /// fails here, before any image is drawn, naming what to set.
    public func publish(
        _ article: Article, runID: String, params: RunParams, ledger: any PublicationLedger = UnrecordedPublication(),
        images archive: any ImageArchive = MemoryImageArchive(), budgetLeftUSD: Double? = nil
    ) async throws -> RoundOutput<PublishResult> {
        let publisher: any Publisher
        if params.dryRun {
            publisher = providers.dryRun
        } else if let live = providers.publisher {
            publisher = live
        } else {
            throw PipelineError(
                .publish,
                "this run publishes to WordPress, but none is configured here: set WORDPRESS_URL, "
                    + "WORDPRESS_USER and WORDPRESS_APP_PASSWORD (or retry it after approving it as a dry run)")
        }
        let illustrations = try await illustrate(article, archive: archive, budgetLeftUSD: budgetLeftUSD)
        var illustrated = article
        illustrated.images = illustrations.images
        var result = try await publisher.publish(illustrated, runID: runID, ledger: ledger)
        let missing = illustrations.missing + (result.imagesMissing ?? [])
        result.imagesMissing = missing.isEmpty ? nil : missing
        // The round's cost is every image's, those an earlier attempt drew included: the round
        // commits once, and each image was paid for once.
        var usage = illustrations.usage
        usage.costUSD = illustrations.images.reduce(0) { $0 + $1.costUSD }
        return RoundOutput(result, usage: usage, warnings: missing)
    }
}

/// A round's failure with the round it happened in.
public struct PipelineError: Error, Sendable, CustomStringConvertible {
    public let round: Round
    public let message: String

    public init(_ round: Round, _ message: String) {
        self.round = round
        self.message = message
    }

    public var description: String { message }
}
