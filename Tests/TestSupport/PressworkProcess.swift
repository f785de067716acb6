import Foundation
import PostgresClient
import PostgresTestSupport

/// The `presswork` executable beside the test binary, started as a child for tests that stop or
/// kill a real process. Output goes to a file (not a pipe), so nothing blocks on it.
public final class PressworkProcess: @unchecked Sendable {
    public let process: Process
    public let outputPath: String

    /// `.build/<triple>/debug/presswork`, beside the test runner.
    public static var executable: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("presswork").path
    }

    public init(_ arguments: [String], environment: [String: String]) throws {
        outputPath = try TemporaryFolder.make() + "/presswork.out"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    public func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// Waits up to `timeout` for the process to end; its exit status, or nil if it did not.
    public func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { return nil }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return process.terminationStatus
    }

    public var output: String {
        (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }
}

extension TestDatabase {
    /// A libpq URL for a test database (`makeDatabase`), for a child process's DATABASE_URL.
    public static func url(_ configuration: PostgresConfiguration) -> String {
        let base = configuration.connectionString
        guard let database = configuration.databaseOverride, let query = base.firstIndex(of: "?"),
            let slash = base[..<query].lastIndex(of: "/")
        else { return base }
        return String(base[...slash]) + database + String(base[query...])
    }
}
