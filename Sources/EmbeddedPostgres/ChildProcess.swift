import CSpawn
import Dispatch
import Foundation

/// Runs a program to completion and returns its exit status and what it printed.
///
/// Not Foundation's `Process`: a daemon started through `Process` (as `pg_ctl start` starts the
/// postmaster) inherits a descriptor Foundation keeps open, and waiting for the child then hangs
/// until the daemon exits. Here the child gets a new session, /dev/null for stdin, a temporary
/// file for stdout and stderr, and no other descriptor.
public struct ChildProcess: Sendable {
    public let executable: String
    public let arguments: [String]
    public var environment: [String: String]

    public init(
        executable: String, arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
    }

    public struct Outcome: Sendable {
        public let exitStatus: Int32
        public let output: String
        public var succeeded: Bool { exitStatus == 0 }
    }

    /// Runs the program on a dispatch thread, so waiting does not block Swift's cooperative pool.
    public func run() async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try runBlocking() })
            }
        }
    }

    public func runBlocking() throws -> Outcome {
        let outputPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("presswork-\(UUID().uuidString).out").path
        defer { unlink(outputPath) }

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawnError = presswork_spawn(executable, argv, envp, outputPath, &pid)
        guard spawnError == 0 else {
            throw EmbeddedPostgresError(
                "cannot start \(executable): \(String(cString: strerror(spawnError)))"
            )
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else {
                throw EmbeddedPostgresError("cannot wait for \(executable): \(String(cString: strerror(errno)))")
            }
        }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        // WIFEXITED / WEXITSTATUS are macros: decode the wait status by hand.
        let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Outcome(exitStatus: exitStatus, output: output)
    }
}
