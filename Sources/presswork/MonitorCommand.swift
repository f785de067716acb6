import ArgumentParser
import Foundation
import PressworkStore

struct MonitorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Check health; exit 0 healthy, 1 warnings, 2 critical.",
        discussion: """
            Runs the queries of sql/monitor on one snapshot: stalled rounds (a lease expired and not \
            taken over: critical; a round running too long: warning), runs queued too long, runs \
            waiting for review too long, overdue schedules (no scheduler running: critical), schedules paused \
            because they cannot be read (critical), webhook events not delivered, orphaned rows and \
            WordPress drafts left behind, and a prune that stopped running. Prints one line \
            per finding and a summary, or with --json {status, checkedAt, checks, findings: [{check, \
            severity, subject, detail, since}]}. A database that cannot be reached or queried is \
            critical too (exit 2), so that cron and alerting hear of it. Thresholds take durations \
            like 90s, 15m, 24h, 7d.
            """
    )

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Flag(help: "Print nothing when healthy (for cron, which mails whatever a job prints).")
    var quiet = false

    @Option(help: "A running run whose lease expired this long ago without a takeover is critical.")
    var leaseGrace = DurationArgument("5m", .seconds(300))

    @Option(help: "A round running longer than this is a warning.")
    var roundAfter = DurationArgument("30m", .seconds(1_800))

    @Option(help: "Runs queued longer than this are a warning.")
    var queuedAfter = DurationArgument("15m", .seconds(900))

    @Option(help: "Runs waiting for review longer than this are a warning.")
    var reviewAfter = DurationArgument("24h", .seconds(86_400))

    @Option(help: "A schedule whose next fire is this far in the past is critical.")
    var overdueAfter = DurationArgument("5m", .seconds(300))

    @Option(help: "Webhook deliveries pending longer than this are a warning.")
    var webhookAfter = DurationArgument("15m", .seconds(900))

    @Option(help: "Orphaned rows older than this are a warning.")
    var orphanAfter = DurationArgument("1d", .seconds(86_400))

    @Option(help: "A last prune longer ago than this is a warning (nothing before the first prune).")
    var pruneAfter = DurationArgument("2d", .seconds(2 * 86_400))

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        var thresholds = Monitor.Thresholds()
        thresholds.leaseGrace = leaseGrace.duration
        thresholds.roundRunning = roundAfter.duration
        thresholds.queued = queuedAfter.duration
        thresholds.review = reviewAfter.duration
        thresholds.overdueSchedule = overdueAfter.duration
        thresholds.webhook = webhookAfter.duration
        thresholds.orphan = orphanAfter.duration
        thresholds.prune = pruneAfter.duration
        let report: Monitor.Report
        do {
            report = try await withServices(global) { services in
                try await Monitor(pool: services.pool).check(thresholds)
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            // Not knowing is an alert too.
            if json {
                struct Failure: Encodable { let status: String, error: String }
                let failure = Failure(status: "critical", error: "cannot check: \(error)")
                print(String(decoding: try JSONEncoder().encode(failure), as: UTF8.self))
            } else {
                print("critical: cannot check: \(error)")
            }
            throw ExitCode(2)
        }
        if json {
            print(try Self.json(report))
        } else if !(quiet && report.findings.isEmpty) {
            print(Self.text(report))
        }
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }

    static func json(_ report: Monitor.Report) throws -> String {
        struct Output: Encodable {
            let status: String
            let checkedAt: Date
            let checks: [String]
            let findings: [Monitor.Finding]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.dateEncodingStrategy = .iso8601
        let output = Output(status: report.status, checkedAt: report.checkedAt, checks: report.checks, findings: report.findings)
        return String(decoding: try encoder.encode(output), as: UTF8.self)
    }

    static func text(_ report: Monitor.Report) -> String {
        var lines = report.findings.sorted { $0.severity > $1.severity }.map { finding in
            [
                finding.severity.rawValue.uppercased().padding(toLength: 8, withPad: " ", startingAt: 0),
                finding.check.padding(toLength: 20, withPad: " ", startingAt: 0),
                finding.subject, "—", finding.detail,
            ].joined(separator: " ")
        }
        let critical = report.findings.filter { $0.severity == .critical }.count
        let warnings = report.findings.count - critical
        lines.append(
            report.findings.isEmpty
                ? "healthy: \(report.checks.count) checks, nothing found"
                : "\(report.status): \(critical) critical, \(warnings) warning\(warnings == 1 ? "" : "s") (\(report.checks.count) checks)")
        return lines.joined(separator: "\n")
    }
}
