import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import PostgresClient
import PressworkCore
import PressworkStore

/// Delivers the webhook outbox: each pending delivery is POSTed to its endpoint, signed
/// (`WebhookSignature`), at least once: a delivery is claimed for one attempt at a time
/// (`WebhookStore.claimDue`), a 2xx answer marks it delivered, anything else schedules the next
/// attempt by `retrySchedule` (or the receiver's Retry-After when longer), and after the last one
/// it is `failed`. Any number of dispatchers (one per `serve`) share the outbox. A new event's
/// NOTIFY wakes them; a poll covers lost notifications and retries coming due.
///
/// The body is `{"type": KIND, "timestamp": ISO-8601 time of the event, "data": {...}}`.
public struct WebhookDispatcher: Sendable {
    /// Deliveries by outcome, made once on first use (after `serve` bootstrapped the metrics system).
    static let deliveries = (
        delivered: Counter(label: "presswork_webhook_deliveries_total", dimensions: [("outcome", "delivered")]),
        failed: Counter(label: "presswork_webhook_deliveries_total", dimensions: [("outcome", "failed")]),
        retried: Counter(label: "presswork_webhook_deliveries_total", dimensions: [("outcome", "retried")])
    )

    public struct Configuration: Sendable {
        /// Deliveries attempted at once by this dispatcher.
        public var concurrency = 8
        /// Per attempt: connecting, sending and the answer's headers and body.
        public var timeout: Duration = .seconds(10)
        /// Waits after failed attempts 1, 2, …; after the last, the delivery is failed for good.
        /// The default spreads 8 attempts over about a day. Each wait varies by ±10 %, so that
        /// a receiver coming back is not hit by every retry at once.
        public var retrySchedule: [Duration] = [
            .seconds(5), .seconds(300), .seconds(1_800), .seconds(7_200), .seconds(18_000), .seconds(36_000), .seconds(36_000),
        ]
        /// How long a claimed attempt may take before another dispatcher presumes this one dead.
        public var inFlight: Duration = .seconds(60)
        /// The longest sleep between looks at the outbox.
        public var poll: Duration = .seconds(5)
        public var userAgent = "presswork-webhooks"

        public init() {}
    }

    public static let channel = NotificationChannel.events

    let store: WebhookStore
    /// Where to LISTEN; nil: poll only (behind a transaction pooler without a direct URL).
    let listenConfiguration: PostgresConfiguration?
    let configuration: Configuration
    let logger: Logger

    public init(
        store: WebhookStore, listenConfiguration: PostgresConfiguration?, configuration: Configuration = Configuration(), logger: Logger
    ) {
        self.store = store
        self.listenConfiguration = listenConfiguration
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        // Redirects are not followed: a receiver that moved must be configured anew, and a POST
        // with a signature must not wander to another host.
        var clientConfiguration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        clientConfiguration.timeout = .init(connect: .seconds(5), read: .nanoseconds(configuration.timeout.nanoseconds))
        // A refused connection fails the attempt at once (the retry schedule decides what next)
        // instead of being retried inside the client until the attempt's deadline.
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        let doorbell = Doorbell()
        await withTaskGroup(of: Void.self) { group in
            if let listenConfiguration {
                group.addTask { await doorbell.ring(onNotificationsFrom: Self.channel, configuration: listenConfiguration, logger: logger) }
            }
            group.addTask {
                while !Task.isCancelled {
                    do {
                        while try await deliverDue(client: client) == configuration.concurrency {}
                        let next = try await store.secondsUntilNextDue().map { Duration.milliseconds(Int64(max(0, $0) * 1000)) }
                        await doorbell.wait(upTo: min(configuration.poll, max(.milliseconds(10), next ?? configuration.poll)))
                    } catch is CancellationError {
                        break
                    } catch {
                        logger.error("webhook delivery failed", error: error)
                        try? await Task.sleep(for: configuration.poll)
                    }
                }
            }
            await group.next()
            group.cancelAll()
        }
        try? await client.shutdown()
    }

    /// Claims the due deliveries (up to `concurrency`) and attempts them at once; returns how
    /// many it attempted.
    func deliverDue(client: HTTPClient) async throws -> Int {
        let deliveries = try await store.claimDue(limit: configuration.concurrency, inFlight: configuration.inFlight)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for delivery in deliveries {
                group.addTask { try await attempt(delivery, client: client) }
            }
            try await group.waitForAll()
        }
        return deliveries.count
    }

    func attempt(_ delivery: WebhookStore.Delivery, client: HTTPClient) async throws {
        let body = Self.body(delivery)
        let id = "evt_\(delivery.eventID)"
        let timestamp = Int(Date().timeIntervalSince1970)
        let metadata: Logger.Metadata = [
            LogKey.webhook: "\(delivery.endpoint)", LogKey.event: "\(id)", "attempt": "\(delivery.attempt)",
        ]
        let target: Target
        do {
            target = try await Self.target(of: delivery)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            try await recordFailure(delivery, status: nil, problem: "\(error)", retryAfter: nil, metadata: metadata)
            return
        }
        var request = HTTPClientRequest(url: target.url)
        if let host = target.hostHeader { request.headers.add(name: "host", value: host) }
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "user-agent", value: configuration.userAgent)
        request.headers.add(name: "webhook-id", value: id)
        request.headers.add(name: "webhook-timestamp", value: String(timestamp))
        request.headers.add(
            name: "webhook-signature",
            value: try WebhookSignature.sign(
                id: id, timestamp: timestamp, body: body, secret: delivery.secret
            ))
        request.body = .bytes(ByteBuffer(bytes: body))
        var status: Int?
        var retryAfter: Duration?
        var problem: String
        let prepared = request
        let timeout = configuration.timeout
        do {
            // One deadline for the head and the body: a receiver that trickles its answer is cut.
            guard
                let (response, answer) = try await withTimeLimit(
                    timeout,
                    {
                        let response = try await client.execute(prepared, timeout: .nanoseconds(timeout.nanoseconds))
                        // Read (and drop) the answer so the connection can be reused; keep a little for the record.
                        return (response, try await response.body.collect(upTo: 1 << 20))
                    })
            else { throw HTTPClientError.deadlineExceeded }
            status = Int(response.status.code)
            if (200..<300).contains(Int(response.status.code)) {
                try await store.recordDelivered(delivery, status: Int(response.status.code))
                Self.deliveries.delivered.increment()
                logger.debug("webhook delivered", metadata: metadata)
                return
            }
            retryAfter = response.headers.first(name: "retry-after").flatMap(Double.init).map { .milliseconds(Int64($0 * 1000)) }
            let text = String(decoding: answer.readableBytesView.prefix(200), as: UTF8.self)
            problem = "HTTP \(response.status.code)" + (text.isEmpty ? "" : ": \(text)")
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            problem = "\(error)"
        }
        try await recordFailure(delivery, status: status, problem: problem, retryAfter: retryAfter, metadata: metadata)
    }

    func recordFailure(
        _ delivery: WebhookStore.Delivery, status: Int?, problem: String, retryAfter: Duration?, metadata: Logger.Metadata
    ) async throws {
        let wait = nextWait(afterAttempt: delivery.attempt, receiverAsked: retryAfter)
        try await store.recordFailed(delivery, status: status, error: problem, retryAfter: wait)
        (wait == nil ? Self.deliveries.failed : Self.deliveries.retried).increment()
        logger.warning(
            wait == nil ? "webhook failed for good" : "webhook attempt failed",
            metadata: metadata.merging([
                "error": "\(problem)", "retry_in_s": "\(wait.map { String(format: "%.1f", $0.seconds) } ?? "never")",
            ]) { $1 })
    }

    /// Where one attempt connects: the endpoint's URL, or, for plain http, the URL with its host
    /// replaced by the address just checked and the name sent as Host, so that a second lookup
    /// by the HTTP client cannot be answered differently (DNS rebinding). https needs no pin: an
    /// internal server cannot present a certificate for the attacker's name.
    struct Target {
        var url: String
        var hostHeader: String?
    }

    /// Checks the destination of a delivery (its URL, then every address its host resolves to)
    /// unless its endpoint may reach private networks; throws why it is refused.
    static func target(of delivery: WebhookStore.Delivery) async throws -> Target {
        guard !delivery.allowPrivateNetworks else { return Target(url: delivery.url) }
        let destination = try WebhookDestination.check(delivery.url, allowPrivateNetworks: false)
        let addresses = try await HostResolver.addresses(of: destination.host)
        if let refusal = WebhookDestination.refusal(for: addresses) { throw WebhookRefusal(reason: refusal) }
        guard destination.scheme == "http", IPAddress(literal: destination.host) == nil,
            let components = URLComponents(url: destination.url, resolvingAgainstBaseURL: false)
        else {
            return Target(url: delivery.url)
        }
        let address = addresses[0]
        let literal = if case .v6 = address { "[\(address)]" } else { "\(address)" }
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        let query = components.percentEncodedQuery.map { "?\($0)" } ?? ""
        let written = destination.url.port.map { ":\($0)" } ?? ""
        return Target(url: "http://\(literal):\(destination.port)\(path)\(query)", hostHeader: destination.host + written)
    }

    struct WebhookRefusal: Error, CustomStringConvertible {
        let reason: String
        var description: String { reason }
    }

    /// The wait before the next attempt, or nil after the last.
    func nextWait(afterAttempt attempt: Int, receiverAsked: Duration?) -> Duration? {
        guard attempt >= 1, attempt <= configuration.retrySchedule.count else { return nil }
        let planned = configuration.retrySchedule[attempt - 1] * Double.random(in: 0.9...1.1)
        guard let receiverAsked else { return planned }
        return min(max(planned, receiverAsked), .seconds(86_400))
    }

    static func body(_ delivery: WebhookStore.Delivery) -> Data {
        let timestamp = delivery.at.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        // `type` and the timestamp need no escaping; `data` is the event's JSON as stored.
        return Data(#"{"type":"\#(delivery.kind)","timestamp":"\#(timestamp)","data":\#(delivery.payload)}"#.utf8)
    }
}
