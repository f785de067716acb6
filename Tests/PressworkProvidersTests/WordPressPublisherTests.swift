import Foundation
import Logging
import PressworkCore
import PressworkPipeline
import TestSupport
import Testing

@testable import PressworkProviders

/// Round 7 against a real WordPress (Debian's package on loopback, see TestSupport/TestWordPress):
/// one post per run across crashes, slug collisions, refused credentials, WordPress errors and
/// timeouts, and compensation. Serialized: the fault switch is one file for the whole site.
@Suite(.serialized, .enabled(if: TestWordPress.enabled, "needs wordpress, php-cli, php-mysql, mariadb-server"))
struct WordPressPublisherTests {
    let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    @Test func publishesOnePostWithTermsAndSanitizedContent() async throws {
        let site = try await TestWordPress.site("publisher")
        site.clearFaults()
        let client = client(site)
        let runID = RunID.make().description
        var article = try await Self.article(slug: "espresso-\(runID.prefix(8))")
        article.sections[0].body =
            #"Pull <em>slowly</em>.<script>alert("x")</script> See <a href="jav&#x61;script:alert(1)" onclick="x()">this</a> and <a href="https://example.com/a?b=1&amp;c=2">that</a>."#
        let ledger = MemoryLedger()

        let result = try await WordPressPublisher(client: client, logger: logger).publish(article, runID: runID, ledger: ledger)

        #expect(result.mode == .wordpress)
        #expect(result.postStatus == "publish")
        #expect(result.adopted == false)
        let postID = try #require(result.wpPostId)
        let post = try #require(try await client.post(id: postID))
        #expect(post.status == "publish")
        #expect(post.slug == article.metadata.slug)
        let content = try #require(post.content.raw)
        #expect(content.contains(WordPressPublisher.mark(runID: runID)))
        #expect(content.contains("<em>slowly</em>"))
        #expect(!content.contains("<script"))
        #expect(!content.contains("alert(\"x\")"))
        #expect(!content.lowercased().contains("javascript"))
        #expect(!content.contains("onclick"))
        #expect(content.contains(#"<a href="https://example.com/a?b=1&amp;c=2">that</a>"#))
        #expect(post.categories?.count == article.metadata.categories.count)
        #expect(post.tags?.count == article.metadata.tags.count)
        // Terms are found again by name, not created twice.
        let categoryID = try await client.termID(.categories, named: article.metadata.categories[0])
        #expect(post.categories?.contains(categoryID) == true)
        #expect(await ledger.stages == [.intent, .draft, .published])
        #expect(try await client.posts(containing: runID).count == 1)
    }

    /// Hostile text in the title, the excerpt and the terms reaches WordPress as text: an
    /// administrator's application password has unfiltered_html, so WordPress keeps what it is sent.
    @Test func titlesExcerptsAndTermsGoAsTextNotMarkup() async throws {
        let site = try await TestWordPress.site("publisher")
        site.clearFaults()
        let client = client(site)
        let runID = RunID.make().description
        var article = try await Self.article(slug: "hostile-\(runID.prefix(8))")
        article.outline.title = "<img src=x onerror=alert(document.domain)>: Tea & Coffee"
        article.metadata.excerpt = "<script>alert(1)</script>Short."
        article.metadata.categories = ["<b>Bold</b> \(runID.prefix(6))"]
        article.metadata.tags = ["<svg onload=alert(1)>tag\(runID.prefix(6))"]
        let result = try await WordPressPublisher(client: client, logger: logger).publish(article, runID: runID, ledger: MemoryLedger())
        let postID = try #require(result.wpPostId)
        let post = try #require(try await client.post(id: postID))
        let title = try #require(post.title?.raw)
        #expect(!title.contains("<img") && title.contains("&lt;img src=x onerror=alert(document.domain)&gt;"), "\(title)")
        #expect(title.contains("Tea &amp; Coffee"))
        let excerpt = try #require(post.excerpt?.raw)
        #expect(!excerpt.contains("<script"), "\(excerpt)")
        #expect(try await client.termID(.categories, named: "Bold \(runID.prefix(6))") == post.categories?.first)
        #expect(try await client.termID(.tags, named: "tag\(runID.prefix(6))") == post.tags?.first)
    }

    /// WordPress stores a term's name trimmed and collapsed, and compares names without case: a
    /// category spelled with stray whitespace or another case is the same term, found or adopted
    /// from `term_exists`, never a 400 on every retry.
    @Test func termsAreMatchedAsWordPressMatchesThem() async throws {
        let site = try await TestWordPress.site("publisher")
        site.clearFaults()
        let client = client(site)
        let name = "Espresso Gear \(UUID().uuidString.prefix(6))"
        let id = try await client.termID(.categories, named: name + " ")
        #expect(try await client.termID(.categories, named: "  " + name) == id)
        #expect(try await client.termID(.categories, named: name.replacingOccurrences(of: " ", with: "  ")) == id)
        #expect(try await client.termID(.categories, named: name.uppercased()) == id)
        #expect(try await client.termID(.tags, named: "\t" + name + "\n") != 0)
    }

    /// The crash the ledger exists for: WordPress created the post, but the worker died before
    /// it recorded the post's id. The retry must find the post and adopt it.
    @Test func retryAfterACrashBetweenCreateAndRecordAdoptsThePost() async throws {
        let site = try await TestWordPress.site("publisher")
        site.clearFaults()
        let client = client(site)
        let runID = RunID.make().description
        let article = try await Self.article(slug: "crash-\(runID.prefix(8))")
        let ledger = MemoryLedger(crashOn: .draft)
        let publisher = WordPressPublisher(client: client, logger: logger)

        await #expect(throws: SimulatedCrash.self) { try await publisher.publish(article, runID: runID, ledger: ledger) }
        let again = try await publisher.publish(article, runID: runID, ledger: ledger)

        #expect(again.adopted == true)
        #expect(again.postStatus == "publish")
        let posts = try await client.posts(containing: runID)
        #expect(posts.map(\.id) == [again.wpPostId])
        #expect(await ledger.record?.stage == .published)
    }

    /// A slug that another post has: WordPress appends "-2". A retry after a crash must still
    /// find our post, which is no longer under the slug the run asked for.
    @Test func slugCollisionThenCrashStillGivesOnePost() async throws {
        let site = try await TestWordPress.site("publisher")
        site.clearFaults()
        let client = client(site)
        let slug = "taken-\(UUID().uuidString.prefix(8).lowercased())"
        let other = try await client.createPost(
            WordPressPostFields(title: "Someone else's", content: "theirs", slug: slug, status: "publish"))
        let runID = RunID.make().description
        let article = try await Self.article(slug: slug)
        let ledger = MemoryLedger(crashOn: .draft)
        let publisher = WordPressPublisher(client: client, logger: logger)

        await #expect(throws: SimulatedCrash.self) { try await publisher.publish(article, runID: runID, ledger: ledger) }
        let result = try await publisher.publish(article, runID: runID, ledger: ledger)

        #expect(result.slug == "\(slug)-2")
        #expect(result.adopted == true)
        #expect(try await client.posts(containing: runID).count == 1)
        let untouched = try #require(try await client.post(id: other.id))
        #expect(untouched.content.raw == "theirs")
    }

    @Test func refusedCredentialsFailAtOnceAndCreateNothing() async throws {
        let site = try await TestWordPress.site("publisher")
        site.clearFaults()
        let wrong = WordPressClient(
            .init(baseURL: site.url, user: site.user, applicationPassword: "wrong password here"), logger: logger
        )
        let runID = RunID.make().description
        let ledger = MemoryLedger()
        let error = await #expect(throws: ProviderError.self) {
            try await WordPressPublisher(client: wrong, logger: logger)
                .publish(try await Self.article(slug: "never-\(runID.prefix(8))"), runID: runID, ledger: ledger)
        }
        #expect(error?.status == 401)
        #expect(error?.isTransient == false)
        #expect(error?.description.contains("credentials were refused") == true)
        #expect(!(error?.description.contains("wrong password") ?? true))
        #expect(await ledger.stages == [.intent])
        #expect(try await client(site).posts(containing: runID).isEmpty)
    }

    /// WordPress fails the step that makes the draft public: the draft is deleted, the ledger
    /// says so, and the error is transient (a 500), so the round may be retried; the retry
    /// publishes exactly one post.
    @Test func failedPublishStepRemovesTheDraft() async throws {
        let site = try await TestWordPress.site("publisher")
        let client = client(site)
        let runID = RunID.make().description
        let article = try await Self.article(slug: "compensate-\(runID.prefix(8))")
        let ledger = MemoryLedger()
        let publisher = WordPressPublisher(client: client, logger: logger)
        try site.inject([.init(method: "POST", route: #"#^/wp/v2/posts/\d+$#"#, status: 500, times: 4)])
        defer { site.clearFaults() }

        let error = await #expect(throws: ProviderError.self) { try await publisher.publish(article, runID: runID, ledger: ledger) }
        #expect(error?.isTransient == true)
        #expect(error?.message.contains("the draft was removed") == true)
        let removed = await ledger.record
        #expect(removed?.stage == .removed)
        let removedID = try #require(removed?.postID)
        #expect(try await client.post(id: removedID) == nil)
        #expect(try await client.posts(containing: runID).isEmpty)

        site.clearFaults()
        let result = try await publisher.publish(article, runID: runID, ledger: ledger)
        #expect(result.postStatus == "publish")
        #expect(try await client.posts(containing: runID).map(\.id) == [result.wpPostId])
    }

    /// The publish step fails and so does the delete: the ledger records the draft left behind
    /// with its id, and the next attempt adopts it instead of creating another.
    @Test func draftThatCannotBeRemovedIsRecordedAndAdoptedLater() async throws {
        let site = try await TestWordPress.site("publisher")
        let client = client(site)
        let runID = RunID.make().description
        let article = try await Self.article(slug: "left-\(runID.prefix(8))")
        let ledger = MemoryLedger()
        let publisher = WordPressPublisher(client: client, logger: logger)
        try site.inject([
            .init(method: "POST", route: #"#^/wp/v2/posts/\d+$#"#, status: 400, times: 1),
            .init(method: "DELETE", route: #"#^/wp/v2/posts/\d+$#"#, status: 503, times: 4),
        ])
        defer { site.clearFaults() }

        let error = await #expect(throws: ProviderError.self) { try await publisher.publish(article, runID: runID, ledger: ledger) }
        #expect(error?.isTransient == false)
        #expect(error?.message.contains("the draft is left in WordPress") == true)
        let left = try #require(await ledger.record)
        #expect(left.stage == .leftBehind)
        let leftID = try #require(left.postID)
        let draft = try #require(try await client.post(id: leftID))
        #expect(draft.status == "draft")

        site.clearFaults()
        let result = try await publisher.publish(article, runID: runID, ledger: ledger)
        #expect(result.wpPostId == left.postID)
        #expect(result.adopted == true)
        #expect(result.postStatus == "publish")
        #expect(try await client.posts(containing: runID).count == 1)
    }

    /// WordPress is slow to create the post: the client gives up (transient timeout) while
    /// WordPress goes on and creates it. The retry finds and adopts it.
    @Test func timeoutWhileWordPressStillCreatesThePostGivesOnePost() async throws {
        let site = try await TestWordPress.site("publisher")
        let fast = WordPressClient(
            .init(baseURL: site.url, user: site.user, applicationPassword: site.applicationPassword),
            policy: CallPolicy(maxAttempts: 1, timeout: .seconds(1)), logger: logger
        )
        let runID = RunID.make().description
        let article = try await Self.article(slug: "slow-\(runID.prefix(8))")
        let ledger = MemoryLedger()
        let publisher = WordPressPublisher(client: fast, logger: logger)
        try site.inject([.init(method: "POST", route: "#^/wp/v2/posts$#", sleep: 2, times: 1)])
        defer { site.clearFaults() }

        let error = await #expect(throws: ProviderError.self) { try await publisher.publish(article, runID: runID, ledger: ledger) }
        #expect(error?.isTransient == true)
        #expect(error?.message.contains("timed out") == true)
        // The orchestrator retries after a backoff; here, once WordPress has finished the post.
        let deadline = ContinuousClock.now + .seconds(30)
        while try await client(site).posts(containing: runID).isEmpty {
            guard ContinuousClock.now < deadline else {
                Issue.record("WordPress never finished the slow post")
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let result = try await publisher.publish(article, runID: runID, ledger: ledger)
        #expect(result.adopted == true)
        #expect(try await client(site).posts(containing: runID).map(\.id) == [result.wpPostId])
    }

    @Test func serverErrorOnCreateIsTransientAndLeavesNothing() async throws {
        let site = try await TestWordPress.site("publisher")
        let client = client(site)
        let runID = RunID.make().description
        let article = try await Self.article(slug: "fivehundred-\(runID.prefix(8))")
        let ledger = MemoryLedger()
        try site.inject([.init(method: "POST", route: "#^/wp/v2/posts$#", status: 500, times: 1)])
        defer { site.clearFaults() }

        let error = await #expect(throws: ProviderError.self) {
            try await WordPressPublisher(client: client, logger: logger).publish(article, runID: runID, ledger: ledger)
        }
        #expect(error?.status == 500)
        #expect(error?.isTransient == true)
        #expect(try await client.posts(containing: runID).isEmpty)
    }

    @Test func draftStatusLeavesThePostForAnEditor() async throws {
        let site = try await TestWordPress.site("publisher")
        site.clearFaults()
        let client = client(site)
        let runID = RunID.make().description
        let result = try await WordPressPublisher(client: client, postStatus: .draft, logger: logger)
            .publish(try await Self.article(slug: "draft-\(runID.prefix(8))"), runID: runID, ledger: MemoryLedger())
        #expect(result.postStatus == "draft")
        let postID = try #require(result.wpPostId)
        #expect(try await client.post(id: postID)?.status == "draft")
    }

    // MARK: Images

    /// The hero becomes the featured image and each section image sits in the content after its
    /// heading, each uploaded once, with the alt text WordPress keeps as plain text.
    @Test func imagesAreUploadedOnceAsFeaturedAndSectionMedia() async throws {
        let site = try await TestWordPress.site("publisher")
        site.clearFaults()
        let client = client(site)
        let runID = RunID.make().description
        var article = try await Self.article(slug: "pictures-\(runID.prefix(8))")
        article.metadata.imagePrompts[0].altText = #"A cup"><img src=x onerror=alert(1)>"#
        article.images = try await Self.drawn(article)
        let ledger = MemoryLedger()

        let result = try await WordPressPublisher(client: client, logger: logger).publish(article, runID: runID, ledger: ledger)

        let postID = try #require(result.wpPostId)
        let post = try #require(try await client.post(id: postID))
        let images = try #require(result.images)
        #expect(images.map(\.placement) == article.images.map(\.placement))
        let hero = try #require(images.first { $0.placement == "hero" })
        #expect(post.featured_media == hero.wpMediaId)
        let content = try #require(post.content.raw)
        for image in images {
            let mediaID = try #require(image.wpMediaId)
            let items = try await client.media(slug: WordPressPublisher.mediaSlug(runID: runID, placement: image.placement))
            #expect(items.map(\.id) == [mediaID], "one media item for \(image.placement)")
            #expect(items.first?.mime_type == "image/png")
            if image.placement != "hero" { #expect(content.contains("class=\"wp-image-\(mediaID)\"")) }
        }
        #expect(!content.contains("wp-image-\(hero.wpMediaId ?? 0)\""), "the hero is the featured image, not in the text")
        let heroItem = try #require(try await client.media(slug: WordPressPublisher.mediaSlug(runID: runID, placement: "hero")).first)
        #expect(heroItem.alt_text == #"A cup""#, "\(heroItem.alt_text ?? "")")
        #expect(try await client.media(containing: runID).count == images.count)
        #expect(await ledger.media.count == images.count)
    }

    /// The crash the media ledger exists for: WordPress stored the upload, the worker died before
    /// it recorded the id. The retry finds the item by its slug instead of uploading another.
    @Test func aCrashBetweenUploadAndRecordGivesNoSecondMediaItem() async throws {
        let site = try await TestWordPress.site("publisher")
        site.clearFaults()
        let client = client(site)
        let runID = RunID.make().description
        var article = try await Self.article(slug: "upload-crash-\(runID.prefix(8))")
        article.images = try await Self.drawn(article)
        let ledger = MemoryLedger(crashOnMedia: true)
        let publisher = WordPressPublisher(client: client, logger: logger)

        await #expect(throws: SimulatedCrash.self) { try await publisher.publish(article, runID: runID, ledger: ledger) }
        #expect(try await client.media(containing: runID).count == 1)
        article.images = await ledger.recorded(article.images)
        let result = try await publisher.publish(article, runID: runID, ledger: ledger)

        #expect(try await client.media(containing: runID).count == article.images.count)
        for placement in article.images.map(\.placement) {
            #expect(try await client.media(slug: WordPressPublisher.mediaSlug(runID: runID, placement: placement)).count == 1)
        }
        let postID = try #require(result.wpPostId)
        let post = try #require(try await client.post(id: postID))
        #expect(post.featured_media == result.images?.first { $0.placement == "hero" }?.wpMediaId)
    }

    /// A failed publish removes its draft and its media; the retry uploads them again, once.
    @Test func aFailedPublishRemovesItsMedia() async throws {
        let site = try await TestWordPress.site("publisher")
        let client = client(site)
        let runID = RunID.make().description
        var article = try await Self.article(slug: "media-compensate-\(runID.prefix(8))")
        article.images = try await Self.drawn(article)
        let ledger = MemoryLedger()
        let publisher = WordPressPublisher(client: client, logger: logger)
        try site.inject([.init(method: "POST", route: #"#^/wp/v2/posts/\d+$#"#, status: 500, times: 4)])
        defer { site.clearFaults() }

        await #expect(throws: ProviderError.self) { try await publisher.publish(article, runID: runID, ledger: ledger) }
        #expect(try await client.media(containing: runID).isEmpty)
        #expect(await ledger.media.values.allSatisfy { $0 == nil })
        #expect(await ledger.media.count == article.images.count)

        site.clearFaults()
        article.images = await ledger.recorded(article.images)
        let result = try await publisher.publish(article, runID: runID, ledger: ledger)
        #expect(try await client.media(containing: runID).count == article.images.count)
        #expect(result.images?.allSatisfy { $0.wpMediaId != nil } == true)
    }

    /// WordPress refuses an upload (a permanent 415): the post goes out without that image,
    /// saying why, unless images are required.
    @Test func aRefusedUploadIsAMinorFailureUnlessImagesAreRequired() async throws {
        let site = try await TestWordPress.site("publisher")
        let client = client(site)
        var article = try await Self.article(slug: "refused-media-\(UUID().uuidString.prefix(8).lowercased())")
        article.images = try await Self.drawn(article)
        try site.inject([.init(method: "POST", route: "#^/wp/v2/media$#", status: 415, times: 100)])
        defer { site.clearFaults() }

        let runID = RunID.make().description
        let result = try await WordPressPublisher(client: client, logger: logger).publish(article, runID: runID, ledger: MemoryLedger())
        #expect(result.postStatus == "publish")
        #expect(result.images == nil)
        #expect(result.imagesMissing?.count == article.images.count)
        #expect(result.imagesMissing?.first?.contains("WordPress refused the upload") == true)
        let postID = try #require(result.wpPostId)
        let post = try #require(try await client.post(id: postID))
        #expect(post.featured_media == 0 || post.featured_media == nil)

        let strict = WordPressPublisher(client: client, imagesRequired: true, logger: logger)
        let otherRun = RunID.make().description
        article.metadata.slug += "-strict"
        await #expect(throws: ProviderError.self) { try await strict.publish(article, runID: otherRun, ledger: MemoryLedger()) }
        #expect(try await client.posts(containing: otherRun).isEmpty)
    }

    // MARK: Helpers

    /// The article's planned images, drawn by the offline provider.
    static func drawn(_ article: Article) async throws -> [ArticleImage] {
        var providers = Providers.offline(outputFolder: NSTemporaryDirectory())
        providers.images = OfflineImageProvider()
        return try await Pipeline(providers: providers).illustrate(article, archive: MemoryImageArchive()).images
    }

    func client(_ site: TestWordPressSite) -> WordPressClient {
        WordPressClient(
            .init(baseURL: site.url, user: site.user, applicationPassword: site.applicationPassword),
            policy: CallPolicy(maxAttempts: 3, timeout: .seconds(20), baseDelay: .milliseconds(20)), logger: logger
        )
    }

    /// A real article from the offline writer, with the slug the test needs.
    static func article(slug: String) async throws -> Article {
        var article = try await OfflineArticle.make(try RunParams.validated(seeds: ["home espresso"])).article
        article.metadata.slug = slug
        return article
    }
}

struct SimulatedCrash: Error {}

/// The ledger in memory, as the store keeps it, able to "crash" (throw) when asked to record a
/// stage: the step before it happened in WordPress, the record of it did not.
actor MemoryLedger: PublicationLedger {
    private(set) var record: PublicationRecord?
    private(set) var stages: [PublicationRecord.Stage] = []
    /// The media items recorded, by placement (nil: removed).
    private(set) var media: [String: UploadedMedia?] = [:]
    private var crashOn: PublicationRecord.Stage?
    private var crashOnMedia: Bool

    init(crashOn: PublicationRecord.Stage? = nil, crashOnMedia: Bool = false) {
        self.crashOn = crashOn
        self.crashOnMedia = crashOnMedia
    }

    func recordMedia(placement: String, _ uploaded: UploadedMedia?) async throws {
        if crashOnMedia {
            crashOnMedia = false
            throw SimulatedCrash()
        }
        media[placement] = .some(uploaded)
    }

    /// `images` as the store hands them to a retry: with the media items recorded as uploaded.
    func recorded(_ images: [ArticleImage]) -> [ArticleImage] {
        images.map { image in
            var image = image
            image.media = media[image.placement] ?? nil
            return image
        }
    }

    func begin(site: String, slug: String) async throws -> PublicationRecord {
        stages.append(.intent)
        if var existing = record {
            existing.attempts += 1
            if existing.stage == .removed {
                existing.stage = .intent
                existing.postID = nil
            }
            record = existing
        } else {
            record = PublicationRecord(stage: .intent, postID: nil, slug: slug, attempts: 1, site: site)
        }
        return record!
    }

    func record(_ stage: PublicationRecord.Stage, postID: Int?, link: String?, error: String?) async throws {
        if stage == crashOn {
            crashOn = nil
            throw SimulatedCrash()
        }
        stages.append(stage)
        record?.stage = stage
        if let postID { record?.postID = postID }
    }
}
