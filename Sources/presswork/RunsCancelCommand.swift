import ArgumentParser
import Foundation
import PressworkRuntime
import PressworkStore

struct RunsCancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a run: at once when it is queued, failed or waiting for review; at its next boundary when running.",
        discussion: """
            A running run is asked to stop: its executor (this machine's or another's) ends it as cancelled at \
            its next section or round boundary, or at its next heartbeat (10 s), which cancels the model calls \
            in flight; a publish in progress finishes first. The rounds done so far are kept. A done or skipped \
            run cannot be cancelled (exit 1); cancelling a cancelled run changes nothing. --all with filters \
            cancels every unfinished run they match (runs cancel --all --site coffee --status queued) and \
            prints their ids.
            """
    )

    @Argument(help: "The run id (or a unique prefix); or --all with filters.")
    var run: String?

    @Flag(help: "Cancel every unfinished run the filters match.")
    var all = false

    @OptionGroup(title: "With --all: which runs (every filter given must hold)") var filters: RunFilterOptions
    @OptionGroup var owners: SiteFilterOptions

    @Option(help: "With --all: at most this many runs.")
    var limit = 1_000

    @Option(help: "Why, for the run's record (at most 500 characters).")
    var reason: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let reason, reason.count > 500 { throw ValidationError("--reason must be at most 500 characters") }
        try validateBulk(all: all, run: run, filter: try filters.filter(site: owners.site, profile: owners.profile), limit: limit)
    }

    func run() async throws {
        if all {
            let filter = try filters.filter(site: owners.site, profile: owners.profile)
            let outcome = try await withServices(global) { services in
                try await services.store.cancelAll(filter, limit: limit, reason: reason, by: "from the command line (bulk)")
            }
            printBulk(outcome, verb: "cancelled or asked to stop")
            return
        }
        try await withServices(global) { services in
            let record = try await services.store.resolve(run ?? "")
            let id = record.id.description
            switch try await services.store.cancel(record.id, reason: reason, by: "from the command line") {
            case .cancelled: print("cancelled \(id)")
            case .requested: print("cancel requested: run \(id) stops at its next boundary")
            case .already: print("run \(id) was cancelled already")
            }
        }
    }
}
