import Foundation
import PostgresClient
import PressworkCore

/// A run is not in a state that allows the action (the API answers 409 Conflict).
public struct RunConflict: Refusal {
    public var code: RefusalCode { .conflict }
    public let runID: RunID
    public let status: RunStatus
    public let action: String

    public var description: String {
        "run \(runID) is \(status); it cannot be \(action)"
    }
}

/// What people do to runs, the same from the command line and the HTTP API: retry, approve
/// (optionally with edits), reject. Each checks the run's state and changes it in one
/// transaction (`transition`), with a diagnostic saying who asked.
extension RunStore {
    /// Queues a run that ended in error again; true when it changed, false when it was queued
    /// or running already (nothing to do).
    @discardableResult
    public func retry(_ run: RunRecord, requestedBy who: String, params: RunParams? = nil) async throws -> Bool {
        switch run.status {
        case .error:
            var diagnostics = [Diagnostic(round: nil, kind: .status, message: "retry requested \(who)")]
            if let params, params != run.params {
                let profile = params.profile.map { "profile \($0) v\(params.profileVersion ?? 0)" } ?? "this process's settings"
                let site = params.site.map { "site \($0)" } ?? (params.dryRun ? "a dry run" : "this process's WordPress")
                diagnostics.append(Diagnostic(round: nil, kind: .status, message: "continued with \(profile) and \(site)"))
            }
            return try await transition(run.id, to: .queued, reason: "retry requested", diagnostics: diagnostics, params: params)
        case .queued, .running:
            if let params, params != run.params {
                throw RunConflict(runID: run.id, status: run.status, action: "given another profile or site")
            }
            return false
        default:
            throw RunConflict(runID: run.id, status: run.status, action: "retried")
        }
    }

    /// Approves a run waiting for review: it is queued for round 7, with `edits` replacing the
    /// generated metadata or sections. False when it was approved already.
    @discardableResult
    public func approve(_ run: RunRecord, edits: [(Round, JSONValue)], by who: String) async throws -> Bool {
        if run.reviewApprovedAt != nil && run.status != .needsReview { return false }
        guard run.status == .needsReview else { throw RunConflict(runID: run.id, status: run.status, action: "approved") }
        var diagnostics = [Diagnostic(round: .coherence, kind: .review, message: "approved \(who)")]
        for (round, payload) in edits {
            diagnostics.append(Diagnostic(round: round, kind: .humanEdit, message: "\(round) replaced by a human edit", details: payload))
        }
        return try await transition(run.id, to: .queued, reason: "approved", diagnostics: diagnostics, approve: true, replacing: edits)
    }

    /// Rejects a run waiting for review: it ends as skipped. False when it was skipped already.
    @discardableResult
    public func reject(_ run: RunRecord, reason: String?, by who: String) async throws -> Bool {
        guard run.status == .needsReview || run.status == .skipped else {
            throw RunConflict(runID: run.id, status: run.status, action: "rejected")
        }
        let why = "rejected in review" + (reason.map { ": \($0)" } ?? "")
        return try await transition(
            run.id, to: .skipped, reason: why,
            diagnostics: [
                Diagnostic(round: .coherence, kind: .review, message: "\(why) (\(who))")
            ])
    }

    /// The run document (see `RunDocument`), or nil when there is no such run.
    public func document(_ runID: RunID) async throws -> JSONValue? {
        guard let run = try await run(runID) else { return nil }
        return try RunDocument.build(
            run: run, artifacts: try await artifacts(runID), diagnostics: try await diagnostics(runID), rounds: try await rounds(runID)
        )
    }
}
