import Foundation
import Hummingbird
import PressworkCore
import PressworkStore

/// /console/webhooks: the endpoints (secrets never shown), their recent deliveries, and
/// redelivery of an endpoint's failed ones.
struct WebhooksPages: Sendable {
    let console: ConsoleRoutes

    init(_ console: ConsoleRoutes) {
        self.console = console
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/console/webhooks") { request, _ in
            try await console.page(request, scope: .runsRead) { _, layout in
                let store = WebhookStore(pool: console.context.pool)
                let endpoints = try await store.endpoints()
                let deliveries = try await store.deliveries(limit: 100)
                let endpointRows = HTML.join(
                    endpoints.map { endpoint in
                        """
                        <tr><td>\(endpoint.name)</td><td>\(endpoint.url)</td><td>\(endpoint.events.joined(separator: ", "))</td>
                        <td>\(endpoint.enabled ? "enabled" : "disabled")\(endpoint.allowPrivateNetworks ? ", private networks allowed" : "")</td>
                        <td>\(layout.action("Redeliver failed", to: "/console/webhooks/\(ConsoleRoutes.queryEscaped(endpoint.name))/redeliver", scope: .runsWrite, style: "secondary"))
                        \(layout.session?.scopes.contains(.settingsWrite) == true ? HTML("<a href=\"/console/webhooks/\(ConsoleRoutes.queryEscaped(endpoint.name))/edit\">Edit</a>") : .empty)</td></tr>
                        """
                    })
                let deliveryRows = HTML.join(
                    deliveries.map { delivery in
                        let run = delivery.runID.description
                        return """
                            <tr><td>\(delivery.eventID)</td><td>\(delivery.endpoint)</td><td>\(delivery.kind)</td>
                            <td><a href="/console/runs/\(run)">\(run.prefix(8))</a></td><td>\(delivery.state)</td><td class="number">\(delivery.attempts)</td>
                            <td>\(delivery.lastStatus.map(String.init) ?? "–")\(delivery.lastError.map { HTML(": \(SecretRedactor.redact($0))") } ?? .empty)</td>
                            <td>\(ConsoleLayout.time(delivery.deliveredAt ?? delivery.nextAttemptAt))</td></tr>
                            """
                    })
                let content: HTML = """
                    <h2>Endpoints</h2>
                    \(layout.session?.scopes.contains(.settingsWrite) == true ? HTML("<p><a href=\"/console/webhooks/new\">Add an endpoint</a></p>") : .empty)
                    <table><thead><tr><th scope="col">Name</th><th scope="col">URL</th><th scope="col">Events</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead>
                    <tbody>\(endpoints.isEmpty ? HTML("<tr><td colspan=\"5\">No endpoints yet.</td></tr>") : endpointRows)</tbody></table>
                    <h2>Recent deliveries</h2>
                    <table><thead><tr><th scope="col">Event</th><th scope="col">Endpoint</th><th scope="col">Kind</th><th scope="col">Run</th>
                    <th scope="col">State</th><th scope="col" class="number">Attempts</th><th scope="col">Last answer</th><th scope="col">Delivered or next attempt</th></tr></thead>
                    <tbody>\(deliveries.isEmpty ? HTML("<tr><td colspan=\"8\">None.</td></tr>") : deliveryRows)</tbody></table>
                    """
                return ConsoleResponse.page(layout.render(title: "Webhooks", section: .webhooks, content))
            }
        }
        router.post("/console/webhooks/:name/redeliver") { request, requestContext in
            try await console.post(request, scope: .runsWrite) { _, _, layout in
                let name = requestContext.parameters.get("name") ?? ""
                guard try await WebhookStore(pool: console.context.pool).endpoint(name) != nil else {
                    throw ConsoleError(.notFound, "there is no webhook endpoint \(name)")
                }
                let count = try await WebhookStore(pool: console.context.pool).redeliverFailed(name)
                let content: HTML =
                    "<p class=\"notice\" role=\"status\">\(count) failed deliveries of \(name) queued again.</p><p><a href=\"/console/webhooks\">Back</a></p>"
                return ConsoleResponse.page(layout.render(title: "Webhooks", section: .webhooks, content))
            }
        }
    }
}
