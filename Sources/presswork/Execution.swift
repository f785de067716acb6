import ArgumentParser
import Foundation
import PressworkCore
import PressworkOrchestrator
import PressworkRuntime
import PressworkStore

/// Executes a run in this process for a command, the same way for `run`, `runs retry`,
/// `runs reprocess` and `review approve`: progress on stderr, the result on stdout.
///
/// SIGINT (Ctrl-C) and SIGTERM cancel the execution; the orchestrator then hands the run back
/// (`queued`), so that `presswork runs retry RUN` or a worker continues it from its first
/// missing round. The command exits with 130.
enum Execution {
    ///
    /// `claimed`: a lease this process holds already (`presswork run` creates its run claimed,
    /// by `orchestrator`, so that no worker of a `serve` beside it takes the run first).
    static func execute(
        _ runID: RunID, services: Services, json: Bool = false, claimed: Lease? = nil, orchestrator given: Orchestrator? = nil
    ) async throws {
        let printer = json ? nil : ProgressPrinter()
        let orchestrator = given ?? services.orchestrator()
        let task = Task {
            if let claimed { return try await orchestrator.execute(claimed: claimed) { printer?.handle($0) } }
            return try await orchestrator.execute(runID) { printer?.handle($0) }
        }
        let signals = TerminationSignals { task.cancel() }
        defer { signals.restore() }
        do {
            let outcome = try await task.value
            try await RunOutput.printResult(of: runID, outcome: outcome, services: services, json: json)
        } catch is CancellationError {
            let id = runID.description
            StandardError.write("\ninterrupted: run \(id) was handed back (queued); `presswork runs retry \(id)` continues it\n")
            throw ExitCode(130)
        }
    }
}
