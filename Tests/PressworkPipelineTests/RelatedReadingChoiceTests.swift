import PressworkCore
import PressworkPipeline
import Testing

/// Which neighbours become related reading, without a database.
@Suite struct RelatedReadingChoiceTests {
    static func neighbour(
        _ similarity: Double, _ url: String, site: String? = "blog", status: String? = "publish", mode: PublishResult.Mode = .wordpress
    )
        -> Neighbor
    {
        Neighbor(
            runId: RunID.make().description, title: "Post at \(similarity)", similarity: similarity,
            link: PublishedLink(mode: mode, site: site, url: url, postStatus: status))
    }

    @Test func onlyLivePostsOfTheSameSiteBetweenTheThresholds() throws {
        let params = try RunParams.validated(seeds: ["espresso"], dryRun: false, site: "blog")
        let chosen = RelatedReading.choose(
            from: [
                Self.neighbour(0.95, "https://blog.example/dupe/"),  // a duplicate
                Self.neighbour(0.80, "https://blog.example/grinders/"),
                Self.neighbour(0.78, "https://blog.example/draft/", status: "draft"),
                Self.neighbour(0.76, "https://other.example/x/", site: "other"),
                Self.neighbour(0.74, "javascript:alert(1)"),
                Self.neighbour(0.72, "https://blog.example/grinders/"),  // the same address again
                Self.neighbour(0.70, "file-abc.html", mode: .dryRun),
                Self.neighbour(0.66, "https://blog.example/milk/"),
                Self.neighbour(0.64, "https://blog.example/beans/"),
                Self.neighbour(0.62, "https://blog.example/fourth/"),  // over the limit of three
                Self.neighbour(0.40, "https://blog.example/unrelated/"),
                Neighbor(runId: "x", title: "never published", similarity: 0.85),
            ], params: params)
        #expect(chosen.map(\.url) == ["https://blog.example/grinders/", "https://blog.example/milk/", "https://blog.example/beans/"])
        #expect(chosen.map(\.similarity) == [0.80, 0.66, 0.64])
    }

    @Test func aDryRunLinksOnlyToTheHTMLFilesBesideIt() throws {
        let params = try RunParams.validated(seeds: ["espresso"], dryRun: true)
        let file = "\(RunID.make()).html"
        let chosen = RelatedReading.choose(
            from: [
                Self.neighbour(0.8, "../../etc/passwd.html", site: nil, status: nil, mode: .dryRun),
                Self.neighbour(0.75, "https://blog.example/live/", site: nil),
                Self.neighbour(0.7, file, site: nil, status: nil, mode: .dryRun),
            ], params: params)
        #expect(chosen.map(\.url) == [file])
    }

    @Test func anExplicitRelatedThresholdMustBeBelowTheDuplicateOne() throws {
        #expect(throws: ValidationError(field: "thresholds.related", "(0.9) must be below thresholds.duplicate (0.9)")) {
            try GateThresholds(related: 0.9).validate()
        }
        // The default simply finds nothing under a low duplicate threshold.
        try GateThresholds(duplicate: 0.5).validate()
        let params = try RunParams.validated(seeds: ["espresso"], dryRun: false, thresholds: GateThresholds(duplicate: 0.5), site: "blog")
        #expect(RelatedReading.choose(from: [Self.neighbour(0.55, "https://blog.example/a/")], params: params).isEmpty)
    }

    /// In the post WordPress receives and in the dry-run HTML alike.
    @Test func titlesAndAddressesAreEscapedInTheList() async throws {
        let params = try RunParams.validated(seeds: ["espresso"])
        let writer = OfflineWriter()
        let trends = try await SeedTrendSource().trends(for: params).value
        let outline = try await writer.outline(
            for: try await writer.ideas(from: trends, params: params).value[0], trends: trends, params: params
        ).value
        var sections: [PolishedSection] = []
        for index in outline.sections.indices {
            sections.append(
                try await writer.polish(
                    try await writer.draft(section: index, of: outline, params: params).value, of: outline, params: params
                ).value)
        }
        var article = Article(
            outline: outline, sections: sections,
            metadata: try await writer.metadata(for: outline, sections: sections, params: params).value)
        article.related = [
            RelatedPost(runId: "r", title: "<script>alert(1)</script>", url: "https://blog.example/a?b=\"c\"", similarity: 0.7)
        ]
        for html in [ArticleHTML.postContent(article, mark: "<!-- mark -->"), ArticleHTML.render(article, generator: "test")] {
            #expect(html.contains("<h2>Related reading</h2>"))
            #expect(
                html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && html.contains("href=\"https://blog.example/a?b=&quot;c&quot;\""))
            #expect(!html.contains("<script>"))
        }
    }
}
