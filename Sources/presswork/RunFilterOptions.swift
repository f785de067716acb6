import ArgumentParser
import Foundation
import PressworkCore
import PressworkStore

/// An instant on the command line: an ISO 8601 time (`2026-12-01T09:00:00Z`), a day
/// (`2026-12-01`, midnight UTC), or a length of time ago (`24h`, `7d`).
struct InstantArgument: ExpressibleByArgument, Sendable {
    let text: String

    init?(argument: String) {
        guard Self.parse(argument, now: Date()) != nil else { return nil }
        text = argument
    }

    /// The instant, with "ago" counted from `now`.
    func date(now: Date) -> Date { Self.parse(text, now: now)! }

    static func parse(_ text: String, now: Date) -> Date? {
        if let ago = DurationArgument(argument: text) { return now.addingTimeInterval(-ago.duration.seconds) }
        if let instant = try? Date(text, strategy: .iso8601) { return instant }
        return try? Date(text + "T00:00:00Z", strategy: .iso8601)
    }

    static let help = "an ISO 8601 time, a day (2026-12-01, UTC), or a length of time ago (24h, 7d)"
}

/// The filters of `runs list`, `runs retry --all` and `runs cancel --all`: every one given must
/// hold. `--site` and `--profile` are the command's own (`SiteFilterOptions`, or for `runs retry`
/// its `ProfileOptions`, which name the new profile of one run and filter with `--all`).
struct RunFilterOptions: ParsableArguments {
    @Option(
        name: .customLong("status"),
        help: "Runs with this status (queued, running, done, error, needs_review, skipped, cancelled); repeat for several.")
    var statuses: [RunStatus] = []

    @Option(help: "Runs started by this schedule's fires.")
    var schedule: String?

    @Option(help: "Runs created at or after this: \(InstantArgument.help).")
    var since: InstantArgument?

    @Option(help: "Runs created before this: \(InstantArgument.help).")
    var until: InstantArgument?

    @Option(help: "Runs with a seed containing this text (any case).")
    var seed: String?

    func filter(site: String?, profile: String?, now: Date = Date()) throws -> RunFilter {
        let filter = RunFilter(
            statuses: Set(statuses), schedule: schedule, site: site, profile: profile, since: since?.date(now: now),
            until: until?.date(now: now), seed: seed
        )
        try filter.validate()
        return filter
    }
}

/// `--site` and `--profile` as filters.
struct SiteFilterOptions: ParsableArguments {
    @Option(help: "Runs that publish to this site.")
    var site: String?

    @Option(help: "Runs written with this profile.")
    var profile: String?
}
