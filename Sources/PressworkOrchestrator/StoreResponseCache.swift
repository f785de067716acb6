import Foundation
import PressworkCore
import PressworkPipeline
import PressworkStore

/// The response cache of the LLM clients, in Postgres (`response_cache`).
public struct StoreResponseCache: ResponseCache {
    let store: RunStore

    public init(store: RunStore) {
        self.store = store
    }

    public func reply(runID: RunID, key: String) async throws -> CachedReply? {
        try await store.cachedReply(runID: runID, key: key).map {
            CachedReply(text: $0.text, usage: TokenUsage(input: $0.tokensIn, output: $0.tokensOut, costUSD: $0.costUSD))
        }
    }

    public func remember(runID: RunID, key: String, reply: CachedReply) async throws {
        try await store.rememberReply(
            runID: runID, key: key, text: reply.text, tokensIn: reply.usage.input, tokensOut: reply.usage.output,
            costUSD: reply.usage.costUSD
        )
    }
}
