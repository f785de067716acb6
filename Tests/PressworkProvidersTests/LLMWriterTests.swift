import Foundation
import PressworkCore
import PressworkPipeline
import TestSupport
import Testing

@testable import PressworkProviders

private struct NoCorpus: PublishedCorpus {
    func nearest(to vector: [Float], model: String, dimension: Int, limit: Int) async throws -> [Neighbor] { [] }
}

@Suite struct LLMWriterTests {
    /// Rounds 1 to 6 through the LLM writer over HTTP. The "model" answers with what the offline
    /// writer produces for the same inputs, so every reply is realistic and valid.
    @Test func writesRoundsOneToSixThroughAChatServer() async throws {
        let server = try await ScriptedHTTPServer.start()
        let offline = OfflineWriter()
        let params = try RunParams.validated(seeds: ["home espresso"], region: "GB", brandVoice: "warm and expert")
        let trends = try await SeedTrendSource().trends(for: params).value
        let ideas = try await offline.ideas(from: trends, params: params).value
        let outline = try await offline.outline(for: ideas[0], trends: trends, params: params).value
        var drafts: [SectionDraft] = []
        var polished: [PolishedSection] = []
        for index in outline.sections.indices {
            drafts.append(try await offline.draft(section: index, of: outline, params: params).value)
            polished.append(try await offline.polish(drafts[index], of: outline, params: params).value)
        }
        let metadata = try await offline.metadata(for: outline, sections: polished, params: params).value
        server.enqueue(.chatCompletion(encoding: IdeasReply(ideas: ideas)), .chatCompletion(encoding: outline))
        // The test below asks section by section: draft, then polish.
        for (draft, section) in zip(drafts, polished) {
            server.enqueue(.chatCompletion(encoding: draft), .chatCompletion(encoding: section))
        }
        server.enqueue(
            .chatCompletion(encoding: metadata), .chatCompletion(encoding: ReviewReply(score: 0.82, issues: ["Section 3 is thin."])))

        let writer = LLMWriter(fallback: StructuredGenerator(model: chatClient(server)))
        let pipeline = Pipeline(
            providers: Providers(
                trends: SeedTrendSource(), writer: writer, embeddings: ContentWordEmbedding(),
                dryRun: DryRunPublisher(outputFolder: NSTemporaryDirectory(), writerDescription: "test")
            ))
        let gotIdeas = try await pipeline.ideas(trends, params: params)
        #expect(gotIdeas.value.map { $0.title } == ideas.sorted { $0.score > $1.score }.map { $0.title })
        #expect(gotIdeas.usage == TokenUsage(input: 100, output: 50, calls: 1))
        let gotOutline = try await pipeline.outline(gotIdeas.value, trends: trends, params: params).value
        #expect(gotOutline == outline)
        var gotSections: [PolishedSection] = []
        for index in outline.sections.indices {
            let draft = try await pipeline.draft(section: index, of: outline, params: params).value
            #expect(draft.index == index)
            gotSections.append(try await pipeline.polish(draft, of: outline, params: params).value)
        }
        #expect(gotSections == polished)
        let gotMetadata = try await pipeline.metadata(outline, sections: gotSections, params: params).value
        #expect(gotMetadata == metadata)
        let article = Article(outline: outline, sections: gotSections, metadata: gotMetadata)
        let report = try await pipeline.coherence(article, params: params, corpus: NoCorpus()).value.report
        #expect(report.score == 0.82)
        #expect(report.issues == ["Section 3 is thin."])

        // The prompts carry the run's inputs: voice and region in the system message, the
        // section's heading in its draft request.
        let requests = server.requests
        #expect(requests.count == 2 + 2 * outline.sections.count + 2)
        let system = (requests[0].json["messages"] as? [[String: Any]])?.first?["content"] as? String ?? ""
        #expect(system.contains("warm and expert") && system.contains("GB"))
        let firstDraft = (requests[2].json["messages"] as? [[String: Any]])?.last?["content"] as? String ?? ""
        #expect(firstDraft.contains(outline.sections[0].heading))
        #expect(requests.allSatisfy { ($0.json["response_format"] as? [String: Any])?["type"] as? String == "json_schema" })

        // The console's reconstruction from the stored artifacts gives back the prompts that were
        // sent, call for call, in the order they went (drafts all come before polishes there,
        // since round 3 ends before round 4 starts; this test interleaved them).
        func json<T: Encodable>(_ value: T) throws -> String { String(decoding: try JSONEncoder().encode(value), as: UTF8.self) }
        let artifacts: [Round: String] = [
            .trends: try json(trends), .ideas: try json(ideas), .outline: try json(outline), .drafts: try json(drafts),
            .polish: try json(polished), .metadata: try json(metadata),
        ]
        let rebuilt = LLMPrompts.Reconstructor().prompts(params: params, artifacts: artifacts)
        func messages(_ request: ScriptedHTTPServer.Request) -> (system: String, user: String) {
            let list = request.json["messages"] as? [[String: Any]] ?? []
            return (list.first?["content"] as? String ?? "", list.last?["content"] as? String ?? "")
        }
        let sentOrder =
            [0, 1] + outline.sections.indices.map { 2 + 2 * $0 } + outline.sections.indices.map { 3 + 2 * $0 }
            + [requests.count - 2, requests.count - 1]
        #expect(rebuilt.count == requests.count)
        for (prompt, index) in zip(rebuilt, sentOrder) {
            let sent = messages(requests[index])
            #expect(sent.system == prompt.system, "\(prompt.round) \(prompt.call): system")
            #expect(sent.user == prompt.prompt, "\(prompt.round) \(prompt.call): prompt")
        }
        await server.stop()
    }
}
