import ArgumentParser
import Foundation
import PressworkCore
import PressworkPipeline
import PressworkRuntime
import PressworkStore

struct SchedulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedules",
        abstract: "Define recurring runs: cron expressions in a time zone, kept in Postgres.",
        discussion: """
            A schedule fires on its cron expression in its time zone; each fire starts one run (exactly one, \
            however many schedulers run). Fires are started by `presswork serve` / the scheduler; until that \
            runs, they wait and then follow the misfire policy. See the README for DST behaviour.
            """,
        subcommands: [
            SchedulesAddCommand.self, SchedulesListCommand.self, SchedulesShowCommand.self, SchedulesPauseCommand.self,
            SchedulesResumeCommand.self, SchedulesRemoveCommand.self, SchedulesNextCommand.self, SchedulesBackfillCommand.self,
            SchedulesTriggerCommand.self, SchedulesEditCommand.self,
        ]
    )
}

extension MisfirePolicy: ExpressibleByArgument {}
extension OverlapPolicy: ExpressibleByArgument {}

struct SchedulesAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add a schedule; its expression, zone and params are checked first."
    )

    @Argument(help: "The schedule's name: letters, digits, '.', '_' and '-'.")
    var name: String

    @Option(
        help:
            "Five fields (minute hour day-of-month month day-of-week), six with seconds first, or @hourly, @daily, @weekly, @monthly, @yearly."
    )
    var cron: String

    @Option(help: "IANA time zone the expression is read in.")
    var tz = "UTC"

    @Option(name: .customLong("seed"), help: "A topic; repeat for several.")
    var seeds: [String] = []

    @Option(help: "ISO 3166-1 alpha-2 region (default US).")
    var region: String?

    @Option(help: "The brand voice.")
    var voice: String?

    @Option(help: "After downtime: skip (no missed fire runs), latest (the newest runs once) or all (up to --catch-up).")
    var misfire = MisfirePolicy.latest

    @Option(help: "With --misfire all: how many missed fires run at most (the newest).")
    var catchUp = 10

    @Option(help: "While the previous run is active: skip, buffer-one (one waits) or allow.")
    var overlap = OverlapPolicy.skip

    @Option(help: "At most this many of the schedule's runs queued or running at once; a fire beyond it is skipped.")
    var maxActive: Int?

    @Flag(help: "Runs assemble HTML instead of publishing (always so when WordPress is not configured).")
    var dryRun = false

    @Option(name: .customLong("budget-usd"), parsing: .unconditional, help: "The most each run may spend on priced models, in US dollars.")
    var budgetUSD: Double?

    @Flag(help: "Print the schedule as JSON.")
    var json = false

    @OptionGroup var choice: ProfileOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let settings = try global.resolveSettings()
        let publishing = !dryRun && (choice.site != nil || settings.providers.wordpress != nil)
        let params = try RunParams.validated(
            seeds: seeds, region: region, brandVoice: voice, dryRun: !publishing, budgetUSD: budgetUSD,
            profile: choice.profile, site: choice.site
        )
        if let maxActive, maxActive < 1 {
            throw PressworkCore.ValidationError(field: "max-active", "must be at least 1, not \(maxActive)")
        }
        guard (1...1_000).contains(catchUp) else {
            throw PressworkCore.ValidationError(field: "catch-up", "must be between 1 and 1000, not \(catchUp)")
        }
        let definition = ScheduleDefinition(
            name: name, cron: cron, timeZone: tz, params: params, misfire: misfire, catchUpLimit: catchUp, overlap: overlap,
            maxActive: maxActive
        )
        _ = try definition.cronSchedule()  // refused here, before the database is opened
        try await withServices(global) { services in
            // The profile and site exist and resolve here; each fire pins the profile's version then.
            var definition = definition
            definition.params = try await services.catalog.prepare(params)
            definition.params.profileVersion = nil
            let record = try await services.schedules.add(definition)
            if json {
                print(record.document().text)
            } else {
                print("added \(record.name): next fire \(ScheduleOutput.time(record.nextFireAt, zone: record.timeZone))")
            }
        }
    }
}

struct SchedulesListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Every schedule.")

    @Flag(help: "JSON: an array of schedules (see `schedules show --json`).")
    var json = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await withServices(global) { services in
            let (records, unreadable) = try await services.schedules.listAll()
            for (name, reason) in unreadable {
                StandardError.write("schedule \(name) cannot be read: \(reason)\n")
            }
            if json {
                print(JSONValue.array(records.map { $0.document() }).text)
                return
            }
            if records.isEmpty { print("no schedules") }
            for record in records {
                print(
                    [
                        record.name, record.enabled ? "enabled" : "paused ", record.cron, record.timeZone,
                        "next " + ScheduleOutput.time(record.nextFireAt, zone: record.timeZone),
                    ].joined(separator: "  ")
                        + (record.disabledReason.map { "  (paused by the scheduler: \($0))" } ?? ""))
            }
        }
    }
}

struct SchedulesShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "A schedule with its counts and recent fires.")

    @Argument var name: String

    @Flag(
        help:
            "JSON: {name, cron, timeZone, enabled, misfire, catchUpLimit, overlap, maxActive, nextFireAt, lastFireAt, fires {run, missed, skipped}, params, disabledReason, recentFires [{fireAt, outcome, runId}]}."
    )
    var json = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await withServices(global) { services in
            let record = try await services.schedules.get(name)
            let fires = try await services.schedules.fires(name)
            if json {
                print(record.document(fires: fires).text)
                return
            }
            print(
                """
                schedule: \(record.name) (\(record.enabled ? "enabled" : record.disabledReason.map { "paused by the scheduler: \($0)" } ?? "paused"))
                cron: \(record.cron) in \(record.timeZone)
                policies: misfire \(record.misfire.rawValue) (catch-up \(record.catchUpLimit)), overlap \(record.overlap.rawValue)\(record.maxActive.map { ", at most \($0) active" } ?? "")
                next fire: \(ScheduleOutput.time(record.nextFireAt, zone: record.timeZone))
                fires: \(record.firesRun) run, \(record.firesMissed) missed, \(record.firesSkipped) skipped
                seeds: \(record.params.seeds.joined(separator: ", ")); region \(record.params.region)\(record.params.dryRun ? "; dry run" : "")
                """)
            for fire in fires {
                print(
                    "  \(ScheduleOutput.time(fire.fireAt, zone: record.timeZone))  \(fire.outcome)"
                        + (fire.runID.map { "  run \($0.description)" } ?? ""))
            }
        }
    }
}

struct SchedulesPauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Stop a schedule from firing.")
    @Argument var name: String
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await withServices(global) { services in
            _ = try await services.schedules.setEnabled(name, false)
            print("paused \(name)")
        }
    }
}

struct SchedulesResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Fire again, from the next fire after now (fires during the pause are not missed)."
    )
    @Argument var name: String
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await withServices(global) { services in
            let record = try await services.schedules.setEnabled(name, true)
            print("resumed \(name): next fire \(ScheduleOutput.time(record.nextFireAt, zone: record.timeZone))")
        }
    }
}

struct SchedulesRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove a schedule and its fire records (its runs stay).")
    @Argument var name: String
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await withServices(global) { services in
            try await services.schedules.remove(name)
            print("removed \(name)")
        }
    }
}

struct SchedulesNextCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "next", abstract: "The schedule's next fire times.")

    @Argument var name: String

    @Option(help: "How many.")
    var count = 5

    @Option(help: "From this instant (ISO 8601, e.g. 2026-11-24T10:00:00Z; default now).")
    var after: String?

    @Flag(help: "JSON: an array of ISO 8601 instants (UTC).")
    var json = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let start = try after.map { try ScheduleOutput.parseInstant($0, option: "after") } ?? Date()
        guard (1...1_000).contains(count) else { throw PressworkCore.ValidationError(field: "count", "must be between 1 and 1000") }
        try await withServices(global) { services in
            let record = try await services.schedules.get(name)
            let fires = try record.definition.cronSchedule().fires(after: start, count: count)
            if json {
                print(JSONValue.array(fires.map { .string(ScheduleOutput.iso($0)) }).text)
            } else {
                for fire in fires { print(ScheduleOutput.time(fire, zone: record.timeZone)) }
            }
        }
    }
}

struct SchedulesBackfillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Start the runs of a past window's fires; fires that already have a run are left alone."
    )

    @Argument var name: String

    @Option(help: "Window start, exclusive (ISO 8601).")
    var from: String

    @Option(help: "Window end, inclusive (ISO 8601).")
    var to: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let start = try ScheduleOutput.parseInstant(from, option: "from")
        let end = try ScheduleOutput.parseInstant(to, option: "to")
        guard start < end else { throw PressworkCore.ValidationError(field: "from", "must be before --to") }
        try await withServices(global) { services in
            let started = try await services.schedules.backfill(name, from: start, through: end, pipelineVersion: Pipeline.version)
            print("backfill of \(name): \(started.count) run(s) queued")
            for run in started { print("  \(ScheduleOutput.iso(run.fireAt))  run \(run.runID)") }
        }
    }
}

struct SchedulesTriggerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger",
        abstract: "Fire a schedule now: one run, queued for the workers, recorded as a manual fire.",
        discussion: """
            The overlap policy and --max-active apply as to any fire: a refused trigger is recorded as a \
            skipped fire and exits 1 saying why. The schedule's own next fire is not moved.
            """
    )

    @Argument var name: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await withServices(global) { services in
            switch try await services.schedules.trigger(name, pipelineVersion: Pipeline.version) {
            case .started(let run):
                print("\(name) fired at \(ScheduleOutput.iso(run.fireAt)): run \(run.runID) queued")
            case .skipped(let reason):
                throw ScheduleError(.conflict, "\(name) was not fired: \(reason) (recorded as a skipped fire)")
            }
        }
    }
}

/// How schedules are printed.
enum ScheduleOutput {
    static func iso(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }

    /// The instant in UTC and in the schedule's zone.
    static func time(_ date: Date?, zone: String) -> String {
        guard let date else { return "never" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: zone)
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss zzz"
        return "\(iso(date)) (\(formatter.string(from: date)))"
    }

    static func parseInstant(_ text: String, option: String) throws -> Date {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withFullDate]
        if let date = formatter.date(from: text) { return date }
        throw PressworkCore.ValidationError(field: option, "\"\(text)\" is not an ISO 8601 instant (2026-11-24T10:00:00Z) or date")
    }

}

struct SchedulesEditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Change some of a schedule's settings; the rest stay. The result is checked whole before it is written.",
        discussion: """
            Its fires, counts and pause state stay; an enabled schedule's next fire is computed anew. --seed \
            replaces the seeds (repeat it for several). The edit replaces the row as read (last write wins).
            """
    )

    @Argument(help: "The schedule's name.")
    var name: String

    @Option(help: "A new cron expression.")
    var cron: String?

    @Option(help: "A new IANA time zone.")
    var tz: String?

    @Option(name: .customLong("seed"), help: "The new seeds; repeat for several.")
    var seeds: [String] = []

    @Option(help: "A new region.")
    var region: String?

    @Option(help: "A new brand voice.")
    var voice: String?

    @Option(help: "skip, latest or all.")
    var misfire: MisfirePolicy?

    @Option(help: "With --misfire all: how many missed fires run at most.")
    var catchUp: Int?

    @Option(help: "skip, buffer-one or allow.")
    var overlap: OverlapPolicy?

    @Option(help: "At most this many of its runs queued or running at once.")
    var maxActive: Int?

    @Flag(help: "No limit on its active runs.")
    var noMaxActive = false

    @Option(name: .customLong("budget-usd"), parsing: .unconditional, help: "The most each run may spend, in US dollars.")
    var budgetUSD: Double?

    @Flag(help: "No budget of the schedule's own (the profile's or the process's default applies).")
    var noBudget = false

    @Flag(inversion: .prefixedNo, help: "Whether its runs only assemble HTML (--dry-run) or publish (--no-dry-run).")
    var dryRun: Bool?

    @OptionGroup var choice: ProfileOptions

    @Flag(help: "Its runs use this process's writer settings instead of a profile.")
    var noProfile = false

    @Flag(help: "Its runs publish with this process's WordPress settings instead of a site.")
    var noSite = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if noMaxActive && maxActive != nil { throw ValidationError("give --max-active or --no-max-active, not both") }
        if noBudget && budgetUSD != nil { throw ValidationError("give --budget-usd or --no-budget, not both") }
        if noProfile && choice.profile != nil { throw ValidationError("give --profile or --no-profile, not both") }
        if noSite && choice.site != nil { throw ValidationError("give --site or --no-site, not both") }
        if let maxActive, maxActive < 1 { throw ValidationError("--max-active must be at least 1, not \(maxActive)") }
        if let catchUp, !(1...1_000).contains(catchUp) { throw ValidationError("--catch-up must be between 1 and 1000") }
    }

    func run() async throws {
        try await withServices(global) { services in
            let record = try await services.schedules.get(name)
            var definition = record.definition
            var params = definition.params
            definition.cron = cron ?? definition.cron
            definition.timeZone = tz ?? definition.timeZone
            definition.misfire = misfire ?? definition.misfire
            definition.catchUpLimit = catchUp ?? definition.catchUpLimit
            definition.overlap = overlap ?? definition.overlap
            if noMaxActive { definition.maxActive = nil } else if let maxActive { definition.maxActive = maxActive }
            if noBudget { params.budgetUSD = nil } else if let budgetUSD { params.budgetUSD = budgetUSD }
            if noProfile { params.profile = nil } else if let profile = choice.profile { params.profile = profile }
            if noSite { params.site = nil } else if let site = choice.site { params.site = site }
            var dryRun = dryRun ?? params.dryRun
            // A site newly named means publishing there, unless --dry-run says otherwise.
            if choice.site != nil && self.dryRun == nil { dryRun = false }
            if self.dryRun == nil && !services.catalog.publishes(site: params.site) { dryRun = true }
            // Every field checked again, as `schedules add` checks them.
            let checked = try RunParams.validated(
                seeds: seeds.isEmpty ? params.seeds : seeds, region: region ?? params.region, brandVoice: voice ?? params.brandVoice,
                dryRun: dryRun, thresholds: params.thresholds, budgetUSD: params.budgetUSD, profile: params.profile, site: params.site
            )
            _ = try definition.cronSchedule()
            definition.params = try await services.catalog.prepare(checked)
            definition.params.profileVersion = nil
            let changed = try await services.schedules.replace(definition)
            print("changed \(changed.name): next fire \(ScheduleOutput.time(changed.nextFireAt, zone: changed.timeZone))")
        }
    }
}
