import Foundation
import HTTPTypes
import Hummingbird
import PostgresClient
import PressworkCore
import PressworkStore
import Prometheus

/// GET /healthz (the process answers), /readyz (the database answers and its schema is this
/// binary's), /metrics (Prometheus text; scope `metrics`), /openapi.json (this API's description).
struct HealthRoutes: Sendable {
    let context: RouteContext

    init(_ context: RouteContext) {
        self.context = context
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/healthz") { _, _ in
            JSONBody.response(.object([("status", .string("ok"))]))
        }
        router.get("/readyz") { _, _ in
            try await ready()
        }
        router.get("/metrics") { request, _ in
            try await context.auth.require(.metrics, request)
            try await refreshGauges()
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: context.registry.emitToBuffer())))
        }
        router.get("/openapi.json") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.openapi_json)))
        }
    }

    /// The migrations compiled into this binary, counted once (probes come every few seconds).
    static let builtInMigrations = (try? Migration.load().count) ?? 0

    func ready() async throws -> Response {
        do {
            let applied = try await HealthQueries(pool: context.pool).appliedMigrations()
            let expected = Self.builtInMigrations
            guard applied == expected else {
                throw Problem(
                    .serviceUnavailable,
                    "the database has \(applied) migrations applied; this presswork has \(expected): run presswork migrate")
            }
            return JSONBody.response(.object([("status", .string("ready")), ("migrations", .number(Double(applied)))]))
        } catch let problem as Problem {
            throw problem
        } catch {
            // /readyz answers anyone (load balancers probe it without a token), so the reason
            // stays in the log: libpq's message names the host or socket path, the database and
            // the user.
            context.logger.warning("not ready: the database does not answer", error: error)
            throw Problem(.serviceUnavailable, "the database does not answer (the server's log says why)")
        }
    }

    /// Gauges read from the database at each scrape (they describe the whole system, not this
    /// process): runs by status, the queue's depth and oldest age, webhook deliveries waiting.
    func refreshGauges() async throws {
        let gauges = try await HealthQueries(pool: context.pool).gauges()
        for (status, count) in gauges.runsByStatus {
            gauge("runs", "Runs by status", labels: [("status", status.rawValue)]).set(count)
        }
        gauge("queue_depth", "Runs queued, waiting for a worker").set(gauges.runsByStatus[.queued] ?? 0)
        gauge("queue_oldest_seconds", "Age of the oldest queued run").set(gauges.oldestQueuedSeconds)
        gauge("webhook_deliveries_pending", "Webhook deliveries not yet delivered").set(gauges.webhookDeliveriesPending)
    }

    /// `presswork_<name>`, with its help line.
    func gauge(_ name: String, _ help: String, labels: [(String, String)] = []) -> Gauge {
        let descriptor = MetricNameDescriptor(namespace: "presswork", metricName: name, unitName: "", helpText: help)
        return labels.isEmpty
            ? context.registry.makeGauge(descriptor: descriptor)
            : context.registry.makeGauge(descriptor: descriptor, labels: labels)
    }
}
