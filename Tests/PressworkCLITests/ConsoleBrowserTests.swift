import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PostgresClient
import PostgresTestSupport
import PressworkCore
import TestSupport
import Testing

/// The web console in a real browser (headless Chromium over WebDriver) against a real
/// `presswork serve --http` with a worker, on a real Postgres: sign in, watch a run move round
/// by round without reloading, read each round's input and output, review (approve with an
/// edited SEO title, reject, a refused edit that changes nothing), pause and trigger a schedule,
/// a hostile article that stays inert, a read-only sign-in without buttons, and forms refused
/// without a CSRF token or after the session expired. A screenshot of every page goes to
/// `.build/console-screenshots` (outside git) for a person to look at.
@Suite(.serialized) struct ConsoleBrowserTests {
    static let screenshots: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = root.appendingPathComponent(".build/console-screenshots").path
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }()

    @Test(.timeLimit(.minutes(10))) func theConsoleInARealBrowser() async throws {
        let server = try await ServedConsole.start()
        defer { server.stop() }
        let browser = try await WebDriver.start()
        do {
            try await exercise(server, browser)
        } catch {
            try? await browser.screenshot(Self.screenshots + "/failure.png")
            await browser.quit()
            throw error
        }
        await browser.quit()
    }

    /// axe-core, from the PyPI package axe-selenium-python (MPL-2.0), which carries its
    /// axe.min.js; .ci/run installs it.
    static func axeSource() throws -> String {
        let finder = Process()
        finder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        finder.arguments = [
            "python3", "-c",
            "import axe_selenium_python, os; print(os.path.join(os.path.dirname(axe_selenium_python.__file__), 'node_modules/axe-core/axe.min.js'))",
        ]
        let pipe = Pipe()
        finder.standardOutput = pipe
        finder.standardError = FileHandle.nullDevice
        try finder.run()
        finder.waitUntilExit()
        let path = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(
            in: .whitespacesAndNewlines)
        guard finder.terminationStatus == 0, let source = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw WebDriver.Failure(description: "axe-core is missing: pip install axe-selenium-python (.ci/run does)")
        }
        return source
    }

    /// Opens a round's details and waits until the browser shows them open. The page may still
    /// be redrawing from the run's last events; console.js keeps what the viewer opened.
    func unfold(_ details: String, _ browser: WebDriver) async throws {
        try await browser.click("\(details) summary")
        try await browser.waitUntil("\(details) open") {
            try await browser.script("return document.querySelector('\(details)').open") as? Bool == true
        }
    }

    func exercise(_ server: ServedConsole, _ browser: WebDriver) async throws {
        let base = server.base
        let axe = try Self.axeSource()
        /// A screenshot of the page, and its serious or critical accessibility violations.
        func shot(_ name: String) async throws {
            try await browser.screenshot("\(Self.screenshots)/\(name).png")
            _ = try await browser.script(axe + "; return true;")
            let found =
                try await browser.asyncScript(
                    """
                    var done = arguments[arguments.length - 1];
                    axe.run(document, { resultTypes: ['violations'] }).then(function (r) {
                      done(r.violations.filter(function (v) { return v.impact === 'serious' || v.impact === 'critical'; })
                        .map(function (v) { return v.id + ': ' + v.help + ' (' + v.nodes.map(function (n) { return n.target.join(' '); }).join(', ') + ')'; }));
                    }).catch(function (e) { done(['axe failed: ' + e]); });
                    """) as? [String] ?? ["axe returned nothing"]
            #expect(found.isEmpty, "accessibility violations on \(name): \(found.joined(separator: "; "))")
        }

        // Signed out, a page sends to the sign-in form; a wrong token is refused there.
        try await browser.open(base + "/console/runs")
        #expect(try await browser.currentURL.contains("/console/sign-in?next="))
        try await browser.type("pw_not-a-token", into: "#token")
        try await browser.click("form.edit button[type=submit]")
        try await browser.waitFor("#token-error")
        #expect(try await browser.text("#token-error").contains("not known"))
        try await shot("01-sign-in-refused")
        try await browser.type(server.adminToken, into: "#token")
        try await browser.click("form.edit button[type=submit]")
        try await browser.waitUntil("the runs page") { try await browser.currentURL.hasSuffix("/console/runs") }
        let cookie = try #require(try await browser.cookies().first { $0["name"] as? String == "presswork_session" })
        #expect(cookie["httpOnly"] as? Bool == true && cookie["sameSite"] as? String == "Strict")
        try await shot("02-runs-empty")

        // A run appears on the runs page by itself, and its page follows it round by round.
        try await browser.waitUntil("console.js") {
            try await browser.script("return document.documentElement.dataset.enhanced") as? String == "1"
        }
        let pacer = try await RoundPacer.install(server.databaseURL, holding: 1...7)
        let first = try await server.createRun(seeds: ["espresso at home"])
        try await browser.waitUntil("the new run in the list", timeout: .seconds(60)) {
            try await browser.element("a[href='/console/runs/\(first)']") != nil
        }
        try await shot("03-runs-live")
        try await browser.click("a[href='/console/runs/\(first)']")
        // The run waits before committing each of rounds 1-3 until the page has shown the round
        // before it, so what is checked is the page following the run, not how fast either is.
        try await browser.script("window.presswork_notReloaded = true; return true;")
        for round in 1...3 {
            try await browser.waitUntil("round \(round - 1) shown as done, live", timeout: .seconds(60)) {
                try await browser.script("return document.querySelectorAll('details[data-done]').length") as? Int == round
            }
            // The viewer opens round 0; the redraws that show rounds 2 and 3 must keep it open.
            if round == 2 { try await unfold("#round-0", browser) }
            try await pacer.release(round)
        }
        #expect(
            try await browser.script("return document.querySelector('#round-0').open") as? Bool == true,
            "a live redraw folded the round the viewer had opened")
        try await pacer.releaseAll()
        try await browser.waitUntil("the run to finish", timeout: .seconds(120)) {
            try await browser.text("#run-status") == "done"
        }
        #expect(try await browser.script("return window.presswork_notReloaded === true") as? Bool == true, "the page reloaded")
        #expect(try await browser.script("return document.querySelectorAll('details[data-done]').length") as? Int == 8)
        try await unfold("#round-2", browser)
        let outline = try await browser.text("#round-2")
        #expect(outline.contains("Input:") && outline.contains("topic ideas") && outline.contains("\"sections\""))
        #expect(outline.contains("the offline writer composes the text itself"), "an offline run sent no prompts")
        try await shot("04-run-done")

        // Review: approve with an edited SEO title, and round 7 runs with it.
        let reviewed = try await server.plantReview(copying: first)
        try await browser.open(base + "/console/review")
        try await browser.click("a[href='/console/review/\(reviewed)']")
        // A refused edit first: nothing changes, the typed value stays, the error is beside it.
        let tooLong = String(repeating: "Very long title ", count: 6)
        try await browser.clear("#field-seoTitle")
        try await browser.type(tooLong, into: "#field-seoTitle")
        try await browser.click("button[value=approve]")
        try await browser.waitFor("#seoTitle-error")
        #expect(try await browser.text("#seoTitle-error").contains("60 characters"))
        #expect(try await browser.property("value", of: "#field-seoTitle") == tooLong)
        try await shot("05-review-refused")
        #expect(try await server.status(reviewed) == "needs_review")
        try await browser.clear("#field-seoTitle")
        try await browser.type("Edited by the console", into: "#field-seoTitle")
        try await browser.click("button[value=approve]")
        try await browser.waitUntil("the approved run to publish", timeout: .seconds(120)) {
            guard try await browser.currentURL.hasSuffix("/console/runs/\(reviewed)") else { return false }
            return try await browser.text("#run-status") == "done"
        }
        try await unfold("#round-5", browser)
        #expect(try await browser.text("#round-5").contains("Edited by the console"))
        #expect(try await browser.text("#round-7").contains("publish"))
        try await shot("06-review-approved")

        // Reject another, with a reason.
        let rejected = try await server.plantReview(copying: first)
        try await browser.open(base + "/console/review/\(rejected)")
        try await shot("07-review-form")
        try await browser.type("off topic for this blog", into: "#field-reason")
        try await browser.click("button[value=reject]")
        try await browser.waitUntil("the rejected run") { try await browser.text("#run-status") == "skipped" }
        #expect(try await server.status(rejected) == "skipped")

        // Schedules: pause, then trigger now.
        try await server.presswork([
            "schedules", "add", "mornings", "--cron", "0 7 * * *", "--tz", "Europe/Berlin", "--seed", "morning coffee",
        ])
        try await browser.open(base + "/console/schedules")
        try await shot("08-schedules")
        #expect(try await browser.text("#state-mornings") == "active")
        try await browser.click("form[action='/console/schedules/mornings/pause'] button")
        try await browser.waitFor("form[action='/console/schedules/mornings/resume']")
        try await browser.open(base + "/console/schedules")
        #expect(try await browser.text("#state-mornings") == "paused")
        try await browser.click("form[action='/console/schedules/mornings/trigger'] button")
        try await browser.waitUntil("the triggered run's page") { try await browser.currentURL.contains("/console/runs/") }
        #expect(try await browser.text("table.facts").contains("schedule mornings"))

        // Hostile text renders inert: no dialog, no request to the address the payload names.
        let listener = try await ScriptedHTTPServer.start()
        let payload = "<script>alert(1)</script><img src=http://127.0.0.1:\(listener.port)/img onerror=alert(2)>"
        let hostile = try await server.createRun(seeds: ["\(payload) latte art"])
        try await server.waitForStatus(hostile, "done")
        try await browser.open(base + "/console/runs/\(hostile)")
        try await browser.waitUntil("the preview frame") {
            try await browser.script("var f = document.querySelector('iframe.preview'); return f ? f.getAttribute('sandbox') : null")
                as? String == ""
        }
        for page in ["/console/runs/\(hostile)", "/console/runs/\(hostile)/preview", "/console/runs", "/console/review"] {
            try await browser.open(base + page)
            #expect(try await browser.dialogText() == nil, "a dialog opened on \(page)")
        }
        try await browser.open(base + "/console/runs/\(hostile)")
        #expect(try await browser.text("table.facts").contains("<script>alert(1)</script>"), "the seed is shown as text")
        try await shot("09-hostile-run")
        #expect(listener.requests.isEmpty, "the payload's image was requested: \(listener.requests)")
        await listener.stop()

        // Edit a schedule: a bad expression is refused beside its field with what was typed kept,
        // and nothing changes; a good one is saved.
        try await browser.open(base + "/console/schedules/mornings/edit")
        try await browser.clear("#field-cron")
        try await browser.type("61 7 * * *", into: "#field-cron")
        try await browser.click("form.edit button[type=submit]")
        try await browser.waitFor("#cron-error")
        #expect(try await browser.property("value", of: "#field-cron") == "61 7 * * *")
        try await shot("10-schedule-edit-refused")
        #expect(try await server.presswork(["schedules", "show", "mornings", "--json"]).contains("\"0 7 * * *\""))
        try await browser.clear("#field-cron")
        try await browser.type("30 6 * * 1-5", into: "#field-cron")
        try await browser.click("form.edit button[type=submit]")
        try await browser.waitUntil("the saved schedule") { try await browser.currentURL.hasSuffix("/console/schedules/mornings") }
        #expect(try await browser.text("table.facts").contains("30 6 * * 1-5"))

        // Backfill: the window's fires are previewed in the schedule's zone, then queued once.
        try await browser.open(base + "/console/schedules/mornings/backfill?from=2026-11-02T00:00:00Z&through=2026-11-08T00:00:00Z")
        #expect(try await browser.text("main h2").hasPrefix("5 fires"), "Monday to Friday at 06:30 in Berlin")
        #expect(try await browser.text("main ol").contains("2026-11-02T06:30:00+0100 Europe/Berlin"))
        try await shot("11-schedule-backfill-preview")
        try await browser.click("main form.inline button")
        try await browser.waitFor("p.notice")
        #expect(try await browser.text("p.notice").contains("Queued 5 runs"))
        try await browser.open(base + "/console/schedules/mornings/backfill?from=2026-11-02T00:00:00Z&through=2026-11-08T00:00:00Z")
        try await browser.click("main form.inline button")
        try await browser.waitFor("p.notice")
        #expect(try await browser.text("p.notice").contains("Queued 0 runs"))

        for (name, page) in [("12-overview", "/console"), ("13-webhooks", "/console/webhooks"), ("14-monitor", "/console/monitor")] {
            try await browser.open(base + page)
            #expect(try await browser.element("main h1") != nil)
            #expect(try await browser.element("p.error") == nil, "\(page) shows an error")
            try await shot(name)
        }

        // A form without the session's CSRF token, or from another origin, changes nothing.
        let session = try #require(try await browser.cookies().first { $0["name"] as? String == "presswork_session" }?["value"] as? String)
        let failed = try await server.plantReview(copying: first)
        #expect(try await server.post("/console/runs/\(failed)/cancel", form: "reason=x", cookie: session) == 403)
        #expect(try await server.post("/console/runs/\(failed)/cancel", form: "csrf=wrong", cookie: session) == 403)
        #expect(try await server.status(failed) == "needs_review")

        // A read-only sign-in sees no buttons, and its posts are refused.
        try await browser.open(base + "/console")
        try await browser.click("form.sign-out button")
        try await browser.waitUntil("signed out") { try await browser.currentURL.contains("/console/sign-in") }
        try await browser.type(server.readerToken, into: "#token")
        try await browser.click("form.edit button[type=submit]")
        try await browser.waitUntil("signed in as the reader") { try await browser.text("form.sign-out span") == "token reader" }
        try await browser.open(base + "/console/runs/\(failed)")
        #expect(try await browser.elements("main form").isEmpty, "a read-only sign-in sees a form")
        try await shot("15-read-only")
        let readerSession = try #require(
            try await browser.cookies().first { $0["name"] as? String == "presswork_session" }?["value"] as? String)
        let csrf = try #require(try await server.csrfToken(cookie: readerSession))
        #expect(try await server.post("/console/runs/\(failed)/cancel", form: "csrf=\(csrf)", cookie: readerSession) == 403)
        #expect(try await server.status(failed) == "needs_review")

        // An expired session: pages send to sign-in, posts are refused, nothing changes.
        try await server.sql("UPDATE console_sessions SET expires_at = now() - interval '1 second'")
        #expect(try await server.post("/console/runs/\(failed)/cancel", form: "csrf=\(csrf)", cookie: readerSession) == 401)
        try await browser.open(base + "/console/runs")
        #expect(try await browser.currentURL.contains("/console/sign-in"))
        #expect(try await server.status(failed) == "needs_review")

        // A one-time link signs in once.
        let link = try await server.presswork(["console-url", "--http", base]).trimmingCharacters(in: .whitespacesAndNewlines)
        try await browser.open(link)
        #expect(try await browser.currentURL.hasSuffix("/console"))
        try await browser.deleteCookies()
        try await browser.open(link)
        try await browser.waitFor("#token-error")
        #expect(try await browser.text("#token-error").contains("used already"))
    }
}

/// `presswork serve --http` on a fresh database with one worker whose offline writer waits
/// 150 ms per call (so that a run takes a few seconds and can be watched), and two tokens.
struct ServedConsole: Sendable {
    let serve: PressworkProcess
    let base: String
    let environment: [String: String]
    let databaseURL: String
    let adminToken: String
    let readerToken: String

    static func start() async throws -> ServedConsole {
        let databaseURL = TestDatabase.url(try await TestDatabase.makeDatabase("console"))
        let environment = [
            "DATABASE_URL": databaseURL, "PRESSWORK_HOME": try TemporaryFolder.make(), "PRESSWORK_OFFLINE_LATENCY_MS": "150",
        ]
        func token(_ name: String, _ scopes: [String]) async throws -> String {
            let process = try PressworkProcess(["tokens", "create", name] + scopes.flatMap { ["--scope", $0] }, environment: environment)
            guard await process.waitForExit(timeout: .seconds(60)) == 0 else { throw WebDriver.Failure(description: process.output) }
            return process.output.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let admin = try await token("admin", ["runs:read", "runs:write", "review", "schedules:read", "schedules:write"])
        let reader = try await token("reader", ["runs:read", "schedules:read"])
        let serve = try PressworkProcess(["serve", "--workers", "1", "--http", "127.0.0.1:0"], environment: environment)
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            if let line = serve.output.split(separator: "\n").first(where: { $0.contains("HTTP API listening") }),
                let range = line.range(of: #"127\.0\.0\.1:\d+"#, options: .regularExpression)
            {
                let served = ServedConsole(
                    serve: serve, base: "http://" + line[range], environment: environment, databaseURL: databaseURL,
                    adminToken: admin, readerToken: reader
                )
                return served
            }
            guard ContinuousClock.now < deadline, serve.process.isRunning else {
                serve.signal(SIGKILL)
                throw WebDriver.Failure(description: "serve did not start: \(serve.output)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    func stop() {
        if serve.process.isRunning { serve.signal(SIGKILL) }
    }

    @discardableResult
    func presswork(_ arguments: [String]) async throws -> String {
        let process = try PressworkProcess(arguments, environment: environment)
        guard await process.waitForExit(timeout: .seconds(60)) == 0 else {
            throw WebDriver.Failure(description: "presswork \(arguments.joined(separator: " ")): \(process.output)")
        }
        return process.output
    }

    func api(_ method: HTTPMethod, _ path: String, body: String? = nil) async throws -> (Int, [String: Any]) {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(adminToken)")
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 4 << 20)
        return (Int(response.status.code), (try? JSONSerialization.jsonObject(with: Data(buffer: bytes))) as? [String: Any] ?? [:])
    }

    func createRun(seeds: [String], thresholds: [String: Double]? = nil) async throws -> String {
        var body: [String: Any] = ["seeds": seeds]
        if let thresholds { body["thresholds"] = thresholds }
        let text = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        let (status, answer) = try await api(.POST, "/v1/runs", body: text)
        guard status == 201, let id = answer["runId"] as? String else {
            throw WebDriver.Failure(description: "POST /v1/runs: \(status) \(answer)")
        }
        return id
    }

    func status(_ run: String) async throws -> String {
        try await api(.GET, "/v1/runs/\(run)").1["status"] as? String ?? ""
    }

    func waitForStatus(_ run: String, _ wanted: String, timeout: Duration = .seconds(120)) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await status(run) != wanted {
            guard ContinuousClock.now < deadline else { throw WebDriver.Failure(description: "run \(run) did not reach \(wanted)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// A form posted as a browser would, with the session cookie; the status code.
    func post(_ path: String, form: String, cookie: String) async throws -> Int {
        var request = HTTPClientRequest(url: base + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Cookie", value: "presswork_session=\(cookie)")
        request.body = .bytes(ByteBuffer(string: form))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 4 << 20)
        return Int(response.status.code)
    }

    /// The CSRF token a session's pages carry (the sign-out form has it).
    func csrfToken(cookie: String) async throws -> String? {
        var request = HTTPClientRequest(url: base + "/console")
        request.headers.add(name: "Cookie", value: "presswork_session=\(cookie)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let page = String(buffer: try await response.body.collect(upTo: 4 << 20))
        guard let range = page.range(of: #"name="csrf" value="[^"]+""#, options: .regularExpression) else { return nil }
        return String(page[range].dropFirst(#"name="csrf" value=""#.count).dropLast())
    }

    /// A run waiting at the gate, as the offline writer's perfect scores never leave one: rounds
    /// 0-6 copied from a finished run, stopped below the publish threshold.
    func plantReview(copying source: String) async throws -> String {
        let id = RunID.make().description
        try await sql(
            """
            INSERT INTO runs (id, params, status, pipeline_version, trigger, round, status_reason, attempt, started_at, finished_at)
            SELECT '\(id)', params, 'needs_review', pipeline_version, '{"kind": "api"}', 6,
                   'coherence 0.62 is below the publish threshold 0.70', 1, now(), now()
            FROM runs WHERE id = '\(source)';
            INSERT INTO artifacts (run_id, round, payload, schema_version, duration_ms, tokens_in, tokens_out, attempt)
            SELECT '\(id)', round, payload, schema_version, duration_ms, tokens_in, tokens_out, 1
            FROM artifacts WHERE run_id = '\(source)' AND round <= 6;
            """)
        return id
    }

    func sql(_ statement: String) async throws {
        let connection = try await PostgresConnection.connect(try PostgresConfiguration(databaseURL))
        defer { Task { await connection.close() } }
        try await connection.executeScript(unsafeSQL: statement)
    }
}

/// Holds runs before they commit chosen rounds, from outside the process: a trigger on
/// `artifacts` takes a shared advisory lock keyed by the round, and this session holds those
/// locks exclusively until the test releases them one by one. Only a test database has it.
final class RoundPacer: Sendable {
    private static let lockClass = 4_242
    private let connection: PostgresConnection

    private init(connection: PostgresConnection) {
        self.connection = connection
    }

    static func install(_ databaseURL: String, holding rounds: ClosedRange<Int>) async throws -> RoundPacer {
        let connection = try await PostgresConnection.connect(try PostgresConfiguration(databaseURL))
        try await connection.executeScript(
            unsafeSQL: """
                CREATE OR REPLACE FUNCTION test_round_pacer() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_advisory_xact_lock_shared(\(lockClass), NEW.round);
                    RETURN NEW;
                END $$;
                CREATE TRIGGER test_round_pacer BEFORE INSERT ON artifacts
                    FOR EACH ROW EXECUTE FUNCTION test_round_pacer();
                """ + rounds.map { "SELECT pg_advisory_lock(\(lockClass), \($0));" }.joined(separator: "\n"))
        return RoundPacer(connection: connection)
    }

    /// Lets every run commit `round`.
    func release(_ round: Int) async throws {
        try await connection.executeScript(unsafeSQL: "SELECT pg_advisory_unlock(\(Self.lockClass), \(round));")
    }

    /// Lets every round through and closes the session (the trigger stays, and no longer waits).
    func releaseAll() async throws {
        try await connection.executeScript(unsafeSQL: "SELECT pg_advisory_unlock_all();")
        await connection.close()
    }
}
