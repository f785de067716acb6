import EmbeddedPostgres
import Foundation
import PostgresTestSupport

/// A real WordPress (Debian's package) on loopback for publishing tests, started once per test
/// process by `Tests/wordpress/wordpress-test-server`, whose watchdog stops it and removes its
/// folder when the test process is gone, however it ended.
///
/// Without the packages the tests that need it are skipped, saying why, unless
/// `PRESSWORK_REQUIRE_WORDPRESS=1` (CI sets it), which makes a missing WordPress a failure.
public enum TestWordPress {
    public static let packagesInstalled: Bool = ["/usr/share/wordpress/wp-settings.php", "/usr/sbin/mariadbd", "/usr/bin/php"]
        .allSatisfy { FileManager.default.fileExists(atPath: $0) }

    /// Whether tests needing WordPress run: the packages are here, or CI demands it.
    public static var enabled: Bool {
        packagesInstalled || ProcessInfo.processInfo.environment["PRESSWORK_REQUIRE_WORDPRESS"] == "1"
    }

    /// The site named `name`, started on first use. Suites that inject faults each use a site of
    /// their own (suites run in parallel; a fault is site-wide) and serialize their tests.
    public static func site(_ name: String) async throws -> TestWordPressSite {
        try await Starter.shared.site(name)
    }

    private actor Starter {
        static let shared = Starter()
        private var started: [String: Task<TestWordPressSite, any Error>] = [:]

        func site(_ name: String) async throws -> TestWordPressSite {
            if let task = started[name] { return try await task.value }
            let task = Task<TestWordPressSite, any Error> { try await Self.start() }
            started[name] = task
            return try await task.value
        }

        private static func start() async throws -> TestWordPressSite {
            guard TestWordPress.packagesInstalled else {
                throw TestWordPressError(
                    "WordPress is required (PRESSWORK_REQUIRE_WORDPRESS=1) but not installed: "
                        + "apt-get install wordpress php-cli php-mysql mariadb-server")
            }
            let state = try TemporaryFolder.make()
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("wordpress/wordpress-test-server").path
            // Not Foundation's Process: the servers the script leaves running would inherit a
            // descriptor it keeps open, and waiting for the script would hang (MACHINE-NOTES).
            let outcome = try await ChildProcess(executable: "/bin/bash", arguments: [script, "start", state + "/site", "\(getpid())"])
                .run()
            let text = outcome.output
            guard outcome.succeeded else {
                throw TestWordPressError("wordpress-test-server failed (\(outcome.exitStatus)):\n\(text)")
            }
            var values: [String: String] = [:]
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
                if parts.count == 2 { values[parts[0]] = parts[1] }
            }
            guard let url = values["url"], let user = values["user"], let password = values["password"] else {
                throw TestWordPressError("wordpress-test-server printed no credentials:\n\(text)")
            }
            return TestWordPressSite(url: url, user: user, applicationPassword: password, folder: state + "/site")
        }
    }
}

/// The running test site and its fault switch.
public struct TestWordPressSite: Sendable {
    public let url: String
    public let user: String
    public let applicationPassword: String
    /// The site's folder (its `wp-content/faults.json` drives the fault-injection plugin).
    public let folder: String

    /// A fault the site's test plugin injects: requests with `method` whose REST route matches
    /// `route` (a PCRE, e.g. `#^/wp/v2/posts/\d+$#`) sleep `sleep` seconds, then fail with
    /// `status`, or with no status go on normally; `times` requests are affected.
    public struct Fault: Encodable, Sendable {
        public var method: String
        public var route: String
        public var status: Int?
        public var sleep: Int?
        public var times: Int

        public init(method: String, route: String, status: Int? = nil, sleep: Int? = nil, times: Int = 1) {
            self.method = method
            self.route = route
            self.status = status
            self.sleep = sleep
            self.times = times
        }
    }

    public func inject(_ faults: [Fault]) throws {
        try JSONEncoder().encode(faults).write(to: URL(fileURLWithPath: folder + "/wp-content/faults.json"))
    }

    public func clearFaults() {
        try? FileManager.default.removeItem(atPath: folder + "/wp-content/faults.json")
    }
}

public struct TestWordPressError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
