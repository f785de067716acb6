import ArgumentParser
import Foundation
import PressworkCore
import PressworkOrchestrator
import PressworkRuntime
import PressworkStore

/// Prints what commands report about runs: the run document as JSON, or a short summary.
enum RunOutput {
    /// Prints the run's result and throws the exit code of its status when it is not done, so
    /// that cron, systemd and scripts can tell (see `exitCode(of:)`).
    static func printResult(of runID: RunID, outcome: RunOutcome?, services: Services, json: Bool) async throws {
        guard let run = try await services.store.run(runID) else { throw RunStateError.missing(runID) }
        if json {
            print(try await document(runID, store: services.store).text)
        } else {
            printSummary(run, outcome: outcome)
        }
        let code = exitCode(of: run.status)
        if code != 0 { throw ExitCode(code) }
    }

    /// The exit codes, for the commands' help.
    static let exitCodesHelp =
        "Exit codes: 0 done, 3 error, 4 skipped, 5 needs_review, 6 cancelled, "
        + "7 queued or running elsewhere (not ended here), 130 interrupted (the run was handed back, queued)."

    /// The exit code of a command that ended (or found) a run: `run`, `runs retry`, `runs
    /// reprocess`, `review approve`. Documented in the README and in `presswork run --help`.
    static func exitCode(of status: RunStatus) -> Int32 {
        switch status {
        case .done: return 0
        case .error: return 3
        case .skipped: return 4
        case .needsReview: return 5
        case .cancelled: return 6
        // Found, not ended here: another process executes it, or it waits for one.
        case .queued, .running: return 7
        }
    }

    private static func printSummary(_ run: RunRecord, outcome: RunOutcome?) {
        print("status: \(run.status)" + (run.statusReason.map { " (\($0))" } ?? ""))
        print("run:    \(run.id)")
        if let path = outcome?.htmlPath { print("html:   \(path)") }
        switch run.status {
        case .needsReview: print("next:   presswork review approve \(run.id)  (or reject)")
        case .error: print("next:   presswork runs show \(run.id); presswork runs retry \(run.id)")
        default: break
        }
    }

    static func document(_ runID: RunID, store: RunStore) async throws -> JSONValue {
        guard let document = try await store.document(runID) else { throw RunStateError.missing(runID) }
        return document
    }
}
