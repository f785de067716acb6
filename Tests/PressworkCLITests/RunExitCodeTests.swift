import Foundation
import PostgresClient
import PostgresTestSupport
import PressworkCore
import TestSupport
import Testing

@testable import presswork

/// `presswork run` as cron and scripts use it: the exit code says how the run ended, the same
/// idempotency key with other params is refused as the API refuses it, and a reprocess is not a
/// duplicate of the run it reprocesses.
@Suite struct RunExitCodeTests {
    func presswork(_ arguments: [String], database: PostgresConfiguration, home: String) async throws
        -> (status: Int32, output: String)
    {
        let process = try PressworkProcess(arguments, environment: ["DATABASE_URL": TestDatabase.url(database), "PRESSWORK_HOME": home])
        let status = try #require(await process.waitForExit(timeout: .seconds(120)), "presswork \(arguments) did not exit")
        return (status, process.output)
    }

    static func runID(_ output: String) -> String? {
        output.split(separator: "\n").first { $0.hasPrefix("run:") }.map { $0.dropFirst(4).trimmingCharacters(in: .whitespaces) }
    }

    @Test func exitCodesSayHowTheRunEnded() async throws {
        let database = try await TestDatabase.makeDatabase("exitcodes")
        let home = try TemporaryFolder.make()

        let done = try await presswork(["run", "--seed", "home espresso", "--dry-run"], database: database, home: home)
        #expect(done.status == 0 && done.output.contains("status: done"), "\(done.output)")
        let first = try #require(Self.runID(done.output))

        // The same article again: the gate skips it as a duplicate, and the exit code says so.
        let skipped = try await presswork(["run", "--seed", "home espresso", "--dry-run"], database: database, home: home)
        #expect(skipped.status == 4 && skipped.output.contains("status: skipped (duplicate of run \(first)"), "\(skipped.output)")

        // A reprocess leaves its own lineage out of the duplicate check.
        let reprocessed = try await presswork(["runs", "reprocess", first, "--from-round", "3"], database: database, home: home)
        #expect(reprocessed.status == 0 && reprocessed.output.contains("status: done"), "\(reprocessed.output)")

    }

    /// `runs follow` shows a run that another process executes, round by round, and exits with
    /// how it ended.
    @Test func followShowsARunExecutedElsewhere() async throws {
        let database = try await TestDatabase.makeDatabase("follow")
        let home = try TemporaryFolder.make()
        let queued = try await presswork(["run", "--seed", "winter cycling", "--dry-run", "--enqueue"], database: database, home: home)
        let id = queued.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let follower = try PressworkProcess(
            ["runs", "follow", id], environment: ["DATABASE_URL": TestDatabase.url(database), "PRESSWORK_HOME": home]
        )
        let executed = try await presswork(["runs", "retry", id], database: database, home: home)
        #expect(executed.status == 0, "\(executed.output)")
        let status = try #require(await follower.waitForExit(timeout: .seconds(60)), "runs follow did not end")
        #expect(status == 0, "\(follower.output)")
        for round in 0...7 { #expect(follower.output.contains("round \(round) "), "\(follower.output)") }
        #expect(follower.output.contains("run done"))
    }

    /// Every way a run can end has its own code, and only `done` is 0; a run not ended here
    /// (queued or running elsewhere) has one more.
    @Test func eachStatusHasItsOwnCode() {
        let final: [RunStatus] = [.done, .error, .skipped, .needsReview, .cancelled]
        let codes = final.map(RunOutput.exitCode(of:))
        #expect(Set(codes).count == final.count)
        #expect(RunOutput.exitCode(of: .queued) == 7 && RunOutput.exitCode(of: .running) == 7 && !codes.contains(7))
        #expect(RunOutput.exitCode(of: .done) == 0 && codes.filter { $0 == 0 }.count == 1)
        #expect(RunOutput.exitCode(of: .needsReview) == 5 && RunOutput.exitCode(of: .cancelled) == 6)
    }

    @Test func anIdempotencyKeyWithOtherParamsIsRefused() async throws {
        let database = try await TestDatabase.makeDatabase("idemcli")
        let home = try TemporaryFolder.make()
        let queued = try await presswork(
            ["run", "--seed", "home espresso", "--dry-run", "--enqueue", "--idempotency-key", "k1"], database: database, home: home
        )
        #expect(queued.status == 0, "\(queued.output)")
        let again = try await presswork(
            ["run", "--seed", "home espresso", "--dry-run", "--enqueue", "--idempotency-key", "k1"], database: database, home: home
        )
        #expect(again.status == 0 && again.output.contains("idempotency key matches run"), "\(again.output)")
        let other = try await presswork(
            ["run", "--seed", "trail running", "--dry-run", "--enqueue", "--idempotency-key", "k1"], database: database, home: home
        )
        #expect(
            other.status == 67 && other.output.contains("was used for run") && other.output.contains("with other params"),
            "\(other.output)")
        // Cancel: the queued run at once; again changes nothing; then retrying it is refused.
        let queuedID = try #require(queued.output.split(separator: "\n").last.map(String.init))
        let cancel = try await presswork(["runs", "cancel", queuedID, "--reason", "not needed"], database: database, home: home)
        #expect(cancel.status == 0 && cancel.output.contains("cancelled \(queuedID)"), "\(cancel.output)")
        let again2 = try await presswork(["runs", "cancel", queuedID], database: database, home: home)
        #expect(again2.status == 0 && again2.output.contains("was cancelled already"), "\(again2.output)")
        let retry = try await presswork(["runs", "retry", queuedID], database: database, home: home)
        #expect(retry.status == 67 && retry.output.contains("cancelled"), "\(retry.output)")
        let long = try await presswork(
            ["run", "--seed", "x", "--idempotency-key", String(repeating: "k", count: 201)], database: database, home: home
        )
        #expect(long.status == 64 && long.output.contains("--idempotency-key must be 1–200 characters"), "\(long.output)")
    }
}
