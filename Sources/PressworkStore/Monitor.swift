import Foundation
import PostgresClient
import PressworkCore

/// The health checks of sql/monitor, run together on one snapshot: `presswork monitor`, and
/// whoever else wants to know (cron, alerting, the HTTP API's readiness).
public struct Monitor: Sendable {
    /// The checks, by name: each is `sql/monitor/NAME.sql`, returning rows of (severity,
    /// subject, detail, since), none when all is well.
    public static let checks = [
        "stalled_rounds", "queued_waiting", "review_waiting", "overdue_schedules", "broken_schedules",
        "undelivered_webhooks", "orphaned_artifacts", "maintenance_overdue",
    ]

    /// When a check starts to report; each maps to a `presswork.monitor_*` setting of its file.
    public struct Thresholds: Sendable, Equatable {
        /// A running run's lease expired this long ago and no worker took it over (critical).
        public var leaseGrace: Duration = .seconds(5 * 60)
        /// One round has been running this long (warning).
        public var roundRunning: Duration = .seconds(30 * 60)
        /// Runs have been queued this long (warning).
        public var queued: Duration = .seconds(15 * 60)
        /// Runs have waited for review this long (warning).
        public var review: Duration = .seconds(24 * 3600)
        /// A schedule's next fire is this far in the past (critical).
        public var overdueSchedule: Duration = .seconds(5 * 60)
        /// A webhook delivery has been pending this long (warning).
        public var webhook: Duration = .seconds(15 * 60)
        /// Orphaned rows are older than this (warning).
        public var orphan: Duration = .seconds(24 * 3600)
        /// The last prune finished (or a prune started and never finished) this long ago (warning).
        public var prune: Duration = .seconds(2 * 86_400)

        public init() {}

        var settings: SQLSettings {
            var settings = SQLSettings()
            settings.set("monitor_lease_grace", leaseGrace)
            settings.set("monitor_round_after", roundRunning)
            settings.set("monitor_queued_after", queued)
            settings.set("monitor_review_after", review)
            settings.set("monitor_overdue_after", overdueSchedule)
            settings.set("monitor_webhook_after", webhook)
            settings.set("monitor_orphan_after", orphan)
            settings.set("monitor_prune_after", prune)
            return settings
        }
    }

    public enum Severity: String, Sendable, Codable, Comparable {
        case warning
        case critical

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .warning && rhs == .critical }
    }

    /// Something a check found.
    public struct Finding: Sendable, Codable, Equatable {
        public var check: String
        public var severity: Severity
        /// What it is about: a run id, a schedule, an endpoint, a kind of row.
        public var subject: String
        public var detail: String
        public var since: Date?
    }

    public struct Report: Sendable, Codable, Equatable {
        public var checks: [String]
        public var findings: [Finding]
        public var checkedAt: Date

        /// healthy, warning or critical: the worst finding.
        public var status: String { findings.map(\.severity).max()?.rawValue ?? "healthy" }

        /// 0 healthy, 1 warnings, 2 critical: what `presswork monitor` exits with.
        public var exitCode: Int32 {
            switch findings.map(\.severity).max() {
            case nil: return 0
            case .warning: return 1
            case .critical: return 2
            }
        }
    }

    public let pool: PostgresConnectionPool

    public init(pool: PostgresConnectionPool) {
        self.pool = pool
    }

    /// Runs every check in one read-only snapshot, each bounded by a statement timeout so that a
    /// monitor never hangs the cron line that runs it.
    /// `now` is the time the thresholds are judged at (nil: the server's clock); tests pass it.
    public func check(
        _ thresholds: Thresholds = Thresholds(), statementTimeout: Duration = .seconds(30), now: Date? = nil
    ) async throws -> Report {
        try await pool.withConnection { connection in
            try await connection.withTransaction(isolation: .repeatableRead) { connection in
                _ = try await connection.query("SET TRANSACTION READ ONLY")
                _ = try await connection.query(
                    "SELECT set_config('statement_timeout', \(String(statementTimeout.wholeMilliseconds)), true)"
                )
                var settings = thresholds.settings
                settings.setNow(now)
                try await settings.apply(on: connection)
                let checkedAt = try await connection.query("SELECT presswork_now()").scalar(Date.self)
                var findings: [Finding] = []
                for check in Self.checks {
                    for row in try await connection.query(SQLFiles.query("monitor/\(check).sql")) {
                        let severity = try row.decode(String.self, "severity")
                        findings.append(
                            Finding(
                                check: check, severity: Severity(rawValue: severity) ?? .critical,
                                subject: try row.decode(String.self, "subject"), detail: try row.decode(String.self, "detail"),
                                since: try row.decode(Date?.self, "since")
                            ))
                    }
                }
                return Report(checks: Self.checks, findings: findings, checkedAt: checkedAt)
            }
        }
    }
}
