import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TestSupport

/// A headless Chromium driven over the W3C WebDriver protocol (JSON over HTTP) through Debian's
/// `chromedriver`: the console's tests use a real browser, with its HTML parser, CSP, sandboxed
/// frames, cookies and JavaScript.
final class WebDriver: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let driver: Process
    let base: String
    private(set) var session = ""

    /// Starts chromedriver on a free port and opens a browser session.
    static func start() async throws -> WebDriver {
        guard let path = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].first(where: FileManager.default.isExecutableFile)
        else {
            throw Failure(description: "chromedriver is not installed: apt-get install chromium chromium-driver (.ci/run does)")
        }
        let port = try LoopbackPort.free()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let driver = WebDriver(driver: process, base: "http://127.0.0.1:\(port)")
        // Ready when /status says so (chromedriver answers within a second or two).
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            if let status = try? await driver.call(.GET, "/status"), (status["value"] as? [String: Any])?["ready"] as? Bool == true {
                break
            }
            guard ContinuousClock.now < deadline else {
                driver.quitDriver()
                throw Failure(description: "chromedriver did not get ready")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        var arguments = ["--headless=new", "--disable-gpu", "--window-size=1280,1000", "--disable-dev-shm-usage"]
        if getuid() == 0 { arguments.append("--no-sandbox") }  // Chromium's own sandbox refuses root.
        let options: [String: Any] = ["args": arguments, "binary": "/usr/bin/chromium"]
        let created = try await driver.call(
            .POST, "/session",
            [
                "capabilities": [
                    "alwaysMatch": ["browserName": "chrome", "goog:chromeOptions": options, "unhandledPromptBehavior": "ignore"]
                ]
            ])
        guard let value = created["value"] as? [String: Any], let id = value["sessionId"] as? String else {
            driver.quitDriver()
            throw Failure(description: "no browser session: \(created)")
        }
        driver.session = id
        return driver
    }

    private init(driver: Process, base: String) {
        self.driver = driver
        self.base = base
    }

    func quit() async {
        _ = try? await call(.DELETE, "/session/\(session)")
        quitDriver()
    }

    private func quitDriver() {
        if driver.isRunning { driver.terminate() }
    }

    // MARK: Commands

    func open(_ url: String) async throws {
        _ = try await command(.POST, "url", ["url": url])
    }

    var currentURL: String {
        get async throws { try await command(.GET, "url") as? String ?? "" }
    }

    var title: String {
        get async throws { try await command(.GET, "title") as? String ?? "" }
    }

    /// The element `css` selects, nil when there is none.
    func element(_ css: String) async throws -> String? {
        do {
            let value = try await command(.POST, "element", ["using": "css selector", "value": css]) as? [String: Any]
            return value?.values.first as? String
        } catch let failure as Failure where failure.description.contains("no such element") {
            return nil
        }
    }

    func elements(_ css: String) async throws -> [String] {
        let values = try await command(.POST, "elements", ["using": "css selector", "value": css]) as? [[String: Any]] ?? []
        return values.compactMap { $0.values.first as? String }
    }

    func required(_ css: String) async throws -> String {
        guard let element = try await element(css) else { throw Failure(description: "no element \(css) on \(try await currentURL)") }
        return element
    }

    /// A command on the element `css` selects, found again when the page replaced it between
    /// finding and using (the console's live regions replace their content).
    private func onElement(_ css: String, _ method: HTTPMethod, _ path: String, _ body: [String: Any]? = nil) async throws -> Any {
        var attempt = 0
        while true {
            do {
                return try await command(method, "element/\(try await required(css))/\(path)", body)
            } catch let failure as Failure where failure.description.contains("stale element") && attempt < 5 {
                attempt += 1
            }
        }
    }

    func click(_ css: String) async throws {
        _ = try await onElement(css, .POST, "click", [:])
    }

    func clear(_ css: String) async throws {
        _ = try await onElement(css, .POST, "clear", [:])
    }

    func type(_ text: String, into css: String) async throws {
        _ = try await onElement(css, .POST, "value", ["text": text])
    }

    func text(_ css: String) async throws -> String {
        try await onElement(css, .GET, "text") as? String ?? ""
    }

    func property(_ name: String, of css: String) async throws -> String? {
        let value = try await onElement(css, .GET, "property/\(name)")
        return value as? String ?? (value is NSNull ? nil : "\(value)")
    }

    /// Runs a script in the page (the test's, not the page's: CSP does not apply to it).
    func script(_ source: String) async throws -> Any {
        try await command(.POST, "execute/sync", ["script": source, "args": []])
    }

    /// Runs an asynchronous script: it ends by calling its last argument with the result.
    func asyncScript(_ source: String) async throws -> Any {
        try await command(.POST, "execute/async", ["script": source, "args": []])
    }

    /// The text of an open alert, confirm or prompt dialog; nil when none is open.
    func dialogText() async throws -> String? {
        do {
            return try await command(.GET, "alert/text") as? String
        } catch let failure as Failure where failure.description.contains("no such alert") {
            return nil
        }
    }

    func cookies() async throws -> [[String: Any]] {
        try await command(.GET, "cookie") as? [[String: Any]] ?? []
    }

    func deleteCookies() async throws {
        _ = try await command(.DELETE, "cookie")
    }

    /// Saves a PNG of the viewport.
    func screenshot(_ path: String) async throws {
        guard let base64 = try await command(.GET, "screenshot") as? String, let data = Data(base64Encoded: base64) else {
            throw Failure(description: "no screenshot")
        }
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// Waits until the page has an element `css` selects (after a form's page has loaded).
    func waitFor(_ css: String, timeout: Duration = .seconds(30)) async throws {
        try await waitUntil(css, timeout: timeout) { try await element(css) != nil }
    }

    /// Waits (up to `timeout`) until `condition` holds, reading the browser's state; a check
    /// that fails (the element is not there yet) counts as not yet.
    func waitUntil(_ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            var lastFailure: Failure?
            do {
                if try await condition() { return }
            } catch let failure as Failure {
                lastFailure = failure
            }
            guard ContinuousClock.now < deadline else {
                throw Failure(description: "timed out waiting for \(what) on \(try await currentURL)\(lastFailure.map { ": \($0)" } ?? "")")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    // MARK: Protocol

    private func command(_ method: HTTPMethod, _ path: String, _ body: [String: Any]? = nil) async throws -> Any {
        let answer = try await call(method, "/session/\(session)/\(path)", body)
        return answer["value"] ?? NSNull()
    }

    private func call(_ method: HTTPMethod, _ path: String, _ body: [String: Any]? = nil) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 32 << 20)
        let answer = (try? JSONSerialization.jsonObject(with: Data(buffer: bytes))) as? [String: Any] ?? [:]
        if response.status.code >= 400 {
            let value = answer["value"] as? [String: Any]
            throw Failure(description: "\(method) \(path): \(value?["error"] ?? response.status.code) \(value?["message"] ?? "")")
        }
        return answer
    }
}
