import ArgumentParser
import Foundation
import PressworkCore
import PressworkOrchestrator
import PressworkRuntime
import PressworkStore

struct ReviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Runs waiting for a person after the coherence gate: list, approve, reject.",
        subcommands: [ReviewListCommand.self, ReviewApproveCommand.self, ReviewRejectCommand.self]
    )
}

struct ReviewListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Runs in needs_review, oldest first.")

    @Flag(help: "JSON array of {runId, status, round, seeds, createdAt, finishedAt, statusReason}.")
    var json = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await withServices(global) { services in
            let runs = try await services.store.list(status: .needsReview, limit: 500).reversed()
            if json {
                print(JSONValue.array(runs.map(\.summary)).text)
                return
            }
            if runs.isEmpty { print("nothing waits for review") }
            for run in runs {
                print("\(run.id)  \(run.params.seeds.joined(separator: ", "))  \(run.statusReason ?? "")")
            }
        }
    }
}

struct ReviewApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve a run waiting for review and publish it (round 7), optionally with edits.",
        discussion: """
            --edit FILE takes a JSON object with "metadata" (replacing round 5's metadata) and/or "sections" \
            (replacing round 4's polished sections); each is validated against its schema before anything \
            changes, and recorded in diagnostics as a human edit. Approving an approved run changes nothing.
            """ + "\n" + RunOutput.exitCodesHelp
    )

    @Argument(help: "The run id (or a unique prefix).")
    var run: String

    @Option(help: "A JSON file with \"metadata\" and/or \"sections\" to use instead of the generated ones.")
    var edit: String?

    @Flag(help: "Only approve; leave round 7 to workers.")
    var enqueue = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let edits = try edit.map(ReviewEditFile.load) ?? []
        try await withServices(global) { services in
            let record = try await services.store.resolve(run)
            let id = record.id.description
            guard try await services.store.approve(record, edits: edits, by: "from the command line") else {
                print("run \(id) was approved already (\(record.status))")
                return
            }
            if enqueue {
                print("approved \(id)")
                return
            }
            try await Execution.execute(record.id, services: services)
        }
    }
}

struct ReviewRejectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reject",
        abstract: "Reject a run waiting for review: it ends as skipped. Rejecting again changes nothing."
    )

    @Argument(help: "The run id (or a unique prefix).")
    var run: String

    @Option(help: "Why, recorded as the run's status reason.")
    var reason: String?

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await withServices(global) { services in
            let record = try await services.store.resolve(run)
            let changed = try await services.store.reject(record, reason: reason, by: "from the command line")
            print(
                changed
                    ? "run \(record.id) rejected (skipped)"
                    : "run \(record.id) was skipped already")
        }
    }
}
