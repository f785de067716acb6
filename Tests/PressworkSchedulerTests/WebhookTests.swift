import Crypto
import Foundation
import Logging
import PostgresClient
import PostgresTestSupport
import PressworkCore
import PressworkOrchestrator
import PressworkPipeline
import PressworkStore
import Synchronization
import TestSupport
import Testing

@testable import PressworkScheduler

/// Webhooks end to end: the events of a real run reach a real HTTP receiver, signed so that an
/// independent check (the Standard Webhooks recipe written out here) accepts them; a failing
/// receiver is retried until it answers; the last failure marks the delivery failed.
@Suite struct WebhookTests {
    let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// The receiver's side, written from the specification rather than with the sender's code:
    /// HMAC-SHA256 keyed with the decoded secret over "id.timestamp.body", base64, compared to
    /// each "v1," entry; timestamps more than five minutes away are replays.
    static func receiverAccepts(_ request: ScriptedHTTPServer.Request, secret: String) -> Bool {
        guard let id = request.header("webhook-id"), let timestamp = request.header("webhook-timestamp"),
            let header = request.header("webhook-signature"), let seconds = Double(timestamp),
            abs(Date().timeIntervalSince1970 - seconds) < 300,
            let key = Data(base64Encoded: String(secret.dropFirst("whsec_".count)))
        else { return false }
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(id).\(timestamp).".utf8) + request.body, using: SymmetricKey(data: key))
        let expected = "v1," + Data(mac).base64EncodedString()
        return header.split(separator: " ").contains { $0 == expected }
    }

    /// A dispatcher polling every 100 ms with these retry waits, delivering until cancelled.
    func startDispatcher(_ webhooks: WebhookStore, _ pool: PostgresConnectionPool, retrySchedule: [Duration]) -> Task<Void, any Error> {
        var configuration = WebhookDispatcher.Configuration()
        configuration.poll = .milliseconds(100)
        configuration.retrySchedule = retrySchedule
        let dispatcher = WebhookDispatcher(
            store: webhooks, listenConfiguration: pool.configuration, configuration: configuration, logger: logger
        )
        return Task { try await dispatcher.run() }
    }

    /// A run that ends in error, written by SQL: the trigger writes the event and its deliveries.
    static func plantFailedRun(_ pool: PostgresConnectionPool) async throws {
        let id = try await pool.query("INSERT INTO runs (params) VALUES ('{\"seeds\": [\"x\"]}') RETURNING id").scalar(RunID.self)
        _ = try await pool.query("UPDATE runs SET status = 'running' WHERE id = \(id)")
        _ = try await pool.query("UPDATE runs SET status = 'error', status_reason = 'planted' WHERE id = \(id)")
    }

    /// The test vector of the Standard Webhooks specification.
    @Test func signaturesMatchTheSpecificationsTestVector() throws {
        let body = Data(#"{"test": 2432232314}"#.utf8)
        let signature = try WebhookSignature.sign(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body,
            secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        )
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        let at = Date(timeIntervalSince1970: 1_614_265_330)
        #expect(
            WebhookSignature.verify(
                id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body,
                header: "v1,bm90IGl0 " + signature, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", now: at
            ))
        // A replay an hour later, a changed body, another secret: refused.
        #expect(
            !WebhookSignature.verify(
                id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body, header: signature,
                secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", now: at.addingTimeInterval(3_600)
            ))
        #expect(
            !WebhookSignature.verify(
                id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body + Data(" ".utf8), header: signature,
                secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", now: at
            ))
        #expect(
            !WebhookSignature.verify(
                id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body, header: signature,
                secret: "whsec_c2Vjb25k", now: at
            ))
    }

    @Test func theEventsOfARunReachTheirReceiversSigned() async throws {
        let pool = try await TestDatabase.makePool("webhooksrun", maxConnections: 6)
        _ = try await Migrator().migrate(pool)
        let receiver = try await ScriptedHTTPServer.start()
        let webhooks = WebhookStore(pool: pool)
        let endpoint = try await webhooks.add(name: "receiver", url: receiver.baseURL + "/hooks", events: [], allowPrivateNetworks: true)
        _ = try await webhooks.add(name: "done-only", url: receiver.baseURL + "/done", events: ["run.done"], allowPrivateNetworks: true)
        let secrets = ["/hooks": endpoint.secret, "/done": try #require(try await webhooks.endpoint("done-only")).secret]
        receiver.respond { request in
            guard let secret = secrets[request.path] else { return .status(404, body: "") }
            return Self.receiverAccepts(request, secret: secret) ? .status(204, body: "") : .status(401, body: "bad signature")
        }
        var configuration = WebhookDispatcher.Configuration()
        configuration.poll = .milliseconds(200)
        let dispatcher = WebhookDispatcher(
            store: webhooks, listenConfiguration: pool.configuration, configuration: configuration, logger: logger
        )
        let delivering = Task { try await dispatcher.run() }
        defer { delivering.cancel() }

        let store = RunStore(pool: pool)
        let run = try await store.create(
            params: try RunParams.validated(seeds: ["home espresso"]), trigger: .cli, pipelineVersion: Pipeline.version
        ).run
        let orchestrator = Orchestrator(
            store: store, pipeline: Pipeline(providers: .offline(outputFolder: try TemporaryFolder.make())),
            configuration: OrchestratorConfiguration(), logger: logger
        )
        #expect(try await orchestrator.execute(run.id).status == .done)

        try await waitFor("nine deliveries to /hooks and one to /done") {
            try await webhooks.deliveries(state: "delivered").count == 10
        }
        // Deliveries go out concurrently and may arrive in any order; event ids (webhook-id)
        // grow in the order things happened.
        let hooks = receiver.requests.filter { $0.path == "/hooks" }.sorted {
            Int($0.header("webhook-id")?.dropFirst(4) ?? "") ?? 0 < Int($1.header("webhook-id")?.dropFirst(4) ?? "") ?? 0
        }
        #expect(hooks.map { $0.json["type"] as? String } == Array(repeating: "run.round_completed", count: 8) + ["run.done"])
        #expect(hooks.compactMap { ($0.json["data"] as? [String: Any])?["round"] as? Int } == Array(0...7) + [7])
        #expect(hooks.allSatisfy { ($0.json["data"] as? [String: Any])?["runId"] as? String == run.id.description })
        #expect(Set(hooks.compactMap { $0.header("webhook-id") }).count == 9, "one id per event")
        #expect(receiver.requests.filter { $0.path == "/done" }.map { $0.json["type"] as? String } == ["run.done"])
        let states = try await webhooks.deliveries(endpoint: "receiver")
        #expect(states.allSatisfy { $0.state == "delivered" && $0.attempts == 1 && $0.lastStatus == 204 })
        await receiver.stop()
        await pool.close()
    }

    @Test func aFailingReceiverIsRetriedAndTheLastFailureIsFinal() async throws {
        let pool = try await TestDatabase.makePool("webhooksretry", maxConnections: 6)
        _ = try await Migrator().migrate(pool)
        let receiver = try await ScriptedHTTPServer.start()
        let webhooks = WebhookStore(pool: pool)
        let flaky = try await webhooks.add(
            name: "flaky", url: receiver.baseURL + "/flaky", events: ["run.done", "run.error"], allowPrivateNetworks: true)
        _ = try await webhooks.add(name: "down", url: receiver.baseURL + "/down", events: ["run.error"], allowPrivateNetworks: true)
        // /flaky: a 503, a dropped connection, a 500, then it verifies and accepts. /down: 500s.
        let flakyFailures = Mutex<[ScriptedHTTPServer.Reply]>([.status(503, body: "busy"), .drop, .status(500, body: "oops")])
        receiver.respond { request in
            guard request.path == "/flaky" else { return .status(500, body: "down") }
            if let failure = flakyFailures.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { return failure }
            return Self.receiverAccepts(request, secret: flaky.secret) ? .status(200, body: "ok") : .status(401, body: "bad signature")
        }
        let delivering = startDispatcher(
            webhooks, pool, retrySchedule: [.milliseconds(100), .milliseconds(200), .milliseconds(300), .milliseconds(300)])
        defer { delivering.cancel() }
        try await Self.plantFailedRun(pool)

        try await waitFor("flaky delivered and down failed") {
            let states = try await webhooks.deliveries()
            return states.contains { $0.endpoint == "flaky" && $0.state == "delivered" }
                && states.contains { $0.endpoint == "down" && $0.state == "failed" }
        }
        let states = try await webhooks.deliveries()
        let delivered = try #require(states.first { $0.endpoint == "flaky" })
        #expect(delivered.attempts == 4 && delivered.lastStatus == 200 && delivered.kind == "run.error")
        let failed = try #require(states.first { $0.endpoint == "down" })
        #expect(failed.attempts == 5 && failed.lastStatus == 500 && failed.lastError?.contains("HTTP 500") == true)
        // Every attempt carried the same event id, each signed anew.
        let flakyRequests = receiver.requests.filter { $0.path == "/flaky" }
        #expect(Set(flakyRequests.compactMap { $0.header("webhook-id") }).count == 1)
        #expect(flakyRequests.last.map { Self.receiverAccepts($0, secret: flaky.secret) } == true)
        #expect((flakyRequests.last?.json["data"] as? [String: Any])?["reason"] as? String == "planted")

        // The monitor reports the failed delivery; redelivery starts it over.
        let report = try await Monitor(pool: pool).check()
        #expect(report.findings.contains { $0.check == "undelivered_webhooks" && $0.subject == "down" })
        #expect(try await webhooks.redeliverFailed("down") == 1)
        #expect(try await webhooks.deliveries(endpoint: "down").first?.state == "pending")
        await receiver.stop()
        await pool.close()
    }

    /// An endpoint that points inward without the permission (registered before migration 0019,
    /// or through SQL) gets no request: each attempt checks the resolved addresses and records
    /// why it refused. Names are resolved too: "localhost" resolves into loopback.
    @Test func deliveriesToInwardAddressesAreRefusedAfterResolution() async throws {
        let pool = try await TestDatabase.makePool("webhooksinward", maxConnections: 6)
        _ = try await Migrator().migrate(pool)
        let receiver = try await ScriptedHTTPServer.start()
        receiver.respond { _ in .status(204, body: "") }
        let webhooks = WebhookStore(pool: pool)
        await #expect(throws: PressworkCore.ValidationError.self) {
            try await webhooks.add(name: "inward", url: receiver.baseURL + "/hooks", events: [])
        }
        #expect(try await webhooks.endpoints().isEmpty, "nothing written")
        _ = try await webhooks.add(name: "inward", url: receiver.baseURL + "/hooks", events: ["run.error"], allowPrivateNetworks: true)
        _ = try await pool.query("UPDATE webhook_endpoints SET allow_private_networks = false WHERE name = 'inward'")
        #expect(try await WebhookDestination.checkResolved("http://localhost./", allowPrivateNetworks: true) == nil)
        #expect(WebhookDestination.refusal(for: try await HostResolver.addresses(of: "localhost"))?.contains("loopback") == true)

        let delivering = startDispatcher(webhooks, pool, retrySchedule: [])
        defer { delivering.cancel() }
        try await Self.plantFailedRun(pool)
        try await waitFor("the delivery failed") {
            try await webhooks.deliveries(endpoint: "inward").first?.state == "failed"
        }
        let failed = try #require(try await webhooks.deliveries(endpoint: "inward").first)
        #expect(failed.lastError?.contains("loopback") == true && failed.lastError?.contains("--allow-private-networks") == true)
        #expect(receiver.requests.isEmpty, "no request reached the receiver")

        // Allowed again, the next delivery goes through.
        #expect(try await webhooks.edit("inward", allowPrivateNetworks: true)?.allowPrivateNetworks == true)
        #expect(try await webhooks.redeliverFailed("inward") == 1)
        try await waitFor("delivered once allowed") {
            try await webhooks.deliveries(endpoint: "inward").first?.state == "delivered"
        }
        await receiver.stop()
        await pool.close()
    }

    @Test func shortSecretsAreRefused() async throws {
        let pool = try await TestDatabase.makePool("webhookssecret", maxConnections: 2)
        _ = try await Migrator().migrate(pool)
        let webhooks = WebhookStore(pool: pool)
        let error = await #expect(throws: PressworkCore.ValidationError.self) {
            try await webhooks.add(name: "short", url: "https://hooks.example.com/", events: [], secret: "whsec_QQ==")
        }
        #expect(error?.field == "secret" && error?.problem.contains("at least 24") == true)
        let generated = try await webhooks.add(name: "long", url: "https://hooks.example.com/", events: [])
        #expect(Data(base64Encoded: String(generated.secret.dropFirst(6)))?.count == 24)
        await pool.close()
    }
}
