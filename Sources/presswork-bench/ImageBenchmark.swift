import ArgumentParser
import Foundation
import Logging
import PressworkCore
import PressworkPipeline
import PressworkProviders

/// What images cost round 7: the offline card's time and bytes, and the publish round with and
/// without images, as a dry run and, when WORDPRESS_URL, WORDPRESS_USER and
/// WORDPRESS_APP_PASSWORD are set, against that WordPress.
struct ImageBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images",
        abstract: "Measure offline images (time, bytes) and round 7 with and without images."
    )

    @Option(help: "Cards drawn, and publish rounds measured per setup.")
    var count: Int = 40

    func run() async throws {
        let clock = ContinuousClock()
        var cardTimes: [Double] = []
        var cardBytes: [Int] = []
        let provider = OfflineImageProvider()
        for index in 0..<count {
            let request = ImageRequest(
                prompt: "p", altText: "a", placement: index % 3 == 0 ? "hero" : "section-\(index % 5)",
                title: "Article number \(index): a title long enough to wrap onto a second line",
                heading: index % 3 == 0 ? nil : "Section heading \(index)")
            let start = clock.now
            let image = try await provider.generate(request).value
            cardTimes.append(start.duration(to: clock.now).milliseconds)
            cardBytes.append(image.bytes.count)
        }
        print(
            "offline card 1200x630 PNG: \(summary(cardTimes)) ms; bytes mean \(cardBytes.reduce(0, +) / cardBytes.count), "
                + "min \(cardBytes.min() ?? 0), max \(cardBytes.max() ?? 0)")

        let params = try RunParams.validated(seeds: ["home espresso"])
        let folder = NSTemporaryDirectory() + "presswork-image-bench-\(RunID.make())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let article = try await Pipeline(providers: .offline(outputFolder: folder)).article(params)
        print("article: \(article.metadata.imagePrompts.count) planned images")
        for withImages in [false, true] {
            var providers = Providers.offline(outputFolder: folder)
            providers.images = withImages ? OfflineImageProvider() : nil
            let pipeline = Pipeline(providers: providers)
            var times: [Double] = []
            for _ in 0..<count {
                let start = clock.now
                _ = try await pipeline.publish(article, runID: RunID.make().description, params: params)
                times.append(start.duration(to: clock.now).milliseconds)
            }
            print("round 7 dry run \(withImages ? "with" : "without") images: \(summary(times)) ms")
        }

        let environment = ProcessInfo.processInfo.environment
        guard let url = environment["WORDPRESS_URL"], let user = environment["WORDPRESS_USER"],
            let password = environment["WORDPRESS_APP_PASSWORD"]
        else {
            print("round 7 to WordPress: skipped (set WORDPRESS_URL, WORDPRESS_USER and WORDPRESS_APP_PASSWORD)")
            return
        }
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let client = WordPressClient(.init(baseURL: url, user: user, applicationPassword: password), logger: logger)
        let live = try RunParams.validated(seeds: ["home espresso"], dryRun: false)
        for withImages in [false, true] {
            var providers = Providers.offline(outputFolder: folder)
            providers.images = withImages ? OfflineImageProvider() : nil
            providers.publisher = WordPressPublisher(client: client, logger: logger)
            let pipeline = Pipeline(providers: providers)
            var times: [Double] = []
            for index in 0..<min(count, 20) {
                var post = article
                post.metadata.slug = "bench-\(withImages ? "images" : "plain")-\(index)-\(RunID.make().description.prefix(8))"
                let start = clock.now
                _ = try await pipeline.publish(post, runID: RunID.make().description, params: live)
                times.append(start.duration(to: clock.now).milliseconds)
            }
            print("round 7 to WordPress \(withImages ? "with" : "without") images: \(summary(times)) ms")
        }
    }

    private func summary(_ values: [Double]) -> String {
        let sorted = values.sorted()
        return String(format: "p50 %.2f, p95 %.2f", sorted.percentile(0.5) ?? 0, sorted.percentile(0.95) ?? 0)
    }
}
