import Foundation

/// What providers may know about the run they are working for, without being told through
/// every call: set by the orchestrator around a run's rounds.
public enum RunContext {
    /// The run being executed; nil outside a run (tests, benchmarks).
    @TaskLocal public static var runID: UUID?
}

/// Replies a run already paid for, so that a retried round does not pay again: a single-call
/// round whose call succeeded but whose commit did not (a crash, a lost lease, a database error)
/// finds its reply here. Scoped to one run: two runs never share an answer.
public protocol ResponseCache: Sendable {
    func reply(runID: UUID, key: String) async throws -> CachedReply?
    func remember(runID: UUID, key: String, reply: CachedReply) async throws
}

/// A validated reply as text, with what it cost when it was made.
public struct CachedReply: Sendable, Equatable {
    public var text: String
    public var usage: TokenUsage

    public init(text: String, usage: TokenUsage) {
        self.text = text
        self.usage = usage
    }
}
