import PressworkCore
import PressworkPipeline

/// Every round's output for one run's inputs, written by the offline writer without the
/// orchestrator: realistic, valid material for tests that need an article or a model's answers.
public struct OfflineArticle: Sendable {
    public let ideas: [TopicIdea]
    public let outline: Outline
    public let drafts: [SectionDraft]
    public let polished: [PolishedSection]
    public let metadata: Metadata

    public var article: Article { Article(outline: outline, sections: polished, metadata: metadata) }

    public static func make(_ params: RunParams) async throws -> OfflineArticle {
        let writer = OfflineWriter()
        let trends = try await SeedTrendSource().trends(for: params).value
        let ideas = try await writer.ideas(from: trends, params: params).value
        let outline = try await writer.outline(for: ideas[0], trends: trends, params: params).value
        var drafts: [SectionDraft] = []
        var polished: [PolishedSection] = []
        for index in outline.sections.indices {
            drafts.append(try await writer.draft(section: index, of: outline, params: params).value)
            polished.append(try await writer.polish(drafts[index], of: outline, params: params).value)
        }
        let metadata = try await writer.metadata(for: outline, sections: polished, params: params).value
        return OfflineArticle(ideas: ideas, outline: outline, drafts: drafts, polished: polished, metadata: metadata)
    }
}
