import Foundation
import PressworkCore

/// Someone asked for the run to stop (`RunStore.cancel`); the executor ends it as cancelled.
public struct CancelRequested: Error, Sendable, CustomStringConvertible {
    public let runID: RunID
    public var description: String { "run \(runID) was cancelled" }
}

/// The run's budget is spent: nothing more is called.
public struct BudgetExhausted: Error, Sendable, CustomStringConvertible {
    public let budgetUSD: Double
    public let spentUSD: Double
    public let round: Round
    public var description: String {
        String(format: "the run's budget of $%.4f is spent ($%.4f so far); %@ was not started", budgetUSD, spentUSD, "\(round)")
    }
}

/// One section of round 3 or 4 failed; the message names it, the chain keeps the cause.
struct SectionFailure: UnderlyingErrorCarrying, CustomStringConvertible {
    let section: Int
    let underlying: any Error
    var description: String { "section \(section) failed" }
}

/// A round did not finish before its deadline (its retries and sections included).
public struct RoundTimeout: Error, Sendable, CustomStringConvertible {
    public let round: Round
    public let timeout: Duration
    public var description: String { "\(round) did not finish within its deadline (round timeout \(timeout))" }
}

/// The execution reached the run's deadline before this round could start.
public struct RunTimeout: Error, Sendable, CustomStringConvertible {
    public let timeout: Duration
    public let round: Round
    public var description: String { "the run's deadline (\(timeout)) passed before \(round) could start" }
}

/// An error that wraps another (for the error chain in diagnostics).
public protocol UnderlyingErrorCarrying: Error {
    var underlying: any Error { get }
}
