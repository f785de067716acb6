import Foundation
import PostgresClient
import PressworkCore

/// What the console's overview shows of the whole installation: runs by status and cost over
/// recent windows, and per-day series for its charts. The same definitions as the metrics views
/// (sql/views), bounded by time so that each reads a range of an index, not every run.
public struct OverviewQueries: Sendable {
    public let pool: PostgresConnectionPool

    public init(pool: PostgresConnectionPool) {
        self.pool = pool
    }

    public struct Window: Sendable, Equatable {
        public var runsByStatus: [RunStatus: Int]
        public var costUSD: Double
        public var tokens: Int
    }

    /// Runs created since `since` (`now` minus the window, by the caller's clock), by status,
    /// with their cost and tokens.
    public func window(since: Date) async throws -> Window {
        var window = Window(runsByStatus: [:], costUSD: 0, tokens: 0)
        for row in try await pool.query(
            """
            SELECT status, count(*)::integer AS runs, coalesce(sum(cost_usd), 0)::double precision AS cost,
                   coalesce(sum(tokens_in + tokens_out), 0)::bigint AS tokens
            FROM runs WHERE created_at >= \(since) GROUP BY status
            """)
        {
            guard let status = RunStatus(rawValue: try row.decode(String.self, "status")) else { continue }
            window.runsByStatus[status] = try row.decode(Int.self, "runs")
            window.costUSD += try row.decode(Double.self, "cost")
            window.tokens += try row.decode(Int.self, "tokens")
        }
        return window
    }

    public struct Day: Sendable, Equatable {
        public var day: String
        public var runsByStatus: [RunStatus: Int]
        public var tokens: Int
        public var costUSD: Double
    }

    /// Runs per day (UTC) by status, with tokens and cost, for the days from `since`'s on.
    public func days(since: Date) async throws -> [Day] {
        var days: [String: Day] = [:]
        for row in try await pool.query(
            """
            SELECT to_char((created_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day, status, count(*)::integer AS runs,
                   coalesce(sum(tokens_in + tokens_out), 0)::bigint AS tokens, coalesce(sum(cost_usd), 0)::double precision AS cost
            FROM runs WHERE created_at >= \(since) GROUP BY 1, 2
            """)
        {
            let day = try row.decode(String.self, "day")
            var entry = days[day] ?? Day(day: day, runsByStatus: [:], tokens: 0, costUSD: 0)
            if let status = RunStatus(rawValue: try row.decode(String.self, "status")) {
                entry.runsByStatus[status, default: 0] += try row.decode(Int.self, "runs")
            }
            entry.tokens += try row.decode(Int.self, "tokens")
            entry.costUSD += try row.decode(Double.self, "cost")
            days[day] = entry
        }
        return days.values.sorted { $0.day < $1.day }
    }

    public struct RoundDurations: Sendable, Equatable {
        public var round: Round
        public var completions: Int
        public var p50Milliseconds: Int
        public var p95Milliseconds: Int
    }

    /// Each round's duration, median and 95th percentile, over the rounds completed by runs
    /// created since `since` (copies made by reprocessing are not completions).
    public func roundDurations(since: Date) async throws -> [RoundDurations] {
        try await pool.query(
            """
            SELECT a.round, count(*)::integer AS completions,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY a.duration_ms)::integer AS p50,
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY a.duration_ms)::integer AS p95
            FROM runs r JOIN artifacts a ON a.run_id = r.id AND a.attempt > 0
            WHERE r.created_at >= \(since)
            GROUP BY a.round ORDER BY a.round
            """
        ).compactMap { row in
            guard let round = Round(rawValue: Int(try row.decode(Int16.self, "round"))) else { return nil }
            return RoundDurations(
                round: round, completions: try row.decode(Int.self, "completions"),
                p50Milliseconds: try row.decode(Int.self, "p50"), p95Milliseconds: try row.decode(Int.self, "p95")
            )
        }
    }
}
