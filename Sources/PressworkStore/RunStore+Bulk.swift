import Foundation
import PressworkCore

/// What a bulk retry or cancel did, run by run.
public struct BulkOutcome: Sendable, Equatable {
    /// Runs queued again (retry), cancelled or asked to stop (cancel).
    public var changed: [RunID] = []
    /// Runs the filter matched that the action no longer applied to (they moved on meanwhile).
    public var unchanged: [RunID] = []
}

extension RunStore {
    /// The runs a bulk action may touch are never more than this per call.
    public static let bulkLimit = 10_000

    /// Queues again every run in error that `filter` matches (its status filter, if any, is
    /// narrowed to `error`), oldest first, at most `limit`; each with its own diagnostic.
    public func retryAll(_ filter: RunFilter, limit: Int, requestedBy who: String) async throws -> BulkOutcome {
        var filter = filter
        filter.statuses = filter.statuses.isEmpty ? [.error] : filter.statuses.intersection([.error])
        var outcome = BulkOutcome()
        guard !filter.statuses.isEmpty else { return outcome }
        for id in try await ids(filter, limit: min(limit, Self.bulkLimit)) {
            // Each run alone: one that moved on meanwhile is left as it is, the others go on.
            do {
                if let run = try await run(id), try await retry(run, requestedBy: who) {
                    outcome.changed.append(id)
                } else {
                    outcome.unchanged.append(id)
                }
            } catch is RunConflict {
                outcome.unchanged.append(id)
            } catch is RunStateError {
                outcome.unchanged.append(id)
            }
        }
        return outcome
    }

    /// Cancels (or asks to stop) every unfinished run `filter` matches: queued, running, in error
    /// or waiting for review (its status filter, if any, is narrowed to those).
    public func cancelAll(_ filter: RunFilter, limit: Int, reason: String?, by who: String) async throws -> BulkOutcome {
        let cancellable: Set<RunStatus> = [.queued, .running, .error, .needsReview]
        var filter = filter
        filter.statuses = filter.statuses.isEmpty ? cancellable : filter.statuses.intersection(cancellable)
        var outcome = BulkOutcome()
        guard !filter.statuses.isEmpty else { return outcome }
        for id in try await ids(filter, limit: min(limit, Self.bulkLimit)) {
            do {
                switch try await cancel(id, reason: reason, by: who) {
                case .cancelled, .requested: outcome.changed.append(id)
                case .already: outcome.unchanged.append(id)
                }
            } catch is RunConflict {
                outcome.unchanged.append(id)
            }
        }
        return outcome
    }
}
