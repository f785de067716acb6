import Foundation
import PressworkCore

/// A committed round as `artifacts` records it: which attempt wrote it, how long it took and
/// what it cost.
public struct RoundRecord: Sendable, Equatable {
    public var round: Round
    public var attempt: Int
    public var durationMs: Int
    public var tokensIn: Int
    public var tokensOut: Int
    public var costUSD: Double
    public var at: Date

    public init(round: Round, attempt: Int, durationMs: Int, tokensIn: Int, tokensOut: Int, costUSD: Double, at: Date) {
        self.round = round
        self.attempt = attempt
        self.durationMs = durationMs
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.costUSD = costUSD
        self.at = at
    }
}

/// A run's history, attempt by attempt: who claimed it and when (a takeover said so), the rounds
/// each attempt committed with their duration, tokens and cost, what failed or was retried, and
/// how the attempt ended. Built from the diagnostics and the artifacts (`runs show`, the run
/// document's `timeline`). Rounds copied from a parent (reprocess) belong to attempt 0.
public struct RunTimeline: Sendable, Equatable {
    public struct Attempt: Sendable, Equatable {
        public var number: Int
        public var claimedBy: String?
        public var claimedAt: Date?
        public var tookOver = false
        public var rounds: [RoundRecord] = []
        /// Errors, retries and warnings of this attempt, in order.
        public var events: [StoredDiagnostic] = []
        /// The last status diagnostic of the attempt (finished, released, cancelled…).
        public var ending: String?

        public var costUSD: Double { rounds.reduce(0) { $0 + $1.costUSD } }
        public var tokens: (input: Int, output: Int) {
            (rounds.reduce(0) { $0 + $1.tokensIn }, rounds.reduce(0) { $0 + $1.tokensOut })
        }
    }

    public var attempts: [Attempt]

    /// The details a claim diagnostic carries: `{"claim": {"owner": …, "tookOver": …}}`.
    public static func claimDetails(owner: String, tookOver: Bool) -> JSONValue {
        .object([("claim", .object([("owner", .string(owner)), ("tookOver", .bool(tookOver))]))])
    }

    public static func build(diagnostics: [StoredDiagnostic], rounds: [RoundRecord]) -> RunTimeline {
        var attempts: [Int: Attempt] = [:]
        func touch(_ number: Int) {
            if attempts[number] == nil { attempts[number] = Attempt(number: number) }
        }
        for round in rounds {
            touch(round.attempt)
            attempts[round.attempt]?.rounds.append(round)
        }
        for stored in diagnostics {
            guard let number = stored.diagnostic.attempt else { continue }
            touch(number)
            let diagnostic = stored.diagnostic
            if let claim = diagnostic.details?["claim"] {
                attempts[number]?.claimedBy = claim["owner"]?.stringValue
                attempts[number]?.claimedAt = stored.at
                attempts[number]?.tookOver = claim["tookOver"]?.boolValue ?? false
            } else if [.error, .retry, .warning].contains(diagnostic.kind) {
                attempts[number]?.events.append(stored)
            } else if diagnostic.kind == .status || diagnostic.kind == .gate {
                attempts[number]?.ending = diagnostic.message
            }
        }
        return RunTimeline(
            attempts: attempts.keys.sorted().compactMap { attempts[$0] }.map { attempt in
                var attempt = attempt
                attempt.rounds.sort { $0.round.rawValue < $1.round.rawValue }
                return attempt
            })
    }

    public var json: JSONValue {
        .array(attempts.map(Self.json))
    }

    private static func date(_ value: Date?) -> JSONValue {
        value.map { .string($0.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))) } ?? .null
    }

    private static func number(_ value: Int) -> JSONValue { .number(Double(value)) }

    private static func usd(_ value: Double) -> JSONValue { .number((value * 1_000_000).rounded() / 1_000_000) }

    private static func json(_ round: RoundRecord) -> JSONValue {
        .object([
            ("round", number(round.round.rawValue)), ("durationMs", number(round.durationMs)),
            ("tokensIn", number(round.tokensIn)), ("tokensOut", number(round.tokensOut)), ("costUSD", usd(round.costUSD)),
            ("at", date(round.at)),
        ])
    }

    private static func json(_ event: StoredDiagnostic) -> JSONValue {
        let round: JSONValue = event.diagnostic.round.map { number($0.rawValue) } ?? .null
        return .object([
            ("round", round), ("kind", .string(event.diagnostic.kind.rawValue)), ("message", .string(event.diagnostic.message)),
            ("at", date(event.at)),
        ])
    }

    private static func json(_ attempt: Attempt) -> JSONValue {
        let claimedBy: JSONValue = attempt.claimedBy.map(JSONValue.string) ?? .null
        let ending: JSONValue = attempt.ending.map(JSONValue.string) ?? .null
        return .object([
            ("attempt", number(attempt.number)), ("claimedBy", claimedBy), ("claimedAt", date(attempt.claimedAt)),
            ("tookOver", .bool(attempt.tookOver)), ("rounds", .array(attempt.rounds.map(json))),
            ("events", .array(attempt.events.map(json))), ("ending", ending), ("costUSD", usd(attempt.costUSD)),
        ])
    }
}

extension RunStore {
    /// The committed rounds' records, in round order.
    public func rounds(_ runID: RunID) async throws -> [RoundRecord] {
        try await pool.query(
            """
            SELECT round, attempt, duration_ms, tokens_in, tokens_out, cost_usd, created_at FROM artifacts
            WHERE run_id = \(runID) ORDER BY round
            """
        ).compactMap { row in
            guard let round = Round(rawValue: Int(try row.decode(Int16.self, "round"))) else { return nil }
            return RoundRecord(
                round: round, attempt: try row.decode(Int.self, "attempt"), durationMs: try row.decode(Int.self, "duration_ms"),
                tokensIn: try row.decode(Int.self, "tokens_in"), tokensOut: try row.decode(Int.self, "tokens_out"),
                costUSD: try row.decode(Double.self, "cost_usd"), at: try row.decode(Date.self, "created_at")
            )
        }
    }

    public func timeline(_ runID: RunID) async throws -> RunTimeline {
        RunTimeline.build(diagnostics: try await diagnostics(runID), rounds: try await rounds(runID))
    }
}
