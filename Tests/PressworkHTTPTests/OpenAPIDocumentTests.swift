import Foundation
import Hummingbird
import Logging
import NIOHTTP1
import PostgresClient
import PostgresTestSupport
import PressworkCore
import PressworkRuntime
import PressworkStore
import Prometheus
import TestSupport
import Testing

@testable import PressworkHTTP

/// The OpenAPI document (Sources/PressworkHTTP/openapi.json, served at /openapi.json) against
/// the server: the same routes, and every documented operation answers, on a live server, with
/// a status the document lists for it.
@Suite struct OpenAPIDocumentTests {
    /// "GET /v1/runs/{id}" for every operation of the document.
    static func documentedOperations(_ document: [String: Any]) -> [String: [String: Any]] {
        var operations: [String: [String: Any]] = [:]
        for (path, item) in document["paths"] as? [String: [String: Any]] ?? [:] {
            for (method, operation) in item {
                if let operation = operation as? [String: Any] { operations["\(method.uppercased()) \(path)"] = operation }
            }
        }
        return operations
    }

    @Test func theDocumentAndTheServerHaveTheSameRoutes() async throws {
        let api = try await APIHarness.start("openapiroutes")
        let served = try await api.request(.GET, "/openapi.json")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(served.body.utf8)) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let server = APIServer(
            pool: api.pool, registry: PrometheusCollectorRegistry(),
            defaults: .init(
                configurations: RunCatalog(
                    defaults: .offline, store: RunStore(pool: api.pool), outputFolder: try TemporaryFolder.make(),
                    logger: Logger(label: "test")
                ), pipelineVersion: "test"), logger: Logger(label: "test")
        )
        let router = server.makeRouter(hub: EventHub(listenConfiguration: api.pool.configuration, logger: Logger(label: "test")))
        // The console (/console, and / that leads there) is HTML for browsers, not the API.
        let routes = Set(
            router.routes.filter { route in
                let path = "\(route.path)"
                return path != "/" && path != "" && !path.hasPrefix("/console")
            }.map { route in
                // Captures are declared as :name; OpenAPI writes {name}, as does Hummingbird's description.
                let path = "\(route.path)".split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
                return "\(route.method) /" + path.joined(separator: "/")
            })
        #expect(
            routes == Set(Self.documentedOperations(document).keys),
            "server only: \(routes.subtracting(Self.documentedOperations(document).keys)); document only: \(Set(Self.documentedOperations(document).keys).subtracting(routes))"
        )
        await api.stop()
    }

    @Test func everyOperationAnswersWithADocumentedStatus() async throws {
        let api = try await APIHarness.start("openapicalls")
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(try await api.request(.GET, "/openapi.json").body.utf8)) as? [String: Any])
        let params = try RunParams.validated(seeds: ["documented"])
        let run = try await api.pool.query(
            """
            INSERT INTO runs (params, status, finished_at) VALUES (\(PostgresJSON(params)), 'done', now()) RETURNING id
            """
        ).scalar(RunID.self).description
        _ = try await api.request(
            .POST, "/v1/schedules", token: api.admin,
            body: #"{"name": "documented", "cron": "@daily", "seeds": ["x"]}"#)
        let bodies = [
            "POST /v1/runs": #"{"seeds": ["documented too"]}"#,
            "POST /v1/schedules": #"{"name": "second", "cron": "@hourly", "seeds": ["x"]}"#,
            "POST /v1/runs/{id}/review": #"{"decision": "approve"}"#,
            "PUT /v1/schedules/{name}": #"{"cron": "@hourly", "seeds": ["y"]}"#,
            "PATCH /v1/schedules/{name}": #"{"cron": "@weekly"}"#,
        ]
        // Deleting last, so that every other operation finds the schedule.
        let operations = Self.documentedOperations(document).sorted { first, second in
            let (firstDeletes, secondDeletes) = (first.key.hasPrefix("DELETE"), second.key.hasPrefix("DELETE"))
            return firstDeletes == secondDeletes ? first.key < second.key : secondDeletes
        }
        for (operation, description) in operations {
            let parts = operation.split(separator: " ", maxSplits: 1)
            let path = String(parts[1]).replacingOccurrences(of: "{id}", with: run).replacingOccurrences(of: "{name}", with: "documented")
            let documented = Set((description["responses"] as? [String: Any] ?? [:]).keys)
            let secured = !(description["security"] as? [Any] ?? []).isEmpty
            let method = HTTPMethod(rawValue: String(parts[0]))
            let reply = try await api.request(method, path, token: api.admin, body: bodies[operation])
            #expect(
                documented.contains(String(reply.status)),
                "\(operation) answered \(reply.status), documented \(documented.sorted()): \(reply.body.prefix(200))")
            if secured {
                let anonymous = try await api.request(method, path, body: bodies[operation])
                #expect(anonymous.status == 401 && documented.contains("401"), "\(operation) without a token: \(anonymous.status)")
            }
        }
        // Unknown routes are problems too; a known path with another method is 405 with Allow.
        let unknown = try await api.request(.GET, "/v1/nothing", token: api.admin)
        #expect(unknown.status == 404 && unknown.header("Content-Type") == "application/problem+json")
        let wrongMethod = try await api.request(.POST, "/v1/schedules/documented", token: api.admin)
        #expect(
            wrongMethod.status == 405 && wrongMethod.header("Allow") == "DELETE, GET, PATCH, PUT",
            "\(wrongMethod.status) \(wrongMethod.headers) \(wrongMethod.body)")
        await api.stop()
    }
}
