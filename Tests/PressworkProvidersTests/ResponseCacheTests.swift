import Foundation
import PressworkCore
import PressworkPipeline
import Synchronization
import TestSupport
import Testing

@testable import PressworkProviders

/// A reply a run paid for is not paid for again when its round is retried.
@Suite struct ResponseCacheTests {
    final class MemoryCache: ResponseCache {
        let entries = Mutex<[String: CachedReply]>([:])
        func reply(runID: RunID, key: String) async throws -> CachedReply? { entries.withLock { $0["\(runID)/\(key)"] } }
        func remember(runID: RunID, key: String, reply: CachedReply) async throws {
            entries.withLock { $0["\(runID)/\(key)"] = reply }
        }
    }

    @Test func aRetriedCallInTheSameRunIsServedFromTheCache() async throws {
        let server = try await ScriptedHTTPServer.start()
        server.enqueue(
            .chatCompletion(encoding: IdeasReply(ideas: [sampleIdea])), .chatCompletion(encoding: IdeasReply(ideas: [sampleIdea])))
        let cache = MemoryCache()
        let generator = StructuredGenerator(model: chatClient(server), cache: cache)
        let run = RunID.make()

        let first = try await RunContext.$runID.withValue(run) {
            try await generator.generate(IdeasReply.self, system: "s", prompt: "ideas")
        }
        let again = try await RunContext.$runID.withValue(run) {
            try await generator.generate(IdeasReply.self, system: "s", prompt: "ideas")
        }
        #expect(server.requests.count == 1)
        #expect(again.value.ideas == first.value.ideas)
        // Its tokens were paid once; a retry whose first attempt never committed counts them now,
        // but makes no call.
        #expect(again.usage == TokenUsage(input: first.usage.input, output: first.usage.output, calls: 0))
        #expect(first.usage.calls == 1)

        // Another run, or another prompt, asks the model.
        _ = try await RunContext.$runID.withValue(RunID.make()) {
            try await generator.generate(IdeasReply.self, system: "s", prompt: "ideas")
        }
        #expect(server.requests.count == 2)
        // One entry per run: runs never share answers.
        #expect(cache.entries.withLock { $0.count } == 2)
        await server.stop()
    }
}
