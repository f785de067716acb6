import Foundation
import PostgresClient
import PressworkCore

extension RunStore {
    // MARK: Images (round 7's checkpoints and media ledger)
    //
    // Writes are fenced like a round commit: a worker that lost its lease keeps nothing. The bytes
    // travel as base64 text (the client speaks Postgres's text format) and are stored as bytea.

    /// The images a run has drawn so far.
    public func images(of runID: RunID) async throws -> [StoredImage] {
        try await pool.query(
            """
            SELECT placement, prompt, alt_text, media_type, sha256, encode(bytes, 'base64') AS bytes, provider, cost_usd,
                   CASE WHEN media_stage = 'uploaded' THEN wp_media_id END AS wp_media_id,
                   CASE WHEN media_stage = 'uploaded' THEN media_url END AS media_url
            FROM images WHERE run_id = \(runID) ORDER BY placement
            """
        ).map(StoredImage.init)
    }

    /// Keeps drawn images, in one statement (each replacing one drawn for an earlier prompt at the
    /// same placement; of two for one placement, the later is kept).
    public func saveImages(_ images: [StoredImage], lease: Lease) async throws {
        // An INSERT … ON CONFLICT cannot touch a row twice: one image per placement, the later.
        var placed = Set<String>()
        let kept = Array(images.reversed().filter { placed.insert($0.placement).inserted }.reversed())
        guard !kept.isEmpty else { return }
        let result = try await pool.query(
            """
            WITH fence AS (\(fragment: Self.fence(lease))
            ), drawn AS (
                SELECT * FROM unnest(\(kept.map(\.placement))::text[], \(kept.map(\.prompt))::text[],
                                     \(kept.map(\.altText))::text[], \(kept.map(\.mediaType))::text[],
                                     \(kept.map(\.sha256))::text[], \(kept.map { $0.bytes.base64EncodedString() })::text[],
                                     \(kept.map(\.provider))::text[], \(kept.map(\.costUSD))::double precision[])
                    AS d(placement, prompt, alt_text, media_type, sha256, bytes, provider, cost_usd)
            ), kept AS (
                INSERT INTO images AS i (run_id, placement, prompt, alt_text, media_type, byte_size, sha256, bytes, provider,
                                         cost_usd, run_attempt)
                SELECT fence.id, d.placement, d.prompt, d.alt_text, d.media_type, octet_length(decode(d.bytes, 'base64')),
                       d.sha256, decode(d.bytes, 'base64'), d.provider, d.cost_usd, \(lease.attempt)
                FROM fence, drawn d
                ON CONFLICT (run_id, placement) DO UPDATE
                    SET prompt = excluded.prompt, alt_text = excluded.alt_text, media_type = excluded.media_type,
                        byte_size = excluded.byte_size, sha256 = excluded.sha256, bytes = excluded.bytes,
                        provider = excluded.provider, cost_usd = excluded.cost_usd, run_attempt = excluded.run_attempt,
                        media_stage = NULL, wp_media_id = NULL, media_url = NULL, updated_at = now()
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM fence) AS fenced
            """)
        try Self.requireFence(result, lease)
    }

    /// Records an image's media item: uploaded with its id and address, or removed (`media` nil).
    public func recordMedia(placement: String, mediaID: Int?, url: String?, lease: Lease) async throws {
        let result = try await pool.query(
            """
            WITH fence AS (\(fragment: Self.fence(lease))
            ), step AS (
                UPDATE images i
                SET media_stage = CASE WHEN \(mediaID)::bigint IS NULL THEN 'removed' ELSE 'uploaded' END,
                    wp_media_id = coalesce(\(mediaID)::bigint, i.wp_media_id), media_url = coalesce(\(url)::text, i.media_url),
                    updated_at = now()
                FROM fence WHERE i.run_id = fence.id AND i.placement = \(placement)
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM fence) AS fenced
            """)
        try Self.requireFence(result, lease)
    }
}

/// A row of `images`.
public struct StoredImage: Sendable, Equatable {
    public var placement: String
    public var prompt: String
    public var altText: String
    public var mediaType: String
    public var bytes: Data
    public var sha256: String
    public var provider: String
    public var costUSD: Double
    /// The WordPress media item while it is recorded as uploaded.
    public var mediaID: Int?
    public var mediaURL: String?

    public init(
        placement: String, prompt: String, altText: String, mediaType: String, bytes: Data, sha256: String, provider: String,
        costUSD: Double, mediaID: Int? = nil, mediaURL: String? = nil
    ) {
        self.placement = placement
        self.prompt = prompt
        self.altText = altText
        self.mediaType = mediaType
        self.bytes = bytes
        self.sha256 = sha256
        self.provider = provider
        self.costUSD = costUSD
        self.mediaID = mediaID
        self.mediaURL = mediaURL
    }

    init(row: PostgresRow) throws {
        placement = try row.decode(String.self, "placement")
        prompt = try row.decode(String.self, "prompt")
        altText = try row.decode(String.self, "alt_text")
        mediaType = try row.decode(String.self, "media_type")
        guard let data = Data(base64Encoded: try row.decode(String.self, "bytes"), options: .ignoreUnknownCharacters) else {
            throw PostgresDecodingFailure("images.bytes did not arrive as base64")
        }
        bytes = data
        sha256 = try row.decode(String.self, "sha256")
        provider = try row.decode(String.self, "provider")
        costUSD = try row.decode(Double.self, "cost_usd")
        mediaID = try row.decode(Int?.self, "wp_media_id")
        mediaURL = try row.decode(String?.self, "media_url")
    }
}
