import Foundation
import HTTPTypes
import Hummingbird
import PressworkCore
import PressworkStore

/// /v1/schedules: list, create, show (with recent fires), replace, change (PATCH), pause, resume, delete.
struct ScheduleRoutes: Sendable {
    let context: RouteContext

    init(_ context: RouteContext) {
        self.context = context
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/v1/schedules") { request, _ in
            try await context.auth.require(.schedulesRead, request)
            let (schedules, unreadable) = try await context.schedules.listAll()
            return JSONBody.response(
                .object([
                    ("schedules", .array(schedules.map { $0.document() })),
                    ("unreadable", .array(unreadable.map { .object([("name", .string($0.name)), ("reason", .string($0.reason))]) })),
                ]))
        }
        router.post("/v1/schedules") { request, _ in try await create(request) }
        router.put("/v1/schedules/:name") { request, requestContext in
            try await context.auth.require(.schedulesWrite, request)
            // Replacing needs no readable old row: it is how a broken one is fixed.
            let name = requestContext.parameters.get("name") ?? ""
            guard try await context.schedules.exists(name) else { throw Problem.notFound("no schedule named \(name)") }
            let definition = try await definition(request, name: name)
            return JSONBody.response(try await context.schedules.replace(definition).document())
        }
        router.patch("/v1/schedules/:name") { request, requestContext in try await patch(request, requestContext) }
        router.get("/v1/schedules/:name") { request, requestContext in
            try await context.auth.require(.schedulesRead, request)
            let record = try await schedule(requestContext)
            return JSONBody.response(record.document(fires: try await context.schedules.fires(record.name)))
        }
        router.post("/v1/schedules/:name/pause") { request, requestContext in
            try await context.auth.require(.schedulesWrite, request)
            let record = try await schedule(requestContext)
            return JSONBody.response(try await context.schedules.setEnabled(record.name, false).document())
        }
        router.post("/v1/schedules/:name/resume") { request, requestContext in
            try await context.auth.require(.schedulesWrite, request)
            let record = try await schedule(requestContext)
            return JSONBody.response(try await context.schedules.setEnabled(record.name, true).document())
        }
        router.delete("/v1/schedules/:name") { request, requestContext in
            try await context.auth.require(.schedulesWrite, request)
            try await context.schedules.remove(requestContext.parameters.get("name") ?? "")
            return Response(status: .noContent)
        }
    }

    func create(_ request: Request) async throws -> Response {
        try await context.auth.require(.schedulesWrite, request)
        let definition = try await definition(request, name: nil)
        let record = try await context.schedules.add(definition)
        var headers = HTTPFields()
        headers[.location] = "/v1/schedules/\(record.name)"
        return JSONBody.response(record.document(), status: .created, headers: headers)
    }

    /// The schedule a POST or PUT body describes, every field checked (422 naming the field).
    /// A PUT names the schedule in its path (`name`); its body may repeat it, not change it.
    static let fields: Set<String> = [
        "name", "cron", "timeZone", "seeds", "region", "brandVoice", "dryRun", "thresholds", "budgetUSD",
        "misfire", "catchUpLimit", "overlap", "maxActive", "profile", "site",
    ]

    func definition(_ request: Request, name pathName: String?) async throws -> ScheduleDefinition {
        try await definition(try await JSONBody.object(request, allowed: Self.fields), name: pathName)
    }

    /// A schedule's fields as a request body names them: what a PATCH changes a subset of.
    static func body(of record: ScheduleRecord) -> [String: JSONValue] {
        let params = record.params
        var body: [String: JSONValue] = [
            "cron": .string(record.cron), "timeZone": .string(record.timeZone), "seeds": .array(params.seeds.map(JSONValue.string)),
            "region": .string(params.region), "brandVoice": .string(params.brandVoice), "dryRun": .bool(params.dryRun),
            "thresholds": .object([
                ("review", .number(params.thresholds.review)), ("publish", .number(params.thresholds.publish)),
                ("duplicate", .number(params.thresholds.duplicate)),
            ]),
            "misfire": .string(record.misfire.rawValue), "catchUpLimit": .number(Double(record.catchUpLimit)),
            "overlap": .string(record.overlap.rawValue),
        ]
        body["budgetUSD"] = params.budgetUSD.map(JSONValue.number)
        body["maxActive"] = record.maxActive.map { .number(Double($0)) }
        body["profile"] = params.profile.map(JSONValue.string)
        body["site"] = params.site.map(JSONValue.string)
        return body
    }

    /// PATCH: the fields given replace the schedule's, `null` clears an optional one (maxActive,
    /// budgetUSD, profile, site); the result is checked as a whole, as a PUT is.
    func patch(_ request: Request, _ requestContext: BasicRequestContext) async throws -> Response {
        try await context.auth.require(.schedulesWrite, request)
        let record = try await schedule(requestContext)
        let changes = try await JSONBody.object(request, allowed: Self.fields)
        var body = Self.body(of: record)
        for (key, value) in changes { body[key] = value == .null ? nil : value }
        // A site named without dryRun means publishing there; clearing the site, a dry run unless the server publishes.
        if changes["site"] != nil, changes["dryRun"] == nil { body["dryRun"] = nil }
        let definition = try await definition(body, name: record.name)
        return JSONBody.response(try await context.schedules.replace(definition).document())
    }

    func definition(_ body: [String: JSONValue], name pathName: String?) async throws -> ScheduleDefinition {
        var definition = try { () throws -> ScheduleDefinition in
            let given = try body.string("name")
            if let pathName, let given, given != pathName {
                throw ValidationError(field: "name", "\(given) differs from the schedule in the path (\(pathName)); names do not change")
            }
            guard let name = pathName ?? given else { throw ValidationError(field: "name", "required") }
            guard let cron = try body.string("cron") else { throw ValidationError(field: "cron", "required: a cron expression") }
            var params = body
            for key in ["name", "cron", "timeZone", "misfire", "catchUpLimit", "overlap", "maxActive"] { params.removeValue(forKey: key) }
            let misfire =
                try body.string("misfire").map { text in
                    guard let policy = MisfirePolicy(rawValue: text) else {
                        throw ValidationError(field: "misfire", "must be skip, latest or all")
                    }
                    return policy
                } ?? .latest
            let overlap =
                try body.string("overlap").map { text in
                    guard let policy = OverlapPolicy(rawValue: text) else {
                        throw ValidationError(field: "overlap", "must be skip, buffer-one or allow")
                    }
                    return policy
                } ?? .skip
            let catchUp = try body.integer("catchUpLimit") ?? 10
            guard (1...1_000).contains(catchUp) else { throw ValidationError(field: "catchUpLimit", "must be from 1 to 1000") }
            let maxActive = try body.integer("maxActive")
            if let maxActive, maxActive < 1 { throw ValidationError(field: "maxActive", "must be at least 1") }
            let definition = ScheduleDefinition(
                name: name, cron: cron, timeZone: try body.string("timeZone") ?? "UTC",
                params: try RunRoutes(context).params(from: params), misfire: misfire, catchUpLimit: catchUp,
                overlap: overlap, maxActive: maxActive
            )
            do {
                _ = try definition.cronSchedule()
            } catch {
                throw ValidationError(field: "cron", "\(error)")
            }
            return definition
        }()
        // The profile and site exist and resolve here; each fire pins the profile's version then.
        definition.params = try await context.defaults.configurations.prepare(definition.params)
        definition.params.profileVersion = nil
        return definition
    }

    func schedule(_ requestContext: BasicRequestContext) async throws -> ScheduleRecord {
        let name = requestContext.parameters.get("name") ?? ""
        return try await context.schedules.get(name)
    }
}
