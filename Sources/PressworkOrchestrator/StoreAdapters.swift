import Foundation
import PressworkCore
import PressworkPipeline
import PressworkStore

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
}
