import Foundation
import PressworkCore
import TestSupport
import Testing

@testable import PressworkProviders

/// Replies a real model wrote: llama.cpp's llama-server with SmolLM2-135M-Instruct under the
/// schemas' grammar (captured with scripts/capture-proxy.py during scripts/real-model runs).
/// Scores of 3.5 and 461300 on a 0–1 scale, an index of 12 for section 3, headings and bodies
/// of nothing but newlines, markup in prose: each is normalized or falls back, none costs the
/// run. CI checks them without building llama.cpp.
@Suite struct RealReplyFixtureTests {
    struct Fixture: Decodable {
        let schema: String
        let finishReason: String?
        let content: String
    }

    static let fixtures: [Fixture] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/smollm2-135m-replies.jsonl")
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Fixture.self, from: Data($0.utf8)) }
    }()

    static func check(_ fixture: Fixture) -> (accepted: Bool, changes: [String], problems: [String]) {
        let reply = ChatReply(
            text: fixture.content, finishReason: fixture.finishReason == "length" ? .truncated : .complete,
            usage: .zero)
        func run<T: SchemaDescribed>(_ type: T.Type) -> (Bool, [String], [String]) {
            switch StructuredGenerator.check(reply, as: type) {
            case .success(let checked): return (true, checked.changes, [])
            case .failure(let found): return (false, [], found.problems)
            }
        }
        switch fixture.schema {
        case "IdeasReply": return run(IdeasReply.self)
        case "Outline": return run(Outline.self)
        case "SectionDraft": return run(SectionDraft.self)
        case "PolishedSection": return run(PolishedSection.self)
        case "Metadata": return run(Metadata.self)
        case "ReviewReply": return run(ReviewReply.self)
        default: return (false, [], ["unknown schema \(fixture.schema)"])
        }
    }

    @Test func everyCapturedReplyIsUsable() {
        #expect(Self.fixtures.count >= 20)
        #expect(
            Set(Self.fixtures.map(\.schema)) == ["IdeasReply", "Outline", "SectionDraft", "PolishedSection", "Metadata", "ReviewReply"])
        var normalized = 0
        for fixture in Self.fixtures {
            let result = Self.check(fixture)
            #expect(result.accepted, "\(fixture.schema): \(result.problems) in \(fixture.content.prefix(200))")
            if !result.changes.isEmpty { normalized += 1 }
        }
        // Scores on other scales, indexes past the sections, markup: normalized, not repaired.
        #expect(normalized >= 5)
    }

    @Test func theReviewScoreIsClamped() throws {
        let review = try #require(Self.fixtures.first { $0.schema == "ReviewReply" })
        #expect(Self.check(review).changes.contains { $0.hasPrefix("score: 461300 is outside 0…1; set to 1") })
    }

    /// A polish of nothing but newlines keeps the draft, through the real client and writer.
    @Test func anEmptyPolishKeepsTheDraft() async throws {
        let empty = try #require(Self.fixtures.first { $0.schema == "PolishedSection" && $0.content.contains(#""body": "\n\n""#) })
        let server = try await ScriptedHTTPServer.start()
        server.enqueue(.chatCompletion(empty.content))
        let writer = LLMWriter(fallback: StructuredGenerator(model: chatClient(server)))
        let outline = Outline(
            title: "Sourdough", thesis: "Bake it slowly.", keywords: ["bread"],
            sections: (0..<4).map {
                OutlineSection(heading: "Part \($0)", keyPoints: ["a point"])
            })
        let draft = SectionDraft(index: 2, heading: "Part 2", body: "Feed the starter twice a day.")
        let polished = try await writer.polish(draft, of: outline, params: try RunParams.validated(seeds: ["sourdough"]))
        #expect(polished.value.body == draft.body && polished.value.heading == draft.heading && polished.value.index == 2)
        #expect(polished.warnings.contains("body: the polish returned no text; kept the draft's"))
        #expect(server.requests.count == 1, "no repair was asked for")
        await server.stop()
    }
}
