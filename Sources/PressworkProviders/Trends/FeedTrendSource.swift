import Foundation
import Logging
import PressworkCore
import PressworkPipeline

/// Round 0 from the world: RSS and Atom feeds, and Google Trends' daily trending searches for
/// the run's region (`https://trends.google.com/trending/rss?geo=US`).
///
/// Items that share words with the run's seeds lead, ranked by that overlap and by the feed's
/// own signal (Google's approximate traffic, else recency); then come the seeds themselves, so
/// the run always has its subject, with related headlines as their related queries; then a few
/// of the most trending items, for context. Items are de-duplicated by normalized title. A feed
/// that fails (unreachable, an HTTP error, malformed or hostile XML) fails the round with its URL
/// in the message. Feeds are fetched with conditional GET: an unchanged feed costs a 304.
public struct FeedTrendSource: TrendSource {
    public struct Configuration: Sendable, Equatable {
        /// RSS or Atom feed URLs.
        public var feeds: [String]
        /// Include Google Trends' daily RSS for the run's region.
        public var googleTrends: Bool
        /// Google Trends' RSS address; `{geo}` becomes the run's region.
        public var googleTrendsURL: String

        public static let defaultGoogleTrendsURL = "https://trends.google.com/trending/rss?geo={geo}"

        public init(feeds: [String], googleTrends: Bool, googleTrendsURL: String = Configuration.defaultGoogleTrendsURL) {
            self.feeds = feeds
            self.googleTrends = googleTrends
            self.googleTrendsURL = googleTrendsURL
        }

        /// What runs record as their trend source: "google-trends,feed(host)…".
        public var name: String {
            let feeds = self.feeds.map { "feed(\(OpenAIChatClient.host($0)))" }
            return ((googleTrends ? ["google-trends"] : []) + feeds).joined(separator: ",")
        }
    }

    public let configuration: Configuration
    let fetcher: FeedFetcher
    /// Freshness ranks feed items by their age, measured against this clock.
    let clock: WallClock

    public init(
        _ configuration: Configuration, policy: CallPolicy = FeedFetcher.defaultPolicy,
        clock: WallClock = .system, logger: Logger
    ) {
        self.configuration = configuration
        self.fetcher = FeedFetcher(policy: policy, logger: logger)
        self.clock = clock
    }

    public var name: String { configuration.name }

    public func trends(for params: RunParams) async throws -> Generated<[TrendItem]> {
        var urls = configuration.feeds
        if configuration.googleTrends {
            urls.insert(configuration.googleTrendsURL.replacingOccurrences(of: "{geo}", with: params.region), at: 0)
        }
        var fetched: [(url: String, items: [FeedItem])] = []
        try await withThrowingTaskGroup(of: (Int, [FeedItem]).self) { group in
            for (index, url) in urls.enumerated() {
                group.addTask { (index, try await fetcher.items(url)) }
            }
            var results: [Int: [FeedItem]] = [:]
            for try await (index, items) in group { results[index] = items }
            fetched = urls.indices.map { (urls[$0], results[$0] ?? []) }
        }
        return Generated(Self.rank(fetched, params: params, now: clock.now()))
    }

    /// Feed items relevant to the seeds first, then the seeds, then the most trending rest.
    static func rank(_ feeds: [(url: String, items: [FeedItem])], params: RunParams, now: Date) -> [TrendItem] {
        let seedWords = params.seeds.map { Set(TextShaping.words($0).filter { $0.count >= 3 }) }
        let maxTraffic = Double(feeds.flatMap(\.items).compactMap(\.traffic).max() ?? 0)
        var seen: Set<String> = []
        var relevant: [(TrendItem, Double)] = []
        var others: [(TrendItem, Double)] = []
        for (url, items) in feeds {
            for (position, item) in items.enumerated() {
                let key = TextShaping.words(item.title).joined(separator: " ")
                guard !key.isEmpty, seen.insert(key).inserted else { continue }
                let words = Set(TextShaping.words(item.title + " " + item.news.joined(separator: " ")))
                let overlap =
                    seedWords.map { seed in
                        seed.isEmpty ? 0 : Double(seed.intersection(words).count) / Double(seed.count)
                    }.max() ?? 0
                // The feed's own signal: Google's traffic when given, else freshness (a day
                // old halves it), else position in the feed.
                let signal: Double
                if let traffic = item.traffic, maxTraffic > 0 {
                    signal = log1p(Double(traffic)) / log1p(maxTraffic)
                } else if let published = item.published {
                    signal = pow(0.5, max(0, now.timeIntervalSince(published)) / 86_400)
                } else {
                    signal = 1 / Double(position + 1)
                }
                let trend = TrendItem(
                    title: String(item.title.prefix(120)), source: url, score: 0,
                    relatedQueries: Array(item.news.prefix(5).map { String($0.prefix(120)) }),
                    link: item.link.map { String($0.prefix(2_000)) }
                )
                if overlap > 0 {
                    relevant.append((trend, 0.6 * overlap + 0.4 * signal))
                } else {
                    others.append((trend, signal))
                }
            }
        }
        relevant.sort { $0.1 > $1.1 }
        others.sort { $0.1 > $1.1 }
        var result = relevant.prefix(8).map { item, score in
            var item = item
            item.score = (min(1, max(0.5, score)) * 1000).rounded() / 1000
            return item
        }
        for (index, seed) in params.seeds.enumerated() {
            let words = seedWords[index]
            let headlines = relevant.map(\.0.title).filter { !words.isDisjoint(with: TextShaping.words($0)) }
            result.append(
                TrendItem(
                    title: TextShaping.titleCase(seed), source: "seed", score: max(0.3, 0.5 - 0.02 * Double(index)),
                    relatedQueries: Array((headlines + ["\(seed.lowercased()) for beginners"]).prefix(5))
                ))
        }
        result += others.prefix(5).map { item, score in
            var item = item
            item.score = (min(0.29, 0.29 * score) * 1000).rounded() / 1000
            return item
        }
        return result
    }
}

/// Fetches and parses feeds, remembering each feed's validators (ETag, Last-Modified) and items
/// for the life of the process, so an unchanged feed is a 304 and parses nothing.
public struct FeedFetcher: Sendable {
    /// Feeds answer quickly or not at all; 2 MiB is far more than a feed of 200 items needs.
    public static let defaultPolicy = CallPolicy(maxAttempts: 3, timeout: .seconds(20), maxConcurrentCalls: 4)
    static let maxFeedBytes = 2 << 20

    let policy: CallPolicy
    let logger: Logger
    let cache = FeedCache.shared

    func items(_ url: String) async throws -> [FeedItem] {
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw ProviderError(provider: "feed", kind: .permanent, message: "the feed address \(url) is not an http(s) URL")
        }
        let calls = ProviderCalls(
            provider: "feed(\(OpenAIChatClient.host(url)))", policy: policy,
            transport: HTTPTransport(maxBodyBytes: Self.maxFeedBytes), logger: logger
        )
        let cached = await cache.entry(url)
        var headers = [("Accept", "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8")]
        if let etag = cached?.etag { headers.append(("If-None-Match", etag)) }
        if let modified = cached?.lastModified { headers.append(("If-Modified-Since", modified)) }
        let reply: HTTPReply
        do {
            reply = try await calls.call(.GET, url, headers: headers) { (200..<300).contains($0) || $0 == 304 }
        } catch let error as ProviderError {
            throw ProviderError(
                provider: error.provider, kind: error.kind, message: "the feed \(url) failed: \(error.message)", status: error.status)
        }
        if reply.status == 304, let cached { return cached.items }
        let items: [FeedItem]
        do {
            items = try FeedParser.parse(reply.body)
        } catch {
            throw ProviderError(provider: calls.provider, kind: .badReply, message: "the feed \(url) cannot be used: \(error)")
        }
        await cache.store(url, FeedCache.Entry(etag: reply.header("ETag"), lastModified: reply.header("Last-Modified"), items: items))
        return items
    }
}

/// Each feed's last good answer and validators, per process.
actor FeedCache {
    static let shared = FeedCache()

    struct Entry: Sendable {
        let etag: String?
        let lastModified: String?
        let items: [FeedItem]
    }

    private var entries: [String: Entry] = [:]

    func entry(_ url: String) -> Entry? { entries[url] }

    func store(_ url: String, _ entry: Entry) {
        // Without validators a 304 can never come: keep nothing.
        entries[url] = entry.etag == nil && entry.lastModified == nil ? nil : entry
    }
}
