import Foundation
import Logging
import PostgresClient
import PressworkCore

/// Removes what is no longer needed, in small batches (sql/prune): finished runs past their
/// retention (deleted, or compacted when they published a post), orphaned rows, and old events.
///
/// Each batch is one short transaction that skips rows others hold (`SKIP LOCKED`), so workers
/// go on claiming and committing while a prune runs; nothing waits on a long lock. Never
/// removed: runs waiting for review, queued or running runs, the vectors and publication records
/// of published posts, events a webhook still waits for.
public struct Pruner: Sendable {
    /// How long finished runs and events are kept, from when they finished or happened.
    public struct Retention: Sendable, Equatable, Codable {
        /// done, skipped and cancelled runs.
        public var finished: Duration
        /// Runs that ended in error: kept longer, to be looked into (never less than `finished`).
        public var errors: Duration
        /// Events whose webhooks are done with them.
        public var events: Duration
        /// When ages are measured from (nil: the server's clock); tests pass it.
        public var now: Date?

        public init(
            finished: Duration = .seconds(30 * 86_400), errors: Duration = .seconds(90 * 86_400),
            events: Duration = .seconds(14 * 86_400), now: Date? = nil
        ) {
            self.finished = finished
            self.errors = max(errors, finished)
            self.events = events
            self.now = now
        }

        func settings(batchSize: Int) -> SQLSettings {
            var settings = SQLSettings()
            settings.setNow(now)
            settings.set("retain_finished", finished)
            settings.set("retain_errors", errors)
            settings.set("retain_events", events)
            settings.set("prune_batch", batchSize)
            return settings
        }
    }

    /// What a prune removed (or, for a dry run, would remove).
    public struct Report: Sendable, Equatable, Codable {
        public var runsDeleted = 0
        public var runsCompacted = 0
        public var artifacts = 0
        public var checkpoints = 0
        public var diagnostics = 0
        public var vectors = 0
        /// Orphaned rows (sql/views/orphaned_rows.sql) by kind.
        public var orphans: [String: Int] = [:]
        public var events = 0
        public var batches = 0
        public var durationMs = 0
        public var dryRun = false

        public init() {}

        public var removedAnything: Bool {
            runsDeleted + runsCompacted + events + orphans.values.reduce(0, +) > 0
        }
    }

    public let pool: PostgresConnectionPool
    public let logger: Logger

    public init(pool: PostgresConnectionPool, logger: Logger = Logger(label: "presswork.prune")) {
        self.pool = pool
        self.logger = logger
    }

    /// Prunes until nothing is left to remove, batch by batch on one connection, pausing
    /// `pause` between batches to leave room for the workers. Cancellation stops it between
    /// batches; what was removed stays removed, the rest waits for the next prune.
    public func prune(
        _ retention: Retention = Retention(), batchSize: Int = 500, pause: Duration = .milliseconds(10)
    ) async throws -> Report {
        try await pool.withConnection { connection in
            try await prune(retention, batchSize: batchSize, pause: pause, on: connection)
        }
    }

    public func prune(
        _ retention: Retention, batchSize: Int, pause: Duration, on connection: isolated PostgresConnection
    ) async throws -> Report {
        precondition(batchSize > 0)
        let started = ContinuousClock.now
        let settings = retention.settings(batchSize: batchSize)
        var report = Report()

        func batch(_ file: String) async throws -> PostgresRow? {
            try Task.checkCancellation()
            let row = try await connection.withTransaction { connection in
                try await settings.apply(on: connection)
                return try await connection.query(SQLFiles.query("prune/\(file).sql")).first
            }
            report.batches += 1
            return row
        }

        // Runs: a batch that found rows but removed none (all locked by others) ends the loop
        // too; they are left for the next prune.
        while let row = try await batch("runs") {
            let deleted = try row.decode(Int.self, "runs_deleted")
            let compacted = try row.decode(Int.self, "runs_compacted")
            report.runsDeleted += deleted
            report.runsCompacted += compacted
            report.artifacts += try row.decode(Int.self, "artifacts")
            report.checkpoints += try row.decode(Int.self, "checkpoints")
            report.diagnostics += try row.decode(Int.self, "diagnostics")
            report.vectors += try row.decode(Int.self, "vectors")
            if deleted + compacted == 0 { break }
            logger.debug("pruned a batch of runs", metadata: ["deleted": "\(deleted)", "compacted": "\(compacted)"])
            try await Task.sleep(for: pause)
        }
        while let row = try await batch("orphans") {
            var removed = 0
            for (column, kind) in [
                ("checkpoints", "section_checkpoint"), ("cached_replies", "response_cache"),
                ("vectors", "vector"), ("events", "event"),
            ] {
                let count = try row.decode(Int.self, column)
                if count > 0 { report.orphans[kind, default: 0] += count }
                removed += count
            }
            if removed == 0 { break }
            try await Task.sleep(for: pause)
        }
        while let row = try await batch("events") {
            let count = try row.decode(Int.self, "events")
            report.events += count
            if count == 0 { break }
            try await Task.sleep(for: pause)
        }
        report.durationMs = started.duration(to: .now).wholeMilliseconds
        return report
    }

    /// What a prune would remove now, removing nothing (sql/prune/plan.sql).
    public func plan(_ retention: Retention = Retention()) async throws -> Report {
        let settings = retention.settings(batchSize: 1)
        return try await pool.withTransaction { connection in
            _ = try await connection.query("SET TRANSACTION READ ONLY")
            try await settings.apply(on: connection)
            var report = Report()
            report.dryRun = true
            for row in try await connection.query(SQLFiles.query("prune/plan.sql")) {
                let detail = try row.decode(String.self, "detail")
                switch try row.decode(String.self, "what") {
                case "runs":
                    let runs = try row.decode(Int.self, "runs")
                    if detail.hasSuffix(" compact") { report.runsCompacted += runs } else { report.runsDeleted += runs }
                    report.artifacts += try row.decode(Int.self, "artifacts")
                    report.checkpoints += try row.decode(Int.self, "checkpoints")
                    report.diagnostics += try row.decode(Int.self, "diagnostics")
                    report.vectors += try row.decode(Int.self, "vectors")
                case "orphans":
                    report.orphans[detail] = try row.decode(Int.self, "other_rows")
                default:
                    report.events += try row.decode(Int.self, "other_rows")
                }
            }
            return report
        }
    }
}
