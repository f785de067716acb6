import Foundation
import PostgresClient
import PressworkCore

/// Where events go: webhook endpoints, and the outbox of their deliveries (migration 0009).
public struct WebhookStore: Sendable {
    /// The kinds of events, as `events.kind` and the `type` of a delivery.
    public static let eventKinds = [
        "run.round_completed", "run.needs_review", "run.done", "run.error", "run.skipped", "run.cancelled",
    ]

    public struct Endpoint: Sendable, Equatable, Codable {
        public var name: String
        public var url: String
        public var secret: String
        public var events: [String]
        public var enabled: Bool
        /// Deliveries may go to loopback, private and link-local addresses (`WebhookDestination`).
        public var allowPrivateNetworks: Bool
        public var createdAt: Date
    }

    /// One delivery's state, for `webhooks deliveries` and the API.
    public struct DeliveryState: Sendable, Equatable, Codable {
        public var eventID: Int64
        public var endpoint: String
        public var kind: String
        public var runID: RunID
        public var state: String
        public var attempts: Int
        public var nextAttemptAt: Date
        public var lastStatus: Int?
        public var lastError: String?
        public var deliveredAt: Date?
    }

    /// A delivery claimed for one attempt.
    public struct Delivery: Sendable, Equatable {
        public var eventID: Int64
        public var endpoint: String
        /// This attempt's number, from 1.
        public var attempt: Int
        public var kind: String
        /// The event's data, as JSON text.
        public var payload: String
        public var at: Date
        public var url: String
        public var secret: String
        public var allowPrivateNetworks: Bool
    }

    public let pool: PostgresConnectionPool

    public init(pool: PostgresConnectionPool) {
        self.pool = pool
    }

    // MARK: Endpoints

    /// Adds an endpoint; `secret` nil makes a new one (24 random bytes). Refuses a taken name,
    /// a URL `WebhookDestination` refuses, unknown event kinds, a secret shorter than 24 bytes,
    /// naming the problem.
    public func add(
        name: String, url: String, events: [String], secret: String? = nil, allowPrivateNetworks: Bool = false
    ) async throws -> Endpoint {
        try ObjectName.check(name)
        _ = try WebhookDestination.check(url, allowPrivateNetworks: allowPrivateNetworks)
        let events = events.isEmpty ? Self.eventKinds : events
        if let unknown = events.first(where: { !Self.eventKinds.contains($0) }) {
            throw ValidationError(field: "events", "\(unknown) is not an event kind (\(Self.eventKinds.joined(separator: ", ")))")
        }
        let secret = secret ?? Self.makeSecret()
        try Self.checkSecret(secret)
        let rows = try await pool.query(
            """
            INSERT INTO webhook_endpoints (name, url, secret, events, allow_private_networks)
            VALUES (\(name), \(url), \(secret), \(events), \(allowPrivateNetworks))
            ON CONFLICT (name) DO NOTHING
            RETURNING \(unsafeRaw: Self.endpointColumns)
            """)
        guard let row = rows.first else { throw NameTaken(kind: "webhook", name: name) }
        return try Self.endpoint(row)
    }

    public func endpoints() async throws -> [Endpoint] {
        try await pool.query(
            "SELECT \(unsafeRaw: Self.endpointColumns) FROM webhook_endpoints ORDER BY name"
        ).map(Self.endpoint)
    }

    public func endpoint(_ name: String) async throws -> Endpoint? {
        try await pool.query(
            "SELECT \(unsafeRaw: Self.endpointColumns) FROM webhook_endpoints WHERE name = \(name)"
        ).first.map(Self.endpoint)
    }

    /// Changes an endpoint's URL and whether it may reach private networks (nil: unchanged),
    /// checked as `add` checks them; nil when there is no such endpoint.
    public func edit(_ name: String, url: String? = nil, allowPrivateNetworks: Bool? = nil) async throws -> Endpoint? {
        guard let current = try await endpoint(name) else { return nil }
        let url = url ?? current.url
        let allow = allowPrivateNetworks ?? current.allowPrivateNetworks
        _ = try WebhookDestination.check(url, allowPrivateNetworks: allow)
        return try await pool.query(
            """
            UPDATE webhook_endpoints SET url = \(url), allow_private_networks = \(allow), updated_at = now()
            WHERE name = \(name)
            RETURNING \(unsafeRaw: Self.endpointColumns)
            """
        ).first.map(Self.endpoint)
    }

    /// Removes an endpoint and its deliveries; false when there was none.
    public func remove(_ name: String) async throws -> Bool {
        try await pool.query("DELETE FROM webhook_endpoints WHERE name = \(name)").affectedRows == 1
    }

    /// Pauses or resumes deliveries to an endpoint (events still queue up for it meanwhile).
    public func setEnabled(_ name: String, _ enabled: Bool) async throws -> Bool {
        try await pool.query(
            "UPDATE webhook_endpoints SET enabled = \(enabled), updated_at = now() WHERE name = \(name)"
        ).affectedRows == 1
    }

    /// Makes failed deliveries of an endpoint pending again, to be tried from the start.
    public func redeliverFailed(_ name: String) async throws -> Int {
        try await pool.query(
            """
            UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_at = now()
            WHERE endpoint = \(name) AND state = 'failed'
            """
        ).affectedRows
    }

    /// The newest deliveries, optionally of one endpoint or in one state.
    public func deliveries(endpoint: String? = nil, state: String? = nil, limit: Int = 50) async throws -> [DeliveryState] {
        try await pool.query(
            """
            SELECT d.event_id, d.endpoint, e.kind, e.run_id, d.state, d.attempts, d.next_attempt_at, d.last_status,
                   d.last_error, d.delivered_at
            FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
            WHERE (\(endpoint)::text IS NULL OR d.endpoint = \(endpoint))
              AND (\(state)::text IS NULL OR d.state = \(state))
            ORDER BY d.event_id DESC LIMIT \(limit)
            """
        ).map { row in
            DeliveryState(
                eventID: try row.decode(Int64.self, "event_id"), endpoint: try row.decode(String.self, "endpoint"),
                kind: try row.decode(String.self, "kind"), runID: try row.decode(RunID.self, "run_id"),
                state: try row.decode(String.self, "state"), attempts: try row.decode(Int.self, "attempts"),
                nextAttemptAt: try row.decode(Date.self, "next_attempt_at"), lastStatus: try row.decode(Int?.self, "last_status"),
                lastError: try row.decode(String?.self, "last_error"), deliveredAt: try row.decode(Date?.self, "delivered_at")
            )
        }
    }

    // MARK: Delivering

    /// Claims up to `limit` due deliveries of enabled endpoints, oldest first, skipping those
    /// another dispatcher is claiming. Each claimed delivery's next attempt moves `inFlight`
    /// ahead: if this dispatcher dies before recording the outcome, it is tried again then (at
    /// least once, never lost).
    public func claimDue(limit: Int, inFlight: Duration) async throws -> [Delivery] {
        try await pool.query(
            """
            WITH due AS (
                SELECT d.event_id, d.endpoint FROM webhook_deliveries d
                JOIN webhook_endpoints w ON w.name = d.endpoint AND w.enabled
                WHERE d.state = 'pending' AND d.next_attempt_at <= now()
                ORDER BY d.next_attempt_at
                LIMIT \(limit)
                FOR UPDATE OF d SKIP LOCKED
            )
            UPDATE webhook_deliveries d
            SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => \(inFlight.seconds))
            FROM due, events e, webhook_endpoints w
            WHERE d.event_id = due.event_id AND d.endpoint = due.endpoint AND e.id = d.event_id AND w.name = d.endpoint
            RETURNING d.event_id, d.endpoint, d.attempts, e.kind, e.payload::text AS payload, e.at, w.url, w.secret,
                      w.allow_private_networks
            """
        ).map { row in
            Delivery(
                eventID: try row.decode(Int64.self, "event_id"), endpoint: try row.decode(String.self, "endpoint"),
                attempt: try row.decode(Int.self, "attempts"), kind: try row.decode(String.self, "kind"),
                payload: try row.decode(String.self, "payload"), at: try row.decode(Date.self, "at"),
                url: try row.decode(String.self, "url"), secret: try row.decode(String.self, "secret"),
                allowPrivateNetworks: try row.decode(Bool.self, "allow_private_networks")
            )
        }
    }

    /// Records a 2xx answer. Only the attempt that claimed it may (a slower, older attempt of a
    /// dispatcher presumed dead changes nothing).
    public func recordDelivered(_ delivery: Delivery, status: Int) async throws {
        _ = try await pool.query(
            """
            UPDATE webhook_deliveries SET state = 'delivered', delivered_at = now(), last_status = \(status), last_error = NULL
            WHERE event_id = \(delivery.eventID) AND endpoint = \(delivery.endpoint) AND attempts = \(delivery.attempt)
              AND state = 'pending'
            """)
    }

    /// Records a failed attempt: tried again after `retryAfter`, or, with nil, failed for good.
    public func recordFailed(_ delivery: Delivery, status: Int?, error: String, retryAfter: Duration?) async throws {
        _ = try await pool.query(
            """
            UPDATE webhook_deliveries
            SET last_status = \(status), last_error = \(String(error.prefix(500))),
                state = CASE WHEN \(retryAfter == nil) THEN 'failed' ELSE 'pending' END,
                next_attempt_at = CASE WHEN \(retryAfter == nil) THEN next_attempt_at
                                       ELSE now() + make_interval(secs => \(retryAfter?.seconds ?? 0)) END
            WHERE event_id = \(delivery.eventID) AND endpoint = \(delivery.endpoint) AND attempts = \(delivery.attempt)
              AND state = 'pending'
            """)
    }

    /// Seconds until the next pending delivery of an enabled endpoint is due (nil: none).
    public func secondsUntilNextDue() async throws -> Double? {
        try await pool.query(
            """
            SELECT extract(epoch FROM min(d.next_attempt_at) - now())::double precision FROM webhook_deliveries d
            JOIN webhook_endpoints w ON w.name = d.endpoint AND w.enabled
            WHERE d.state = 'pending'
            """
        ).scalar(Double?.self)
    }

    // MARK: Helpers

    static let endpointColumns = "name, url, secret, events, enabled, allow_private_networks, created_at"

    /// A signing secret is whsec_ and the base64 of at least 24 bytes: a short key can be
    /// guessed from a few signed bodies.
    static func checkSecret(_ secret: String) throws {
        guard secret.hasPrefix("whsec_"), let key = Data(base64Encoded: String(secret.dropFirst(6))), !key.isEmpty else {
            throw ValidationError(field: "secret", "must be whsec_ followed by base64")
        }
        guard key.count >= 24 else {
            throw ValidationError(field: "secret", "has \(key.count) bytes of key; give at least 24 (or leave it out for a new random one)")
        }
    }

    static func makeSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "whsec_" + Data(bytes).base64EncodedString()
    }

    static func endpoint(_ row: PostgresRow) throws -> Endpoint {
        Endpoint(
            name: try row.decode(String.self, "name"), url: try row.decode(String.self, "url"),
            secret: try row.decode(String.self, "secret"), events: try row.decode([String].self, "events"),
            enabled: try row.decode(Bool.self, "enabled"),
            allowPrivateNetworks: try row.decode(Bool.self, "allow_private_networks"), createdAt: try row.decode(Date.self, "created_at")
        )
    }
}
