import Foundation
import Hummingbird
import PressworkCore
import PressworkStore

/// /console: health (the monitor's findings), the queue, runs and cost over the last day, week
/// and month, and charts of the last 14 days; /console/monitor: every check with its findings.
struct OverviewPage: Sendable {
    let console: ConsoleRoutes

    init(_ console: ConsoleRoutes) {
        self.console = console
    }

    static let statusColours: [(RunStatus, String)] = [
        (.done, "#1b6e35"), (.error, "#a4161a"), (.skipped, "#8a96a3"), (.cancelled, "#5c4b8a"),
        (.needsReview, "#b36b00"), (.running, "#0b57a4"), (.queued, "#6fa8dc"),
    ]

    func register(on router: Router<BasicRequestContext>) {
        router.get("/console") { request, _ in
            try await console.page(request, scope: .runsRead) { _, layout in
                // Redrawn every 30 s: its monitor checks and aggregates are the heaviest page, too
                // heavy to run again on every event of a busy installation.
                let content: HTML = "<div id=\"live\" data-refresh=\"30\">\(try await overview())</div>"
                return ConsoleResponse.page(layout.render(title: "Overview", section: .overview, content))
            }
        }
        router.get("/console/monitor") { request, _ in
            try await console.page(request, scope: .runsRead) { _, layout in
                let report = try await Monitor(pool: console.context.pool).check()
                let rows = HTML.join(
                    report.checks.map { check in
                        let findings = report.findings.filter { $0.check == check }
                        return """
                            <tr><td>\(check)</td><td>\(findings.isEmpty ? HTML("<span class=\"status-done\">ok</span>") : HTML.join(findings.map(finding)))</td></tr>
                            """
                    })
                let content: HTML = """
                    <p>Checked at \(ConsoleLayout.time(report.checkedAt)): the queries in <code>sql/monitor</code>, as <code>presswork monitor</code> runs them.</p>
                    <table><thead><tr><th scope="col">Check</th><th scope="col">Findings</th></tr></thead><tbody>\(rows)</tbody></table>
                    """
                return ConsoleResponse.page(layout.render(title: "Monitor", section: .monitor, content))
            }
        }
    }

    func finding(_ finding: Monitor.Finding) -> HTML {
        """
        <div class="finding"><strong>\(finding.severity.rawValue)</strong> \(finding.subject): \(finding.detail)\(finding.since.map { HTML(" (since \(ConsoleLayout.time($0)))") } ?? .empty)</div>
        """
    }

    func overview() async throws -> HTML {
        let now = Date()
        let pool = console.context.pool
        let queries = OverviewQueries(pool: pool)
        async let report = Monitor(pool: pool).check()
        async let gauges = HealthQueries(pool: pool).gauges()
        async let lastDay = queries.window(since: now.addingTimeInterval(-86_400))
        async let lastWeek = queries.window(since: now.addingTimeInterval(-7 * 86_400))
        async let days = queries.days(since: Calendar.utc.startOfDay(for: now).addingTimeInterval(-13 * 86_400))
        async let durations = queries.roundDurations(since: now.addingTimeInterval(-86_400))
        let utc = Calendar.utc
        let today = try await queries.window(since: utc.startOfDay(for: now))
        let month = try await queries.window(since: utc.date(from: utc.dateComponents([.year, .month], from: now)) ?? now)

        let findings = try await report.findings
        let health: HTML =
            findings.isEmpty
            ? "<div class=\"finding ok\">All monitoring checks pass.</div>"
            : HTML.join(findings.map(finding))
        let queue = try await gauges
        func card(_ value: String, _ label: String) -> HTML {
            "<div class=\"card\"><div class=\"value\">\(value)</div><div class=\"label\">\(label)</div></div>"
        }
        let cards = HTML.join([
            card(String(Int(queue.runsByStatus[.queued] ?? 0)), "queued"),
            card(Self.duration(queue.oldestQueuedSeconds), "oldest queued"),
            card(String(Int(queue.runsByStatus[.running] ?? 0)), "running"),
            card(String(Int(queue.runsByStatus[.needsReview] ?? 0)), "waiting for review"),
            card(Self.usd(today.costUSD), "cost today (UTC)"),
            card(Self.usd(month.costUSD), "cost this month"),
        ])
        let windows = [("last 24 hours", try await lastDay), ("last 7 days", try await lastWeek)]
        let statusRows = HTML.join(
            windows.map { name, window in
                let cells = HTML.join(
                    Self.statusColours.map { status, _ in
                        "<td class=\"number\"><a href=\"/console/runs?status=\(status.rawValue)\">\(window.runsByStatus[status] ?? 0)</a></td>"
                    })
                return "<tr><th scope=\"row\">\(name)</th>\(cells)<td class=\"number\">\(Self.usd(window.costUSD))</td></tr>"
            })
        let statusHeader = HTML.join(Self.statusColours.map { "<th scope=\"col\" class=\"number\">\($0.0.rawValue)</th>" })

        let series = try await days
        let labels = Self.dayLabels(from: utc.startOfDay(for: now).addingTimeInterval(-13 * 86_400), count: 14)
        let byDay = Dictionary(uniqueKeysWithValues: series.map { ($0.day, $0) })
        let runsChart = SVGChart.stackedBars(
            title: "Runs per day by status", labels: labels,
            series: Self.statusColours.map { SVGChart.Series(name: $0.0.rawValue, colour: $0.1) },
            values: labels.map { day in Self.statusColours.map { Double(byDay[day]?.runsByStatus[$0.0] ?? 0) } }, unit: "runs"
        )
        let costChart = SVGChart.stackedBars(
            title: "Cost per day", labels: labels, series: [SVGChart.Series(name: "USD", colour: "#0b57a4")],
            values: labels.map { [byDay[$0]?.costUSD ?? 0] }, unit: "USD"
        )
        let tokensChart = SVGChart.stackedBars(
            title: "Tokens per day", labels: labels, series: [SVGChart.Series(name: "tokens", colour: "#5c4b8a")],
            values: labels.map { [Double(byDay[$0]?.tokens ?? 0)] }, unit: "tokens"
        )
        let rounds = try await durations
        let durationChart = SVGChart.stackedBars(
            title: "Round durations, last 24 hours (p50, and p95 above it)", labels: rounds.map { "r\($0.round.rawValue)" },
            series: [SVGChart.Series(name: "p50 ms", colour: "#0b57a4"), SVGChart.Series(name: "p95 − p50 ms", colour: "#6fa8dc")],
            values: rounds.map { [Double($0.p50Milliseconds), Double(max(0, $0.p95Milliseconds - $0.p50Milliseconds))] }, unit: "ms"
        )
        let durationRows = HTML.join(
            rounds.map {
                "<tr><td>\($0.round)</td><td class=\"number\">\($0.completions)</td><td class=\"number\">\($0.p50Milliseconds)</td><td class=\"number\">\($0.p95Milliseconds)</td></tr>"
            })
        return """
            <h2>Health</h2>
            \(health)
            <h2>Queue and spending</h2>
            <div class="cards">\(cards)</div>
            <h2>Runs by status</h2>
            <table><thead><tr><th scope="col">Created</th>\(statusHeader)<th scope="col" class="number">cost</th></tr></thead><tbody>\(statusRows)</tbody></table>
            <h2>The last 14 days</h2>
            \(runsChart)
            \(costChart)
            \(tokensChart)
            \(durationChart)
            <table><thead><tr><th scope="col">Round</th><th scope="col" class="number">completed</th><th scope="col" class="number">p50 ms</th><th scope="col" class="number">p95 ms</th></tr></thead>
            <tbody>\(durationRows)</tbody></table>
            """
    }

    static func dayLabels(from start: Date, count: Int) -> [String] {
        (0..<count).map { offset in
            let day = start.addingTimeInterval(Double(offset) * 86_400)
            return day.formatted(.iso8601.year().month().day().dateSeparator(.dash))
        }
    }

    static func usd(_ value: Double) -> String { String(format: "$%.2f", value) }

    static func duration(_ seconds: Double) -> String {
        switch seconds {
        case ..<1: return "–"
        case ..<120: return "\(Int(seconds)) s"
        case ..<7200: return "\(Int(seconds / 60)) min"
        default: return String(format: "%.1f h", seconds / 3600)
        }
    }
}

extension Calendar {
    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
