import Foundation
import PostgresClient
import PostgresTestSupport
import PressworkCore
import Testing

@testable import PressworkStore

/// `presswork run` beside `serve`: the run it creates is claimed in the same statement, so a
/// worker polling at that instant finds nothing to take.
@Suite struct ClaimedCreateTests {
    @Test func aRunCreatedClaimedIsNotClaimableByWorkers() async throws {
        let pool = try await TestDatabase.makePool("claimedcreate")
        _ = try await Migrator().migrate(pool)
        let store = RunStore(pool: pool)
        let params = try RunParams.validated(seeds: ["home espresso"])
        let (run, created) = try await store.create(
            params: params, trigger: .cli, pipelineVersion: "test", claimedBy: (owner: "cli:1", leaseSeconds: 30)
        )
        #expect(created && run.status == .running && run.attempt == 1 && run.startedAt != nil)
        #expect(run.lease == Lease(runID: run.id, owner: "cli:1", attempt: 1))
        #expect(try await store.claimNext(owner: "worker", leaseSeconds: 30, maxAbandoned: 3) == nil)
        // Its lease works as any claim's: heartbeat, and a fenced finish.
        #expect(try await store.heartbeat(try #require(run.lease), leaseSeconds: 30))
        try await store.finish(try #require(run.lease), status: .done, reason: nil)
        #expect(try await store.run(run.id)?.status == .done)
        // Unclaimed creation is as before: queued, attempt 0, for any worker.
        let (queued, _) = try await store.create(params: params, trigger: .cli, pipelineVersion: "test")
        #expect(queued.status == .queued && queued.attempt == 0 && queued.lease == nil && queued.startedAt == nil)
        #expect(try await store.claimNext(owner: "worker", leaseSeconds: 30, maxAbandoned: 3)?.runID == queued.id)
        await pool.close()
    }
}
