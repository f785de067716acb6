import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import PostgresClient
import PostgresTestSupport
import PressworkCore
import PressworkRuntime
import PressworkStore
import Prometheus
import TestSupport

@testable import PressworkHTTP

/// A live API server on a free loopback port over a fresh database, and a client for it.
struct APIHarness: Sendable {
    let pool: PostgresConnectionPool
    let baseURL: String
    let server: Task<Void, any Error>
    /// A token with every scope.
    let admin: String

    /// `environment` is what the server resolves `env:` secret references in.
    static func start(
        _ name: String, environment: [String: String] = [:], idleTimeout: Duration = .seconds(30)
    ) async throws -> APIHarness {
        let pool = try await TestDatabase.makePool(name, maxConnections: 8)
        _ = try await Migrator().migrate(pool)
        let logger = Logger(label: "api") { _ in SwiftLogNoOpLogHandler() }
        let catalog = RunCatalog(
            defaults: .offline, store: RunStore(pool: pool), outputFolder: try TemporaryFolder.make(), logger: logger,
            environment: environment
        )
        let api = APIServer(
            pool: pool, registry: PrometheusCollectorRegistry(),
            defaults: .init(configurations: catalog, pipelineVersion: "test"), logger: logger, idleTimeout: idleTimeout
        )
        let (ports, port) = AsyncStream.makeStream(of: Int.self)
        let server = Task { try await api.run(host: "127.0.0.1", port: 0) { port.yield($0) } }
        var bound = 0
        for await value in ports {
            bound = value
            break
        }
        let admin = try await TokenStore(pool: pool).create(name: "admin", scopes: TokenStore.Scope.allCases.map(\.rawValue))
        return APIHarness(pool: pool, baseURL: "http://127.0.0.1:\(bound)", server: server, admin: admin)
    }

    struct Reply: Sendable {
        let status: Int
        let headers: [(String, String)]
        let body: String

        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:] }
    }

    func request(
        _ method: HTTPMethod, _ path: String, token: String? = nil, body: String? = nil, headers: [(String, String)] = [],
        contentType: String = "application/json"
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 16 << 20)
        return Reply(
            status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
            body: String(buffer: buffer))
    }

    func token(_ name: String, _ scopes: [TokenStore.Scope]) async throws -> String {
        try await TokenStore(pool: pool).create(name: name, scopes: scopes.map(\.rawValue))
    }

    func stop() async {
        server.cancel()
        _ = try? await server.value
        await pool.close()
    }
}
