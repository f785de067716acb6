import Foundation
import PressworkCore
import PressworkPipeline

/// The prompts a language-model writer sends, as pure functions of each call's inputs: the
/// writer renders them to send them (`LLMWriter`), and the console renders them again from a
/// run's params and stored artifacts to show what was sent (`reconstruct`), so neither the
/// prompts nor their templates need storing per run.
public enum LLMPrompts {
    public static func system(_ params: RunParams) -> String {
        PromptTemplates.render(PromptTemplates.system, ["brandVoice": params.brandVoice, "region": params.region])
    }

    public static func ideas(trends: [TrendItem], params: RunParams) -> String {
        PromptTemplates.render(PromptTemplates.ideas, ["seeds": params.seeds.joined(separator: "; "), "trends": trendList(trends)])
    }

    public static func outline(idea: TopicIdea, trends: [TrendItem]) -> String {
        PromptTemplates.render(
            PromptTemplates.outline,
            [
                "ideaTitle": idea.title, "ideaAngle": idea.angle, "ideaKeywords": idea.keywords.joined(separator: ", "),
                "trends": trendList(trends),
            ])
    }

    public static func draft(section index: Int, of outline: Outline) -> String {
        let section = outline.sections[index]
        return PromptTemplates.render(
            PromptTemplates.draft,
            [
                "title": outline.title, "thesis": outline.thesis,
                "sectionList": outline.sections.enumerated().map { "\($0.offset + 1). \($0.element.heading)" }.joined(separator: "\n"),
                "sectionNumber": "\(index + 1)", "sectionCount": "\(outline.sections.count)", "sectionIndex": "\(index)",
                "heading": section.heading, "keyPoints": section.keyPoints.joined(separator: "; "),
            ])
    }

    public static func polish(_ draft: SectionDraft, of outline: Outline) -> String {
        PromptTemplates.render(
            PromptTemplates.polish,
            [
                "title": outline.title, "heading": draft.heading, "body": draft.body, "sectionIndex": "\(draft.index)",
            ])
    }

    public static func metadata(for outline: Outline, sections: [PolishedSection]) -> String {
        let summaries = sections.map { section in
            let first = section.body.split(separator: ".", maxSplits: 1).first.map { String($0) + "." } ?? ""
            return "\(section.index): \(section.heading) — \(first)"
        }
        return PromptTemplates.render(
            PromptTemplates.metadata,
            [
                "title": outline.title, "thesis": outline.thesis, "keywords": outline.keywords.joined(separator: ", "),
                "sectionSummaries": summaries.joined(separator: "\n"),
            ])
    }

    public static func review(_ outline: Outline, sections: [PolishedSection]) -> String {
        let article = sections.sorted { $0.index < $1.index }.map { "## \($0.heading)\n\n\($0.body)" }.joined(separator: "\n\n")
        return PromptTemplates.render(PromptTemplates.review, ["title": outline.title, "thesis": outline.thesis, "article": article])
    }

    /// The trends, most interesting first. Their scores are left out: small models copied
    /// "(0.85)" into titles.
    static func trendList(_ trends: [TrendItem]) -> String {
        trends.sorted { $0.score > $1.score }.prefix(20).map { trend in
            "- \(trend.title)"
                + (trend.relatedQueries.isEmpty ? "" : ": " + trend.relatedQueries.prefix(5).joined(separator: ", "))
        }.joined(separator: "\n")
    }

    /// Every prompt a run's language-model writer sent, rendered again from its params and the
    /// artifacts its rounds read (a round whose inputs are not stored yet has none). The same
    /// templates render them; a retried call sends the same prompt again.
    public struct Reconstructor: PromptReconstructor {
        public init() {}

        public func prompts(params: RunParams, artifacts: [Round: String]) -> [SentPrompt] {
            func decode<T: Decodable>(_ type: T.Type, _ round: Round) -> T? {
                artifacts[round].flatMap { try? JSONDecoder().decode(T.self, from: Data($0.utf8)) }
            }
            let system = LLMPrompts.system(params)
            var sent: [SentPrompt] = []
            let trends = decode([TrendItem].self, .trends)
            if let trends {
                sent.append(SentPrompt(round: .ideas, call: "ideas", system: system, prompt: ideas(trends: trends, params: params)))
            }
            if let trends, let best = decode([TopicIdea].self, .ideas)?.max(by: { $0.score < $1.score }) {
                sent.append(SentPrompt(round: .outline, call: "outline", system: system, prompt: outline(idea: best, trends: trends)))
            }
            guard let outline = decode(Outline.self, .outline) else { return sent }
            for index in outline.sections.indices {
                sent.append(
                    SentPrompt(round: .drafts, call: "section \(index + 1)", system: system, prompt: draft(section: index, of: outline)))
            }
            for draft in decode([SectionDraft].self, .drafts) ?? [] {
                sent.append(
                    SentPrompt(round: .polish, call: "section \(draft.index + 1)", system: system, prompt: polish(draft, of: outline)))
            }
            if let sections = decode([PolishedSection].self, .polish) {
                sent.append(
                    SentPrompt(round: .metadata, call: "metadata", system: system, prompt: metadata(for: outline, sections: sections)))
                sent.append(SentPrompt(round: .coherence, call: "review", system: system, prompt: review(outline, sections: sections)))
            }
            return sent
        }
    }
}
