import Foundation
import PostgresClient
import PressworkCore
import PressworkStore
import TestSupport
import Testing

@testable import PressworkHTTP

/// GET /v1/runs's filters, and the bulk retry and cancel that take the same filters.
@Suite struct BulkAPITests {
    @Test func runsAreFilteredAndRetriedOrCancelledInBulk() async throws {
        let api = try await APIHarness.start("apibulk")
        let store = RunStore(pool: api.pool)
        var ids: [String] = []
        for seed in ["espresso one", "espresso two", "green tea"] {
            let reply = try await api.request(.POST, "/v1/runs", token: api.admin, body: #"{"seeds": ["\#(seed)"]}"#)
            ids.append(try #require(reply.json["runId"] as? String))
        }
        // Two runs end in error (as a failed round leaves them).
        _ = try await api.pool.query("UPDATE runs SET status = 'error', finished_at = now() WHERE params->'seeds'->>0 LIKE 'espresso%'")

        let errors = try await api.request(.GET, "/v1/runs?status=error&seed=ESPRESSO", token: api.admin)
        #expect(errors.status == 200)
        #expect(Set((errors.json["runs"] as? [[String: Any]] ?? []).compactMap { $0["runId"] as? String }) == Set(ids[0...1]))
        #expect(try await api.request(.GET, "/v1/runs?status=done,error", token: api.admin).status == 200)
        let badStatus = try await api.request(.GET, "/v1/runs?status=finished", token: api.admin)
        #expect(badStatus.status == 400 && badStatus.json["field"] as? String == "status")
        let badSince = try await api.request(.GET, "/v1/runs?since=yesterday", token: api.admin)
        #expect(badSince.status == 400 && badSince.json["field"] as? String == "since")

        // A bulk action needs a filter: everything is not one typo away.
        #expect(try await api.request(.POST, "/v1/runs/cancel", token: api.admin).status == 400)
        let retried = try await api.request(.POST, "/v1/runs/retry?seed=espresso", token: api.admin)
        #expect(retried.status == 200)
        #expect(Set(retried.json["changed"] as? [String] ?? []) == Set(ids[0...1]))
        #expect(try await store.list(status: .queued).count == 3)

        let cancelled = try await api.request(
            .POST, "/v1/runs/cancel?status=queued&seed=tea", token: api.admin,
            body: #"{"reason": "off-topic"}"#)
        #expect(cancelled.json["changed"] as? [String] == [ids[2]])
        let teaID = try #require(RunID(ids[2]))
        let tea = try #require(try await store.run(teaID))
        #expect(tea.status == .cancelled && tea.statusReason?.contains("off-topic") == true)
        // Done runs are not cancellable: the filter leaves them out rather than failing.
        _ = try await api.pool.query("UPDATE runs SET status = 'done', finished_at = now() WHERE id = \(RunID(ids[0])!)")
        let rest = try await api.request(.POST, "/v1/runs/cancel?seed=espresso", token: api.admin)
        #expect(rest.json["changed"] as? [String] == [ids[1]])
        await api.stop()
    }
}
