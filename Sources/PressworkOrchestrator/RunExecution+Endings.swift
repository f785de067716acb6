import Foundation
import Logging
import PostgresClient
import PressworkCore
import PressworkPipeline
import PressworkStore
import Synchronization

/// How an execution ends (finished, failed), the budget check, and the error chains that
/// failures are recorded with.
extension RunExecution {
    // MARK: Endings

    func finish(_ status: RunStatus, reason: String?, gate: Bool, htmlPath: String? = nil) async throws -> RunOutcome {
        let diagnostic = Diagnostic(
            round: gate ? .coherence : nil, kind: gate ? .gate : .status,
            message: reason ?? "run \(status)", attempt: lease.attempt
        )
        try await store.finish(lease, status: status, reason: reason, diagnostics: [diagnostic])
        PipelineMetrics.runFinished(status)
        logger.info("run finished", metadata: ["status": "\(status)"])
        progress(.finished(status, reason: reason))
        return RunOutcome(runID: lease.runID.description, status: status, reason: reason, htmlPath: htmlPath)
    }

    /// Ends the run as `error`. `unrecorded` is what the failed round spent (its calls, repairs
    /// and retries): it goes on the error diagnostic and into the run's totals.
    func fail(_ round: Round, _ error: any Error, unrecorded: TokenUsage = .zero) async throws -> RunOutcome {
        let chain = Self.chain(error)
        let message = chain.joined(separator: ": ")
        logger.error("round failed", metadata: [LogKey.round: "\(round.rawValue)", "error": "\(message)"])
        var details: [(String, JSONValue)] = [
            ("errorType", .string(String(describing: type(of: error)))),
            ("chain", .array(chain.map(JSONValue.string))),
            ("transient", .bool(Self.isTransient(error))),
        ]
        if unrecorded.calls > 0 { details.append(("calls", .number(Double(unrecorded.calls)))) }
        if unrecorded.costUSD > 0 { details.append(("costUSD", .number(unrecorded.costUSD))) }
        try await store.finish(
            lease, status: .error, reason: "\(round): \(message)",
            diagnostics: [
                Diagnostic(
                    round: round, kind: .error, message: message, attempt: lease.attempt,
                    tokensIn: unrecorded.input, tokensOut: unrecorded.output, details: .object(details)
                )
            ], unrecorded: (unrecorded.input, unrecorded.output, unrecorded.costUSD))
        PipelineMetrics.roundFailed(round)
        PipelineMetrics.runFinished(.error)
        progress(.finished(.error, reason: "\(round): \(message)"))
        return RunOutcome(runID: lease.runID.description, status: .error, reason: "\(round): \(message)", htmlPath: nil)
    }

    // MARK: Budget

    /// Throws when the run's budget is spent; round 0 calls no paid provider, and round 7 buys
    /// images only while the budget lasts (`Pipeline.illustrate`) but always publishes: both pass.
    func checkBudget(_ params: RunParams, before round: Round) throws {
        guard let budget = params.budgetUSD, round != .trends, round != .publish else { return }
        let spentSoFar = spent.total
        if spentSoFar >= budget { throw BudgetExhausted(budgetUSD: budget, spentUSD: spentSoFar, round: round) }
    }

    // MARK: Helpers

    static func isTransient(_ error: any Error) -> Bool {
        switch error {
        case let error as SectionFailure: return isTransient(error.underlying)
        case let error as PostgresError: return error.isRetryable
        case let error as any ProviderFailure: return error.isTransient
        // A round's deadline covers its retries: once reached, trying again in place cannot fit.
        case is RoundTimeout, is RunTimeout: return false
        default: return false
        }
    }

    /// The error and the errors it wraps, outermost first, as readable lines.
    /// The error and what it wraps, one line each, secrets masked: these lines go to the run's
    /// status reason and diagnostics, and from there to the API, webhooks and logs.
    static func chain(_ error: any Error) -> [String] {
        var lines = [SecretRedactor.redact("\(error)")]
        if let wrapped = (error as? any UnderlyingErrorCarrying)?.underlying {
            lines += chain(wrapped)
        }
        return lines
    }
}
