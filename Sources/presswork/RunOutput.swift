import Foundation
import PressworkCore
import PressworkOrchestrator
import PressworkRuntime
import PressworkStore

/// Prints what commands report about runs: the run document as JSON, or a short summary.
enum RunOutput {
    static func printResult(of runID: UUID, outcome: RunOutcome?, services: Services, json: Bool) async throws {
        if json {
            print(try await document(runID, store: services.store).text)
            return
        }
        guard let run = try await services.store.run(runID) else { return }
        print("status: \(run.status)" + (run.statusReason.map { " (\($0))" } ?? ""))
        print("run:    \(run.id.uuidString.lowercased())")
        if let path = outcome?.htmlPath { print("html:   \(path)") }
        switch run.status {
        case .needsReview: print("next:   presswork review approve \(run.id.uuidString.lowercased())  (or reject)")
        case .error: print("next:   presswork runs show \(run.id.uuidString.lowercased()); presswork runs retry \(run.id.uuidString.lowercased())")
        default: break
        }
    }

    static func document(_ runID: UUID, store: RunStore) async throws -> JSONValue {
        guard let document = try await store.document(runID) else { throw RunStateError("no run \(runID)") }
        return document
    }
}
