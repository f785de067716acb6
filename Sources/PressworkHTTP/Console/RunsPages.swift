import Foundation
import Hummingbird
import PressworkCore
import PressworkStore

/// /console/runs: the runs with filters and keyset paging, following new events live; bulk
/// retry and cancel of what the filters match. The run's own page is `RunPage`.
struct RunsPages: Sendable {
    let console: ConsoleRoutes
    static let pageSize = 50

    init(_ console: ConsoleRoutes) {
        self.console = console
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/console/runs") { request, _ in
            try await console.page(request, scope: .runsRead) { _, layout in
                try await list(request, layout: layout)
            }
        }
        router.get("/console/events") { request, _ in
            guard try await console.signIn.session(request)?.scopes.contains(.runsRead) == true else {
                return ConsoleResponse.page("", status: .unauthorized)
            }
            return ConsoleEventStream.anyRun(hub: console.context.hub)
        }
        for (path, retry) in [("/console/runs/retry", true), ("/console/runs/cancel", false)] {
            router.post(RouterPath(path)) { request, _ in
                try await console.post(request, scope: .runsWrite) { session, form, layout in
                    let filter = try Self.filter(form["query"].map { Self.parameters($0) } ?? [:])
                    guard !filter.isEmpty else {
                        throw ConsoleError(.unprocessableContent, "a bulk action needs at least one filter; nothing was changed")
                    }
                    let outcome =
                        retry
                        ? try await console.context.store.retryAll(filter, limit: 1_000, requestedBy: session.actor)
                        : try await console.context.store.cancelAll(
                            filter, limit: 1_000, reason: "cancelled in bulk from the console", by: session.actor)
                    let content: HTML = """
                        <p class="notice" role="status">\(retry ? "Retried" : "Cancelled") \(outcome.changed.count) runs; \(outcome.unchanged.count) had moved on and were left as they were.</p>
                        <p><a href="/console/runs?\(form["query"] ?? "")">Back to the runs</a></p>
                        """
                    return ConsoleResponse.page(layout.render(title: retry ? "Bulk retry" : "Bulk cancel", section: .runs, content))
                }
            }
        }
        RunPage(console).register(on: router)
    }

    func list(_ request: Request, layout: ConsoleLayout) async throws -> Response {
        let query = request.uri.queryParameters
        var values: [String: String] = [:]
        for name in ["status", "schedule", "site", "since", "until", "seed"] {
            if let value = query.get(name) { values[name] = String(value) }
        }
        let filter: RunFilter
        var problem: HTML = .empty
        do {
            filter = try Self.filter(values)
        } catch let error as ConsoleError {
            problem = "<p class=\"error\" role=\"alert\">\(error.message)</p>"
            filter = RunFilter()
            let content = filterForm(values, layout: layout, problem: problem, total: nil)
            return ConsoleResponse.page(layout.render(title: "Runs", section: .runs, content), status: .unprocessableContent)
        }
        let before = query.get("before").flatMap { RunID(String($0)) }
        let page = try await console.context.store.listPage(filter, limit: Self.pageSize + 1, before: before)
        let runs = Array(page.runs.prefix(Self.pageSize))
        let rows = HTML.join(runs.map(row))
        let unreadable = HTML.join(page.unreadable.map { "<p class=\"error\">run \($0.id.description) cannot be read: \($0.reason)</p>" })
        let queryText = Self.encode(values)
        var pager: [HTML] = []
        if before != nil { pager.append("<a href=\"/console/runs?\(queryText)\">Newest</a>") }
        if page.runs.count > Self.pageSize, let last = runs.last {
            pager.append("<a href=\"/console/runs?\(queryText)\(queryText.isEmpty ? "" : "&")before=\(last.id)\">Older</a>")
        }
        let bulk: HTML =
            filter.isEmpty
            ? .empty
            : """
            <p>For every run these filters match: \(layout.action("Retry the failed ones", to: "/console/runs/retry", scope: .runsWrite, fields: [("query", queryText)], style: "secondary"))
            \(layout.action("Cancel the unfinished ones", to: "/console/runs/cancel", scope: .runsWrite, fields: [("query", queryText)], style: "danger"))</p>
            """
        let content: HTML = """
            \(filterForm(values, layout: layout, problem: problem, total: runs.count))
            \(bulk)
            \(unreadable)
            <div id="live" data-live="/console/events" data-refresh="\(before == nil ? "5" : "0")">
            <table>
              <thead><tr><th scope="col">Run</th><th scope="col">Status</th><th scope="col">Seeds</th><th scope="col">Site</th>
              <th scope="col">Schedule</th><th scope="col">Round</th><th scope="col">Created (UTC)</th><th scope="col" class="number">Cost</th></tr></thead>
              <tbody>\(rows.description.isEmpty ? HTML("<tr><td colspan=\"8\">No runs match.</td></tr>") : rows)</tbody>
            </table>
            </div>
            <nav class="pager" aria-label="Pages">\(pager)</nav>
            """
        return ConsoleResponse.page(layout.render(title: "Runs", section: .runs, content))
    }

    func row(_ run: RunRecord) -> HTML {
        let id = run.id.description
        return """
            <tr><td><a href="/console/runs/\(id)">\(id.prefix(8))</a></td>
            <td class="status status-\(run.status.rawValue)">\(run.status.rawValue)</td>
            <td>\(run.params.seeds.joined(separator: ", "))</td><td>\(run.params.site ?? "–")</td>
            <td>\(run.trigger.schedule ?? "–")</td><td>\(run.round.map { String($0.rawValue) } ?? "–")</td>
            <td>\(ConsoleLayout.time(run.createdAt))</td><td class="number">\(OverviewPage.usd(run.costUSD))</td></tr>
            """
    }

    func filterForm(_ values: [String: String], layout: ConsoleLayout, problem: HTML, total: Int?) -> HTML {
        let statuses = HTML.join(
            ([""] + RunStatus.allCases.map(\.rawValue)).map { status in
                "<option value=\"\(status)\"\(values["status"] == status ? HTML(" selected") : .empty)>\(status.isEmpty ? "any" : status)</option>"
            })
        func field(_ name: String, _ label: String, _ hint: String) -> HTML {
            "<label for=\"filter-\(name)\">\(label)<input id=\"filter-\(name)\" name=\"\(name)\" value=\"\(values[name] ?? "")\" placeholder=\"\(hint)\"></label>"
        }
        return """
            \(problem)
            <form method="get" action="/console/runs" class="filters" role="search">
              <label for="filter-status">Status<select id="filter-status" name="status">\(statuses)</select></label>
              \(field("schedule", "Schedule", "name"))
              \(field("site", "Site", "name"))
              \(field("since", "Created since", "2026-12-01T00:00:00Z"))
              \(field("until", "Created before", "2026-12-02T00:00:00Z"))
              \(field("seed", "Seed contains", "text"))
              <button type="submit">Filter</button>
            </form>
            """
    }

    /// The filters as the API reads them (`GET /v1/runs`), refusals naming the field.
    static func filter(_ values: [String: String]) throws -> RunFilter {
        var filter = RunFilter()
        func value(_ name: String) -> String? {
            values[name].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0.trimmingCharacters(in: .whitespaces) }
        }
        for text in (value("status") ?? "").split(separator: ",") {
            guard let status = RunStatus(rawValue: String(text)) else {
                throw ConsoleError(
                    .unprocessableContent, "status must be one of \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter.statuses.insert(status)
        }
        filter.schedule = value("schedule")
        filter.site = value("site")
        filter.seed = value("seed")
        for (field, keyPath) in [("since", \RunFilter.since), ("until", \RunFilter.until)] {
            guard let text = value(field) else { continue }
            guard let date = try? Date(text, strategy: .iso8601) else {
                throw ConsoleError(.unprocessableContent, "\(field): \(text) is not an ISO 8601 time such as 2026-12-01T09:00:00Z")
            }
            filter[keyPath: keyPath] = date
        }
        do {
            try filter.validate()
        } catch {
            throw ConsoleError(.unprocessableContent, error.description)
        }
        return filter
    }

    static func encode(_ values: [String: String]) -> String {
        values.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }
            .map { "\($0.key)=\(ConsoleRoutes.queryEscaped($0.value))" }.joined(separator: "&")
    }

    static func parameters(_ query: String) -> [String: String] {
        var values: [String: String] = [:]
        for field in (try? ConsoleForm.parse(query).fields) ?? [] { values[field.name] = field.value }
        return values
    }
}
