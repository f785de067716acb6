import Foundation
import PressworkCore
import PressworkPipeline

/// Rounds 1 to 6 written by language models: each round renders its prompt template with its
/// inputs, asks its model (one per round, e.g. a cheap one for ideas and a strong one for
/// drafts) for its output type's schema, and gets a validated value back.
public struct LLMWriter: ContentWriter {
    /// The generator for each round from ideas to review; rounds not listed use `fallback`.
    public let generators: [Round: StructuredGenerator]
    public let fallback: StructuredGenerator

    public init(fallback: StructuredGenerator, perRound: [Round: StructuredGenerator] = [:]) {
        self.fallback = fallback
        self.generators = perRound
    }

    public var name: String {
        let names = Set(Round.allCases.compactMap { generators[$0]?.model.name } + [fallback.model.name])
        return names.sorted().joined(separator: ",")
    }

    func generator(_ round: Round) -> StructuredGenerator {
        generators[round] ?? fallback
    }

    func system(_ params: RunParams) -> String {
        LLMPrompts.system(params)
    }

    public func ideas(from trends: [TrendItem], params: RunParams) async throws -> Generated<[TopicIdea]> {
        let prompt = LLMPrompts.ideas(trends: trends, params: params)
        let reply = try await generator(.ideas).generate(IdeasReply.self, system: system(params), prompt: prompt)
        return Generated(reply.value.ideas, usage: reply.usage, warnings: reply.warnings)
    }

    public func outline(for idea: TopicIdea, trends: [TrendItem], params: RunParams) async throws -> Generated<Outline> {
        let prompt = LLMPrompts.outline(idea: idea, trends: trends)
        return try await generator(.outline).generate(Outline.self, system: system(params), prompt: prompt)
    }

    public func draft(section index: Int, of outline: Outline, params: RunParams) async throws -> Generated<SectionDraft> {
        let prompt = LLMPrompts.draft(section: index, of: outline)
        var reply = try await generator(.drafts).generate(SectionDraft.self, system: system(params), prompt: prompt)
        // The position is the orchestrator's, whatever the model wrote there.
        reply.value.index = index
        return reply
    }

    public func polish(_ draft: SectionDraft, of outline: Outline, params: RunParams) async throws -> Generated<PolishedSection> {
        let prompt = LLMPrompts.polish(draft, of: outline)
        var reply = try await generator(.polish).generate(PolishedSection.self, system: system(params), prompt: prompt)
        reply.value.index = draft.index
        // The outline fixed the headings in round 2: a polish improves the prose, not the structure.
        if reply.value.heading != draft.heading {
            if !reply.value.heading.isEmpty {
                reply.warnings.append("heading: the polish renamed it; kept \"\(draft.heading)\" from the draft")
            }
            reply.value.heading = draft.heading
        }
        // A polish that returned no text (ReplyRules' proseWithFallback) keeps the draft's.
        if reply.value.body.isEmpty {
            reply.warnings.append("body: the polish returned no text; kept the draft's")
            reply.value.body = draft.body
        }
        return reply
    }

    public func metadata(for outline: Outline, sections: [PolishedSection], params: RunParams) async throws -> Generated<Metadata> {
        let prompt = LLMPrompts.metadata(for: outline, sections: sections)
        return try await generator(.metadata).generate(Metadata.self, system: system(params), prompt: prompt)
    }

    public func review(_ outline: Outline, sections: [PolishedSection], params: RunParams) async throws
        -> Generated<(score: Double, issues: [String])>
    {
        let prompt = LLMPrompts.review(outline, sections: sections)
        let reply = try await generator(.coherence).generate(ReviewReply.self, system: system(params), prompt: prompt)
        return Generated((score: reply.value.score, issues: reply.value.issues), usage: reply.usage, warnings: reply.warnings)
    }
}

/// Round 1's reply: providers that enforce a schema want an object at the top.
struct IdeasReply: SchemaDescribed {
    var ideas: [TopicIdea]
    static let schema = JSONSchema.object(
        properties: [("ideas", .array(items: TopicIdea.schema, minItems: 1, maxItems: 8))], required: ["ideas"]
    )
}

/// Round 6's review by a model: a score against the rubric and the issues found.
struct ReviewReply: SchemaDescribed {
    var score: Double
    var issues: [String]
    static let schema = JSONSchema.object(
        properties: [("score", .number(minimum: 0, maximum: 1)), ("issues", .array(items: .string(maxLength: 500), maxItems: 30))],
        required: ["score", "issues"]
    )
}
