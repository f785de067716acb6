import Foundation
import Testing

@testable import PressworkCore
@testable import PressworkPipeline

/// Earlier articles held in memory: the pipeline's view of the corpus, without a database.
private struct MemoryCorpus: PublishedCorpus {
    var articles: [(runId: String, title: String, vector: [Float])] = []

    func nearest(to vector: [Float], model: String, dimension: Int, limit: Int) async throws -> [Neighbor] {
        articles.map { Neighbor(runId: $0.runId, title: $0.title, similarity: cosineSimilarity(vector, $0.vector)) }
            .sorted { $0.similarity > $1.similarity }
            .prefix(limit).map { $0 }
    }
}

@Suite struct OfflinePipelineTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("presswork-pipeline-\(RunID.make())").path
    var pipeline: Pipeline { Pipeline(providers: .offline(outputFolder: folder)) }

    private func article(_ params: RunParams) async throws -> (Article, [TrendItem], [TopicIdea], [SectionDraft]) {
        let trends = try await pipeline.trends(params).value
        let ideas = try await pipeline.ideas(trends, params: params).value
        let outline = try await pipeline.outline(ideas, trends: trends, params: params).value
        var drafts: [SectionDraft] = []
        var polished: [PolishedSection] = []
        for index in outline.sections.indices {
            let draft = try await pipeline.draft(section: index, of: outline, params: params).value
            drafts.append(draft)
            polished.append(try await pipeline.polish(draft, of: outline, params: params).value)
        }
        let metadata = try await pipeline.metadata(outline, sections: polished, params: params)
        #expect(metadata.warnings.isEmpty)
        return (Article(outline: outline, sections: polished, metadata: metadata.value), trends, ideas, drafts)
    }

    @Test func producesAWholeReadableArticleWithinTheLimits() async throws {
        let params = try RunParams.validated(seeds: ["home espresso", "latte art"], region: "GB")
        let (article, trends, ideas, drafts) = try await article(params)
        #expect(trends.map(\.title) == ["Home Espresso", "Latte Art"])
        #expect(ideas.count >= 2 && ideas == ideas.sorted { $0.score > $1.score })
        #expect(Outline.sectionRange.contains(article.outline.sections.count))
        for value in [try JSONValue.encoding(article.outline), try JSONValue.encoding(article.metadata)] {
            #expect(Outline.schema.validate(value).isEmpty || Metadata.schema.validate(value).isEmpty)
        }
        #expect(article.metadata.seoTitle.count <= 60)
        #expect(article.metadata.metaDescription.count <= 160)
        #expect(TextShaping.isSlug(article.metadata.slug))
        #expect(!article.metadata.imagePrompts.isEmpty)
        #expect(article.sections.allSatisfy { TextShaping.words($0.body).count >= 40 })
        #expect(article.plainText.contains("home espresso"))
        #expect(article.plainText.contains("readers in the United Kingdom"))
        // The polish changed the text: repeats removed, voice made consistent.
        #expect(zip(drafts, article.sections).contains { $0.body != $1.body })
        #expect(article.sections.contains { $0.edits.contains { $0.hasPrefix("removed") } })
        let formal = try RunParams.validated(seeds: ["home espresso"], brandVoice: "formal and precise")
        let formalArticle = try await self.article(formal).0
        #expect(!formalArticle.plainText.contains("you'll"))
        #expect(try await self.article(params).0 == article, "the offline writer is deterministic")
    }

    /// The offline embedding measures what an article is about: the offline writer's articles
    /// on distinct seeds share its template phrases, and are still never duplicates.
    @Test func distinctSeedsAreNeverDuplicatesAndTheSameArticleIs() async throws {
        let seeds = [
            "home espresso", "urban cycling", "sourdough baking", "balcony gardening", "trail running",
            "budget travel in Portugal", "houseplant care", "watercolor painting", "bouldering",
            "cold water swimming", "beginner birdwatching", "backyard composting",
        ]
        let embedding = ContentWordEmbedding()
        var vectors: [[Float]] = []
        for seed in seeds {
            let article = try await self.article(try RunParams.validated(seeds: [seed])).0
            vectors.append(embedding.vector(for: article.plainText))
            #expect(cosineSimilarity(vectors.last!, embedding.vector(for: article.plainText)) > 0.9999)
        }
        var closest = (similarity: 0.0, pair: "")
        for i in vectors.indices {
            for j in vectors.indices where j > i {
                let similarity = cosineSimilarity(vectors[i], vectors[j])
                if similarity > closest.similarity { closest = (similarity, "\(seeds[i]) / \(seeds[j])") }
            }
        }
        // Far below the duplicate threshold (0.9): v1 put 4 of these 12 above it.
        #expect(closest.similarity < 0.7, "\(closest.pair) measured \(closest.similarity)")
    }

    @Test func coherenceScoresTheArticleAndFindsDuplicates() async throws {
        let params = try RunParams.validated(seeds: ["home espresso"])
        let (article, _, _, _) = try await article(params)
        let empty = try await pipeline.coherence(article, params: params, corpus: MemoryCorpus())
        #expect(empty.value.report.score >= params.thresholds.publish)
        #expect(!empty.value.report.duplicate.isDuplicate)
        #expect(empty.value.vector.count == 256)

        let other = try await self.article(try RunParams.validated(seeds: ["kayak fishing"])).0
        let otherVector = ContentWordEmbedding().vector(for: other.plainText)
        let corpus = MemoryCorpus(articles: [("earlier", article.outline.title, empty.value.vector), ("other", "Kayaks", otherVector)])
        let again = try await pipeline.coherence(article, params: params, corpus: corpus)
        #expect(again.value.report.duplicate.isDuplicate)
        #expect(again.value.report.duplicate.nearest.first?.runId == "earlier")
        #expect(again.value.report.issues.contains { $0.contains("nearly the same as run earlier") })
        let kayakSimilarity = try #require(again.value.report.duplicate.nearest.first { $0.runId == "other" }).similarity
        #expect(kayakSimilarity < params.thresholds.duplicate)
    }

    /// With images off, the HTML shows where each planned image goes, with its alt text.
    @Test func dryRunWritesValidHTMLWithImagePlaceholders() async throws {
        let params = try RunParams.validated(seeds: ["sourdough <bread> & \"starters\""])
        let (article, _, _, _) = try await article(params)
        var providers = Providers.offline(outputFolder: folder)
        providers.images = nil
        let result = try await Pipeline(providers: providers).publish(article, runID: "run-1", params: params).value
        #expect(result.images == nil)
        #expect(result.mode == .dryRun)
        let html = try #require(result.html)
        #expect(try String(contentsOfFile: try #require(result.htmlPath), encoding: .utf8) == html)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<title>\(ArticleHTML.escape(article.metadata.seoTitle))</title>"))
        #expect(html.contains("<meta name=\"description\""))
        #expect(html.contains("offline writer, no LLM"))
        #expect(html.contains("role=\"img\" aria-label="))
        #expect(!html.contains("<bread>"))
        #expect(html.components(separatedBy: "<section>").count == article.sections.count + 1)
        try? FileManager.default.removeItem(atPath: folder)
    }

    @Test func minorMetadataFailuresFallBackWithWarnings() {
        let outline = Outline(title: "A Title", thesis: "T", keywords: ["k"], sections: [])
        let broken = Metadata(
            seoTitle: String(repeating: "word ", count: 20), slug: "Not OK", metaDescription: "d",
            tags: [], categories: [], excerpt: "e", imagePrompts: [])
        let (fixed, warnings) = MinorFailures.repair(broken, outline: outline, sections: [])
        #expect(fixed.imagePrompts.first?.placement == "hero")
        #expect(fixed.seoTitle.count <= 60)
        #expect(TextShaping.isSlug(fixed.slug))
        #expect(fixed.categories == ["K"])
        #expect(warnings.count == 4)
        #expect(Metadata.schema.validate(try! JSONValue.encoding(fixed)).isEmpty)
    }
}
