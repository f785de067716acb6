// The typed output of each round, as stored in `artifacts.payload` and shown in the run
// document under `round0` … `round7`.

// MARK: Round 0

/// A trending topic for the run's seeds and region.
public struct TrendItem: SchemaDescribed {
    public var title: String
    /// Where it came from: `seed`, or the feed's URL.
    public var source: String
    /// Relative interest, 0…1.
    public var score: Double
    public var relatedQueries: [String]
    public var link: String?

    public init(title: String, source: String, score: Double, relatedQueries: [String], link: String? = nil) {
        self.title = title
        self.source = source
        self.score = score
        self.relatedQueries = relatedQueries
        self.link = link
    }

    public static let schema = JSONSchema.object(
        properties: [
            ("title", Text.short), ("source", Text.short), ("score", .number(minimum: 0, maximum: 1)),
            ("relatedQueries", Text.list), ("link", .string(maxLength: 2_000)),
        ], required: ["title", "source", "score", "relatedQueries"])
}

// MARK: Round 1

/// An article idea, ranked by `score`.
public struct TopicIdea: SchemaDescribed {
    public var title: String
    public var angle: String
    public var keywords: [String]
    public var score: Double

    public init(title: String, angle: String, keywords: [String], score: Double) {
        self.title = title
        self.angle = angle
        self.keywords = keywords
        self.score = score
    }

    public static let schema = JSONSchema.object(
        properties: [
            ("title", Text.short), ("angle", Text.paragraph), ("keywords", Text.list),
            ("score", .number(minimum: 0, maximum: 1)),
        ], required: ["title", "angle", "keywords", "score"])
}

// MARK: Round 2

public struct OutlineSection: SchemaDescribed {
    public var heading: String
    public var keyPoints: [String]

    public init(heading: String, keyPoints: [String]) {
        self.heading = heading
        self.keyPoints = keyPoints
    }

    public static let schema = JSONSchema.object(
        properties: [
            ("heading", Text.short), ("keyPoints", .array(items: Text.paragraph, minItems: 1, maxItems: 5)),
        ], required: ["heading", "keyPoints"])
}

/// The chosen idea's structure: 4 to 7 sections.
public struct Outline: SchemaDescribed {
    public var title: String
    public var thesis: String
    public var keywords: [String]
    public var sections: [OutlineSection]

    public init(title: String, thesis: String, keywords: [String], sections: [OutlineSection]) {
        self.title = title
        self.thesis = thesis
        self.keywords = keywords
        self.sections = sections
    }

    public static let sectionRange = 4...7

    public static let schema = JSONSchema.object(
        properties: [
            ("title", Text.short), ("thesis", Text.paragraph), ("keywords", Text.list),
            (
                "sections",
                .array(
                    items: OutlineSection.schema, minItems: sectionRange.lowerBound,
                    maxItems: sectionRange.upperBound)
            ),
        ], required: ["title", "thesis", "keywords", "sections"])
}

// MARK: Rounds 3 and 4

/// One section's first draft.
public struct SectionDraft: SchemaDescribed {
    public var index: Int
    public var heading: String
    public var body: String

    public init(index: Int, heading: String, body: String) {
        self.index = index
        self.heading = heading
        self.body = body
    }

    /// The longest section body, in characters: the prompts ask for 150 to 400 words.
    public static let bodyLimit = 6_000

    public static let schema = JSONSchema.object(
        properties: [
            ("index", .integer(minimum: 0, maximum: 20)), ("heading", Text.short),
            ("body", .string(minLength: 1, maxLength: bodyLimit)),
        ], required: ["index", "heading", "body"])
}

/// One section after polishing, with what the polish changed.
public struct PolishedSection: SchemaDescribed {
    public var index: Int
    public var heading: String
    public var body: String
    public var edits: [String]

    public init(index: Int, heading: String, body: String, edits: [String]) {
        self.index = index
        self.heading = heading
        self.body = body
        self.edits = edits
    }

    public static let schema = JSONSchema.object(
        properties: [
            ("index", .integer(minimum: 0, maximum: 20)), ("heading", Text.short),
            ("body", .string(minLength: 1, maxLength: SectionDraft.bodyLimit)), ("edits", Text.list),
        ], required: ["index", "heading", "body", "edits"])
}

// MARK: Round 5

/// An image to make for the article, where it goes, and its alt text.
public struct ImagePrompt: SchemaDescribed {
    public var prompt: String
    /// `hero`, or `section-N` (N the section index).
    public var placement: String
    public var altText: String

    public init(prompt: String, placement: String, altText: String) {
        self.prompt = prompt
        self.placement = placement
        self.altText = altText
    }

    public static let schema = JSONSchema.object(
        properties: [
            ("prompt", Text.paragraph), ("placement", .string(pattern: "hero|section-[0-9]+")),
            ("altText", .string(minLength: 1, maxLength: Metadata.altTextLimit)),
        ], required: ["prompt", "placement", "altText"])
}

/// Search and sharing metadata, within the limits search engines display.
public struct Metadata: SchemaDescribed {
    public var seoTitle: String
    public var slug: String
    public var metaDescription: String
    public var tags: [String]
    public var categories: [String]
    public var excerpt: String
    public var imagePrompts: [ImagePrompt]

    public static let seoTitleLimit = 60
    public static let metaDescriptionLimit = 160
    public static let slugLimit = 75
    public static let altTextLimit = 125

    public init(
        seoTitle: String, slug: String, metaDescription: String, tags: [String], categories: [String],
        excerpt: String, imagePrompts: [ImagePrompt]
    ) {
        self.seoTitle = seoTitle
        self.slug = slug
        self.metaDescription = metaDescription
        self.tags = tags
        self.categories = categories
        self.excerpt = excerpt
        self.imagePrompts = imagePrompts
    }

    public static let schema = JSONSchema.object(
        properties: [
            ("seoTitle", .string(minLength: 1, maxLength: seoTitleLimit)),
            ("slug", .string(minLength: 1, maxLength: slugLimit, pattern: "[a-z0-9]+(-[a-z0-9]+)*")),
            ("metaDescription", .string(minLength: 1, maxLength: metaDescriptionLimit)),
            ("tags", .array(items: .string(minLength: 1, maxLength: 60), maxItems: 10)),
            ("categories", .array(items: .string(minLength: 1, maxLength: 60), minItems: 1, maxItems: 3)),
            ("excerpt", .string(minLength: 1, maxLength: 300)),
            ("imagePrompts", .array(items: ImagePrompt.schema, maxItems: 6)),
        ], required: ["seoTitle", "slug", "metaDescription", "tags", "categories", "excerpt", "imagePrompts"])
}

// MARK: Round 6

/// An earlier article and how close the new one is to it.
public struct Neighbor: SchemaDescribed {
    public var runId: String
    public var title: String
    public var similarity: Double
    /// Where the earlier article is published; nil when it never was (a run that ended before
    /// round 7 left its vector) or its record is gone.
    public var link: PublishedLink?

    public init(runId: String, title: String, similarity: Double, link: PublishedLink? = nil) {
        self.runId = runId
        self.title = title
        self.similarity = similarity
        self.link = link
    }

    public static let schema = JSONSchema.object(
        properties: [
            ("runId", Text.short), ("title", Text.short), ("similarity", .number(minimum: -1, maximum: 1)),
            ("link", PublishedLink.schema),
        ], required: ["runId", "title", "similarity"])
}

/// Where an earlier article is published: how, on which site, and the address a link to it uses.
public struct PublishedLink: SchemaDescribed {
    public var mode: PublishResult.Mode
    /// The site's name (`presswork sites`); nil for the WordPress of the environment, or a dry run.
    public var site: String?
    /// The post's URL; for a dry run, the file name of its HTML, which sits beside every other.
    public var url: String
    /// WordPress's status of the post (publish, future, draft); nil for a dry run.
    public var postStatus: String?

    public init(mode: PublishResult.Mode, site: String?, url: String, postStatus: String?) {
        self.mode = mode
        self.site = site
        self.url = url
        self.postStatus = postStatus
    }

    public static let schema = JSONSchema.object(
        properties: [
            ("mode", .string(enumeration: ["wordpress", "dry-run"])), ("site", Text.short),
            ("url", .string(minLength: 1, maxLength: 2_000)), ("postStatus", Text.short),
        ], required: ["mode", "url"])
}

/// An earlier post of the same site the article links to under "Related reading": near enough
/// to be about something related, not so near as to be a duplicate.
public struct RelatedPost: SchemaDescribed {
    public var runId: String
    public var title: String
    public var url: String
    public var similarity: Double

    public init(runId: String, title: String, url: String, similarity: Double) {
        self.runId = runId
        self.title = title
        self.url = url
        self.similarity = similarity
    }

    public static let schema = JSONSchema.object(
        properties: [
            ("runId", Text.short), ("title", Text.short), ("url", .string(minLength: 1, maxLength: 2_000)),
            ("similarity", .number(minimum: -1, maximum: 1)),
        ], required: ["runId", "title", "url", "similarity"])
}

/// The duplicate check: the article's nearest earlier posts by embedding.
public struct DuplicateCheck: SchemaDescribed {
    public var isDuplicate: Bool
    public var nearest: [Neighbor]
    public var model: String
    public var dimension: Int

    public init(isDuplicate: Bool, nearest: [Neighbor], model: String, dimension: Int) {
        self.isDuplicate = isDuplicate
        self.nearest = nearest
        self.model = model
        self.dimension = dimension
    }

    public static let schema = JSONSchema.object(
        properties: [
            ("isDuplicate", .boolean), ("nearest", .array(items: Neighbor.schema, maxItems: 10)),
            ("model", Text.short), ("dimension", .integer(minimum: 1)),
        ], required: ["isDuplicate", "nearest", "model", "dimension"])
}

/// How well the article holds together, and whether it repeats an earlier one.
public struct CoherenceReport: SchemaDescribed {
    /// 0…1; the gate compares it with the run's thresholds.
    public var score: Double
    public var issues: [String]
    public var duplicate: DuplicateCheck
    /// The earlier posts round 7 links to (`RelatedReading`); nil in reports written before
    /// related links existed.
    public var related: [RelatedPost]?

    public init(score: Double, issues: [String], duplicate: DuplicateCheck, related: [RelatedPost]? = nil) {
        self.score = score
        self.issues = issues
        self.duplicate = duplicate
        self.related = related
    }

    public static let schema = JSONSchema.object(
        properties: [
            ("score", .number(minimum: 0, maximum: 1)), ("issues", Text.list), ("duplicate", DuplicateCheck.schema),
            ("related", .array(items: RelatedPost.schema, maxItems: 10)),
        ], required: ["score", "issues", "duplicate"])
}

// MARK: Round 7

/// What publishing produced: a WordPress post, or in dry-run the assembled HTML and its file.
public struct PublishResult: SchemaDescribed {
    public enum Mode: String, Codable, Sendable {
        case wordpress
        case dryRun = "dry-run"
    }

    public var mode: Mode
    public var wpPostId: Int?
    public var link: String?
    /// WordPress's status of the post: publish, future or draft.
    public var postStatus: String?
    /// The slug WordPress gave the post (it appends "-2" when the one asked for is taken).
    public var slug: String?
    /// True when the post was created by an earlier attempt and found again, not created now.
    public var adopted: Bool?
    public var htmlPath: String?
    public var html: String?
    /// The images placed in the post (or written beside the dry-run HTML); nil before images.
    public var images: [PublishedImage]?
    /// Planned images that could not be drawn or uploaded, and why (the post went without them).
    public var imagesMissing: [String]?

    public init(
        mode: Mode, wpPostId: Int? = nil, link: String? = nil, postStatus: String? = nil, slug: String? = nil,
        adopted: Bool? = nil, htmlPath: String? = nil, html: String? = nil, images: [PublishedImage]? = nil,
        imagesMissing: [String]? = nil
    ) {
        self.images = images
        self.imagesMissing = imagesMissing
        self.mode = mode
        self.wpPostId = wpPostId
        self.link = link
        self.postStatus = postStatus
        self.slug = slug
        self.adopted = adopted
        self.htmlPath = htmlPath
        self.html = html
    }

    public static let schema = JSONSchema.object(
        properties: [
            ("mode", .string(enumeration: ["wordpress", "dry-run"])), ("wpPostId", .integer(minimum: 1)),
            ("link", .string(maxLength: 2_000)), ("postStatus", .string(enumeration: ["publish", "future", "draft"])),
            ("slug", .string(maxLength: 200)), ("adopted", .boolean),
            ("htmlPath", .string(maxLength: 4_096)), ("html", .string(maxLength: 2_000_000)),
            ("images", .array(items: PublishedImage.schema, maxItems: 6)),
            ("imagesMissing", .array(items: .string(maxLength: 2_000), maxItems: 6)),
        ], required: ["mode"])
}

/// One image of a published post, as round 7's artifact records it (the bytes stay in the
/// images table).
public struct PublishedImage: SchemaDescribed {
    public var placement: String
    public var mediaType: String
    public var bytes: Int
    public var sha256: String
    /// What drew it: "offline", or provider/model.
    public var provider: String
    public var costUSD: Double
    public var altText: String
    /// The file beside the dry-run HTML.
    public var file: String?
    /// The WordPress media item and its address.
    public var wpMediaId: Int?
    public var url: String?

    public init(
        placement: String, mediaType: String, bytes: Int, sha256: String, provider: String, costUSD: Double, altText: String,
        file: String? = nil, wpMediaId: Int? = nil, url: String? = nil
    ) {
        self.placement = placement
        self.mediaType = mediaType
        self.bytes = bytes
        self.sha256 = sha256
        self.provider = provider
        self.costUSD = costUSD
        self.altText = altText
        self.file = file
        self.wpMediaId = wpMediaId
        self.url = url
    }

    public static let schema = JSONSchema.object(
        properties: [
            ("placement", .string(pattern: "hero|section-[0-9]+")),
            ("mediaType", .string(enumeration: ["image/png", "image/jpeg", "image/webp"])),
            ("bytes", .integer(minimum: 1)), ("sha256", .string(pattern: "[0-9a-f]{64}")), ("provider", .string(maxLength: 300)),
            ("costUSD", .number(minimum: 0)), ("altText", .string(maxLength: 2_000)), ("file", .string(maxLength: 4_096)),
            ("wpMediaId", .integer(minimum: 1)), ("url", .string(maxLength: 2_000)),
        ], required: ["placement", "mediaType", "bytes", "sha256", "provider", "costUSD", "altText"])
}
