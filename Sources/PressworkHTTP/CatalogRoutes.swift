import Foundation
import HTTPTypes
import Hummingbird
import PressworkCore
import PressworkOrchestrator
import PressworkPipeline
import PressworkStore

/// /v1/profiles and /v1/sites: list, create, show, replace, delete; and /v1/sites/{name}/test.
/// Documents hold secret references only (`env:NAME`, `file:/path`), checked and resolved by
/// the serving process before anything is written; reading needs settings:read, writing
/// settings:write.
struct CatalogRoutes: Sendable {
    let context: RouteContext

    init(_ context: RouteContext) {
        self.context = context
    }

    var configurations: any RunConfigurations { context.defaults.configurations }

    func register(on router: Router<BasicRequestContext>) {
        for kind in CatalogStore.Kind.allCases {
            let path = "/v1/\(kind.rawValue)s"
            router.get(RouterPath(path)) { request, _ in
                try await context.auth.require(.settingsRead, request)
                return JSONBody.response(.array(try await configurations.store(kind).list().map(Self.document)))
            }
            router.post(RouterPath(path)) { request, _ in
                try await context.auth.require(.settingsWrite, request)
                let body = try await JSONBody.object(request, allowed: ["name", "settings"])
                guard let name = body["name"]?.stringValue else { throw Problem.unprocessable("required: a string", field: "name") }
                guard let settings = body["settings"] else { throw Problem.unprocessable("required: an object", field: "settings") }
                let entry = try await configurations.add(kind, name, settings: settings)
                var headers = HTTPFields()
                headers[.location] = "\(path)/\(entry.name)"
                return JSONBody.response(Self.document(entry), status: .created, headers: headers)
            }
            router.get(RouterPath(path + "/:name")) { request, requestContext in
                try await context.auth.require(.settingsRead, request)
                let name = requestContext.parameters.get("name") ?? ""
                var version: Int?
                if let text = request.uri.queryParameters.get("version") {
                    guard kind == .profile, let number = Int(text), number > 0 else {
                        throw Problem.badRequest("version must be a positive whole number (profiles only)", field: "version")
                    }
                    version = number
                }
                guard let entry = try await configurations.store(kind).get(name, version: version) else {
                    throw Problem.notFound(
                        version.map { "profile \(name) has no version \($0)" }
                            ?? CatalogEntryMissing(kind: kind, name: name).description)
                }
                return JSONBody.response(Self.document(entry))
            }
            router.put(RouterPath(path + "/:name")) { request, requestContext in
                try await context.auth.require(.settingsWrite, request)
                let name = requestContext.parameters.get("name") ?? ""
                let body = try await JSONBody.object(request, allowed: ["settings"])
                guard let settings = body["settings"] else { throw Problem.unprocessable("required: an object", field: "settings") }
                let entry = try await configurations.replace(kind, name, settings: settings)
                return JSONBody.response(Self.document(entry))
            }
            router.delete(RouterPath(path + "/:name")) { request, requestContext in
                try await context.auth.require(.settingsWrite, request)
                let name = requestContext.parameters.get("name") ?? ""
                try await configurations.store(kind).remove(name)
                return Response(status: .noContent)
            }
        }
        router.post("/v1/sites/:name/test") { request, requestContext in
            try await context.auth.require(.settingsRead, request)
            let name = requestContext.parameters.get("name") ?? ""
            let access: SiteAccess
            do {
                access = try await configurations.testSite(name)
            } catch let refusal as any Refusal {
                throw Problem(refusal)
            } catch {
                // WordPress refused or could not be reached: the site's fault, not the request's.
                throw Problem(.badGateway, "WordPress did not answer the check: \(error)")
            }
            return JSONBody.response(
                .object([
                    ("user", .string(access.user)), ("roles", .array(access.roles.map(JSONValue.string))),
                    ("capabilities", .object(access.capabilities.sorted { $0.key < $1.key }.map { ($0.key, .bool($0.value)) })),
                    ("findings", .array(access.summary.map(JSONValue.string))),
                ]))
        }
    }

    static func document(_ entry: CatalogStore.Entry) -> JSONValue {
        .object([
            ("name", .string(entry.name)), ("version", .number(Double(entry.version))), ("settings", entry.settings),
            ("createdAt", .string(entry.createdAt.formatted(Date.ISO8601FormatStyle()))),
            ("updatedAt", .string(entry.updatedAt.formatted(Date.ISO8601FormatStyle()))),
        ])
    }
}
