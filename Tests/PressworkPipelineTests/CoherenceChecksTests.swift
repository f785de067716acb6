import PressworkCore
import Testing

@testable import PressworkPipeline

@Suite struct CoherenceChecksTests {
    func offlineArticle(_ seed: String) async throws -> Article {
        let params = try RunParams.validated(seeds: [seed])
        let writer = OfflineWriter()
        let trends = try await SeedTrendSource().trends(for: params).value
        let ideas = try await writer.ideas(from: trends, params: params).value
        let outline = try await writer.outline(for: ideas[0], trends: trends, params: params).value
        var sections: [PolishedSection] = []
        for index in outline.sections.indices {
            let draft = try await writer.draft(section: index, of: outline, params: params).value
            sections.append(try await writer.polish(draft, of: outline, params: params).value)
        }
        let metadata = try await writer.metadata(for: outline, sections: sections, params: params).value
        return Article(outline: outline, sections: sections, metadata: metadata)
    }

    @Test(arguments: ["home espresso", "winter cycling", "sourdough starters", "alpine cheese"])
    func aWellFormedArticlePassesEveryCheck(seed: String) async throws {
        let result = CoherenceChecks.check(try await offlineArticle(seed))
        #expect(result.issues == [])
        #expect(result.score == 1)
    }

    @Test func brokenArticlesAreNamedAndScoredDown() async throws {
        var article = try await offlineArticle("home espresso")
        let repeated = article.sections[0].body.components(separatedBy: "\n\n")[0]
        article.sections.removeLast()
        article.sections[1].body = "Too short."
        article.sections[2].body += "\n\n" + repeated
        article.metadata.slug = "unrelated-kayak-trips"
        let result = CoherenceChecks.check(article)
        #expect(result.issues.contains { $0.contains("missing from the text") })
        #expect(result.issues.contains { $0.contains("section 1") && $0.contains("nearly empty (2 words)") })
        #expect(result.issues.contains("a paragraph is repeated in sections 0 and 2"))
        #expect(result.issues.contains { $0.contains("shares no word with the title") })
        #expect(result.score == 1 - 4 * CoherenceChecks.penalty)
    }
}
