import PressworkCore

/// What an image provider is asked to draw: one of round 5's image prompts, for one article.
public struct ImageRequest: Sendable, Equatable {
    public var prompt: String
    public var altText: String
    /// `hero` or `section-N`.
    public var placement: String
    /// The article's title (the offline provider draws it; a model may ignore it).
    public var title: String
    /// The section's heading, for a section image.
    public var heading: String?

    public init(prompt: String, altText: String, placement: String, title: String, heading: String? = nil) {
        self.prompt = prompt
        self.altText = altText
        self.placement = placement
        self.title = title
        self.heading = heading
    }
}

/// Draws the images round 5 planned: an OpenAI-compatible images API, or the offline cards.
public protocol ImageProvider: Sendable {
    /// "offline", or provider/model: recorded with every image.
    var name: String { get }
    /// One image for `request`, checked (`ImageData.checked`), with what it cost.
    func generate(_ request: ImageRequest) async throws -> Generated<ImageData>
    /// Whether an image costs nothing and takes no time worth keeping across a crash (the offline
    /// cards): then round 7 keeps a run's images in one statement at the end instead of each as
    /// it is drawn. False unless a provider says so.
    var cheapToRedraw: Bool { get }
}

extension ImageProvider {
    public var cheapToRedraw: Bool { false }
}

/// One planned image, drawn: what round 7 places in the post, and what the images table keeps.
public struct ArticleImage: Sendable, Equatable {
    public var placement: String
    public var prompt: String
    public var altText: String
    public var image: ImageData
    /// The provider that drew it ("offline", "openai(host)/model").
    public var provider: String
    public var costUSD: Double
    /// The WordPress media item, once uploaded (a retry reuses it instead of uploading again).
    public var media: UploadedMedia?

    public init(
        placement: String, prompt: String, altText: String, image: ImageData, provider: String, costUSD: Double = 0,
        media: UploadedMedia? = nil
    ) {
        self.placement = placement
        self.prompt = prompt
        self.altText = altText
        self.image = image
        self.provider = provider
        self.costUSD = costUSD
        self.media = media
    }

    /// What round 7's artifact records of the image (never its bytes).
    public func published(file: String? = nil) -> PublishedImage {
        PublishedImage(
            placement: placement, mediaType: image.mediaType, bytes: image.bytes.count, sha256: image.sha256, provider: provider,
            costUSD: costUSD, altText: altText, file: file, wpMediaId: media?.id, url: media?.url)
    }
}

/// A media item in WordPress: its id and the address its file is served from.
public struct UploadedMedia: Sendable, Equatable {
    public var id: Int
    public var url: String

    public init(id: Int, url: String) {
        self.id = id
        self.url = url
    }
}

/// Where the images a run drew are kept between attempts, so that a retried round 7 draws only
/// what is missing (the store's images table, fenced by the lease).
public protocol ImageArchive: Sendable {
    /// The run's images drawn so far, with their media items where uploaded.
    func images() async throws -> [ArticleImage]
    /// Keeps images once drawn, together (see `Pipeline.illustrate` for when).
    func save(_ images: [ArticleImage]) async throws
}

/// An archive in memory, gone with the process: for the pipeline alone and its tests.
public actor MemoryImageArchive: ImageArchive {
    private var kept: [ArticleImage] = []

    public init() {}

    public func images() async throws -> [ArticleImage] { kept }

    public func save(_ images: [ArticleImage]) async throws {
        for image in images {
            kept.removeAll { $0.placement == image.placement }
            kept.append(image)
        }
    }
}
