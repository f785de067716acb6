import Foundation
import PostgresClient
import PressworkCore

extension RunStore {
    // MARK: Duplicate check

    /// The `candidates` stored vectors of one model and dimension nearest to `probe` by the
    /// Hamming distance between their sign codes (`presswork_sign_code`, migration 0021), of runs
    /// that are `done`, leaving out `excluded`, nearest first: the prefilter of the duplicate
    /// check, which ranks these exactly (their embeddings from `embeddings(of:model:)`, for those
    /// it has not read before) and then asks `publishedArticles` about the few it keeps.
    ///
    /// The codes read are those of the `probes` lists (migration 0025) whose centres are nearest
    /// to the probe's code, in each generation of lists that still holds vectors, and those of
    /// every vector not in a list yet (all of them before maintenance first trains lists), each
    /// from the `vectors_lists` index alone (48 bytes of code per 384-dimension vector, never
    /// its 1.5 KB embedding). The status is checked on the winners, so that the scan needs no
    /// join: vectors of runs that did not end `done` (in progress between rounds 6 and 7, skipped
    /// as duplicates, failed) take places among the candidates; the caller asks for many more
    /// than it keeps.
    public func nearestByCode(
        to probe: [Float], model: String, dimension: Int, candidates: Int, probes: Int, excluding excluded: [RunID]
    ) async throws -> [RunID] {
        try await pool.query(
            """
            WITH probe AS (SELECT presswork_sign_code(\(probe)::real[]) AS code),
            probed AS (
                -- A LIMIT per generation, not a rank filter: the planner then expects the few
                -- lists it gets (with row_number() it planned for every list's vectors, a
                -- million at 1M, and compiled the query with JIT, 25 ms a check).
                SELECT l.generation, l.list FROM vector_list_generations g
                CROSS JOIN LATERAL (
                    SELECT l.generation, l.list FROM vector_lists l, probe
                    WHERE l.model = g.model AND l.dimension = g.dimension AND l.generation = g.generation
                    ORDER BY bit_count(l.code # probe.code), l.list
                    LIMIT \(probes)
                ) l
                WHERE g.model = \(model) AND g.dimension = \(dimension)
            ),
            scanned AS (
                SELECT v.run_id, v.code FROM probed p
                JOIN vectors v ON v.model = \(model) AND v.dimension = \(dimension)
                    AND v.generation = p.generation AND v.list = p.list
                UNION ALL
                SELECT v.run_id, v.code FROM vectors v
                WHERE v.model = \(model) AND v.dimension = \(dimension) AND v.generation IS NULL
            ),
            nearest AS (
                SELECT s.run_id, bit_count(s.code # probe.code) AS distance
                FROM scanned s, probe
                WHERE s.run_id <> ALL(\(excluded))
                ORDER BY distance
                LIMIT \(candidates)
            )
            SELECT n.run_id FROM nearest n
            WHERE EXISTS (SELECT 1 FROM runs r WHERE r.id = n.run_id AND r.status = 'done')
            ORDER BY n.distance
            """
        ).map { row in try row.decode(RunID.self, "run_id") }
    }

    /// The embeddings of the runs `ids`' vectors of `model`, in the binary array format (see
    /// PostgresSentFloatArray); a run without one (pruned meanwhile) is left out. A stored
    /// vector never changes (round 6 writes it once, with its artifact), so a caller may keep
    /// what it read.
    public func embeddings(of ids: [RunID], model: String) async throws -> [RunID: [Float]] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await pool.query(
            """
            SELECT run_id, array_send(embedding) AS embedding FROM vectors
            WHERE run_id = ANY(\(ids)) AND model = \(model)
            """)
        var found: [RunID: [Float]] = [:]
        found.reserveCapacity(rows.count)
        for row in rows {
            found[try row.decode(RunID.self, "run_id")] = try row.decode(PostgresSentFloatArray.self, "embedding").values
        }
        return found
    }

    /// What the duplicate check and related reading say of the finished runs `ids` (of their
    /// vector of `model`): title, when they finished, where round 7 published them. A run no
    /// longer there (pruned meanwhile) is left out; the order is the order of `ids`.
    public func publishedArticles(_ ids: [RunID], model: String) async throws -> [PublishedArticle] {
        guard !ids.isEmpty else { return [] }
        return try await pool.query(
            """
            SELECT v.run_id, coalesce(v.title, a.payload->>'title', '') AS title, r.finished_at,
                   r.params->>'site' AS site,
                   p.payload->>'mode' AS mode, p.payload->>'link' AS link, p.payload->>'htmlPath' AS html_path,
                   p.payload->>'postStatus' AS post_status
            FROM unnest(\(ids)::uuid[]) WITH ORDINALITY AS wanted(run_id, position)
            JOIN runs r ON r.id = wanted.run_id
            JOIN vectors v ON v.run_id = wanted.run_id AND v.model = \(model)
            LEFT JOIN artifacts a ON a.run_id = wanted.run_id AND a.round = 2
            LEFT JOIN artifacts p ON p.run_id = wanted.run_id AND p.round = 7
            ORDER BY wanted.position
            """
        ).map { row in
            PublishedArticle(
                runID: try row.decode(RunID.self, "run_id"), title: try row.decode(String.self, "title"),
                finishedAt: try row.decode(Date.self, "finished_at"),
                link: PublishedArticle.link(
                    mode: try row.decode(String?.self, "mode"), site: try row.decode(String?.self, "site"),
                    link: try row.decode(String?.self, "link"), htmlPath: try row.decode(String?.self, "html_path"),
                    postStatus: try row.decode(String?.self, "post_status")
                )
            )
        }
    }
}

/// A finished run's article as the duplicate check and related reading name it.
public struct PublishedArticle: Sendable, Equatable {
    public let runID: RunID
    public let title: String
    public let finishedAt: Date
    /// Where round 7 published it (its artifact says), for related reading.
    public let link: PublishedLink?

    public init(runID: RunID, title: String, finishedAt: Date, link: PublishedLink? = nil) {
        self.runID = runID
        self.title = title
        self.finishedAt = finishedAt
        self.link = link
    }

    /// The publication round 7's artifact records: a post's link, or a dry run's HTML by its
    /// file name (the files share one folder, so a relative link reaches it from any other).
    static func link(mode: String?, site: String?, link: String?, htmlPath: String?, postStatus: String?) -> PublishedLink? {
        switch mode.flatMap(PublishResult.Mode.init(rawValue:)) {
        case .wordpress:
            return link.map { PublishedLink(mode: .wordpress, site: site, url: $0, postStatus: postStatus) }
        case .dryRun:
            return htmlPath.map { PublishedLink(mode: .dryRun, site: site, url: ($0 as NSString).lastPathComponent, postStatus: nil) }
        case nil:
            return nil
        }
    }

}

extension RunStore {
    /// The runs `runID` descends from through reprocessing (its parent, the parent's parent, …),
    /// nearest first; empty for a run that has no parent.
    public func ancestors(of runID: RunID) async throws -> [RunID] {
        try await pool.query(
            """
            WITH RECURSIVE lineage(id, depth) AS (
                SELECT parent_run_id, 1 FROM runs WHERE id = \(runID) AND parent_run_id IS NOT NULL
                UNION ALL
                SELECT r.parent_run_id, l.depth + 1 FROM runs r JOIN lineage l ON r.id = l.id
                WHERE r.parent_run_id IS NOT NULL AND l.depth < 100
            )
            SELECT id FROM lineage ORDER BY depth
            """
        ).map { try $0.decode(RunID.self, "id") }
    }
}
