import Foundation
import PostgresTestSupport
import TestSupport
import Testing

/// With OTEL_EXPORTER_OTLP_ENDPOINT set, a run's spans reach an OTLP/HTTP receiver (here a
/// loopback server standing in for an OpenTelemetry collector): the run, each round, and the
/// whole batch flushed before `presswork run` exits.
@Suite struct TraceExportTests {
    @Test func aRunsSpansAreExportedOverOTLP() async throws {
        let collector = try await ScriptedHTTPServer.start()
        collector.respond { _ in .status(200, headers: [("Content-Type", "application/x-protobuf")], body: "") }
        let database = try await TestDatabase.makeDatabase("traces")
        let process = try PressworkProcess(
            ["run", "--seed", "traced topic", "--dry-run"],
            environment: [
                "DATABASE_URL": TestDatabase.url(database), "PRESSWORK_HOME": try TemporaryFolder.make(),
                "OTEL_EXPORTER_OTLP_ENDPOINT": collector.baseURL, "OTEL_SERVICE_NAME": "presswork-test",
                // The collector's key: sent as a header, written to no log (at any level).
                "OTEL_EXPORTER_OTLP_HEADERS": "x-honeycomb-team=hc-secret-4f2a9c", "PRESSWORK_LOG_LEVEL": "debug",
            ])
        #expect(await process.waitForExit(timeout: .seconds(60)) == 0, "\(process.output)")
        #expect(!process.output.contains("hc-secret-4f2a9c"), "\(process.output)")
        let exports = collector.requests.filter { $0.path == "/v1/traces" }
        #expect(!exports.isEmpty, "no OTLP export arrived: \(collector.requests.map(\.path))")
        #expect(exports.allSatisfy { $0.method == "POST" && $0.header("Content-Type") == "application/x-protobuf" })
        #expect(exports.allSatisfy { $0.header("x-honeycomb-team") == "hc-secret-4f2a9c" })
        // The protobuf carries span names and attribute values as UTF-8: no decoder needed to find them.
        let body = exports.reduce(Data()) { $0 + $1.body }
        for name in ["presswork.run", "presswork.round 0", "presswork.round 3", "presswork.round 7", "presswork-test"] {
            #expect(body.range(of: Data(name.utf8)) != nil, "\(name) is not in the export")
        }
        await collector.stop()
    }
}
