import Foundation
import PostgresClient
import PressworkCore

extension RunStore {
    // MARK: Replies already paid for (sql/migrations/0005_response_cache.sql)

    public func cachedReply(runID: RunID, key: String) async throws -> (text: String, tokensIn: Int, tokensOut: Int, costUSD: Double)? {
        guard
            let row = try await pool.query(
                """
                SELECT reply, tokens_in, tokens_out, cost_usd FROM response_cache WHERE run_id = \(runID) AND key = \(key)
                """
            ).first
        else { return nil }
        return (
            try row.decode(String.self, "reply"), try row.decode(Int.self, "tokens_in"),
            try row.decode(Int.self, "tokens_out"), try row.decode(Double.self, "cost_usd")
        )
    }

    /// Keeps a reply; not fenced (a cache promises nothing), and a run that is gone keeps nothing.
    public func rememberReply(runID: RunID, key: String, text: String, tokensIn: Int, tokensOut: Int, costUSD: Double) async throws {
        _ = try await pool.query(
            """
            INSERT INTO response_cache (run_id, key, reply, tokens_in, tokens_out, cost_usd)
            SELECT id, \(key), \(text), \(tokensIn), \(tokensOut), \(costUSD) FROM runs WHERE id = \(runID)
            ON CONFLICT (run_id, key) DO NOTHING
            """)
    }
}
