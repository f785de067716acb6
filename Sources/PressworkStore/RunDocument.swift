import Foundation
import PressworkCore

/// The run document (`presswork runs show RUN --json`), in the manifest's shape:
/// `runId, params, status, round, pipelineVersion, trigger, artifacts {round0…round7},
/// diagnostics [...]` plus timings, totals and the timeline of attempts (`RunTimeline`). Keys are stable; absent values are `null`.
public enum RunDocument {
    public static func build(
        run: RunRecord, artifacts: [Round: String], diagnostics: [StoredDiagnostic], rounds: [RoundRecord] = []
    ) throws -> JSONValue {
        func date(_ value: Date?) -> JSONValue {
            value.map { .string($0.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))) } ?? .null
        }
        func int(_ value: Int?) -> JSONValue { value.map { .number(Double($0)) } ?? .null }
        func string(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }

        var artifactFields: [(String, JSONValue)] = []
        for round in Round.allCases {
            guard let text = artifacts[round] else { continue }
            artifactFields.append((round.key, try JSONValue.parse(Data(text.utf8))))
        }
        let diagnosticValues: [JSONValue] = diagnostics.map { stored in
            let diagnostic = stored.diagnostic
            return .object([
                ("round", int(diagnostic.round?.rawValue)), ("kind", .string(diagnostic.kind.rawValue)),
                ("message", .string(diagnostic.message)), ("attempt", int(diagnostic.attempt)),
                ("durationMs", int(diagnostic.durationMs)), ("tokensIn", int(diagnostic.tokensIn)),
                ("tokensOut", int(diagnostic.tokensOut)), ("at", date(stored.at)),
                ("details", diagnostic.details ?? .null),
            ])
        }
        let elapsed = zip(run.startedAt, run.finishedAt).map { Int($1.timeIntervalSince($0) * 1000) }
        return .object([
            ("runId", .string(run.id.description)),
            ("params", try JSONValue.encoding(run.params)),
            ("status", .string(run.status.rawValue)),
            ("statusReason", string(run.statusReason)),
            ("round", int(run.round?.rawValue)),
            ("pipelineVersion", .string(run.pipelineVersion)),
            ("trigger", try JSONValue.encoding(run.trigger)),
            ("idempotencyKey", string(run.idempotencyKey)),
            ("parentRunId", string(run.parentRunID?.description)),
            ("attempt", int(run.attempt)),
            ("createdAt", date(run.createdAt)),
            ("startedAt", date(run.startedAt)),
            ("finishedAt", date(run.finishedAt)),
            (
                "totals",
                .object([
                    ("tokensIn", int(run.tokensIn)), ("tokensOut", int(run.tokensOut)),
                    ("costUSD", .number((run.costUSD * 1_000_000).rounded() / 1_000_000)),
                    ("workMs", int(run.workMs)), ("elapsedMs", int(elapsed)),
                ])
            ),
            ("artifacts", .object(artifactFields)),
            ("diagnostics", .array(diagnosticValues)),
            ("timeline", RunTimeline.build(diagnostics: diagnostics, rounds: rounds).json),
        ])
    }
}

private func zip<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}

extension RunRecord {
    /// A run in a list (`runs list --json`, the API's GET /v1/runs): {runId, status, round, seeds,
    /// createdAt, finishedAt, statusReason}.
    public var summary: JSONValue {
        func date(_ value: Date?) -> JSONValue {
            value.map { .string($0.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))) } ?? .null
        }
        return .object([
            ("runId", .string(id.description)), ("status", .string(status.rawValue)),
            ("round", round.map { .number(Double($0.rawValue)) } ?? .null),
            ("seeds", .array(params.seeds.map(JSONValue.string))),
            ("createdAt", date(createdAt)), ("finishedAt", date(finishedAt)),
            ("statusReason", statusReason.map(JSONValue.string) ?? .null),
        ])
    }
}
