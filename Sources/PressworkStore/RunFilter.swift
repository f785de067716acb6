import Foundation
import PostgresClient
import PressworkCore

/// Which runs a listing or a bulk action means: every condition given must hold.
public struct RunFilter: Sendable, Equatable {
    public var statuses: Set<RunStatus> = []
    /// The schedule whose fires started them.
    public var schedule: String?
    public var site: String?
    public var profile: String?
    /// Created at or after `since`, and before `until`.
    public var since: Date?
    public var until: Date?
    /// A seed containing this text, in any case.
    public var seed: String?

    public init(
        statuses: Set<RunStatus> = [], schedule: String? = nil, site: String? = nil, profile: String? = nil, since: Date? = nil,
        until: Date? = nil, seed: String? = nil
    ) {
        self.statuses = statuses
        self.schedule = schedule
        self.site = site
        self.profile = profile
        self.since = since
        self.until = until
        self.seed = seed
    }

    public var isEmpty: Bool { self == RunFilter() }

    /// Checks what a person typed, naming the field.
    public func validate() throws(ValidationError) {
        for (field, name) in [("schedule", schedule), ("site", site), ("profile", profile)] {
            if let name { try RunParams.checkName(name, field: field) }
        }
        if let since, let until, since >= until { throw ValidationError(field: "since", "must be before until") }
        if let seed {
            guard (1...100).contains(seed.count) else { throw ValidationError(field: "seed", "must be 1–100 characters") }
            try RunParams.checkText(seed, field: "seed")
        }
    }

    /// The SQL condition, every value bound; each condition has an index (migrations 0002, 0016,
    /// 0017, and 0023's trigram index for the seed text where the server has pg_trgm).
    var condition: PostgresQuery {
        """
        (\(statuses.isEmpty) OR status = ANY(\(statuses.map(\.rawValue).sorted())::text[]))
        AND (\(schedule)::text IS NULL OR (trigger ? 'schedule' AND trigger ->> 'schedule' = \(schedule)))
        AND (\(site)::text IS NULL OR (params ? 'site' AND params ->> 'site' = \(site)))
        AND (\(profile)::text IS NULL OR (params ? 'profile' AND params ->> 'profile' = \(profile)))
        AND (\(since)::timestamptz IS NULL OR created_at >= \(since))
        AND (\(until)::timestamptz IS NULL OR created_at < \(until))
        AND (\(seed.map(Self.likePattern))::text IS NULL
             OR presswork_seed_text(params) ILIKE \(seed.map(Self.likePattern)))
        """
    }

    /// `text` as a LIKE pattern that matches it literally, anywhere.
    static func likePattern(_ text: String) -> String {
        "%"
            + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%"
    }
}
