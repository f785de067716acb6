import Foundation
import HTTPTypes
import Hummingbird
import PressworkCore
import PressworkStore

/// /v1/runs: create (the callable trigger), list, show, retry, review.
struct RunRoutes: Sendable {
    let context: RouteContext

    init(_ context: RouteContext) {
        self.context = context
    }

    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!

    func register(on router: Router<BasicRequestContext>) {
        router.post("/v1/runs") { request, _ in try await create(request) }
        router.get("/v1/runs") { request, _ in try await list(request) }
        router.get("/v1/runs/:id") { request, requestContext in
            try await context.auth.require(.runsRead, request)
            let run = try await run(requestContext)
            guard let document = try await context.store.document(run.id) else { throw Problem.notFound("no run \(run.id)") }
            return JSONBody.response(document)
        }
        // Bulk forms: the filters of GET /v1/runs as query parameters, at least one.
        router.post("/v1/runs/retry") { request, _ in try await bulk(request, retry: true) }
        router.post("/v1/runs/cancel") { request, _ in try await bulk(request, retry: false) }
        router.post("/v1/runs/:id/retry") { request, requestContext in
            let token = try await context.auth.require(.runsWrite, request)
            let run = try await run(requestContext)
            let changed = try await context.store.retry(run, requestedBy: "through the API (token \(token.name))")
            return JSONBody.response(try await summary(run.id), status: changed ? .accepted : .ok)
        }
        router.post("/v1/runs/:id/review") { request, requestContext in try await review(request, requestContext) }
        router.post("/v1/runs/:id/cancel") { request, requestContext in try await cancel(request, requestContext) }
    }

    // MARK: Cancel

    /// Cancels a queued, failed or waiting run at once (200), asks a running one to stop at its
    /// next boundary (202); a done or skipped run is a 409.
    func cancel(_ request: Request, _ requestContext: BasicRequestContext) async throws -> Response {
        let token = try await context.auth.require(.runsWrite, request)
        let run = try await run(requestContext)
        let body = try await JSONBody.object(request, allowed: ["reason"])
        let reason = try body.string("reason")
        if let reason, reason.count > 500 { throw Problem.unprocessable("reason must be at most 500 characters", field: "reason") }
        let outcome = try await context.store.cancel(run.id, reason: reason, by: "through the API (token \(token.name))")
        return JSONBody.response(try await summary(run.id), status: outcome == .requested ? .accepted : .ok)
    }

    /// Retries every run in error, or cancels every unfinished run, that the query's filters match.
    func bulk(_ request: Request, retry: Bool) async throws -> Response {
        let token = try await context.auth.require(.runsWrite, request)
        let query = request.uri.queryParameters
        let filter = try Self.filter(query)
        guard !filter.isEmpty else {
            throw Problem.badRequest("give at least one filter: status, schedule, site, profile, since, until, seed")
        }
        var limit = 1_000
        if let text = query.get("limit") {
            guard let parsed = Int(text), (1...RunStore.bulkLimit).contains(parsed) else {
                throw Problem.badRequest("limit must be a whole number from 1 to \(RunStore.bulkLimit)", field: "limit")
            }
            limit = parsed
        }
        let who = "through the API (token \(token.name), bulk)"
        let outcome: BulkOutcome
        if retry {
            outcome = try await context.store.retryAll(filter, limit: limit, requestedBy: who)
        } else {
            let body = try await JSONBody.object(request, allowed: ["reason"])
            let reason = try body.string("reason")
            if let reason, reason.count > 500 { throw Problem.unprocessable("reason must be at most 500 characters", field: "reason") }
            outcome = try await context.store.cancelAll(filter, limit: limit, reason: reason, by: who)
        }
        let ids = { (ids: [RunID]) in JSONValue.array(ids.map { .string($0.description) }) }
        return JSONBody.response(.object([("changed", ids(outcome.changed)), ("unchanged", ids(outcome.unchanged))]))
    }

    // MARK: Create

    func create(_ request: Request) async throws -> Response {
        try await context.auth.require(.runsWrite, request)
        let body = try await JSONBody.object(
            request, allowed: ["seeds", "region", "brandVoice", "dryRun", "thresholds", "budgetUSD", "profile", "site"]
        )
        let params = try await context.defaults.configurations.prepare(try params(from: body))
        let key = request.headers[Self.idempotencyKey]
        if let key, key.isEmpty || key.count > 200 {
            throw Problem.badRequest("Idempotency-Key must be 1–200 characters", field: "Idempotency-Key")
        }
        let (run, created) = try await context.store.create(
            params: params, trigger: RunTrigger(kind: .api), pipelineVersion: context.defaults.pipelineVersion,
            idempotencyKey: key.map { "api:" + $0 }
        )
        // The same key with other params is a mistake of the caller's, not a replay.
        if !created, run.params != params {
            throw Problem.unprocessable(
                "Idempotency-Key \(key ?? "") was used for a run with other params (run \(run.id))",
                field: "Idempotency-Key")
        }
        var headers = HTTPFields()
        headers[.location] = "/v1/runs/\(run.id)"
        return JSONBody.response(run.summary, status: created ? .created : .ok, headers: headers)
    }

    func params(from body: [String: JSONValue]) throws -> RunParams {
        guard let seedValues = body["seeds"]?.arrayValue else {
            throw ValidationError(field: "seeds", "required: an array of topics")
        }
        let seeds = try seedValues.enumerated().map { index, value in
            guard let seed = value.stringValue else { throw ValidationError(field: "seeds[\(index)]", "must be a string") }
            return seed
        }
        var thresholds = GateThresholds()
        if let given = body["thresholds"], given != .null {
            guard case .object(let fields) = given else { throw ValidationError(field: "thresholds", "must be an object") }
            for (key, value) in fields {
                guard let number = value.numberValue else { throw ValidationError(field: "thresholds.\(key)", "must be a number") }
                switch key {
                case "review": thresholds.review = number
                case "publish": thresholds.publish = number
                case "duplicate": thresholds.duplicate = number
                case "related": thresholds.related = number
                default: throw ValidationError(field: "thresholds.\(key)", "unknown; use review, publish, duplicate, related")
                }
            }
        }
        let profile = try body.string("profile")
        let site = try body.string("site")
        // Publishing needs a site, or WordPress configured where runs execute: like `presswork
        // run`, a run publishes unless it asks for a dry run or has nowhere to publish.
        let publishes = context.defaults.configurations.publishes(site: site)
        var dryRun = !publishes
        if let flag = try body.bool("dryRun") {
            if !flag && !publishes {
                throw ValidationError(field: "dryRun", "false needs a site, or WordPress configured for the server (WORDPRESS_URL, …)")
            }
            dryRun = flag
        }
        return try RunParams.validated(
            seeds: seeds, region: try body.string("region"), brandVoice: try body.string("brandVoice"), dryRun: dryRun,
            thresholds: thresholds, budgetUSD: try body.number("budgetUSD"), profile: profile, site: site
        )
    }

    // MARK: List

    func list(_ request: Request) async throws -> Response {
        try await context.auth.require(.runsRead, request)
        let query = request.uri.queryParameters
        let filter = try Self.filter(query)
        var limit = 50
        if let text = query.get("limit") {
            guard let parsed = Int(text), (1...500).contains(parsed) else {
                throw Problem.badRequest("limit must be a whole number from 1 to 500", field: "limit")
            }
            limit = parsed
        }
        var before: RunID?
        if let text = query.get("before") {
            guard let parsed = RunID(text) else { throw Problem.badRequest("before must be a run id", field: "before") }
            before = parsed
        }
        let page = try await context.store.listPage(filter, limit: limit, before: before)
        // The next page starts after the last row read, readable or not.
        let next: JSONValue =
            page.runs.count + page.unreadable.count == limit
            ? (page.runs.last.map { .string($0.id.description) } ?? .null) : .null
        return JSONBody.response(
            .object([
                ("runs", .array(page.runs.map(\.summary))),
                (
                    "unreadable",
                    .array(page.unreadable.map { .object([("runId", .string($0.id.description)), ("reason", .string($0.reason))]) })
                ),
                ("next", next),
            ]))
    }

    /// The filters of a listing: `status` (comma-separated), `schedule`, `site`, `profile`,
    /// `since` and `until` (ISO 8601), `seed` (text in a seed); 400 naming a bad one.
    static func filter(_ query: Parameters) throws -> RunFilter {
        var filter = RunFilter()
        for text in query.getAll("status").flatMap({ $0.split(separator: ",") }) {
            guard let status = RunStatus(rawValue: String(text)) else {
                throw Problem.badRequest(
                    "status must be one of \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))", field: "status")
            }
            filter.statuses.insert(status)
        }
        // An empty value is no filter (`?schedule=` from a form left blank).
        func value(_ name: String) -> String? { query.get(name).flatMap { $0.isEmpty ? nil : $0 } }
        filter.schedule = value("schedule")
        filter.site = value("site")
        filter.profile = value("profile")
        filter.seed = value("seed")
        for (field, keyPath) in [("since", \RunFilter.since), ("until", \RunFilter.until)] {
            guard let text = value(field) else { continue }
            guard let date = try? Date(text, strategy: .iso8601) else {
                throw Problem.badRequest("\(field) must be an ISO 8601 time such as 2026-12-01T09:00:00Z", field: field)
            }
            filter[keyPath: keyPath] = date
        }
        do {
            try filter.validate()
        } catch {
            throw Problem.badRequest(error.description, field: error.field)
        }
        return filter
    }

    // MARK: Review

    func review(_ request: Request, _ requestContext: BasicRequestContext) async throws -> Response {
        let token = try await context.auth.require(.review, request)
        let run = try await run(requestContext)
        let body = try await JSONBody.object(request, allowed: ["decision", "reason", "edits"])
        let who = "through the API (token \(token.name))"
        switch body["decision"]?.stringValue {
        case "approve":
            let edits = try body["edits"].map { try ReviewEdits.parse($0, field: "edits") } ?? []
            try await context.store.approve(run, edits: edits, by: who)
        case "reject":
            guard body["edits"] == nil else { throw Problem.unprocessable("a rejection takes no edits", field: "edits") }
            let reason = body["reason"]?.stringValue
            try await context.store.reject(run, reason: reason, by: who)
        default:
            throw Problem.unprocessable("decision must be \"approve\" or \"reject\"", field: "decision")
        }
        return JSONBody.response(try await summary(run.id))
    }

    // MARK: Helpers

    func run(_ requestContext: BasicRequestContext) async throws -> RunRecord {
        guard let text = requestContext.parameters.get("id"), let id = RunID(text) else {
            throw Problem.notFound("no run \(requestContext.parameters.get("id") ?? ""): run ids are UUIDs")
        }
        guard let run = try await context.store.run(id) else { throw Problem.notFound("no run \(text)") }
        return run
    }

    func summary(_ id: RunID) async throws -> JSONValue {
        guard let run = try await context.store.run(id) else { throw Problem.notFound("no run \(id)") }
        return run.summary
    }
}
