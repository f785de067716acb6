import PressworkCore

/// Tokens a provider call consumed, and what they cost when the model has a price; zero for
/// offline providers.
public struct TokenUsage: Sendable, Equatable, Codable {
    public var input: Int
    public var output: Int
    /// US dollars, from the model's configured price; 0 when it has none.
    public var costUSD: Double
    /// Provider calls made (repairs included; a reply served from the cache is none).
    public var calls: Int

    public init(input: Int = 0, output: Int = 0, costUSD: Double = 0, calls: Int = 0) {
        self.input = input
        self.output = output
        self.costUSD = costUSD
        self.calls = calls
    }

    public static let zero = TokenUsage()

    public static func + (lhs: TokenUsage, rhs: TokenUsage) -> TokenUsage {
        TokenUsage(
            input: lhs.input + rhs.input, output: lhs.output + rhs.output, costUSD: lhs.costUSD + rhs.costUSD,
            calls: lhs.calls + rhs.calls
        )
    }
}

/// A model's price in US dollars per million tokens, as providers publish them.
public struct ModelPrice: Sendable, Equatable, Codable {
    public var input: Double
    public var output: Double

    public init(input: Double, output: Double) {
        self.input = input
        self.output = output
    }

    /// `usage` with its cost filled in.
    public func priced(_ usage: TokenUsage) -> TokenUsage {
        var priced = usage
        priced.costUSD = (Double(usage.input) * input + Double(usage.output) * output) / 1_000_000
        return priced
    }
}

/// A provider's answer with what it cost.
public struct Generated<Value: Sendable>: Sendable {
    public var value: Value
    public var usage: TokenUsage
    /// What was normalized in the reply (a title cut, a score clamped): warning diagnostics.
    public var warnings: [String]

    public init(_ value: Value, usage: TokenUsage = .zero, warnings: [String] = []) {
        self.value = value
        self.usage = usage
        self.warnings = warnings
    }
}

/// Round 0's source of trends.
public protocol TrendSource: Sendable {
    /// What the run document records as the source ("seeds", a feed URL).
    var name: String { get }
    func trends(for params: RunParams) async throws -> Generated<[TrendItem]>
}

/// Writes rounds 1 to 6's text: an LLM client, or the offline writer.
public protocol ContentWriter: Sendable {
    /// "offline", or provider/model.
    var name: String { get }
    func ideas(from trends: [TrendItem], params: RunParams) async throws -> Generated<[TopicIdea]>
    func outline(for idea: TopicIdea, trends: [TrendItem], params: RunParams) async throws -> Generated<Outline>
    func draft(section index: Int, of outline: Outline, params: RunParams) async throws -> Generated<SectionDraft>
    func polish(_ draft: SectionDraft, of outline: Outline, params: RunParams) async throws -> Generated<PolishedSection>
    func metadata(for outline: Outline, sections: [PolishedSection], params: RunParams) async throws -> Generated<Metadata>
    /// A coherence review of the finished text: a score in 0…1 and the issues found.
    func review(_ outline: Outline, sections: [PolishedSection], params: RunParams) async throws
        -> Generated<(score: Double, issues: [String])>
}

/// Turns text into a vector; vectors are only compared within one model and dimension.
public protocol EmbeddingProvider: Sendable {
    var model: String { get }
    var dimension: Int { get }
    func embed(_ text: String) async throws -> Generated<[Float]>
}

/// Earlier articles' vectors, for the duplicate check (the store implements it; the pipeline
/// never sees SQL).
public protocol PublishedCorpus: Sendable {
    /// The `limit` nearest earlier articles by cosine similarity, same model and dimension only.
    func nearest(to vector: [Float], model: String, dimension: Int, limit: Int) async throws -> [Neighbor]
}

/// Round 7: makes the article public (WordPress) or, in dry-run, writes its HTML. A publisher
/// that changes something outside the machine records each step in `ledger` first.
public protocol Publisher: Sendable {
    var name: String { get }
    func publish(_ article: Article, runID: String, ledger: any PublicationLedger) async throws -> PublishResult
}

/// Everything round 7 publishes, assembled from earlier artifacts.
public struct Article: Sendable, Equatable {
    public var outline: Outline
    public var sections: [PolishedSection]
    public var metadata: Metadata
    /// Earlier posts to link under "Related reading" (round 6 chose them); empty before round 6.
    public var related: [RelatedPost]
    /// The planned images, drawn (round 7 draws them before publishing); empty before.
    public var images: [ArticleImage]

    public init(
        outline: Outline, sections: [PolishedSection], metadata: Metadata, related: [RelatedPost] = [], images: [ArticleImage] = []
    ) {
        self.outline = outline
        self.sections = sections
        self.metadata = metadata
        self.related = related
        self.images = images
    }

    /// The drawn image for `placement`, if any.
    public func image(at placement: String) -> ArticleImage? {
        images.first { $0.placement == placement }
    }

    /// The text the duplicate check embeds: title, thesis and every section.
    public var plainText: String {
        ([outline.title, outline.thesis] + sections.flatMap { [$0.heading, $0.body] }).joined(separator: "\n\n")
    }
}

/// The providers one run uses.
public struct Providers: Sendable {
    public var trends: any TrendSource
    public var writer: any ContentWriter
    public var embeddings: any EmbeddingProvider
    /// Round 7 of runs whose params say `dryRun`.
    public var dryRun: any Publisher
    /// Round 7 of the other runs (WordPress); nil when none is configured, and then such a run
    /// fails round 7 with a message saying so rather than quietly writing a file.
    public var publisher: (any Publisher)?
    /// Draws the images round 5 planned; nil: posts go without images.
    public var images: (any ImageProvider)?
    /// Whether a post may go without an image that failed (a minor failure) or not.
    public var imagesRequired: Bool

    public init(
        trends: any TrendSource, writer: any ContentWriter, embeddings: any EmbeddingProvider, dryRun: any Publisher,
        publisher: (any Publisher)? = nil, images: (any ImageProvider)? = OfflineImageProvider(), imagesRequired: Bool = false
    ) {
        self.images = images
        self.imagesRequired = imagesRequired
        self.dryRun = dryRun
        self.trends = trends
        self.writer = writer
        self.embeddings = embeddings
        self.publisher = publisher
    }
}

/// A provider error that says whether trying again may help (a 429, a timeout, a dropped
/// connection) or not (a 401, a refused request). Errors that do not conform count as permanent.
public protocol ProviderFailure: Error {
    var isTransient: Bool { get }
}
