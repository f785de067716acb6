import Foundation
import PressworkCore
import PressworkPipeline
import TestSupport
import Testing

@testable import PressworkProviders

/// Round 0 from feeds: RSS, Atom and Google Trends' RSS parsed; hostile and broken feeds refused
/// by name; feeds served over loopback with conditional GET.
@Suite struct FeedTests {
    static let rss = """
        <?xml version="1.0" encoding="UTF-8"?>
        <!-- a comment before the root is fine -->
        <rss version="2.0"><channel><title>Coffee news</title>
          <item><title>Espresso grinders get cheaper</title><link>https://news.example/grinders</link>
            <pubDate>Mon, 23 Nov 2026 08:00:00 +0000</pubDate>
            <description><![CDATA[<p>Prices fell. <!DOCTYPE html> is just text here.</p>]]></description></item>
          <item><title>Tea &amp; biscuits</title><link>https://news.example/tea</link></item>
          <item><title>  </title></item>
        </channel></rss>
        """

    static let atom = """
        <?xml version="1.0" encoding="utf-8"?>
        <feed xmlns="http://www.w3.org/2005/Atom"><title>Roasters</title>
          <entry><title>Home espresso on a budget</title>
            <link rel="alternate" href="https://roast.example/budget"/><link rel="edit" href="https://roast.example/edit/1"/>
            <updated>2026-11-24T06:30:00Z</updated><summary>Start with the grinder.</summary></entry>
          <entry><title type="html">Espresso grinders get cheaper</title><link href="https://roast.example/dup"/></entry>
        </feed>
        """

    static let googleTrends = """
        <?xml version="1.0" encoding="UTF-8"?>
        <rss xmlns:atom="http://www.w3.org/2005/Atom" xmlns:ht="https://trends.google.com/trending/rss" version="2.0">
        <channel><title>Daily Search Trends</title>
          <item><title>espresso machine recall</title><ht:approx_traffic>20K+</ht:approx_traffic>
            <link>https://trends.google.com/trending/rss?geo=GB</link><pubDate>Tue, 24 Nov 2026 05:00:00 -0800</pubDate>
            <ht:news_item><ht:news_item_title>Recall of 40,000 espresso machines</ht:news_item_title>
              <ht:news_item_url>https://news.example/recall</ht:news_item_url></ht:news_item>
            <ht:news_item><ht:news_item_title>What to do if you own one</ht:news_item_title></ht:news_item></item>
          <item><title>football results</title><ht:approx_traffic>500,000+</ht:approx_traffic></item>
          <item><title>weather warning</title><ht:approx_traffic>2,000+</ht:approx_traffic></item>
        </channel></rss>
        """

    /// The fixtures' items are ranked by their age on this day (2026-11-24T12:00:00Z), whatever
    /// day the suite runs.
    static let fixtureDay = Date(timeIntervalSince1970: 1_795_521_600)

    @Test func parsesRSSAtomAndGoogleTrends() throws {
        let rss = try FeedParser.parse(Data(Self.rss.utf8))
        #expect(rss.map(\.title) == ["Espresso grinders get cheaper", "Tea & biscuits"])
        #expect(rss[0].link == "https://news.example/grinders")
        #expect(rss[0].published == Date(timeIntervalSince1970: 1_795_420_800))
        #expect(rss[0].summary?.contains("Prices fell.") == true)

        let atom = try FeedParser.parse(Data(Self.atom.utf8))
        #expect(atom.map(\.title) == ["Home espresso on a budget", "Espresso grinders get cheaper"])
        #expect(atom[0].link == "https://roast.example/budget")
        #expect(atom[0].published != nil)

        let trends = try FeedParser.parse(Data(Self.googleTrends.utf8))
        #expect(trends.map(\.traffic) == [20_000, 500_000, 2_000])
        #expect(trends[0].news == ["Recall of 40,000 espresso machines", "What to do if you own one"])
    }

    @Test(arguments: [
        // An entity-expansion bomb ("billion laughs").
        (
            """
            <?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
            <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><rss><channel><item><title>&c;</title></item></channel></rss>
            """, "declares a DTD"
        ),
        // An external entity (XXE) reading a local file.
        (
            """
            <?xml version="1.0"?>
            <!doctype rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><rss><channel><item><title>&xxe;</title></item></channel></rss>
            """, "declares a DTD"
        ),
        ("<rss><channel><item><title>unclosed</channel></rss>", "not well-formed XML at line 1"),
        ("<html><body>Not a feed</body></html>", "not an RSS or Atom feed (the root element is <html>)"),
        ("", "the feed is empty"),
    ])
    func refusesHostileAndBrokenFeeds(document: String, message: String) {
        #expect {
            _ = try FeedParser.parse(Data(document.utf8))
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func itemsAreCapped() throws {
        let items = (0..<500).map { "<item><title>item \($0)</title></item>" }.joined()
        let parsed = try FeedParser.parse(Data("<rss><channel>\(items)</channel></rss>".utf8))
        #expect(parsed.count == FeedParser.maxItems)
    }

    @Test func googleTrendsForTheRunsRegionAndFeedsRankedBesideTheSeeds() async throws {
        let server = try await ScriptedHTTPServer.start()
        server.enqueue(
            .status(200, headers: [("Content-Type", "application/rss+xml")], body: Self.googleTrends),
            .status(200, headers: [("Content-Type", "application/atom+xml")], body: Self.atom)
        )
        let source = FeedTrendSource(
            .init(
                feeds: [server.baseURL + "/roasters.atom"], googleTrends: true,
                googleTrendsURL: server.baseURL + "/trending/rss?geo={geo}"
            ), policy: quickPolicy, clock: .fixed(Self.fixtureDay), logger: quiet)
        let params = try RunParams.validated(seeds: ["home espresso"], region: "GB")
        let trends = try await source.trends(for: params).value

        #expect(Set(server.requests.map(\.path)) == ["/trending/rss?geo=GB", "/roasters.atom"])
        let titles = trends.map(\.title)
        // Relevant items first (most overlap with the seed), then the seed, then the rest by traffic.
        #expect(titles.prefix(3) == ["Home espresso on a budget", "espresso machine recall", "Espresso grinders get cheaper"])
        #expect(titles[3] == "Home Espresso")
        #expect(trends[3].source == "seed")
        #expect(trends[3].relatedQueries.contains("Home espresso on a budget"))
        #expect(titles.suffix(2) == ["football results", "weather warning"])
        #expect(trends[1].relatedQueries == ["Recall of 40,000 espresso machines", "What to do if you own one"])
        #expect(trends.allSatisfy { TrendItem.schema.validate(try! JSONValue.encoding($0)).isEmpty })
        #expect(zip(trends, trends.dropFirst()).allSatisfy { $0.score >= $1.score })
        await server.stop()
    }

    @Test func unchangedFeedsCostA304() async throws {
        let server = try await ScriptedHTTPServer.start()
        server.enqueue(
            .status(200, headers: [("ETag", "\"v1\""), ("Last-Modified", "Tue, 24 Nov 2026 06:00:00 GMT")], body: Self.rss),
            .status(304, body: "")
        )
        let fetcher = FeedFetcher(policy: quickPolicy, logger: quiet)
        let first = try await fetcher.items(server.baseURL + "/news.rss")
        let second = try await fetcher.items(server.baseURL + "/news.rss")
        #expect(first == second)
        #expect(first.count == 2)
        let revalidation = try #require(server.requests.last)
        #expect(revalidation.header("If-None-Match") == "\"v1\"")
        #expect(revalidation.header("If-Modified-Since") == "Tue, 24 Nov 2026 06:00:00 GMT")
        await server.stop()
    }

    @Test func aFailingFeedIsNamed() async throws {
        let server = try await ScriptedHTTPServer.start()
        server.enqueue(
            .status(404, body: "no such feed"),
            .status(200, body: "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><rss/>"),
            .status(200, body: String(repeating: "<rss>", count: 500_000))
        )
        let fetcher = FeedFetcher(policy: quickPolicy, logger: quiet)
        let missing = await #expect(throws: ProviderError.self) { try await fetcher.items(server.baseURL + "/gone.rss") }
        #expect(missing?.message.contains("the feed \(server.baseURL)/gone.rss failed") == true)
        #expect(missing?.isTransient == false)
        let hostile = await #expect(throws: ProviderError.self) { try await fetcher.items(server.baseURL + "/evil.rss") }
        #expect(hostile?.message.contains("\(server.baseURL)/evil.rss cannot be used: the feed declares a DTD") == true)
        let huge = await #expect(throws: ProviderError.self) { try await fetcher.items(server.baseURL + "/huge.rss") }
        #expect(huge?.message.contains("larger than") == true)
        await server.stop()
    }
}
