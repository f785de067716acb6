import Foundation
import Hummingbird
import PressworkCore
import PressworkStore

/// /console/schedules/{name}/edit: the expression, zone, topics and policies in a form checked
/// as `schedules edit` checks them (errors beside the fields, what was typed kept, nothing
/// changed until every field passes); /console/schedules/{name}/backfill: a window's fires
/// previewed in the schedule's zone before they are queued.
struct ScheduleFormPages: Sendable {
    let console: ConsoleRoutes
    let schedules: SchedulesPages

    init(_ console: ConsoleRoutes) {
        self.console = console
        self.schedules = SchedulesPages(console)
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/console/schedules/:name/edit") { request, requestContext in
            try await console.page(request, scope: .schedulesWrite) { session, layout in
                let schedule = try await schedules.schedule(requestContext)
                return page(schedule, values: Self.values(schedule), errors: [:], layout: layout, session: session, status: .ok)
            }
        }
        router.post("/console/schedules/:name/edit") { request, requestContext in
            try await console.post(request, scope: .schedulesWrite) { session, form, layout in
                let schedule = try await schedules.schedule(requestContext)
                let values = form.values
                let (definition, errors) = Self.definition(from: values, replacing: schedule)
                guard let definition, errors.isEmpty else {
                    return page(schedule, values: values, errors: errors, layout: layout, session: session, status: .unprocessableContent)
                }
                _ = try await console.context.schedules.replace(definition)
                return ConsoleResponse.redirect(to: "/console/schedules/\(ConsoleRoutes.queryEscaped(schedule.name))")
            }
        }
        router.get("/console/schedules/:name/backfill") { request, requestContext in
            try await console.page(request, scope: .schedulesWrite) { session, layout in
                let schedule = try await schedules.schedule(requestContext)
                let query = request.uri.queryParameters
                let values = ["from": query.get("from").map { String($0) } ?? "", "through": query.get("through").map { String($0) } ?? ""]
                return try backfillPage(
                    schedule, values: values, preview: !(values["from"] ?? "").isEmpty, layout: layout, session: session)
            }
        }
        router.post("/console/schedules/:name/backfill") { request, requestContext in
            try await console.post(request, scope: .schedulesWrite) { session, form, layout in
                let schedule = try await schedules.schedule(requestContext)
                let values = ["from": form["from"] ?? "", "through": form["through"] ?? ""]
                guard case .window(let from, let through) = Self.window(values) else {
                    return try backfillPage(schedule, values: values, preview: true, layout: layout, session: session)
                }
                let started = try await console.context.schedules.backfill(
                    schedule.name, from: from, through: through, pipelineVersion: console.context.defaults.pipelineVersion
                )
                let content: HTML = """
                    <p class="notice" role="status">Queued \(started.count) runs for the fires of the window that had none.</p>
                    <p><a href="/console/schedules/\(ConsoleRoutes.queryEscaped(schedule.name))">Back to the schedule</a></p>
                    """
                return ConsoleResponse.page(layout.render(title: "Backfill \(schedule.name)", section: .schedules, content))
            }
        }
    }

    // MARK: Edit

    static func values(_ schedule: ScheduleRecord) -> [String: String] {
        [
            "cron": schedule.cron, "tz": schedule.timeZone, "seeds": schedule.params.seeds.joined(separator: "\n"),
            "region": schedule.params.region, "brandVoice": schedule.params.brandVoice, "misfire": schedule.misfire.rawValue,
            "catchUp": String(schedule.catchUpLimit), "overlap": schedule.overlap.rawValue,
            "maxActive": schedule.maxActive.map(String.init) ?? "",
        ]
    }

    /// The definition the form describes, or the problems, each under its field's name.
    static func definition(from values: [String: String], replacing schedule: ScheduleRecord) -> (ScheduleDefinition?, [String: String]) {
        var errors: [String: String] = [:]
        let cron = (values["cron"] ?? "").trimmingCharacters(in: .whitespaces)
        let zone = (values["tz"] ?? "").trimmingCharacters(in: .whitespaces)
        if TimeZone(identifier: zone) == nil {
            errors["tz"] = "\(zone.isEmpty ? "an empty name" : zone) is not an IANA time zone (e.g. Europe/Berlin)"
        }
        if cron.utf8.count > 1_000 {
            errors["cron"] = "must be at most 1000 bytes"
        } else if errors["tz"] == nil {
            do { _ = try CronSchedule(expression: cron, timeZone: zone) } catch { errors["cron"] = error.description }
        }
        let misfire = MisfirePolicy(rawValue: values["misfire"] ?? "")
        if misfire == nil { errors["misfire"] = "choose skip, latest or all" }
        let overlap = OverlapPolicy(rawValue: values["overlap"] ?? "")
        if overlap == nil { errors["overlap"] = "choose skip, buffer-one or allow" }
        let catchUp = Int((values["catchUp"] ?? "").trimmingCharacters(in: .whitespaces))
        if catchUp.map({ !(1...1_000).contains($0) }) ?? true { errors["catchUp"] = "must be a whole number from 1 to 1000" }
        let maxActiveText = (values["maxActive"] ?? "").trimmingCharacters(in: .whitespaces)
        let maxActive = maxActiveText.isEmpty ? nil : Int(maxActiveText)
        if !maxActiveText.isEmpty, maxActive.map({ $0 < 1 }) ?? true {
            errors["maxActive"] = "must be empty (no limit) or a whole number of at least 1"
        }
        var params: RunParams?
        do {
            let old = schedule.params
            var fresh = try RunParams.validated(
                seeds: (values["seeds"] ?? "").split(whereSeparator: \.isNewline).map(String.init), region: values["region"],
                brandVoice: values["brandVoice"], dryRun: old.dryRun, thresholds: old.thresholds, providers: old.providers,
                budgetUSD: old.budgetUSD, profile: old.profile, site: old.site
            )
            fresh.profileVersion = old.profileVersion
            params = fresh
        } catch {
            let field = error.field.hasPrefix("seeds") ? "seeds" : error.field
            errors[["region", "brandVoice", "seeds"].contains(field) ? field : "seeds"] = error.description
        }
        guard errors.isEmpty, let params, let misfire, let overlap, let catchUp else { return (nil, errors) }
        return (
            ScheduleDefinition(
                name: schedule.name, cron: cron, timeZone: zone, params: params, misfire: misfire,
                catchUpLimit: catchUp, overlap: overlap, maxActive: maxActive), [:]
        )
    }

    func page(
        _ schedule: ScheduleRecord, values: [String: String], errors: [String: String], layout: ConsoleLayout,
        session: ConsoleSessionStore.Session, status: HTTPResponse.Status
    ) -> Response {
        let form = ConsoleFields(values: values, errors: errors)
        let content: HTML = """
            \(ConsoleFields.summary(errors))
            <form method="post" action="/console/schedules/\(ConsoleRoutes.queryEscaped(schedule.name))/edit" class="edit" novalidate>
              \(layout.csrfField(session))
              \(form.input("cron", "Cron expression (five fields, six with seconds, or @daily…)"))
              \(form.input("tz", "Time zone (IANA)"))
              \(form.textarea("seeds", "Topics, one per line"))
              \(form.input("region", "Region (ISO 3166-1 alpha-2)"))
              \(form.input("brandVoice", "Brand voice"))
              \(form.select("misfire", "After downtime", MisfirePolicy.allCases.map(\.rawValue)))
              \(form.input("catchUp", "Catch-up limit (with all)"))
              \(form.select("overlap", "While the previous run is active", OverlapPolicy.allCases.map(\.rawValue)))
              \(form.input("maxActive", "At most this many active runs (empty: no limit)"))
              <p><button type="submit">Save</button> <a href="/console/schedules/\(ConsoleRoutes.queryEscaped(schedule.name))">Cancel</a></p>
            </form>
            """
        return ConsoleResponse.page(layout.render(title: "Edit schedule \(schedule.name)", section: .schedules, content), status: status)
    }

    // MARK: Backfill

    enum Window {
        case window(Date, Date)
        case problems([String: String])
    }

    static func window(_ values: [String: String]) -> Window {
        var errors: [String: String] = [:]
        func date(_ name: String) -> Date? {
            let text = (values[name] ?? "").trimmingCharacters(in: .whitespaces)
            guard let date = try? Date(text, strategy: .iso8601) else {
                errors[name] = "\(text.isEmpty ? "an empty value" : text) is not an ISO 8601 time such as 2026-12-01T00:00:00Z"
                return nil
            }
            return date
        }
        let (from, through) = (date("from"), date("through"))
        if let from, let through, from >= through { errors["through"] = "must be after the start" }
        guard errors.isEmpty, let from, let through else { return .problems(errors) }
        return .window(from, through)
    }

    func backfillPage(
        _ schedule: ScheduleRecord, values: [String: String], preview: Bool, layout: ConsoleLayout,
        session: ConsoleSessionStore.Session
    ) throws -> Response {
        var errors: [String: String] = [:]
        var listing: HTML = .empty
        var confirm: HTML = .empty
        if preview {
            switch Self.window(values) {
            case .problems(let problems):
                errors = problems
            case .window(let from, let through):
                let fires = try schedule.definition.cronSchedule().fires(from: from, through: through, limit: 1_001)
                if fires.count > 1_000 {
                    errors["through"] = "the window holds more than 1000 fires; choose a shorter one"
                } else {
                    let items = HTML.join(fires.prefix(200).map { "<li>\(SchedulesPages.zoned($0, schedule.timeZone))</li>" })
                    listing = """
                        <h2>\(fires.count) fires in the window</h2>
                        <ol>\(items)</ol>\(fires.count > 200 ? HTML("<p class=\"muted\">… and \(fires.count - 200) more.</p>") : .empty)
                        """
                    if !fires.isEmpty {
                        confirm = """
                            <form method="post" action="/console/schedules/\(ConsoleRoutes.queryEscaped(schedule.name))/backfill" class="inline">
                              \(layout.csrfField(session))
                              <input type="hidden" name="from" value="\(values["from"] ?? "")"><input type="hidden" name="through" value="\(values["through"] ?? "")">
                              <button type="submit">Queue these \(fires.count) fires</button>
                            </form>
                            <p class="muted">Fires that ran already are not started again.</p>
                            """
                    }
                }
            }
        }
        let form = ConsoleFields(values: values, errors: errors)
        let content: HTML = """
            <p>Fires of <code>\(schedule.cron)</code> in \(schedule.timeZone), after the start and up to the end. Preview them first.</p>
            <form method="get" action="/console/schedules/\(ConsoleRoutes.queryEscaped(schedule.name))/backfill" class="filters">
              \(form.input("from", "From (ISO 8601)"))
              \(form.input("through", "Through (ISO 8601)"))
              <button type="submit" class="secondary">Preview</button>
            </form>
            \(listing)
            \(confirm)
            """
        return ConsoleResponse.page(
            layout.render(title: "Backfill \(schedule.name)", section: .schedules, content),
            status: errors.isEmpty ? .ok : .unprocessableContent)
    }
}

/// Labelled form controls holding what was typed, each with its error beside it.
struct ConsoleFields {
    let values: [String: String]
    let errors: [String: String]

    /// Above a refused form: that nothing changed, and how many fields need attention.
    static func summary(_ errors: [String: String]) -> HTML {
        errors.isEmpty
            ? .empty
            : "<p class=\"error\" role=\"alert\">Nothing was changed: \(errors.count == 1 ? "a field needs" : "\(errors.count) fields need") attention (marked below).</p>"
    }

    private func decorations(_ name: String) -> (error: HTML, described: HTML) {
        guard let error = errors[name] else { return (.empty, .empty) }
        return (
            "<span class=\"field-error\" id=\"\(name)-error\">\(error)</span>", " aria-invalid=\"true\" aria-describedby=\"\(name)-error\""
        )
    }

    func input(_ name: String, _ label: String) -> HTML {
        let (error, described) = decorations(name)
        return
            "<label for=\"field-\(name)\">\(label) \(error)<input id=\"field-\(name)\" name=\"\(name)\" value=\"\(values[name] ?? "")\" size=\"60\"\(described)></label>"
    }

    func textarea(_ name: String, _ label: String) -> HTML {
        let (error, described) = decorations(name)
        return
            "<label for=\"field-\(name)\">\(label) \(error)<textarea id=\"field-\(name)\" name=\"\(name)\"\(described)>\(values[name] ?? "")</textarea></label>"
    }

    func select(_ name: String, _ label: String, _ options: [String]) -> HTML {
        let (error, described) = decorations(name)
        let items = HTML.join(options.map { "<option value=\"\($0)\"\(values[name] == $0 ? HTML(" selected") : .empty)>\($0)</option>" })
        return
            "<label for=\"field-\(name)\">\(label) \(error)<select id=\"field-\(name)\" name=\"\(name)\"\(described)>\(items)</select></label>"
    }
}
