import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PostgresTestSupport
import TestSupport
import Testing

/// `presswork serve --http` as deployed: a token made with `presswork tokens create`, a run
/// queued through the API and executed by the same process's worker, and /metrics showing what
/// the orchestrator counted; SIGTERM stops it cleanly.
@Suite struct ServeHTTPTests {
    func get(_ url: String, token: String, method: HTTPMethod = .GET, body: String? = nil) async throws -> (Int, String) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 4 << 20)))
    }

    @Test func aRunQueuedThroughTheAPIShowsInMetrics() async throws {
        let database = TestDatabase.url(try await TestDatabase.makeDatabase("servehttp"))
        let environment = ["DATABASE_URL": database, "PRESSWORK_HOME": try TemporaryFolder.make()]
        let tokens = try PressworkProcess(
            ["tokens", "create", "ops", "--scope", "runs:write", "--scope", "runs:read", "--scope", "metrics"], environment: environment
        )
        #expect(await tokens.waitForExit(timeout: .seconds(60)) == 0)
        let token = tokens.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("pw_"), "\(tokens.output)")

        // An OTLP collector's key among the settings, and spans exported to a port that refuses
        // them: the key must show nowhere (the log at trace level, /metrics, the run document).
        let collectorKey = "hc-secret-4f1e9a2b7c3d"
        let serve = try PressworkProcess(
            ["serve", "--workers", "1", "--http", "127.0.0.1:0", "--log-level", "trace"],
            environment: environment.merging([
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9", "OTEL_EXPORTER_OTLP_HEADERS": "x-honeycomb-team=\(collectorKey)",
            ]) { $1 }
        )
        defer { if serve.process.isRunning { serve.signal(SIGKILL) } }
        var port: Int?
        let deadline = ContinuousClock.now + .seconds(30)
        while port == nil, ContinuousClock.now < deadline {
            if let line = serve.output.split(separator: "\n").first(where: { $0.contains("HTTP API listening") }),
                let range = line.range(of: #"127\.0\.0\.1:\d+"#, options: .regularExpression)
            {
                port = Int(line[range].split(separator: ":").last!)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let base = "http://127.0.0.1:\(try #require(port, "serve did not say where it listens: \(serve.output)"))"

        let (created, body) = try await get(base + "/v1/runs", token: token, method: .POST, body: #"{"seeds": ["served article"]}"#)
        #expect(created == 201, "\(body)")
        let runID = try #require((try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["runId"] as? String)
        var status = ""
        while status != "done", ContinuousClock.now < deadline + .seconds(30) {
            let (_, document) = try await get(base + "/v1/runs/\(runID)", token: token)
            status = (try JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any])?["status"] as? String ?? ""
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(status == "done")

        let (scraped, metrics) = try await get(base + "/metrics", token: token)
        #expect(scraped == 200)
        for line in [
            #"presswork_rounds_total{round="7",outcome="completed"} 1"#, #"presswork_runs_finished_total{status="done"} 1"#,
            #"presswork_runs{status="done"} 1.0"#, #"presswork_round_duration_seconds_count{round="3"} 1"#,
        ] {
            #expect(metrics.contains(line), "\(line) missing from /metrics")
        }
        let (_, document) = try await get(base + "/v1/runs/\(runID)", token: token)
        serve.signal(SIGTERM)
        #expect(await serve.waitForExit(timeout: .seconds(20)) == 0, "\(serve.output.suffix(3_000))")
        for (place, text) in [("the log", serve.output), ("/metrics", metrics), ("the run document", document)] {
            #expect(!text.contains(collectorKey), "the collector's key is in \(place)")
            #expect(!text.contains(token), "the API token is in \(place)")
        }
    }
}
