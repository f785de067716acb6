import Foundation
import Hummingbird
import PressworkCore
import PressworkStore

/// /console/schedules: every schedule with its next fire in its own zone (and the viewer's,
/// with JavaScript), pause, resume and trigger now; /console/schedules/{name}: its last fires
/// and their runs.
struct SchedulesPages: Sendable {
    let console: ConsoleRoutes

    init(_ console: ConsoleRoutes) {
        self.console = console
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/console/schedules") { request, _ in
            try await console.page(request, scope: .schedulesRead) { _, layout in
                let (schedules, unreadable) = try await console.context.schedules.listAll()
                let rows = HTML.join(schedules.map { row($0, layout: layout) })
                let broken = HTML.join(unreadable.map { "<p class=\"error\">schedule \($0.name) cannot be read: \($0.reason)</p>" })
                let content: HTML = """
                    \(broken)
                    <table><thead><tr><th scope="col">Schedule</th><th scope="col">Cron</th><th scope="col">Next fire</th>
                    <th scope="col">Last fire</th><th scope="col" class="number">Fires run / missed / skipped</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead>
                    <tbody>\(schedules.isEmpty ? HTML("<tr><td colspan=\"7\">No schedules yet (presswork schedules add).</td></tr>") : rows)</tbody></table>
                    """
                return ConsoleResponse.page(layout.render(title: "Schedules", section: .schedules, content))
            }
        }
        router.get("/console/schedules/:name") { request, requestContext in
            try await console.page(request, scope: .schedulesRead) { _, layout in
                let schedule = try await schedule(requestContext)
                let fires = try await console.context.schedules.fires(schedule.name, limit: 50)
                let rows = HTML.join(
                    fires.map { fire in
                        let run: HTML =
                            fire.runID.map { id in
                                let text = id.description
                                return "<a href=\"/console/runs/\(text)\">\(text.prefix(8))</a>"
                            } ?? "–"
                        return "<tr><td>\(Self.zoned(fire.fireAt, schedule.timeZone))</td><td>\(fire.outcome)</td><td>\(run)</td></tr>"
                    })
                let content: HTML = """
                    <table class="facts">
                    <tr><th scope="row">Cron</th><td><code>\(schedule.cron)</code> in \(schedule.timeZone)</td></tr>
                    <tr><th scope="row">Next fire</th><td>\(Self.zoned(schedule.nextFireAt, schedule.timeZone))</td></tr>
                    <tr><th scope="row">Seeds</th><td>\(schedule.params.seeds.joined(separator: ", "))</td></tr>
                    <tr><th scope="row">Misfire, overlap</th><td>\(schedule.misfire.rawValue), \(schedule.overlap.rawValue)</td></tr>
                    <tr><th scope="row">State</th><td>\(schedule.enabled ? "active" : "paused")\(schedule.disabledReason.map { HTML(": \($0)") } ?? .empty)</td></tr>
                    </table>
                    <p>\(actions(schedule, layout: layout))\(layout.session?.scopes.contains(.schedulesWrite) == true
                        ? HTML(" <a href=\"/console/schedules/\(ConsoleRoutes.queryEscaped(schedule.name))/edit\">Edit</a> <a href=\"/console/schedules/\(ConsoleRoutes.queryEscaped(schedule.name))/backfill\">Backfill</a>")
                        : .empty)</p>
                    <h2>Last fires</h2>
                    <table><thead><tr><th scope="col">Fire time</th><th scope="col">Outcome</th><th scope="col">Run</th></tr></thead>
                    <tbody>\(fires.isEmpty ? HTML("<tr><td colspan=\"3\">No fires yet.</td></tr>") : rows)</tbody></table>
                    """
                return ConsoleResponse.page(layout.render(title: "Schedule \(schedule.name)", section: .schedules, content))
            }
        }
        for (action, enabled) in [("pause", false), ("resume", true)] {
            router.post(RouterPath("/console/schedules/:name/\(action)")) { request, requestContext in
                try await console.post(request, scope: .schedulesWrite) { _, _, _ in
                    let schedule = try await schedule(requestContext)
                    _ = try await console.context.schedules.setEnabled(schedule.name, enabled)
                    return ConsoleResponse.redirect(to: "/console/schedules/\(ConsoleRoutes.queryEscaped(schedule.name))")
                }
            }
        }
        router.post("/console/schedules/:name/trigger") { request, requestContext in
            try await console.post(request, scope: .schedulesWrite) { _, _, layout in
                let schedule = try await schedule(requestContext)
                switch try await console.context.schedules.trigger(schedule.name, pipelineVersion: console.context.defaults.pipelineVersion)
                {
                case .started(let started):
                    return ConsoleResponse.redirect(to: "/console/runs/\(started.runID)")
                case .skipped(let reason):
                    let content: HTML = """
                        <p class="notice" role="status">The fire was recorded as skipped: \(reason)</p>
                        <p><a href="/console/schedules/\(ConsoleRoutes.queryEscaped(schedule.name))">Back to the schedule</a></p>
                        """
                    return ConsoleResponse.page(
                        layout.render(title: "Schedule \(schedule.name)", section: .schedules, content), status: .conflict)
                }
            }
        }
    }

    func schedule(_ requestContext: BasicRequestContext) async throws -> ScheduleRecord {
        let name = requestContext.parameters.get("name") ?? ""
        guard (try? RunParams.checkName(name, field: "name")) != nil, try await console.context.schedules.exists(name) else {
            throw ConsoleError(.notFound, "there is no schedule \(name)")
        }
        return try await console.context.schedules.get(name)
    }

    func row(_ schedule: ScheduleRecord, layout: ConsoleLayout) -> HTML {
        let link = ConsoleRoutes.queryEscaped(schedule.name)
        return """
            <tr><td><a href="/console/schedules/\(link)">\(schedule.name)</a></td><td><code>\(schedule.cron)</code> \(schedule.timeZone)</td>
            <td>\(Self.zoned(schedule.nextFireAt, schedule.timeZone))</td><td>\(Self.zoned(schedule.lastFireAt, schedule.timeZone))</td>
            <td class="number">\(schedule.firesRun) / \(schedule.firesMissed) / \(schedule.firesSkipped)</td>
            <td id="state-\(schedule.name)">\(schedule.enabled ? "active" : "paused")</td><td>\(actions(schedule, layout: layout))</td></tr>
            """
    }

    func actions(_ schedule: ScheduleRecord, layout: ConsoleLayout) -> HTML {
        let base = "/console/schedules/\(ConsoleRoutes.queryEscaped(schedule.name))"
        return HTML.join(
            [
                schedule.enabled
                    ? layout.action("Pause", to: "\(base)/pause", scope: .schedulesWrite, style: "secondary")
                    : layout.action("Resume", to: "\(base)/resume", scope: .schedulesWrite, style: "secondary"),
                layout.action("Trigger now", to: "\(base)/trigger", scope: .schedulesWrite),
            ], separator: " ")
    }

    /// A time in the schedule's zone, with the instant for the viewer's (console.js adds it).
    static func zoned(_ date: Date?, _ zone: String) -> HTML {
        guard let date else { return "–" }
        let local = date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: zone) ?? .gmt))
        return "<time datetime=\"\(date.formatted(.iso8601))\" data-local=\"1\">\(local) \(zone)</time>"
    }
}
