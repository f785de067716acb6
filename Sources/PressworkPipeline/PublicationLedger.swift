/// Where round 7 records what it is doing to the outside world, before and after each step, so
/// that a retry after any crash knows whether a post may exist already ("exactly one post per
/// run"). The store implements it, fenced by the run's lease; the pipeline never sees SQL.
public protocol PublicationLedger: Sendable {
    /// Records that publishing begins, before any call to the site, and returns the record with
    /// what earlier attempts left (`attempts` counts this one).
    func begin(site: String, slug: String) async throws -> PublicationRecord
    /// Records a step's outcome: a draft created (its id), the post published, the draft removed
    /// by compensation, or a draft that could not be removed (its id and why).
    func record(_ stage: PublicationRecord.Stage, postID: Int?, link: String?, error: String?) async throws
    /// Records an image's media item: uploaded (with its id and address, at once, so a retry
    /// reuses it), or removed by compensation (`media` nil).
    func recordMedia(placement: String, _ media: UploadedMedia?) async throws
}

/// A run's publication as the ledger knows it.
public struct PublicationRecord: Sendable, Equatable {
    public enum Stage: String, Sendable, CaseIterable {
        /// Publishing began; a post may or may not exist (a crash may have lost the reply).
        case intent
        /// A draft exists with `postID`, not yet public.
        case draft
        /// The post is live (or scheduled) with `postID`.
        case published
        /// Compensation removed the draft after a later step failed.
        case removed
        /// Compensation could not remove the draft; `postID` says which post is left.
        case leftBehind = "left_behind"
    }

    public var stage: Stage
    public var postID: Int?
    /// The slug asked for when publishing first began (WordPress may have changed it).
    public var slug: String
    /// How many times publishing began for this run, the current time included.
    public var attempts: Int
    /// The site publishing first began on.
    public var site: String

    public init(stage: Stage, postID: Int?, slug: String, attempts: Int, site: String) {
        self.stage = stage
        self.postID = postID
        self.slug = slug
        self.attempts = attempts
        self.site = site
    }
}

/// A ledger that remembers nothing beyond the call, for publishers that leave the machine
/// untouched (dry run) and for tests of the pipeline alone.
public struct UnrecordedPublication: PublicationLedger {
    public init() {}

    public func begin(site: String, slug: String) async throws -> PublicationRecord {
        PublicationRecord(stage: .intent, postID: nil, slug: slug, attempts: 1, site: site)
    }

    public func record(_ stage: PublicationRecord.Stage, postID: Int?, link: String?, error: String?) async throws {}

    public func recordMedia(placement: String, _ media: UploadedMedia?) async throws {}
}
