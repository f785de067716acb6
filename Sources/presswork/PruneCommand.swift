import ArgumentParser
import Foundation
import PressworkStore

struct PruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove finished runs past their retention, orphaned rows and old events.",
        discussion: """
            Done, skipped and cancelled runs older than --older-than (from when they finished) are \
            deleted with everything they own; runs that ended in error are kept longer \
            (--errors-older-than, never less than --older-than). A run that published a WordPress \
            post is compacted instead: its artifacts, checkpoints and diagnostics go, the run row, \
            its publication record and its article vector stay, because the duplicate check compares \
            new articles with every published post. Never removed: runs waiting for review, queued \
            or running runs, runs whose failed publish left a draft in WordPress (monitor lists them). Orphaned rows (views/orphaned_rows.sql) go too, and events older than \
            --events-older-than that no webhook still waits for.

            Works in small batches, each one short transaction that skips rows others hold, so \
            workers keep claiming and committing meanwhile. One prune at a time: a second one (or the \
            maintenance service of `serve --prune-every`) finds the lock taken and exits 0 saying \
            so. --dry-run counts what would go and changes nothing. Durations: 90s, 15m, 12h, 30d, 2w.

            After the prune, the duplicate check's code lists catch up with the corpus: a model \
            with 20,000 stored vectors or more gets lists (again when its corpus has grown \
            fourfold), and vectors not yet in the newest lists are moved there (reported in the \
            log; `serve --prune-every` does the same at most hourly).
            """
    )

    @Option(help: "Keep done, skipped and cancelled runs this long after they finished.")
    var olderThan = DurationArgument("30d", .seconds(30 * 86_400))

    @Option(help: "Keep runs that ended in error this long after they finished.")
    var errorsOlderThan = DurationArgument("90d", .seconds(90 * 86_400))

    @Option(help: "Keep events (webhooks, progress) this long.")
    var eventsOlderThan = DurationArgument("14d", .seconds(14 * 86_400))

    @Option(help: "Runs (or orphaned rows of each kind) per transaction.")
    var batchSize = 500

    @Flag(help: "Count what would be removed; remove nothing.")
    var dryRun = false

    @Flag(
        help:
            "Print the report as JSON: {runsDeleted, runsCompacted, artifacts, checkpoints, diagnostics, vectors, orphans: {kind: n}, events, batches, durationMs, dryRun}."
    )
    var json = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard (1...10_000).contains(batchSize) else {
            throw ValidationError("batch-size must be between 1 and 10000, not \(batchSize)")
        }
    }

    func run() async throws {
        let retention = Pruner.Retention(
            finished: olderThan.duration, errors: errorsOlderThan.duration, events: eventsOlderThan.duration
        )
        let report: Pruner.Report? = try await withServices(global) { services in
            if dryRun { return try await Pruner(pool: services.pool, logger: services.logger).plan(retention) }
            // The prune lock is a session's: behind a transaction pooler, the direct connection's.
            let sessions = try await services.sessionPool(purpose: "presswork prune")
            let pruner = Pruner(pool: sessions, logger: services.logger)
            let owner = "presswork prune (\(ProcessInfo.processInfo.hostName) pid \(getpid()))"
            let log = MaintenanceLog(pool: sessions)
            let report = try await log.run(.prune, owner: owner) { connection in
                try await pruner.prune(retention, batchSize: batchSize, pause: .milliseconds(10), on: connection)
            }
            // A nightly prune is also when the duplicate check's code lists catch up with the
            // corpus (trained where it grew, vectors moved into the newest lists); its report
            // goes to the log, so that --json prints the prune's alone.
            try await VectorListIndexer(store: services.store, logger: services.logger).refresh(recordedIn: log, owner: owner)
            if sessions !== services.pool { await sessions.close() }
            return report
        }
        guard let report else {
            print("another prune is running (the prune lock is taken); nothing done")
            return
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(Self.text(report))
        }
    }

    static func text(_ report: Pruner.Report) -> String {
        let (deleted, compacted) = report.dryRun ? ("to delete", "to compact") : ("deleted", "compacted")
        let orphans = report.orphans.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
        return [
            "runs:       \(report.runsDeleted) \(deleted), \(report.runsCompacted) \(compacted) (published: row, post record and vector kept)",
            "with them:  \(report.artifacts) artifacts, \(report.checkpoints) checkpoints, \(report.diagnostics) diagnostics, \(report.vectors) vectors",
            "orphans:    " + (orphans.isEmpty ? "none" : orphans.joined(separator: ", ")),
            "events:     \(report.events)",
            report.dryRun ? "dry run: nothing was removed" : "\(report.batches) batches in \(report.durationMs) ms",
        ].joined(separator: "\n")
    }
}
