import Foundation
import Logging
import PostgresClient
import PostgresTestSupport
import PressworkCore
import PressworkOrchestrator
import PressworkPipeline
import PressworkProviders
import PressworkStore
import TestSupport
import Testing

@testable import PressworkRuntime

@Suite struct WordPressSettingsTests {
    @Test func wordpressIsConfiguredByAllThreeSettingsOrNone() throws {
        let none = try RuntimeSettings.resolve(.init(), environment: [:])
        #expect(none.providers.wordpress == nil)
        #expect(none.providers.choice.publisher == nil)

        let all = try RuntimeSettings.resolve(
            .init(),
            environment: [
                "WORDPRESS_URL": "https://blog.example.com", "WORDPRESS_USER": "ana", "WORDPRESS_APP_PASSWORD": "abcd efgh",
                "WORDPRESS_POST_STATUS": "future", "WORDPRESS_FUTURE_DELAY_MINUTES": "90",
            ])
        #expect(all.providers.wordpress?.baseURL == "https://blog.example.com")
        #expect(all.providers.wordpressPostStatus == .future(after: .seconds(5_400)))
        #expect(all.providers.choice.publisher == "wordpress(blog.example.com)")
        #expect(!"\(all.providers.choice)".contains("abcd"))

        let partly = #expect(throws: SettingsError.self) {
            try RuntimeSettings.resolve(.init(), environment: ["WORDPRESS_URL": "https://blog.example.com"])
        }
        #expect(partly?.message.contains("WORDPRESS_USER and WORDPRESS_APP_PASSWORD are not set") == true)
        let badURL = #expect(throws: SettingsError.self) {
            try RuntimeSettings.resolve(
                .init(),
                environment: [
                    "WORDPRESS_URL": "blog.example.com", "WORDPRESS_USER": "ana", "WORDPRESS_APP_PASSWORD": "x",
                ])
        }
        #expect(badURL?.message.contains("WORDPRESS_URL must be") == true)
        let badStatus = #expect(throws: SettingsError.self) {
            try RuntimeSettings.resolve(
                .init(),
                environment: [
                    "WORDPRESS_URL": "https://b.example", "WORDPRESS_USER": "ana", "WORDPRESS_APP_PASSWORD": "x",
                    "WORDPRESS_POST_STATUS": "pending",
                ])
        }
        #expect(badStatus?.message.contains("publish, draft or future") == true)
    }
}

/// Runs end to end through the store and the orchestrator into a real WordPress: the ledger in
/// Postgres, the vector linked to the post, compensation, and `runs retry` redoing round 7 only.
@Suite(.serialized, .enabled(if: TestWordPress.enabled, "needs wordpress, php-cli, php-mysql, mariadb-server"))
struct PublishingRunTests {
    let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    @Test func aRunPublishesOnePostAndRecordsIt() async throws {
        let site = try await TestWordPress.site("runs")
        site.clearFaults()
        let (services, client) = try await services(site)
        defer { Task { await services.close() } }
        let run = try await create(services, seed: "alpine cheese")

        let outcome = try await services.orchestrator(configuration: Self.configuration).execute(run.id)

        #expect(outcome.status == .done)
        let publication = try #require(try await services.store.publication(run.id))
        #expect(publication.stage == "published")
        let postID = try #require(publication.postID)
        let post = try #require(try await client.post(id: postID))
        #expect(post.status == "publish")
        #expect(post.content.raw?.contains(WordPressPublisher.mark(runID: run.id.description)) == true)
        let linked = try await services.pool.query("SELECT wp_post_id FROM vectors WHERE run_id = \(run.id)")
        #expect(try linked.scalar(Int.self) == postID)
        let artifact = try await services.pool.query("SELECT payload->>'mode' FROM artifacts WHERE run_id = \(run.id) AND round = 7")
        #expect(try artifact.scalar(String.self) == "wordpress")
        // The offline images went with it: the hero featured, every one a media item recorded once.
        let images = try await services.store.images(of: run.id)
        #expect(!images.isEmpty && images.allSatisfy { $0.mediaID != nil })
        #expect(post.featured_media == images.first { $0.placement == "hero" }?.mediaID)
        #expect(try await client.media(containing: run.id.description).count == images.count)
        for image in images where image.placement != "hero" {
            #expect(post.content.raw?.contains("wp-image-\(image.mediaID ?? 0)") == true)
        }
    }

    /// WordPress refuses the publish step (a 400, permanent): the run ends in error, the draft is
    /// removed and recorded so. `runs retry` then executes round 7 alone and publishes one post.
    @Test func aFailedPublishIsCompensatedAndRetryRedoesRoundSevenOnly() async throws {
        let site = try await TestWordPress.site("runs")
        let (services, client) = try await services(site)
        defer { Task { await services.close() } }
        let run = try await create(services, seed: "winter cycling")
        try site.inject([.init(method: "POST", route: #"#^/wp/v2/posts/\d+$#"#, status: 400, times: 1)])
        defer { site.clearFaults() }

        let failed = try await services.orchestrator(configuration: Self.configuration).execute(run.id)
        #expect(failed.status == .error)
        #expect(failed.reason?.contains("the draft was removed") == true)
        let removed = try #require(try await services.store.publication(run.id))
        #expect(removed.stage == "removed")
        #expect(try await client.posts(containing: run.id.description).isEmpty)
        // Its media went with the draft; the images stay drawn, for the retry.
        #expect(try await client.media(containing: run.id.description).isEmpty)
        let drawn = try await services.store.images(of: run.id)
        #expect(!drawn.isEmpty && drawn.allSatisfy { $0.mediaID == nil })

        site.clearFaults()
        try await services.store.transition(run.id, to: .queued, reason: "retry requested")
        let retried = try await services.orchestrator(configuration: Self.configuration).execute(run.id)
        #expect(retried.status == .done)
        let posts = try await client.posts(containing: run.id.description)
        #expect(posts.count == 1)
        #expect(try await services.store.publication(run.id)?.postID == posts.first?.id)
        #expect(try await client.media(containing: run.id.description).count == drawn.count)
        // The retry drew nothing again: the same images, by hash.
        #expect(try await services.store.images(of: run.id).map(\.sha256) == drawn.map(\.sha256))
        // Rounds 0 to 6 were not executed again.
        let skipped = try await services.pool.query(
            """
            SELECT count(*) FROM diagnostics WHERE run_id = \(run.id) AND kind = 'round_skipped' AND attempt = 2
            """)
        #expect(try skipped.scalar(Int.self) == 7)
    }

    /// A second post on a related subject links to the first under "Related reading", by the
    /// address WordPress gave the first post.
    @Test func aRelatedPostLinksToTheEarlierPostOfTheSite() async throws {
        let site = try await TestWordPress.site("runs")
        let (services, client) = try await services(site)
        defer { Task { await services.close() } }
        let first = try await create(services, seed: "home espresso")
        #expect(try await services.orchestrator(configuration: Self.configuration).execute(first.id).status == .done)
        let firstID = try #require(try await services.store.publication(first.id)?.postID)
        let firstPost = try #require(try await client.post(id: firstID))
        let second = try await create(services, seed: "espresso grinders")
        #expect(try await services.orchestrator(configuration: Self.configuration).execute(second.id).status == .done)

        let secondID = try #require(try await services.store.publication(second.id)?.postID)
        let secondPost = try #require(try await client.post(id: secondID))
        let content = try #require(secondPost.content.raw)
        #expect(content.contains("<h2>Related reading</h2>"), "\(content.suffix(400))")
        #expect(content.contains("<a href=\"\(ArticleHTML.escape(firstPost.link))\">"), "\(content.suffix(400))")
        #expect(firstPost.content.raw?.contains("Related reading") == false)
    }

    // MARK: Helpers

    static let configuration = OrchestratorConfiguration(
        owner: "publishing-test", leaseSeconds: 30, heartbeatSeconds: 10, roundTimeout: .seconds(60), transientRetries: 2,
        retryBaseDelay: .milliseconds(10), sectionConcurrency: 2
    )

    func services(_ site: TestWordPressSite) async throws -> (Services, WordPressClient) {
        let wordpress = WordPressClient.Configuration(
            baseURL: site.url, user: site.user, applicationPassword: site.applicationPassword
        )
        var settings = try RuntimeSettings.resolve(.init(home: try TemporaryFolder.make()), environment: [:])
        settings.providers.wordpress = wordpress
        let pool = try await TestDatabase.makePool("publishing")
        _ = try await Migrator(logger: logger).migrate(pool)
        let services = Services(settings: settings, pool: pool, logger: logger)
        return (services, WordPressClient(wordpress, logger: logger))
    }

    func create(_ services: Services, seed: String) async throws -> RunRecord {
        let params = try RunParams.validated(
            seeds: [seed], dryRun: false, thresholds: GateThresholds(review: 0, publish: 0, duplicate: 1),
            providers: services.settings.providers.choice
        )
        return try await services.store.create(params: params, trigger: .cli, pipelineVersion: Pipeline.version).run
    }
}
