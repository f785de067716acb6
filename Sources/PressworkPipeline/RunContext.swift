import Foundation
import PressworkCore
import Synchronization

/// What providers may know about the run they are working for, without being told through
/// every call: set by the orchestrator around a run's rounds.
public enum RunContext {
    /// The run being executed; nil outside a run (tests, benchmarks).
    @TaskLocal public static var runID: RunID?
    /// Where providers report what a call spent when its result is thrown away (a round that
    /// fails after its repairs, a call that timed out after it was billed); nil outside a run.
    @TaskLocal public static var meter: SpendMeter?
}

/// What was spent and not returned with a result: the orchestrator adds it to the round's or
/// the run's totals, and to the budget, so that every attempt counts.
public final class SpendMeter: Sendable {
    private let spent = Mutex(TokenUsage.zero)
    private let forward: @Sendable (TokenUsage) -> Void

    /// `forward` sees every amount as it is added (the run's budget).
    public init(forward: @escaping @Sendable (TokenUsage) -> Void = { _ in }) {
        self.forward = forward
    }

    /// Adds `usage`; `forwarding: false` when its cost was forwarded already (by another meter).
    public func add(_ usage: TokenUsage, forwarding: Bool = true) {
        guard usage != .zero else { return }
        spent.withLock { $0 = $0 + usage }
        if forwarding { forward(usage) }
    }

    public var total: TokenUsage { spent.withLock { $0 } }
}

/// Replies a run already paid for, so that a retried round does not pay again: a single-call
/// round whose call succeeded but whose commit did not (a crash, a lost lease, a database error)
/// finds its reply here. Scoped to one run: two runs never share an answer.
public protocol ResponseCache: Sendable {
    func reply(runID: RunID, key: String) async throws -> CachedReply?
    func remember(runID: RunID, key: String, reply: CachedReply) async throws
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
