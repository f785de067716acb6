import Foundation
import PressworkCore
import PressworkPipeline
import PressworkStore
import Synchronization

/// The duplicate check's view of earlier articles for one run: the stored corpus,
/// without the run itself.
struct StoreCorpus: PublishedCorpus {
    let corpus: DuplicateCorpus
    let excluding: Set<RunID>

    func nearest(to vector: [Float], model: String, dimension: Int, limit: Int) async throws -> [Neighbor] {
        try await corpus.nearest(to: vector, model: model, dimension: dimension, limit: limit, excluding: excluding)
    }
}

/// Round 7's ledger for one claim of one run: the store's publications table, fenced by the lease.
struct StoreLedger: PublicationLedger {
    let store: RunStore
    let lease: Lease

    func begin(site: String, slug: String) async throws -> PublicationRecord {
        let row = try await store.beginPublication(site: site, slug: slug, lease: lease)
        guard let stage = PublicationRecord.Stage(rawValue: row.stage) else {
            throw PipelineError(.publish, "the publication of run \(lease.runID) has an unknown stage \(row.stage)")
        }
        return PublicationRecord(stage: stage, postID: row.postID, slug: row.slug, attempts: row.attempts, site: row.site)
    }

    func record(_ stage: PublicationRecord.Stage, postID: Int?, link: String?, error: String?) async throws {
        try await store.recordPublication(stage: stage.rawValue, postID: postID, link: link, error: error, lease: lease)
    }

    func recordMedia(placement: String, _ media: UploadedMedia?) async throws {
        try await store.recordMedia(placement: placement, mediaID: media?.id, url: media?.url, lease: lease)
    }
}

extension ArticleImage {
    /// A row of the images table as the pipeline's image, its bytes checked again (the run's
    /// archive and the console's preview read them so).
    public init(stored row: StoredImage) throws(ImageRefused) {
        self.init(
            placement: row.placement, prompt: row.prompt, altText: row.altText,
            image: try ImageData.checked(row.bytes, declared: row.mediaType), provider: row.provider, costUSD: row.costUSD,
            media: row.mediaID.flatMap { id in row.mediaURL.map { UploadedMedia(id: id, url: $0) } })
    }
}

/// Round 7's image checkpoints for one claim of one run: the store's images table, fenced by the
/// lease. Stored bytes are checked again on the way out: a row edited by hand cannot smuggle
/// something that is not an image into a post.
final class StoreImageArchive: ImageArchive {
    let store: RunStore
    let lease: Lease
    /// Whether the table may hold images of the run: false when the run's start saw none, until
    /// this archive keeps one (only the lease's holder writes them), so that a first round 7
    /// reads nothing.
    private let mayHoldImages: Mutex<Bool>

    init(store: RunStore, lease: Lease, heldImagesAtStart: Bool) {
        self.store = store
        self.lease = lease
        self.mayHoldImages = Mutex(heldImagesAtStart)
    }

    func images() async throws -> [ArticleImage] {
        guard mayHoldImages.withLock({ $0 }) else { return [] }
        return try await store.images(of: lease.runID).map { row in
            do {
                return try ArticleImage(stored: row)
            } catch {
                throw PipelineError(.publish, "the stored image \(row.placement) of run \(lease.runID) is refused: \(error)")
            }
        }
    }

    func save(_ images: [ArticleImage]) async throws {
        // Set first: a save that fails after its statement committed still leaves images to read.
        mayHoldImages.withLock { $0 = true }
        try await store.saveImages(
            images.map { image in
                StoredImage(
                    placement: image.placement, prompt: image.prompt, altText: image.altText, mediaType: image.image.mediaType,
                    bytes: image.image.bytes, sha256: image.image.sha256, provider: image.provider, costUSD: image.costUSD)
            }, lease: lease)
    }
}
