import PressworkCore

/// Round 0 without a network: each seed becomes a trend, in the order given, with the
/// searches people commonly pair with it. The default trend source.
public struct SeedTrendSource: TrendSource {
    public let name = "seeds"

    public init() {}

    public func trends(for params: RunParams) async throws -> Generated<[TrendItem]> {
        let items = params.seeds.enumerated().map { index, seed in
            let topic = seed.lowercased()
            return TrendItem(
                title: TextShaping.titleCase(seed),
                source: "seed",
                score: max(0.1, 1.0 - 0.1 * Double(index)),
                relatedQueries: ["\(topic) for beginners", "best \(topic) tips", "\(topic) mistakes"]
            )
        }
        return Generated(items)
    }
}
