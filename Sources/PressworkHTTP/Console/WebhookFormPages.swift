import Foundation
import Hummingbird
import PressworkCore
import PressworkStore

/// /console/webhooks/new and /console/webhooks/{name}/edit: endpoints added and changed in forms
/// checked as `presswork webhooks add` and `edit` check them (errors beside the fields, what was
/// typed kept, nothing stored until every field passes); pausing, resuming and removing. Needs
/// the settings:write scope, as the secrets of endpoints are settings.
struct WebhookFormPages: Sendable {
    let console: ConsoleRoutes

    init(_ console: ConsoleRoutes) {
        self.console = console
    }

    var store: WebhookStore { WebhookStore(pool: console.context.pool) }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/console/webhooks/new") { request, _ in
            try await console.page(request, scope: .settingsWrite) { session, layout in
                let values = ["events": WebhookStore.eventKinds.joined(separator: ", "), "private": "no"]
                return addPage(values: values, errors: [:], layout: layout, session: session)
            }
        }
        router.post("/console/webhooks/new") { request, _ in
            try await console.post(request, scope: .settingsWrite) { session, form, layout in
                let values = Self.values(form)
                let events = (values["events"] ?? "").split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init)
                let endpoint: WebhookStore.Endpoint
                do {
                    endpoint = try await store.add(
                        name: values["name"] ?? "", url: values["url"] ?? "", events: events,
                        allowPrivateNetworks: values["private"] == "yes")
                } catch let refusal as any Refusal {
                    return addPage(values: values, errors: Self.errors(refusal), layout: layout, session: session)
                }
                let content: HTML = """
                    <p class="notice" role="status">Endpoint \(endpoint.name) added: deliveries of \(endpoint.events.joined(separator: ", ")) go to \(endpoint.url).</p>
                    <p>Its signing secret, for the receiver to check each delivery's <code>webhook-signature</code>; copy it now
                    (<code>presswork webhooks list --secrets</code> shows it again on the server):</p>
                    <p><code id="webhook-secret">\(endpoint.secret)</code></p>
                    <p><a href="/console/webhooks">Back to the webhooks</a></p>
                    """
                return ConsoleResponse.page(layout.render(title: "Webhook added", section: .webhooks, content), status: .created)
            }
        }
        router.get("/console/webhooks/:name/edit") { request, requestContext in
            try await console.page(request, scope: .settingsWrite) { session, layout in
                let endpoint = try await endpoint(requestContext)
                let values = ["url": endpoint.url, "private": endpoint.allowPrivateNetworks ? "yes" : "no"]
                return editPage(endpoint, values: values, errors: [:], layout: layout, session: session)
            }
        }
        router.post("/console/webhooks/:name/edit") { request, requestContext in
            try await console.post(request, scope: .settingsWrite) { session, form, layout in
                let endpoint = try await endpoint(requestContext)
                let values = Self.values(form)
                do {
                    _ = try await store.edit(endpoint.name, url: values["url"] ?? "", allowPrivateNetworks: values["private"] == "yes")
                } catch let refusal as any Refusal {
                    return editPage(endpoint, values: values, errors: Self.errors(refusal), layout: layout, session: session)
                }
                return ConsoleResponse.redirect(to: "/console/webhooks")
            }
        }
        for (verb, enabled) in [("pause", false), ("resume", true)] {
            router.post("/console/webhooks/:name/\(verb)") { request, requestContext in
                try await console.post(request, scope: .settingsWrite) { _, _, _ in
                    let endpoint = try await endpoint(requestContext)
                    _ = try await store.setEnabled(endpoint.name, enabled)
                    return ConsoleResponse.redirect(to: "/console/webhooks")
                }
            }
        }
        router.post("/console/webhooks/:name/remove") { request, requestContext in
            try await console.post(request, scope: .settingsWrite) { _, _, _ in
                let endpoint = try await endpoint(requestContext)
                _ = try await store.remove(endpoint.name)
                return ConsoleResponse.redirect(to: "/console/webhooks")
            }
        }
    }

    func endpoint(_ requestContext: BasicRequestContext) async throws -> WebhookStore.Endpoint {
        let name = requestContext.parameters.get("name") ?? ""
        guard let endpoint = try await store.endpoint(name) else { throw ConsoleError(.notFound, "there is no webhook endpoint \(name)") }
        return endpoint
    }

    /// What was typed, trimmed.
    static func values(_ form: ConsoleForm) -> [String: String] {
        form.values.mapValues { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// A refusal under the field it is about (the name, the URL, the events), else the name's.
    static func errors(_ refusal: any Refusal) -> [String: String] {
        let field = refusal.inputField.map { $0.hasPrefix("events") ? "events" : $0 } ?? "url"
        let message = (refusal as? ValidationError)?.problem ?? refusal.description
        return [["name", "url", "events"].contains(field) ? field : "url": message]
    }

    func addPage(
        values: [String: String], errors: [String: String], layout: ConsoleLayout, session: ConsoleSessionStore.Session
    ) -> Response {
        let form = ConsoleFields(values: values, errors: errors)
        let content: HTML = """
            \(ConsoleFields.summary(errors))
            <form method="post" action="/console/webhooks/new" class="edit" novalidate>
              \(layout.csrfField(session))
              \(form.input("name", "Name (letters, digits, '.', '_' and '-')"))
              \(form.input("url", "URL to POST to (http:// or https://)"))
              \(form.input("events", "Events, separated by commas"))
              \(form.select("private", "May reach loopback and private addresses", ["no", "yes"]))
              <p><button type="submit">Add</button> <a href="/console/webhooks">Cancel</a></p>
            </form>
            """
        return ConsoleResponse.page(
            layout.render(title: "Add a webhook", section: .webhooks, content), status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    func editPage(
        _ endpoint: WebhookStore.Endpoint, values: [String: String], errors: [String: String], layout: ConsoleLayout,
        session: ConsoleSessionStore.Session
    ) -> Response {
        let form = ConsoleFields(values: values, errors: errors)
        let name = ConsoleRoutes.queryEscaped(endpoint.name)
        let content: HTML = """
            \(ConsoleFields.summary(errors))
            <p>Events: \(endpoint.events.joined(separator: ", ")). The signing secret is not shown here.</p>
            <form method="post" action="/console/webhooks/\(name)/edit" class="edit" novalidate>
              \(layout.csrfField(session))
              \(form.input("url", "URL to POST to (http:// or https://)"))
              \(form.select("private", "May reach loopback and private addresses", ["no", "yes"]))
              <p><button type="submit">Save</button> <a href="/console/webhooks">Cancel</a></p>
            </form>
            <p>\(layout.action(endpoint.enabled ? "Pause deliveries" : "Resume deliveries", to: "/console/webhooks/\(name)/\(endpoint.enabled ? "pause" : "resume")", scope: .settingsWrite, style: "secondary"))
            \(layout.action("Remove the endpoint and its deliveries", to: "/console/webhooks/\(name)/remove", scope: .settingsWrite, style: "danger"))</p>
            """
        return ConsoleResponse.page(
            layout.render(title: "Edit webhook \(endpoint.name)", section: .webhooks, content),
            status: errors.isEmpty ? .ok : .unprocessableContent)
    }
}
