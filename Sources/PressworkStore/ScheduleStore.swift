import Foundation
import PostgresClient
import PressworkCore

/// Schedules and their fires in Postgres (sql/migrations/0006_schedules.sql).
///
/// A fire is a row unique on (schedule, fire_at), inserted in the same transaction as the run
/// it starts, and the run's idempotency key names the fire too: exactly one run per fire, however
/// many schedulers tick at once and however often they restart.
public struct ScheduleStore: Sendable {
    public let pool: PostgresConnectionPool

    public init(pool: PostgresConnectionPool) {
        self.pool = pool
    }

    // MARK: Defining

    /// Adds a schedule; its params were validated by the caller, its expression and zone are
    /// parsed here (a bad one is refused before anything is written).
    public func add(_ definition: ScheduleDefinition, now: Date = Date()) async throws -> ScheduleRecord {
        let schedule = try definition.cronSchedule()
        let next = schedule.next(after: now)
        do {
            let rows = try await pool.query(
                """
                INSERT INTO schedules (name, cron, time_zone, params, misfire, catch_up_limit, overlap, max_active, next_fire_at)
                VALUES (\(definition.name), \(definition.cron), \(definition.timeZone), \(PostgresJSON(definition.params)),
                        \(definition.misfire.rawValue), \(definition.catchUpLimit), \(definition.overlap.rawValue),
                        \(definition.maxActive), \(next))
                RETURNING \(unsafeRaw: ScheduleRecord.columns)
                """)
            guard let row = rows.first else { throw PostgresError(.unexpected, "INSERT … RETURNING gave no row") }
            return try ScheduleRecord(row: row)
        } catch let error as PostgresError where error.sqlState == .uniqueViolation {
            throw NameTaken(kind: "schedule", name: definition.name)
        } catch let error as PostgresError where error.sqlState == .checkViolation {
            throw ScheduleError(
                .invalid, field: "name",
                "the name \"\(definition.name)\" is not allowed: use letters, digits, '.', '_' and '-' (at most 63)")
        }
    }

    /// Every schedule that can be read, by name.
    public func list() async throws -> [ScheduleRecord] {
        try await listAll().schedules
    }

    /// Every schedule, by name; rows that cannot be read (written with plain SQL) are named in
    /// `unreadable` with the reason instead of hiding every other schedule.
    public func listAll() async throws -> (schedules: [ScheduleRecord], unreadable: [(name: String, reason: String)]) {
        var schedules: [ScheduleRecord] = []
        var unreadable: [(name: String, reason: String)] = []
        for row in try await pool.query("SELECT \(unsafeRaw: ScheduleRecord.columns) FROM schedules ORDER BY name") {
            do {
                schedules.append(try ScheduleRecord(row: row))
            } catch {
                unreadable.append((try row.decode(String.self, "name"), "\(error)"))
            }
        }
        return (schedules, unreadable)
    }

    /// The schedule; `ScheduleError` when there is none, `UnreadableSchedule` when its row cannot
    /// be read (written with plain SQL: replace or remove it).
    public func get(_ name: String) async throws -> ScheduleRecord {
        guard let row = try await pool.query("SELECT \(unsafeRaw: ScheduleRecord.columns) FROM schedules WHERE name = \(name)").first
        else { throw ScheduleError.missing(name) }
        do {
            return try ScheduleRecord(row: row)
        } catch {
            throw UnreadableSchedule(name: name, reason: "\(error)")
        }
    }

    public func exists(_ name: String) async throws -> Bool {
        try await pool.query("SELECT count(*) FROM schedules WHERE name = \(name)").scalar(Int.self) == 1
    }

    /// Pauses or resumes. A resumed schedule continues from its next fire after `now`: fires
    /// that fell in the pause were not wanted, and are not missed.
    public func setEnabled(_ name: String, _ enabled: Bool, now: Date = Date()) async throws -> ScheduleRecord {
        let record = try await get(name)
        let next = enabled ? try record.definition.cronSchedule().next(after: now) : record.nextFireAt
        guard
            let row = try await pool.query(
                """
                UPDATE schedules SET enabled = \(enabled), next_fire_at = \(next), updated_at = now(),
                       disabled_reason = CASE WHEN \(enabled) THEN NULL ELSE disabled_reason END
                WHERE name = \(name) RETURNING \(unsafeRaw: ScheduleRecord.columns)
                """
            ).first
        else { throw ScheduleError.missing(name) }
        return try ScheduleRecord(row: row)
    }

    /// Replaces a schedule's expression, zone, params and policies (the API's PUT). Its fires,
    /// counts and enabled state stay; an enabled schedule's next fire is computed anew from
    /// `now`, a paused one's when it is resumed. The expression and zone are checked first.
    public func replace(_ definition: ScheduleDefinition, now: Date = Date()) async throws -> ScheduleRecord {
        let next = try definition.cronSchedule().next(after: now)
        guard
            let row = try await pool.query(
                """
                UPDATE schedules
                SET cron = \(definition.cron), time_zone = \(definition.timeZone), params = \(PostgresJSON(definition.params)),
                    misfire = \(definition.misfire.rawValue), catch_up_limit = \(definition.catchUpLimit),
                    overlap = \(definition.overlap.rawValue), max_active = \(definition.maxActive),
                    next_fire_at = CASE WHEN enabled THEN \(next) ELSE next_fire_at END, updated_at = now()
                WHERE name = \(definition.name)
                RETURNING \(unsafeRaw: ScheduleRecord.columns)
                """
            ).first
        else { throw ScheduleError.missing(definition.name) }
        return try ScheduleRecord(row: row)
    }

    /// Removes a schedule and its fire records; its runs stay (their trigger names it).
    public func remove(_ name: String) async throws {
        guard try await pool.query("DELETE FROM schedules WHERE name = \(name)").affectedRows == 1 else {
            throw ScheduleError.missing(name)
        }
    }

    /// The most recent fires of a schedule, newest first.
    public func fires(_ name: String, limit: Int = 20) async throws -> [ScheduleFire] {
        try await pool.query(
            """
            SELECT fire_at, outcome, run_id FROM schedule_fires WHERE schedule = \(name) ORDER BY fire_at DESC LIMIT \(limit)
            """
        ).map { row in
            ScheduleFire(
                fireAt: try row.decode(Date.self, "fire_at"), outcome: try row.decode(String.self, "outcome"),
                runID: try row.decode(RunID?.self, "run_id"))
        }
    }

    // MARK: Firing

    /// Handles the due schedules this call can lock (others are being handled by another
    /// scheduler), `batch` per transaction, until none is due or `limit` were handled: records
    /// their due fires and starts runs as `planner` decides (the misfire and overlap policies:
    /// `SchedulePlanner`), and moves each next fire forward. Returns the runs started.
    ///
    /// `now` is the time the fires are judged at; nil: the server's clock (`coalesce($now,
    /// now())`, as every query that compares with the time). Tests pass it to decide misfires
    /// without waiting for the clock.
    public func fireDue(
        limit: Int = 100_000, batch: Int = 200, pipelineVersion: String, now: Date? = nil, planner: some FirePlanning
    ) async throws -> [StartedRun] {
        // Rows written with plain SQL may have no next fire yet: they get one, then fire as any.
        try await fillMissingNextFires(now: now)
        var started: [StartedRun] = []
        var handled = 0
        while handled < limit {
            let size = min(batch, limit - handled)
            let outcome = try await pool.withTransaction { connection in
                try await fireBatch(size, on: connection, pipelineVersion: pipelineVersion, now: now, planner: planner)
            }
            guard let outcome else { break }
            started += outcome.started
            handled += outcome.schedules
        }
        return started
    }

    /// Up to `size` due schedules, locked, handled in a fixed number of statements whatever
    /// their number; nil when none is due (or every due one is locked by another scheduler).
    private func fireBatch(
        _ size: Int, on connection: isolated PostgresConnection, pipelineVersion: String, now given: Date?,
        planner: some FirePlanning
    ) async throws -> (started: [StartedRun], schedules: Int)? {
        let rows = try await connection.query(
            """
            SELECT \(unsafeRaw: ScheduleRecord.columns), coalesce(\(given)::timestamptz, now()) AS server_now FROM schedules
            WHERE enabled AND next_fire_at <= coalesce(\(given)::timestamptz, now())
            ORDER BY next_fire_at LIMIT \(size) FOR UPDATE SKIP LOCKED
            """)
        guard let firstRow = rows.first else { return nil }
        let now = try firstRow.decode(Date.self, "server_now")
        // A schedule that cannot be read is paused with the reason (monitor reports it), so that
        // it neither fails every tick nor holds up the schedules due after it.
        var records: [ScheduleRecord] = []
        var broken: (names: [String], reasons: [String]) = ([], [])
        for row in rows {
            do {
                let record = try ScheduleRecord(row: row)
                _ = try record.definition.cronSchedule()
                records.append(record)
            } catch {
                broken.names.append(try row.decode(String.self, "name"))
                broken.reasons.append("\(error)")
            }
        }
        if !broken.names.isEmpty {
            _ = try await connection.query(
                """
                UPDATE schedules s SET enabled = false, disabled_reason = u.reason, updated_at = now()
                FROM unnest(\(broken.names)::text[], \(broken.reasons)::text[]) AS u(name, reason)
                WHERE s.name = u.name
                """)
        }

        // Active runs of the schedules whose overlap policy asks.
        let watched = records.filter { $0.overlap != .allow || $0.maxActive != nil }.map(\.name)
        let active = try await activeRuns(of: watched, on: connection)

        let due = records.map { record in
            DueSchedule(record: record, running: active[record.name]?.running ?? 0, queued: active[record.name]?.queued ?? 0)
        }
        let decisions = try planner.decide(due, now: now)
        var fires = FireRows()
        var updates = ScheduleUpdates()
        for (record, decision) in zip(records, decisions) where record.nextFireAt != nil {
            for fire in decision.fires {
                if fire.outcome == .run {
                    fires.appendRun(record, fire.at, outcome: "run")
                } else {
                    fires.append(record.name, fire.at, fire.outcome.rawValue)
                }
            }
            updates.append(
                record.name, next: decision.next, last: decision.fires.map(\.at).max(), ran: decision.count(.run),
                skipped: decision.count(.skipped), missed: decision.count(.missed) + decision.uncountedMissed
            )
        }

        let started = try await insert(fires, pipelineVersion: pipelineVersion, on: connection)
        _ = try await connection.query(
            """
            UPDATE schedules s SET next_fire_at = nullif(u.next, '')::timestamptz,
                   last_fire_at = coalesce(nullif(u.last, '')::timestamptz, s.last_fire_at),
                   fires_run = s.fires_run + u.ran, fires_skipped = s.fires_skipped + u.skipped,
                   fires_missed = s.fires_missed + u.missed, updated_at = now()
            FROM unnest(\(updates.names)::text[], \(updates.next)::text[], \(updates.last)::text[],
                        \(updates.ran)::integer[], \(updates.skipped)::integer[], \(updates.missed)::integer[])
                 AS u(name, next, last, ran, skipped, missed)
            WHERE s.name = u.name
            """)
        return (started, rows.count)
    }

    /// Writes fires and the runs they start in one statement, for the scheduler and for backfill
    /// alike: a run is inserted only with its fire row (unique on schedule and fire time), and
    /// its idempotency key names the fire again, so no fire ever gets a second run. A run gets the
    /// schedule's params with its profile's current version pinned. Returns the runs started (a
    /// fire that had a row already starts none).
    private func insert(_ fires: FireRows, pipelineVersion: String, on connection: isolated PostgresConnection)
        async throws -> [StartedRun]
    {
        let inserted = try await connection.query(
            """
            WITH fire AS (
                INSERT INTO schedule_fires (schedule, fire_at, outcome, run_id)
                SELECT u.name, u.at, u.outcome, nullif(u.run, '')::uuid
                FROM unnest(\(fires.names)::text[], \(fires.times)::timestamptz[], \(fires.outcomes)::text[],
                            \(fires.runIDs)::text[]) AS u(name, at, outcome, run)
                ON CONFLICT DO NOTHING
                RETURNING run_id
            ), run AS (
                INSERT INTO runs (id, params, pipeline_version, trigger, idempotency_key)
                SELECT r.id, CASE WHEN p.current_version IS NULL THEN s.params
                                  ELSE jsonb_set(s.params, '{profileVersion}', to_jsonb(p.current_version)) END,
                       \(pipelineVersion), r.trigger, r.key
                FROM unnest(\(fires.started.map(\.runID))::uuid[], \(fires.started.map(\.schedule))::text[],
                            \(fires.triggers)::jsonb[], \(fires.keys)::text[])
                     AS r(id, schedule, trigger, key)
                JOIN fire ON fire.run_id = r.id
                JOIN schedules s ON s.name = r.schedule
                -- A schedule's runs are written with its profile's version at the fire.
                LEFT JOIN profiles p ON p.name = s.params ->> 'profile'
                ON CONFLICT (idempotency_key) DO NOTHING
                RETURNING id
            )
            SELECT id FROM run
            """)
        let startedIDs = Set(try inserted.map { try $0.decode(RunID.self, "id") })
        return fires.started.filter { startedIDs.contains($0.runID) }
    }

    /// The idempotency key of a fire's run: the schedule's name and creation time (a schedule
    /// removed and added again is another schedule) and the fire's instant.
    static func runKey(_ record: ScheduleRecord, fire: Date) -> String {
        "schedule:\(record.name)@\(Int(record.createdAt.timeIntervalSince1970)):\(iso(fire))"
    }

    /// Seconds until the earliest enabled schedule is due (negative when overdue); nil when none.
    public func secondsUntilNextFire() async throws -> Double? {
        try await pool.query(
            """
            SELECT extract(epoch FROM min(next_fire_at) - clock_timestamp())::double precision FROM schedules WHERE enabled
            """
        ).scalar(Double?.self)
    }

    // MARK: Backfill

    /// Starts a run for every fire in (from, through] that has no fire row yet; a second backfill
    /// of the same window starts nothing. Policies do not apply: a backfill is asked for.
    public func backfill(_ name: String, from start: Date, through end: Date, pipelineVersion: String, limit: Int = 1_000)
        async throws -> [StartedRun]
    {
        let record = try await get(name)
        let fires = try record.definition.cronSchedule().fires(from: start, through: end, limit: limit + 1)
        guard fires.count <= limit else {
            throw ScheduleError(.invalid, field: "window", "the window holds more than \(limit) fires of \(name); backfill a shorter one")
        }
        let rows = fires.reduce(into: FireRows()) { rows, fire in rows.appendRun(record, fire, outcome: "backfill") }
        return try await pool.withTransaction { connection in
            let started = try await insert(rows, pipelineVersion: pipelineVersion, on: connection)
            _ = try await connection.query(
                """
                UPDATE schedules SET fires_run = fires_run + \(started.count), updated_at = now() WHERE name = \(name)
                """)
            return started
        }
    }

    /// The running and queued runs of each of these schedules (absent: none), for the overlap
    /// policy and the active-run limit.
    private func activeRuns(of names: [String], on connection: isolated PostgresConnection) async throws
        -> [String: (running: Int, queued: Int)]
    {
        guard !names.isEmpty else { return [:] }
        var active: [String: (running: Int, queued: Int)] = [:]
        for row in try await connection.query(
            """
            SELECT trigger->>'schedule' AS schedule, count(*) FILTER (WHERE status = 'running') AS running,
                   count(*) FILTER (WHERE status = 'queued') AS queued
            FROM runs WHERE trigger->>'schedule' = ANY(\(names)) AND status IN ('queued', 'running')
            GROUP BY 1
            """)
        {
            active[try row.decode(String.self, "schedule")] = (try row.decode(Int.self, "running"), try row.decode(Int.self, "queued"))
        }
        return active
    }

    /// What a manual fire did.
    public enum TriggerOutcome: Sendable, Equatable {
        case started(StartedRun)
        /// The overlap policy or the active-run limit refused it (recorded as a skipped fire).
        case skipped(reason: String)
    }

    /// Fires a schedule now, outside its expression: recorded as a `manual` fire (its run's
    /// trigger names the schedule and the instant), subject to the overlap policy and the
    /// active-run limit like any fire. The schedule's next fire and misfire state are untouched.
    public func trigger(_ name: String, pipelineVersion: String, now given: Date? = nil) async throws -> TriggerOutcome {
        try await pool.withTransaction { connection in
            guard
                let row = try await connection.query(
                    """
                    SELECT \(unsafeRaw: ScheduleRecord.columns), coalesce(\(given)::timestamptz, now()) AS server_now
                    FROM schedules WHERE name = \(name) FOR UPDATE
                    """
                ).first
            else { throw ScheduleError.missing(name) }
            let record = try ScheduleRecord(row: row)
            // Fires are whole seconds; a second manual fire in the same second is the same fire.
            let now = Date(timeIntervalSince1970: (try row.decode(Date.self, "server_now").timeIntervalSince1970).rounded(.down))
            let (running, queued) = try await activeRuns(of: [name], on: connection)[name] ?? (0, 0)
            var rows = FireRows()
            guard record.overlap.allowsAnother(running: running, queued: queued, maxActive: record.maxActive) else {
                rows.append(name, now, "skipped")
                _ = try await insert(rows, pipelineVersion: pipelineVersion, on: connection)
                _ = try await connection.query(
                    "UPDATE schedules SET fires_skipped = fires_skipped + 1, updated_at = now() WHERE name = \(name)")
                return .skipped(
                    reason: "overlap \(record.overlap.rawValue)" + (record.maxActive.map { ", at most \($0) active" } ?? "")
                        + ": \(running) running and \(queued) queued")
            }
            rows.appendRun(record, now, outcome: "manual")
            guard let started = try await insert(rows, pipelineVersion: pipelineVersion, on: connection).first else {
                throw ScheduleError(.conflict, "\(name) has a fire at \(Self.iso(now)) already; trigger it again in a second")
            }
            _ = try await connection.query("UPDATE schedules SET fires_run = fires_run + 1, updated_at = now() WHERE name = \(name)")
            return .started(started)
        }
    }

    /// Gives every enabled schedule without a next fire (a row inserted or updated with plain
    /// SQL) its next fire after `now`; a row whose expression or zone does not parse is paused
    /// with the reason, as the scheduler pauses unreadable rows. Returns how many were filled.
    @discardableResult
    /// The checks of `RunParams.validated` over params read from a row.
    static func checkParams(_ text: String) throws {
        let params: RunParams
        do {
            params = try JSONDecoder().decode(RunParams.self, from: Data(text.utf8))
        } catch {
            throw ScheduleError(.invalid, field: "params", "params are not a run's params: \(error)")
        }
        do {
            _ = try RunParams.validated(
                seeds: params.seeds, region: params.region, brandVoice: params.brandVoice, dryRun: params.dryRun,
                thresholds: params.thresholds, budgetUSD: params.budgetUSD, profile: params.profile, site: params.site
            )
        } catch {
            throw ScheduleError(.invalid, field: "params", "params: \(error)")
        }
    }

    public func fillMissingNextFires(now given: Date? = nil) async throws -> Int {
        try await pool.withTransaction { connection in
            let rows = try await connection.query(
                """
                SELECT name, cron, time_zone, params::text AS params, coalesce(\(given)::timestamptz, now()) AS server_now
                FROM schedules WHERE enabled AND next_fire_at IS NULL FOR UPDATE SKIP LOCKED
                """)
            var filled = 0
            for row in rows {
                let name = try row.decode(String.self, "name")
                let now = try row.decode(Date.self, "server_now")
                do {
                    let schedule = try CronSchedule(
                        expression: try row.decode(String.self, "cron"), timeZone: try row.decode(String.self, "time_zone")
                    )
                    // Written with plain SQL, the params get the checks `schedules add` makes.
                    try Self.checkParams(try row.decode(String.self, "params"))
                    _ = try await connection.query(
                        """
                        UPDATE schedules SET next_fire_at = \(schedule.next(after: now)), updated_at = now() WHERE name = \(name)
                        """)
                    filled += 1
                } catch {
                    _ = try await connection.query(
                        """
                        UPDATE schedules SET enabled = false, disabled_reason = \("\(error)"), updated_at = now() WHERE name = \(name)
                        """)
                }
            }
            return filled
        }
    }

    /// ISO 8601 in UTC, whole seconds (fires are whole seconds), without a Foundation formatter:
    /// creating one costs more than the rest of a fire (measured: 10,000 fires took 3.3 s).
    static func iso(_ date: Date) -> String {
        LocalDateTime(wallSeconds: Int64(date.timeIntervalSince1970.rounded(.down))).description + "Z"
    }
}

/// What `schedules add` defines.
public struct ScheduleDefinition: Sendable, Equatable {
    public var name: String
    public var cron: String
    public var timeZone: String
    public var params: RunParams
    public var misfire: MisfirePolicy
    public var catchUpLimit: Int
    public var overlap: OverlapPolicy
    /// At most this many of the schedule's runs queued or running at once; nil: no limit.
    public var maxActive: Int?

    public init(
        name: String, cron: String, timeZone: String, params: RunParams, misfire: MisfirePolicy = .latest,
        catchUpLimit: Int = 10, overlap: OverlapPolicy = .skip, maxActive: Int? = nil
    ) {
        self.maxActive = maxActive
        self.name = name
        self.cron = cron
        self.timeZone = timeZone
        self.params = params
        self.misfire = misfire
        self.catchUpLimit = catchUpLimit
        self.overlap = overlap
    }

    public func cronSchedule() throws(CronError) -> CronSchedule {
        try CronSchedule(expression: cron, timeZone: timeZone)
    }
}

/// A row of `schedules`.
public struct ScheduleRecord: Sendable, Equatable {
    public let name: String
    public let cron: String
    public let timeZone: String
    public let params: RunParams
    public let enabled: Bool
    public let misfire: MisfirePolicy
    public let catchUpLimit: Int
    public let overlap: OverlapPolicy
    public let maxActive: Int?
    public let nextFireAt: Date?
    public let lastFireAt: Date?
    public let firesRun: Int
    public let firesMissed: Int
    public let firesSkipped: Int
    public let createdAt: Date
    /// Why the scheduler paused it (it could not read it); nil for schedules paused by a person.
    public let disabledReason: String?

    public var definition: ScheduleDefinition {
        ScheduleDefinition(
            name: name, cron: cron, timeZone: timeZone, params: params, misfire: misfire, catchUpLimit: catchUpLimit,
            overlap: overlap, maxActive: maxActive
        )
    }

    /// An enabled schedule that has not fired yet, due next at `nextFireAt`: for deciding fires
    /// without a database (the planner's tests).
    public init(definition: ScheduleDefinition, nextFireAt: Date?, createdAt: Date = Date(timeIntervalSince1970: 0)) {
        name = definition.name
        cron = definition.cron
        timeZone = definition.timeZone
        params = definition.params
        enabled = true
        misfire = definition.misfire
        catchUpLimit = definition.catchUpLimit
        overlap = definition.overlap
        maxActive = definition.maxActive
        self.nextFireAt = nextFireAt
        lastFireAt = nil
        firesRun = 0
        firesMissed = 0
        firesSkipped = 0
        self.createdAt = createdAt
        disabledReason = nil
    }

    static let columns = """
        name, cron, time_zone, params, enabled, misfire, catch_up_limit, overlap, max_active, next_fire_at, last_fire_at, fires_run,
        fires_missed, fires_skipped, created_at, disabled_reason
        """

    init(row: PostgresRow) throws {
        name = try row.decode(String.self, "name")
        cron = try row.decode(String.self, "cron")
        timeZone = try row.decode(String.self, "time_zone")
        params = try row.decode(PostgresJSON<RunParams>.self, "params").value
        enabled = try row.decode(Bool.self, "enabled")
        misfire = MisfirePolicy(rawValue: try row.decode(String.self, "misfire")) ?? .latest
        catchUpLimit = try row.decode(Int.self, "catch_up_limit")
        overlap = OverlapPolicy(rawValue: try row.decode(String.self, "overlap")) ?? .skip
        maxActive = try row.decode(Int?.self, "max_active")
        nextFireAt = try row.decode(Date?.self, "next_fire_at")
        lastFireAt = try row.decode(Date?.self, "last_fire_at")
        firesRun = try row.decode(Int.self, "fires_run")
        firesMissed = try row.decode(Int.self, "fires_missed")
        firesSkipped = try row.decode(Int.self, "fires_skipped")
        createdAt = try row.decode(Date.self, "created_at")
        disabledReason = try row.decode(String?.self, "disabled_reason")
    }
}

/// Fires to write in one statement, and the runs some of them start, as column arrays (bound
/// as arrays, unnested in SQL).
struct FireRows {
    var names: [String] = []
    var times: [String] = []
    var outcomes: [String] = []
    /// "" for none (arrays of optionals do not bind; SQL turns "" back into NULL).
    var runIDs: [String] = []
    /// The runs the fires start, with the columns only runs need; their params are copied from
    /// the schedule's row in SQL.
    var started: [StartedRun] = []
    var triggers: [String] = []
    var keys: [String] = []

    /// A fire that starts no run (missed, skipped).
    mutating func append(_ name: String, _ time: Date, _ outcome: String) {
        names.append(name)
        times.append(ScheduleStore.iso(time))
        outcomes.append(outcome)
        runIDs.append("")
    }

    /// A fire that starts a run.
    mutating func appendRun(_ record: ScheduleRecord, _ fire: Date, outcome: String) {
        let id = RunID.make()
        append(record.name, fire, outcome)
        runIDs[runIDs.count - 1] = id.description
        started.append(StartedRun(schedule: record.name, fireAt: fire, runID: id))
        // RunTrigger as PostgresJSON writes it (ISO 8601 dates), built by hand for speed.
        triggers.append(#"{"fireAt":"\#(ScheduleStore.iso(fire))","kind":"schedule","schedule":\#(JSONValue.string(record.name).text)}"#)
        keys.append(ScheduleStore.runKey(record, fire: fire))
    }
}

struct ScheduleUpdates {
    var names: [String] = []
    /// "" for none, as in `FireRows.runIDs`.
    var next: [String] = []
    var last: [String] = []
    var ran: [String] = []
    var skipped: [String] = []
    var missed: [String] = []

    mutating func append(_ name: String, next: Date?, last: Date?, ran: Int, skipped: Int, missed: Int) {
        names.append(name)
        self.next.append(next.map(ScheduleStore.iso) ?? "")
        self.last.append(last.map(ScheduleStore.iso) ?? "")
        self.ran.append(String(ran))
        self.skipped.append(String(skipped))
        self.missed.append(String(missed))
    }
}

public struct ScheduleFire: Sendable, Equatable {
    public let fireAt: Date
    public let outcome: String
    public let runID: RunID?
}

public struct StartedRun: Sendable, Equatable {
    public let schedule: String
    public let fireAt: Date
    public let runID: RunID
}

/// A schedule row that does not decode (params that are not a run's, written with plain SQL).
public struct UnreadableSchedule: Refusal {
    public var code: RefusalCode { .conflict }
    public let name: String
    public let reason: String
    public var description: String { "schedule \(name) cannot be read (\(reason)): replace it or remove it" }
}

/// A schedule operation refused: a schedule that does not exist, a name or params not allowed,
/// a window too long, a fire that exists already.
public struct ScheduleError: Refusal {
    public let code: RefusalCode
    public let inputField: String?
    public let description: String

    public init(_ code: RefusalCode, field: String? = nil, _ description: String) {
        self.code = code
        self.inputField = field
        self.description = description
    }

    public static func missing(_ name: String) -> ScheduleError {
        ScheduleError(.notFound, "no schedule named \(name)")
    }
}
