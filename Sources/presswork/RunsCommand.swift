import ArgumentParser
import Foundation
import PressworkCore
import PressworkOrchestrator
import PressworkPipeline
import PressworkRuntime
import PressworkStore

struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List, show, retry, cancel and reprocess runs.",
        subcommands: [
            RunsListCommand.self, RunsShowCommand.self, RunsFollowCommand.self, RunsRetryCommand.self, RunsCancelCommand.self,
            RunsReprocessCommand.self,
        ]
    )
}

/// Opens the services, runs `body`, and closes them whatever happens.
/// Traces are exported (when OTEL_EXPORTER_OTLP_ENDPOINT is set) until the end, then flushed.
func withServices<T>(_ global: GlobalOptions, _ body: (Services) async throws -> T) async throws -> T {
    let (settings, logger) = try global.bootstrap()
    let traces = try TraceExport.startIfConfigured(logger: logger)
    let services: Services
    do {
        services = try await Services.open(settings: settings, logger: logger)
    } catch {
        await traces?.shutdown()
        throw error
    }
    do {
        let result = try await body(services)
        await services.close()
        await traces?.shutdown()
        return result
    } catch {
        await services.close()
        await traces?.shutdown()
        throw error
    }
}

struct RunsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The newest runs first, filtered.")

    @OptionGroup(title: "Filters (every one given must hold)") var filters: RunFilterOptions
    @OptionGroup var owners: SiteFilterOptions

    @Option(help: "At most this many runs.")
    var limit = 50

    @Flag(
        help:
            "JSON: an array of {runId, status, round, seeds, createdAt, finishedAt, statusReason}. Without it: a table whose ROUND is the last round committed, or for a run in error the round it failed in."
    )
    var json = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await withServices(global) { services in
            let (runs, unreadable) = try await services.store.listPage(
                try filters.filter(site: owners.site, profile: owners.profile), limit: limit)
            for (id, reason) in unreadable {
                StandardError.write("run \(id) cannot be read: \(reason)\n")
            }
            if json {
                print(JSONValue.array(runs.map(\.summary)).text)
                return
            }
            if runs.isEmpty {
                print("no runs")
                return
            }
            func row(_ id: String, _ status: String, _ round: String, _ created: String, _ seeds: String) -> String {
                [
                    id.padding(toLength: 36, withPad: " ", startingAt: 0), status.padding(toLength: 12, withPad: " ", startingAt: 0),
                    round.padding(toLength: 10, withPad: " ", startingAt: 0), created.padding(toLength: 20, withPad: " ", startingAt: 0),
                    seeds,
                ].joined(separator: "  ")
            }
            print(row("RUN", "STATUS", "ROUND", "CREATED", "SEEDS"))
            for run in runs {
                // The last round committed; for a run in error, the round it failed in.
                let round: String
                if run.status == .error {
                    round = "\(min(7, (run.round?.rawValue ?? -1) + 1)) failed"
                } else {
                    round = run.round.map { "\($0.rawValue)" } ?? "-"
                }
                let created = run.createdAt.formatted(Date.ISO8601FormatStyle())
                // Seeds are checked when a run is created; rows written otherwise are escaped for the terminal.
                let seeds = TerminalText.safe(run.params.seeds.joined(separator: ", "))
                print(row(run.id.description, run.status.rawValue, round, created, seeds))
            }
        }
    }
}

struct RunsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a run: its status, rounds and diagnostics, or with --json the whole run document."
    )

    @Argument(help: "The run id (or a unique prefix of at least 8 characters).")
    var run: String

    @Flag(help: "The run document: runId, params, status, round, pipelineVersion, trigger, artifacts, diagnostics, totals.")
    var json = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await withServices(global) { services in
            let record = try await services.store.resolve(run)
            if json {
                print(try await RunOutput.document(record.id, store: services.store).text)
                return
            }
            print(RunsShowCommand.text(record, timeline: try await services.store.timeline(record.id)))
            for stored in try await services.store.diagnostics(record.id) {
                let diagnostic = stored.diagnostic
                let round = diagnostic.round.map { "r\($0.rawValue)" } ?? "  "
                let duration = diagnostic.durationMs.map { " \($0) ms" } ?? ""
                print(
                    "  \(round) \(diagnostic.kind.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0)) "
                        + TerminalText.safe(diagnostic.message) + duration)
            }
        }
    }

    /// The summary and the timeline of attempts, for a person; text from models, feeds or
    /// other processes is escaped for the terminal.
    static func text(_ record: RunRecord, timeline: RunTimeline) -> String {
        func time(_ date: Date?) -> String { date?.formatted(Date.ISO8601FormatStyle()) ?? "-" }
        func usd(_ amount: Double) -> String { String(format: "$%.4f", amount) }
        let params = record.params
        var lines = [
            "run:       \(record.id)",
            "status:    \(record.status)" + (record.statusReason.map { " (" + TerminalText.safe($0) + ")" } ?? ""),
            "seeds:     " + TerminalText.safe(params.seeds.joined(separator: ", ")) + "  region \(params.region)",
            "writer:    " + (params.profile.map { "profile \($0) v\(params.profileVersion ?? 0)" } ?? "the process's settings")
                + " (\(params.providers.llm))",
            "publishes: "
                + (params.dryRun
                    ? "no (dry run)"
                    : (params.site.map { "site \($0)" } ?? "the process's WordPress")
                        + " (\(params.providers.publisher ?? "?"))"),
            "trigger:   \(record.trigger.kind.rawValue)" + (record.trigger.schedule.map { " \($0)" } ?? "")
                + (record.trigger.fireAt.map { " fire \(time($0))" } ?? "") + ", pipeline \(record.pipelineVersion)",
            "times:     created \(time(record.createdAt)), started \(time(record.startedAt)), finished \(time(record.finishedAt))",
            "totals:    \(record.tokensIn) tokens in, \(record.tokensOut) out, \(usd(record.costUSD)), work \(record.workMs) ms, "
                + "attempt \(record.attempt)" + (params.budgetUSD.map { ", budget \(usd($0))" } ?? ""),
            "timeline:",
        ]
        for attempt in timeline.attempts {
            if attempt.number == 0 {
                lines.append(
                    "  copied from the parent run: rounds " + attempt.rounds.map { "\($0.round.rawValue)" }.joined(separator: ", "))
                continue
            }
            let who = attempt.claimedBy.map {
                (attempt.tookOver ? "taken over by " : "claimed by ") + $0 + " at " + time(attempt.claimedAt)
            }
            lines.append("  attempt \(attempt.number)  " + (who ?? "claimed") + "  \(usd(attempt.costUSD))")
            for round in attempt.rounds {
                lines.append(
                    "    round \(round.round.rawValue) \(round.round.name)".padding(toLength: 28, withPad: " ", startingAt: 0)
                        + "\(round.durationMs) ms  \(round.tokensIn)/\(round.tokensOut) tokens  \(usd(round.costUSD))")
            }
            for event in attempt.events {
                let round = event.diagnostic.round.map { "round \($0.rawValue) " } ?? ""
                lines.append("    \(round)\(event.diagnostic.kind.rawValue): " + TerminalText.safe(event.diagnostic.message))
            }
            if let ending = attempt.ending { lines.append("    " + TerminalText.safe(ending)) }
        }
        lines.append("diagnostics:")
        return lines.joined(separator: "\n")
    }
}

struct RunsRetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Continue a failed run from its first missing round (rounds with artifacts are not run again).",
        discussion: """
            Takes a run in error (or queued), or a running run whose worker died (its lease expired), and \
            executes it here. Rounds and sections that have artifacts are skipped. --profile or --site \
            continue it with another profile (at its current version) or site, e.g. when the one it \
            was created with can no longer be resolved. --all with filters queues every matching run in \
            error again for the workers (runs retry --all --schedule daily --since 24h); with --all, --profile \
            and --site are filters.
            """ + "\n" + RunOutput.exitCodesHelp
    )

    @Argument(help: "The run id (or a unique prefix); or --all with filters.")
    var run: String?

    @Flag(help: "Only queue it for workers.")
    var enqueue = false

    @OptionGroup(title: "For one run: another profile or site for the rest of it (default: its own); with --all: filters")
    var choice: ProfileOptions

    @Flag(help: "Queue again every run in error the filters match (oldest first; for workers, not executed here).")
    var all = false

    @OptionGroup(title: "With --all: which runs (every filter given must hold)") var filters: RunFilterOptions

    @Option(help: "With --all: at most this many runs.")
    var limit = 1_000

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        try validateBulk(all: all, run: run, filter: try filters.filter(site: choice.site, profile: choice.profile), limit: limit)
    }

    func run() async throws {
        if all {
            let filter = try filters.filter(site: choice.site, profile: choice.profile)
            let outcome = try await withServices(global) { services in
                try await services.store.retryAll(filter, limit: limit, requestedBy: "from the command line (bulk)")
            }
            printBulk(outcome, verb: "queued again")
            return
        }
        try await withServices(global) { services in
            let record = try await services.store.resolve(run ?? "")
            var params: RunParams?
            if choice.profile != nil || choice.site != nil {
                var changed = record.params
                if let profile = choice.profile {
                    try RunParams.checkName(profile, field: "profile")
                    changed.profile = profile
                }
                if let site = choice.site {
                    try RunParams.checkName(site, field: "site")
                    changed.site = site
                    changed.dryRun = false
                }
                params = try await services.catalog.prepare(changed)
            }
            try await services.store.retry(record, requestedBy: "from the command line", params: params)
            if enqueue {
                print(record.id.description)
                return
            }
            try await Execution.execute(record.id, services: services)
        }
    }
}

/// One run, or `--all` with at least one filter: a bulk action over every run is not typed by accident.
func validateBulk(all: Bool, run: String?, filter: RunFilter, limit: Int) throws {
    if all {
        guard run == nil else { throw ValidationError("give a run id or --all with filters, not both") }
        guard !filter.isEmpty else {
            throw ValidationError("--all needs at least one filter (--status, --schedule, --site, --profile, --since, --until, --seed)")
        }
        guard (1...RunStore.bulkLimit).contains(limit) else { throw ValidationError("--limit must be 1–\(RunStore.bulkLimit)") }
    } else if run == nil {
        throw ValidationError("give a run id (or --all with filters)")
    }
}

/// The runs a bulk action changed, one id per line on stdout, and a count on stderr.
func printBulk(_ outcome: BulkOutcome, verb: String) {
    for id in outcome.changed { print(id.description) }
    let moved = outcome.unchanged.isEmpty ? "" : "; \(outcome.unchanged.count) had moved on and were left as they are"
    StandardError.write("\(outcome.changed.count) run\(outcome.changed.count == 1 ? "" : "s") \(verb)\(moved)\n")
}

struct RunsReprocessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reprocess",
        abstract: "Start a new run under today's pipeline, reusing an earlier run's artifacts before a round.",
        discussion: "The new run records the earlier one as its parent; rounds from --from-round on are executed anew. "
            + "Its duplicate check leaves out the runs it descends from.\n" + RunOutput.exitCodesHelp
    )

    @Argument(help: "The earlier run's id (or a unique prefix).")
    var run: String

    @Option(help: "The first round to execute again (0…7).")
    var fromRound: Int

    @Flag(help: "Only queue the new run for workers.")
    var enqueue = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard Round(rawValue: fromRound) != nil else {
            throw ValidationError("--from-round must be between 0 and 7, not \(fromRound)")
        }
    }

    func run() async throws {
        try await withServices(global) { services in
            let parent = try await services.store.resolve(run)
            let round = Round(rawValue: fromRound)!
            let (child, copied) = try await services.store.reprocess(
                parent, from: round, pipelineVersion: Pipeline.version, by: "by presswork runs reprocess"
            )
            StandardError.write("new run \(child.id), \(copied) artifacts reused\n")
            if enqueue {
                print(child.id.description)
                return
            }
            try await Execution.execute(child.id, services: services)
        }
    }
}

extension RunStatus: ExpressibleByArgument {}
