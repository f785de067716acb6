import Foundation
import Logging
import PressworkCore
import PressworkPipeline

/// What a published post becomes: live now, scheduled, or left as a draft for an editor.
public enum WordPressPostStatus: Sendable, Equatable {
    case publish
    case draft
    /// Scheduled: WordPress makes it live `after` the run publishes it.
    case future(after: Duration)

    var wordPressName: String {
        switch self {
        case .publish: return "publish"
        case .draft: return "draft"
        case .future: return "future"
        }
    }
}

/// Round 7 for real: one WordPress post per run, however often the round is retried and
/// wherever a previous attempt crashed.
///
/// 1. The ledger records the intent before WordPress is called, and says whether an earlier
///    attempt began (it may have created a post whose reply was lost).
/// 2. Only then is WordPress searched for that post: by the id the ledger recorded, by slug
///    (`status=any`, drafts included), and by the run's mark, an HTML comment carrying the run
///    id in the content (WordPress changes a taken slug to `…-2`, so the slug alone can miss it).
///    A post carrying the mark is adopted. A first attempt skips the search: nothing can exist.
/// 3. A new post is created as a draft, with every field, and its id recorded at once, so a post
///    nobody knows of is never public; then it is given its final status.
/// 4. If that later step fails (and the post did not go live after all), the draft is deleted
///    (compensation), or, if that fails too, the ledger records the post left behind with its id,
///    and the next attempt adopts it.
///
/// Images go the same way, before the post is created: each uploaded once to the media library
/// and its id recorded at once; a retry reuses what the ledger recorded, and after an attempt
/// that may have lost an upload's reply it looks for the item by its slug (`presswork-<run>-<placement>`)
/// and the run's mark in its description before it uploads. The hero becomes the post's featured
/// image, the others go after their sections' headings. Compensation removes them with the draft.
public struct WordPressPublisher: Publisher {
    public let client: WordPressClient
    public let postStatus: WordPressPostStatus
    /// Categories every post gets besides the article's own (a site's defaults).
    public let categories: [String]
    /// Whether a post may go without an image whose upload WordPress refused (a minor failure).
    public let imagesRequired: Bool
    let logger: Logger

    public init(
        client: WordPressClient, postStatus: WordPressPostStatus = .publish, categories: [String] = [], imagesRequired: Bool = false,
        logger: Logger
    ) {
        self.client = client
        self.postStatus = postStatus
        self.categories = categories
        self.imagesRequired = imagesRequired
        self.logger = logger
    }

    /// The article's categories and the site's, each once (WordPress matches names without case).
    static func merged(_ own: [String], _ defaults: [String]) -> [String] {
        var seen = Set<String>()
        return (own + defaults).map(plainTerm).filter { !$0.isEmpty && seen.insert($0.lowercased()).inserted }
    }

    public var name: String { client.provider }

    /// The comment that marks a post as this run's.
    public static func mark(runID: String) -> String {
        "<!-- presswork:run=\(runID) -->"
    }

    public func publish(_ article: Article, runID: String, ledger: any PublicationLedger) async throws -> PublishResult {
        let site = client.configuration.baseURL
        let metadata = article.metadata
        let record = try await ledger.begin(site: site, slug: metadata.slug)
        if record.site != site, record.postID != nil, record.stage != .removed {
            throw failure(
                .permanent,
                "this run's post \(record.postID ?? 0) was created on \(record.site), but WordPress is "
                    + "now configured as \(site); publish it there, or remove it and its publications row")
        }
        let user = try await client.currentUser()
        guard user.canPublish || postStatus == .draft else {
            throw failure(
                .permanent,
                "the WordPress user \(client.configuration.user) may not publish posts "
                    + "(it needs the publish_posts capability, e.g. the Author role)")
        }
        let mark = Self.mark(runID: runID)
        var post: WordPressPost
        let adopted: Bool
        var article = article
        var missing: [String] = []
        if let earlier = try await findEarlier(record, runID: runID, mark: mark) {
            // Created whole by an earlier attempt (a post is created with every field at once).
            post = earlier
            adopted = true
            logger.info("adopting the post an earlier attempt created", metadata: ["wp_post_id": "\(post.id)"])
            if record.postID != post.id { try await ledger.record(.draft, postID: post.id, link: post.link, error: nil) }
        } else {
            (article.images, missing) = try await upload(article, runID: runID, mark: mark, record: record, ledger: ledger)
            // WordPress renders titles and excerpts as HTML, and keeps an administrator's markup
            // as sent (unfiltered_html): they go as escaped text, so a seed or a reply reading
            // `<img src=x onerror=…>` is shown, never run. The content is sanitized markup.
            do {
                post = try await client.createPost(
                    WordPressPostFields(
                        title: ArticleHTML.escape(article.outline.title), content: ArticleHTML.postContent(article, mark: mark),
                        excerpt: ArticleHTML.escape(metadata.excerpt), slug: metadata.slug, status: "draft",
                        categories: try await termIDs(.categories, Self.merged(metadata.categories, categories)),
                        tags: try await termIDs(.tags, metadata.tags.map(Self.plainTerm)),
                        featured_media: article.image(at: "hero")?.media?.id
                    ))
            } catch let error as ProviderError where !error.isTransient {
                // Nothing was created, and a retry will not help: the media go too.
                await removeMedia(article.images, ledger: ledger)
                throw error
            }
            adopted = false
            try await ledger.record(.draft, postID: post.id, link: post.link, error: nil)
        }

        let wanted = postStatus.wordPressName
        if post.status != wanted {
            var final = WordPressPostFields(status: wanted)
            if case .future(let delay) = postStatus { final.date_gmt = Self.gmt(Date().addingTimeInterval(delay.seconds)) }
            do {
                post = try await client.updatePost(id: post.id, final)
            } catch {
                // The update may have happened although its reply was lost (a timeout): look
                // before undoing anything, so a post that went live is not deleted.
                if let current = try? await client.post(id: post.id), current.status == wanted {
                    post = current
                } else {
                    throw try await compensate(postID: post.id, media: article.images, after: error, ledger: ledger)
                }
            }
        }
        try await ledger.record(.published, postID: post.id, link: post.link, error: nil)
        if post.slug != metadata.slug {
            logger.notice("WordPress changed the slug", metadata: ["asked": "\(metadata.slug)", "got": "\(post.slug)"])
        }
        let images = article.images.map { $0.published() }
        return PublishResult(
            mode: .wordpress, wpPostId: post.id, link: post.link, postStatus: post.status, slug: post.slug, adopted: adopted,
            images: images.isEmpty ? nil : images, imagesMissing: missing.isEmpty ? nil : missing
        )
    }

    // MARK: Media

    /// The media item's slug for an image of a run: unique, so a retry can find it.
    public static func mediaSlug(runID: String, placement: String) -> String {
        "presswork-\(runID)-\(placement)"
    }

    /// Each image as a media item: the one the ledger recorded, one an earlier attempt uploaded
    /// (found by slug or mark), or a new upload recorded at once. An upload WordPress refuses is
    /// a minor failure (the image is left out, with the reason) unless images are required; a
    /// transient failure ends the attempt, and the retry reuses what was uploaded.
    func upload(
        _ article: Article, runID: String, mark: String, record: PublicationRecord, ledger: any PublicationLedger
    ) async throws -> (images: [ArticleImage], missing: [String]) {
        var placed: [ArticleImage] = []
        var missing: [String] = []
        for var image in article.images {
            if image.media == nil {
                let slug = Self.mediaSlug(runID: runID, placement: image.placement)
                do {
                    // Only an attempt after one that began publishing can have lost an upload's reply.
                    var found: WordPressMedia?
                    if record.attempts > 1 {
                        found = try await client.media(slug: slug).first
                        if found == nil {
                            found = try await client.media(containing: runID).first {
                                ($0.description?.raw ?? "").contains(mark) && ($0.description?.raw ?? "").contains(slug)
                            }
                        }
                    }
                    let media: WordPressMedia
                    if let found {
                        media = found
                    } else {
                        media = try await client.uploadMedia(
                            image.image, fileName: "\(slug).\(image.image.fileExtension)", slug: slug,
                            title: ArticleHTML.escape("\(article.outline.title) (\(image.placement))"),
                            altText: Self.plainAltText(image.altText), caption: ArticleHTML.escape(ArticleHTML.caption(image)),
                            description: "\(mark)<!-- \(slug) -->")
                    }
                    image.media = UploadedMedia(id: media.id, url: media.source_url)
                    try await ledger.recordMedia(placement: image.placement, image.media)
                    if found != nil {
                        logger.info("adopting the media item an earlier attempt uploaded", metadata: ["wp_media_id": "\(media.id)"])
                    }
                } catch let error as ProviderError where !error.isTransient && !imagesRequired {
                    missing.append("image \(image.placement): WordPress refused the upload (\(error.message)); the post goes without it")
                    continue
                }
            }
            placed.append(image)
        }
        return (placed, missing)
    }

    /// Alt text as WordPress keeps it (plain text): tags and angle brackets removed.
    static func plainAltText(_ text: String) -> String {
        TextShaping.strippingTags(text).filter { $0 != "<" && $0 != ">" }
    }

    /// Deletes the media items of `images` (compensation); one that cannot be deleted is logged
    /// and stays recorded as uploaded, so a retry reuses it.
    func removeMedia(_ images: [ArticleImage], ledger: any PublicationLedger) async {
        for image in images {
            guard let media = image.media else { continue }
            do {
                try await client.deleteMedia(id: media.id)
                try await ledger.recordMedia(placement: image.placement, nil)
            } catch {
                logger.warning("compensation could not remove a media item", metadata: ["wp_media_id": "\(media.id)"])
            }
        }
    }

    /// A term name as plain words: tags and angle brackets removed (WordPress escapes `&` in
    /// term names itself, and matches names on their text).
    static func plainTerm(_ name: String) -> String {
        TextShaping.strippingTags(name).filter { $0 != "<" && $0 != ">" }
    }

    // MARK: Steps

    /// The post an earlier attempt of this run created, if any survives.
    func findEarlier(_ record: PublicationRecord, runID: String, mark: String) async throws -> WordPressPost? {
        // The ledger proves that no earlier attempt called WordPress: nothing to find.
        guard record.attempts > 1 || record.postID != nil else { return nil }
        func isOurs(_ post: WordPressPost) -> Bool {
            post.status != "trash" && (post.content.raw ?? "").contains(mark)
        }
        if let id = record.postID, let post = try await client.post(id: id), isOurs(post) { return post }
        if let post = try await client.posts(slug: record.slug).first(where: isOurs) { return post }
        return try await client.posts(containing: runID).first(where: isOurs)
    }

    /// Deletes the draft a failed publish left, records what happened, and returns the error to
    /// throw: as transient as the failure that caused it, so a retry may publish again.
    func compensate(postID: Int, media: [ArticleImage], after error: any Error, ledger: any PublicationLedger) async throws
        -> ProviderError
    {
        let cause = error as? ProviderError
        let kind = cause?.kind ?? .permanent
        let reason = cause?.message ?? "\(error)"
        do {
            try await client.deletePost(id: postID)
        } catch let deleteError {
            let left =
                "publishing post \(postID) failed (\(reason)), and removing the draft failed too "
                + "(\((deleteError as? ProviderError)?.message ?? "\(deleteError)")); the draft is left in WordPress"
            try await ledger.record(.leftBehind, postID: postID, link: nil, error: left)
            logger.error("compensation failed; draft left behind", metadata: ["wp_post_id": "\(postID)"])
            return failure(kind, left + "; a retry adopts it")
        }
        try await ledger.record(.removed, postID: postID, link: nil, error: reason)
        await removeMedia(media, ledger: ledger)
        logger.warning("publishing failed; draft removed", metadata: ["wp_post_id": "\(postID)"])
        return failure(kind, "publishing post \(postID) failed (\(reason)); the draft was removed")
    }

    private func termIDs(_ taxonomy: WordPressTaxonomy, _ names: [String]) async throws -> [Int] {
        var ids: [Int] = []
        for name in names {
            let id = try await client.termID(taxonomy, named: name)
            if !ids.contains(id) { ids.append(id) }
        }
        return ids
    }

    private func failure(_ kind: ProviderError.Kind, _ message: String) -> ProviderError {
        ProviderError(provider: client.provider, kind: kind, message: message)
    }

    static func gmt(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        return formatter.string(from: date)
    }
}
