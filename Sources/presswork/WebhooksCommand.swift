import ArgumentParser
import Foundation
import PressworkCore
import PressworkRuntime
import PressworkScheduler
import PressworkStore

struct WebhooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks",
        abstract: "Send run events to other systems: signed HTTP POSTs, delivered by `presswork serve`.",
        discussion: """
            Events: run.round_completed, run.needs_review, run.done, run.error, run.skipped, run.cancelled. \
            Each is written to an outbox in the same transaction as the change it reports and POSTed to \
            every endpoint that wants it, at least once: failed attempts are retried (5s, 5m, 30m, 2h, 5h, \
            10h, 10h), then the delivery is failed (`deliveries` shows it, `redeliver` starts over). Each \
            POST is signed as Standard Webhooks specifies: headers webhook-id (the same on every retry), \
            webhook-timestamp and webhook-signature (v1, HMAC-SHA256 over "id.timestamp.body" with the \
            base64 key after whsec_). Verify it over the raw body and reject timestamps more than five \
            minutes away; see the README, "Webhooks". \
            Destinations in loopback, private, link-local (cloud metadata), unique-local, shared, \
            multicast and unspecified ranges are refused, at registration and again after DNS \
            resolution before each delivery, unless the endpoint allows private networks.
            """,
        subcommands: [
            WebhooksAddCommand.self, WebhooksEditCommand.self, WebhooksListCommand.self, WebhooksRemoveCommand.self,
            WebhooksPauseCommand.self,
            WebhooksResumeCommand.self, WebhooksDeliveriesCommand.self, WebhooksRedeliverCommand.self,
        ]
    )
}

struct WebhooksAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add an endpoint; prints its signing secret (also shown by `list --secrets`)."
    )

    @Argument(help: "The endpoint's name: letters, digits, '.', '_' and '-'.")
    var name: String

    @Option(help: "Where to POST: an http:// or https:// URL.")
    var url: String

    @Option(name: .customLong("event"), help: "An event kind it wants; repeat for several (default: all).")
    var events: [String] = []

    @Option(help: "The signing secret, whsec_ and the base64 of at least 24 bytes (default: a new random one).")
    var secret: String?

    @Flag(help: "Let deliveries reach loopback, private and link-local addresses (a receiver on this machine or LAN).")
    var allowPrivateNetworks = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        if let warning = try await WebhookDestination.checkResolved(url, allowPrivateNetworks: allowPrivateNetworks) {
            StandardError.write("warning: \(TerminalText.safe(warning))\n")
        }
        let endpoint = try await withServices(global) { services in
            try await WebhookStore(pool: services.pool).add(
                name: name, url: url, events: events, secret: secret, allowPrivateNetworks: allowPrivateNetworks
            )
        }
        print(
            "webhook \(endpoint.name) → \(TerminalText.safe(endpoint.url))\(endpoint.allowPrivateNetworks ? " (private networks allowed)" : "")"
        )
        print("events: \(endpoint.events.joined(separator: ", "))")
        print("secret: \(endpoint.secret)")
    }
}

struct WebhooksEditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit", abstract: "Change an endpoint's URL, or whether it may reach private networks."
    )

    @Argument(help: "The endpoint's name.")
    var name: String

    @Option(help: "The new http:// or https:// URL.")
    var url: String?

    @Flag(inversion: .prefixedNo, help: "Let deliveries reach loopback, private and link-local addresses, or not.")
    var allowPrivateNetworks: Bool?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if url == nil && allowPrivateNetworks == nil {
            throw ValidationError("nothing to change: give --url, --allow-private-networks or --no-allow-private-networks")
        }
    }

    func run() async throws {
        let endpoint = try await withServices(global) { services in
            let store = WebhookStore(pool: services.pool)
            guard let current = try await store.endpoint(name) else { throw ValidationError("no webhook named \(name)") }
            let allow = allowPrivateNetworks ?? current.allowPrivateNetworks
            if let warning = try await WebhookDestination.checkResolved(url ?? current.url, allowPrivateNetworks: allow) {
                StandardError.write("warning: \(TerminalText.safe(warning))\n")
            }
            guard let edited = try await store.edit(name, url: url, allowPrivateNetworks: allowPrivateNetworks) else {
                throw ValidationError("no webhook named \(name)")
            }
            return edited
        }
        print(
            "webhook \(endpoint.name) → \(TerminalText.safe(endpoint.url))\(endpoint.allowPrivateNetworks ? " (private networks allowed)" : "")"
        )
    }
}

struct WebhooksListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The endpoints, with their delivery counts.")

    @Flag(help: "Show the signing secrets.")
    var secrets = false

    @Flag(help: "JSON: an array of {name, url, events, enabled, allowPrivateNetworks, createdAt, secret (with --secrets)}.")
    var json = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let endpoints = try await withServices(global) { services in
            try await WebhookStore(pool: services.pool).endpoints()
        }
        if json {
            print(
                JSONValue.array(
                    endpoints.map { endpoint in
                        var fields: [(String, JSONValue)] = [
                            ("name", .string(endpoint.name)), ("url", .string(endpoint.url)),
                            ("events", .array(endpoint.events.map(JSONValue.string))), ("enabled", .bool(endpoint.enabled)),
                            ("allowPrivateNetworks", .bool(endpoint.allowPrivateNetworks)),
                            ("createdAt", .string(endpoint.createdAt.formatted(Date.ISO8601FormatStyle()))),
                        ]
                        if secrets { fields.append(("secret", .string(endpoint.secret))) }
                        return .object(fields)
                    }
                ).text)
            return
        }
        if endpoints.isEmpty { print("no webhooks") }
        for endpoint in endpoints {
            print(
                [
                    endpoint.name, endpoint.enabled ? "enabled" : "paused", TerminalText.safe(endpoint.url),
                    endpoint.events.joined(separator: ","), endpoint.allowPrivateNetworks ? "private-networks" : nil,
                    secrets ? endpoint.secret : nil,
                ].compactMap { $0 }.joined(separator: "  "))
        }
    }
}

struct WebhooksRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove an endpoint and its deliveries.")

    @Argument(help: "The endpoint's name.")
    var name: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        guard try await withServices(global, { try await WebhookStore(pool: $0.pool).remove(name) }) else {
            throw ValidationError("no webhook named \(name)")
        }
        print("removed webhook \(name)")
    }
}

struct WebhooksPauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Stop delivering to an endpoint; its events wait in the outbox."
    )

    @Argument(help: "The endpoint's name.")
    var name: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        guard try await withServices(global, { try await WebhookStore(pool: $0.pool).setEnabled(name, false) }) else {
            throw ValidationError("no webhook named \(name)")
        }
        print("paused webhook \(name)")
    }
}

struct WebhooksResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Deliver to an endpoint again, starting with what waited."
    )

    @Argument(help: "The endpoint's name.")
    var name: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        guard try await withServices(global, { try await WebhookStore(pool: $0.pool).setEnabled(name, true) }) else {
            throw ValidationError("no webhook named \(name)")
        }
        print("resumed webhook \(name)")
    }
}

struct WebhooksDeliveriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliveries", abstract: "The newest deliveries and where each stands."
    )

    @Argument(help: "Only this endpoint's.")
    var name: String?

    @Option(help: "Only deliveries in this state: pending, delivered or failed.")
    var state: String?

    @Option(help: "At most this many.")
    var limit = 50

    @Flag(help: "JSON: an array of {eventId, endpoint, kind, runId, state, attempts, nextAttemptAt, lastStatus, lastError, deliveredAt}.")
    var json = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let state, !["pending", "delivered", "failed"].contains(state) {
            throw ValidationError("state must be pending, delivered or failed, not \(state)")
        }
    }

    func run() async throws {
        let deliveries = try await withServices(global) { services in
            try await WebhookStore(pool: services.pool).deliveries(endpoint: name, state: state, limit: limit)
        }
        func time(_ date: Date?) -> JSONValue { date.map { .string($0.formatted(Date.ISO8601FormatStyle())) } ?? .null }
        if json {
            print(
                JSONValue.array(
                    deliveries.map { delivery in
                        .object([
                            ("eventId", .number(Double(delivery.eventID))), ("endpoint", .string(delivery.endpoint)),
                            ("kind", .string(delivery.kind)), ("runId", .string(delivery.runID.description)),
                            ("state", .string(delivery.state)), ("attempts", .number(Double(delivery.attempts))),
                            ("nextAttemptAt", time(delivery.nextAttemptAt)),
                            ("lastStatus", delivery.lastStatus.map { .number(Double($0)) } ?? .null),
                            ("lastError", delivery.lastError.map(JSONValue.string) ?? .null), ("deliveredAt", time(delivery.deliveredAt)),
                        ])
                    }
                ).text)
            return
        }
        if deliveries.isEmpty { print("no deliveries") }
        for delivery in deliveries {
            let outcome =
                delivery.state == "pending"
                ? "next attempt \(delivery.nextAttemptAt.formatted(Date.ISO8601FormatStyle()))"
                : (delivery.lastStatus.map { "HTTP \($0)" } ?? "")
            print(
                [
                    "evt_\(delivery.eventID)", delivery.endpoint, delivery.kind, delivery.state,
                    "\(delivery.attempts) attempt\(delivery.attempts == 1 ? "" : "s")", outcome,
                    TerminalText.safe(delivery.lastError ?? ""),
                ]
                .filter { !$0.isEmpty }.joined(separator: "  "))
        }
    }
}

struct WebhooksRedeliverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redeliver", abstract: "Try an endpoint's failed deliveries again, from the first attempt."
    )

    @Argument(help: "The endpoint's name.")
    var name: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let count = try await withServices(global) { try await WebhookStore(pool: $0.pool).redeliverFailed(name) }
        print("\(count) failed deliver\(count == 1 ? "y" : "ies") of \(name) pending again")
    }
}
