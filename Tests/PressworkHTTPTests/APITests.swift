import Foundation
import Hummingbird
import Logging
import PostgresClient
import PostgresTestSupport
import PressworkCore
import PressworkOrchestrator
import PressworkPipeline
import PressworkStore
import TestSupport
import Testing

@testable import PressworkHTTP

/// The HTTP API against a live server on loopback: authentication, every route, the
/// OpenAPI document against the routes the server has, and the progress stream of a real run.
@Suite struct APITests {
    @Test func tokensAreRequiredAndScopesAreChecked() async throws {
        let api = try await APIHarness.start("apiauth")
        let missing = try await api.request(.GET, "/v1/runs")
        #expect(missing.status == 401 && missing.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
        #expect(missing.header("Content-Type") == "application/problem+json")
        #expect(missing.json["detail"] as? String == "a bearer token is required: Authorization: Bearer pw_… (see presswork tokens create)")
        #expect(try await api.request(.GET, "/v1/runs", token: "pw_made-up").status == 401)
        #expect(try await api.request(.GET, "/v1/runs", headers: [("Authorization", "Basic YTpi")]).status == 401)

        let reader = try await api.token("reader", [.runsRead])
        #expect(try await api.request(.GET, "/v1/runs", token: reader).status == 200)
        let forbidden = try await api.request(.POST, "/v1/runs", token: reader, body: #"{"seeds": ["x"]}"#)
        #expect(forbidden.status == 403 && forbidden.json["detail"] as? String == "the token reader does not have the scope runs:write")
        #expect(try await api.request(.GET, "/metrics", token: reader).status == 403)
        #expect(try await api.request(.GET, "/v1/schedules", token: reader).status == 403)

        #expect(try await TokenStore(pool: api.pool).revoke("reader"))
        #expect(try await api.request(.GET, "/v1/runs", token: reader).status == 401)
        // Only the digest is stored.
        let stored = try await api.pool.query("SELECT token_sha256 FROM api_tokens WHERE name = 'reader'").scalar(String.self)
        #expect(stored.count == 64 && !stored.contains(reader))
        // Health needs no token.
        #expect(try await api.request(.GET, "/healthz").status == 200)
        #expect(try await api.request(.GET, "/readyz").json["status"] as? String == "ready")
        await api.stop()
    }

    @Test func runsAreCreatedOnceListedShownRetriedAndReviewed() async throws {
        let api = try await APIHarness.start("apiruns")
        let body = #"{"seeds": ["home espresso"], "region": "de", "thresholds": {"review": 0.4}}"#
        let created = try await api.request(.POST, "/v1/runs", token: api.admin, body: body, headers: [("Idempotency-Key", "order-1")])
        #expect(created.status == 201, "\(created.body)")
        let runID = try #require(created.json["runId"] as? String)
        #expect(created.header("Location") == "/v1/runs/\(runID)" && created.json["status"] as? String == "queued")
        let again = try await api.request(.POST, "/v1/runs", token: api.admin, body: body, headers: [("Idempotency-Key", "order-1")])
        #expect(again.status == 200 && again.json["runId"] as? String == runID)
        let other = try await api.request(
            .POST, "/v1/runs", token: api.admin, body: #"{"seeds": ["tea"]}"#,
            headers: [("Idempotency-Key", "order-1")])
        #expect(other.status == 422 && other.json["field"] as? String == "Idempotency-Key")
        #expect(try await api.pool.query("SELECT count(*) FROM runs").scalar(Int.self) == 1)

        // Refusals name the problem and write nothing.
        let typo = try await api.request(.POST, "/v1/runs", token: api.admin, body: #"{"seed": ["x"]}"#)
        #expect(typo.status == 422 && typo.json["field"] as? String == "seed")
        let region = try await api.request(.POST, "/v1/runs", token: api.admin, body: #"{"seeds": ["x"], "region": "XX"}"#)
        #expect(region.status == 422 && region.json["field"] as? String == "region")
        #expect(try await api.request(.POST, "/v1/runs", token: api.admin, body: "not json").status == 400)
        let publish = try await api.request(.POST, "/v1/runs", token: api.admin, body: #"{"seeds": ["x"], "dryRun": false}"#)
        #expect(publish.status == 422 && publish.json["field"] as? String == "dryRun")
        #expect(try await api.pool.query("SELECT count(*) FROM runs").scalar(Int.self) == 1)

        // The document and the trigger.
        let document = try await api.request(.GET, "/v1/runs/\(runID)", token: api.admin)
        #expect(document.status == 200 && (document.json["trigger"] as? [String: Any])?["kind"] as? String == "api")
        #expect((document.json["params"] as? [String: Any])?["region"] as? String == "DE")
        #expect(try await api.request(.GET, "/v1/runs/\(RunID.make())", token: api.admin).status == 404)
        #expect(try await api.request(.GET, "/v1/runs/not-a-uuid", token: api.admin).status == 404)

        // Paging: three more runs, two per page, newest first, no run twice.
        for seed in ["a", "b", "c"] {
            #expect(try await api.request(.POST, "/v1/runs", token: api.admin, body: #"{"seeds": ["\#(seed)"]}"#).status == 201)
        }
        var seen: [String] = []
        var cursor: String? = nil
        repeat {
            let page = try await api.request(.GET, "/v1/runs?limit=2" + (cursor.map { "&before=\($0)" } ?? ""), token: api.admin)
            #expect(page.status == 200)
            seen += (page.json["runs"] as? [[String: Any]] ?? []).compactMap { $0["runId"] as? String }
            cursor = page.json["next"] as? String
        } while cursor != nil
        #expect(seen.count == 4 && Set(seen).count == 4 && seen.last == runID)
        #expect(try await api.request(.GET, "/v1/runs?status=bogus", token: api.admin).status == 400)
        #expect(try await api.request(.GET, "/v1/runs?status=queued&limit=1", token: api.admin).json["next"] is String)

        // Retry: a queued run has nothing to retry; an error run is queued again; a done run conflicts.
        #expect(try await api.request(.POST, "/v1/runs/\(runID)/retry", token: api.admin).status == 200)
        _ = try await api.pool.query("UPDATE runs SET status = 'running' WHERE id = \(RunID(runID)!)")
        _ = try await api.pool.query("UPDATE runs SET status = 'error', finished_at = now() WHERE id = \(RunID(runID)!)")
        let retried = try await api.request(.POST, "/v1/runs/\(runID)/retry", token: api.admin)
        #expect(retried.status == 202 && retried.json["status"] as? String == "queued")
        _ = try await api.pool.query("UPDATE runs SET status = 'cancelled' WHERE id = \(RunID(runID)!)")
        #expect(try await api.request(.POST, "/v1/runs/\(runID)/retry", token: api.admin).status == 409)

        // Review: only a run waiting for review; edits are validated; reject ends it as skipped.
        let params = try RunParams.validated(seeds: ["review me"])
        #expect(try await api.request(.POST, "/v1/runs/\(runID)/review", token: api.admin, body: #"{"decision": "approve"}"#).status == 409)
        let waiting = try await api.pool.query(
            """
            INSERT INTO runs (params, status, finished_at) VALUES (\(PostgresJSON(params)), 'needs_review', now()) RETURNING id
            """
        ).scalar(RunID.self).description
        let badEdit = try await api.request(
            .POST, "/v1/runs/\(waiting)/review", token: api.admin,
            body: #"{"decision": "approve", "edits": {"metadata": {"seoTitle": 3}}}"#)
        #expect(badEdit.status == 422 && badEdit.json["field"] as? String == "edits")
        #expect(try await api.request(.POST, "/v1/runs/\(waiting)/review", token: api.admin, body: #"{"decision": "maybe"}"#).status == 422)
        let approved = try await api.request(.POST, "/v1/runs/\(waiting)/review", token: api.admin, body: #"{"decision": "approve"}"#)
        #expect(approved.status == 200 && approved.json["status"] as? String == "queued")
        let reviewed = try await RunStore(pool: api.pool).diagnostics(RunID(waiting)!).map(\.diagnostic.message)
        #expect(reviewed.contains("approved through the API (token admin)"))
        let second = try await api.pool.query(
            """
            INSERT INTO runs (params, status, finished_at) VALUES (\(PostgresJSON(params)), 'needs_review', now()) RETURNING id
            """
        ).scalar(RunID.self).description
        let rejected = try await api.request(
            .POST, "/v1/runs/\(second)/review", token: api.admin,
            body: #"{"decision": "reject", "reason": "off brand"}"#)
        #expect(rejected.status == 200 && rejected.json["status"] as? String == "skipped")
        #expect(rejected.json["statusReason"] as? String == "rejected in review: off brand")

        // Cancel: a waiting run at once (with the reason), a running one on request, a finished one conflicts.
        let third = try await api.pool.query(
            """
            INSERT INTO runs (params, status, finished_at) VALUES (\(PostgresJSON(params)), 'needs_review', now()) RETURNING id
            """
        ).scalar(RunID.self).description
        let cancelled = try await api.request(.POST, "/v1/runs/\(third)/cancel", token: api.admin, body: #"{"reason": "off topic"}"#)
        #expect(cancelled.status == 200 && cancelled.json["status"] as? String == "cancelled", "\(cancelled.body)")
        #expect(cancelled.json["statusReason"] as? String == "cancelled through the API (token admin): off topic")
        #expect(try await api.request(.POST, "/v1/runs/\(third)/cancel", token: api.admin).status == 200)
        #expect(try await api.request(.POST, "/v1/runs/\(third)/cancel", token: api.admin, body: #"{"reason": 3}"#).status == 422)
        #expect(try await api.request(.POST, "/v1/runs/\(second)/cancel", token: api.admin).status == 409)
        let running = try await api.pool.query(
            """
            INSERT INTO runs (params, status, lease_owner, lease_expires_at) VALUES (\(PostgresJSON(params)), 'running', 'w',
                now() + interval '1 minute') RETURNING id
            """
        ).scalar(RunID.self)
        let requested = try await api.request(.POST, "/v1/runs/\(running.description)/cancel", token: api.admin)
        #expect(requested.status == 202 && requested.json["status"] as? String == "running")
        #expect(try await RunStore(pool: api.pool).cancelRequest(running) == "cancelled through the API (token admin)")
        await api.stop()
    }

    @Test func schedulesAreManagedThroughTheAPI() async throws {
        let api = try await APIHarness.start("apischedules")
        let body =
            #"{"name": "morning", "cron": "0 7 * * MON-FRI", "timeZone": "Europe/Berlin", "seeds": ["home espresso"], "overlap": "allow"}"#
        let created = try await api.request(.POST, "/v1/schedules", token: api.admin, body: body)
        #expect(created.status == 201 && created.json["nextFireAt"] is String, "\(created.body)")
        #expect(try await api.request(.POST, "/v1/schedules", token: api.admin, body: body).status == 409)
        let badCron = try await api.request(
            .POST, "/v1/schedules", token: api.admin,
            body: #"{"name": "bad", "cron": "61 * * * *", "seeds": ["x"]}"#)
        #expect(
            badCron.status == 422 && badCron.json["field"] as? String == "cron"
                && (badCron.json["detail"] as? String)?.contains("minute") == true)
        let badZone = try await api.request(
            .POST, "/v1/schedules", token: api.admin,
            body: #"{"name": "bad", "cron": "@daily", "timeZone": "Mars/Olympus", "seeds": ["x"]}"#)
        #expect(badZone.status == 422)
        let listed = try await api.request(.GET, "/v1/schedules", token: api.admin)
        #expect((listed.json["schedules"] as? [[String: Any]])?.map { $0["name"] as? String } == ["morning"])
        // A row written with plain SQL that cannot be read is named, not a 500 for the whole list.
        _ = try await api.pool.query(
            """
            INSERT INTO schedules (name, cron, time_zone, params) VALUES ('broken', '@daily', 'UTC', '{"seeds": 3}')
            """)
        let withBroken = try await api.request(.GET, "/v1/schedules", token: api.admin)
        #expect(withBroken.status == 200 && (withBroken.json["unreadable"] as? [[String: Any]])?.first?["name"] as? String == "broken")
        _ = try await api.pool.query("DELETE FROM schedules WHERE name = 'broken'")
        #expect(try await api.request(.POST, "/v1/schedules/morning/pause", token: api.admin).json["enabled"] as? Bool == false)
        #expect(try await api.request(.POST, "/v1/schedules/morning/resume", token: api.admin).json["enabled"] as? Bool == true)
        #expect(try await api.request(.GET, "/v1/schedules/morning", token: api.admin).json["timeZone"] as? String == "Europe/Berlin")
        // Replace: a new expression and zone, the same name; the name cannot change.
        let replaced = try await api.request(
            .PUT, "/v1/schedules/morning", token: api.admin,
            body: #"{"cron": "30 6 * * *", "timeZone": "UTC", "seeds": ["tea"]}"#)
        #expect(replaced.status == 200 && replaced.json["cron"] as? String == "30 6 * * *", "\(replaced.body)")
        #expect((replaced.json["nextFireAt"] as? String)?.hasSuffix("06:30:00Z") == true)
        #expect(((replaced.json["params"] as? [String: Any])?["seeds"] as? [String]) == ["tea"])
        let renamed = try await api.request(
            .PUT, "/v1/schedules/morning", token: api.admin,
            body: #"{"name": "evening", "cron": "@daily", "seeds": ["x"]}"#)
        #expect(renamed.status == 422 && renamed.json["field"] as? String == "name")
        #expect(
            try await api.request(.PUT, "/v1/schedules/nothing", token: api.admin, body: #"{"cron": "@daily", "seeds": ["x"]}"#).status
                == 404)
        // Patch: what is given changes, the rest stays; null clears; the result is checked whole.
        let patched = try await api.request(
            .PATCH, "/v1/schedules/morning", token: api.admin,
            body: #"{"maxActive": 2, "region": "DE", "overlap": "buffer-one"}"#)
        #expect(patched.status == 200, "\(patched.body)")
        #expect(patched.json["cron"] as? String == "30 6 * * *" && patched.json["maxActive"] as? Int == 2)
        #expect(patched.json["overlap"] as? String == "buffer-one")
        #expect((patched.json["params"] as? [String: Any])?["region"] as? String == "DE")
        #expect(((patched.json["params"] as? [String: Any])?["seeds"] as? [String]) == ["tea"])
        let cleared = try await api.request(.PATCH, "/v1/schedules/morning", token: api.admin, body: #"{"maxActive": null}"#)
        #expect(cleared.status == 200 && cleared.json["maxActive"] is NSNull)
        let badPatch = try await api.request(.PATCH, "/v1/schedules/morning", token: api.admin, body: #"{"cron": "61 * * * *"}"#)
        #expect(badPatch.status == 422 && badPatch.json["field"] as? String == "cron")
        #expect(try await api.request(.GET, "/v1/schedules/morning", token: api.admin).json["cron"] as? String == "30 6 * * *")
        #expect(try await api.request(.PATCH, "/v1/schedules/nothing", token: api.admin, body: "{}").status == 404)
        #expect(try await api.request(.DELETE, "/v1/schedules/morning", token: api.admin).status == 204)
        #expect(try await api.request(.GET, "/v1/schedules/morning", token: api.admin).status == 404)
        await api.stop()
    }

    /// The stream of a real run: every round as it commits, then done; a reconnect with
    /// Last-Event-ID gets only what came after, and ends.
    @Test func theEventStreamFollowsARealRun() async throws {
        let api = try await APIHarness.start("apievents")
        let created = try await api.request(.POST, "/v1/runs", token: api.admin, body: #"{"seeds": ["streamed article"]}"#)
        let runID = try #require(RunID(created.json["runId"] as? String ?? ""))
        let stream = Task { try await api.request(.GET, "/v1/runs/\(runID)/events", token: api.admin) }
        try await Task.sleep(for: .milliseconds(300))
        let orchestrator = Orchestrator(
            store: RunStore(pool: api.pool), pipeline: Pipeline(providers: .offline(outputFolder: try TemporaryFolder.make())),
            configuration: OrchestratorConfiguration(), logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        )
        #expect(try await orchestrator.execute(runID).status == .done)
        let reply = try await stream.value
        #expect(reply.status == 200 && reply.header("Content-Type") == "text/event-stream")
        let messages = SSE.parse(reply.body)
        #expect(messages.map(\.event) == Array(repeating: "run.round_completed", count: 8) + ["run.done"])
        #expect(messages.map(\.id) == messages.map(\.id).sorted())
        #expect(messages.dropLast().compactMap { $0.json["round"] as? Int } == Array(0...7))

        let resumed = try await api.request(
            .GET, "/v1/runs/\(runID)/events", token: api.admin,
            headers: [("Last-Event-ID", String(messages[4].id))])
        #expect(SSE.parse(resumed.body).map(\.id) == messages[5...].map(\.id))
        let past = try await api.request(
            .GET, "/v1/runs/\(runID)/events", token: api.admin,
            headers: [("Last-Event-ID", String(messages.last!.id))])
        #expect(past.status == 200 && SSE.parse(past.body).isEmpty)
        #expect(try await api.request(.GET, "/v1/runs/\(RunID.make())/events", token: api.admin).status == 404)
        await api.stop()
    }

    @Test func metricsAreServedInPrometheusFormat() async throws {
        let api = try await APIHarness.start("apimetrics")
        _ = try await api.pool.query("INSERT INTO runs (params) VALUES ('{\"seeds\": [\"x\"]}')")
        let metrics = try await api.request(.GET, "/metrics", token: try await api.token("prometheus", [.metrics]))
        #expect(metrics.status == 200 && metrics.header("Content-Type")?.hasPrefix("text/plain") == true)
        #expect(metrics.body.contains(#"presswork_runs{status="queued"} 1.0"#), "\(metrics.body)")
        #expect(metrics.body.contains("presswork_queue_depth 1.0"))
        #expect(!metrics.body.contains("run_id"))
        await api.stop()
    }
}

/// Server-Sent Events, read the way a browser's EventSource does (enough of it for these tests).
enum SSE {
    struct Message {
        let id: Int64
        let event: String
        let data: String
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any]) ?? [:] }
    }

    static func parse(_ text: String) -> [Message] {
        text.components(separatedBy: "\n\n").compactMap { block in
            var id: Int64?
            var event = "message"
            var data: [String] = []
            for line in block.split(separator: "\n", omittingEmptySubsequences: true) where !line.hasPrefix(":") {
                if line.hasPrefix("id: ") { id = Int64(line.dropFirst(4)) }
                if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data.append(String(line.dropFirst(6))) }
            }
            guard let id else { return nil }
            return Message(id: id, event: event, data: data.joined(separator: "\n"))
        }
    }
}
