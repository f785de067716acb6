import HTTPTypes
import Hummingbird
import Logging
import PressworkCore
import Synchronization

/// Every error leaves as problem details: the domain's refusals with the status their code calls
/// for (`RefusalCode.status`), the router's own (an unknown route: 404; a known path
/// with another method: 405 with an Allow header) with their status, and unexpected ones as
/// 500, logged with the request.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            throw problem
        } catch let refusal as any Refusal {
            throw Problem(refusal)
        } catch let error as HTTPError where error.status == .notFound {
            let allowed = routes.methods(for: request.uri.path)
            guard !allowed.isEmpty else {
                throw Problem(.notFound, "no route \(request.method) \(request.uri.path)")
            }
            var problem = Problem(
                .methodNotAllowed, "\(request.uri.path) answers \(allowed.joined(separator: ", ")), not \(request.method)")
            problem.headers[.allow] = allowed.joined(separator: ", ")
            throw problem
        } catch let error as HTTPError {
            var problem = Problem(error.status, error.body ?? "\(request.method) \(request.uri.path): \(error.status.reasonPhrase)")
            problem.headers = error.headers
            throw problem
        } catch let error as any HTTPResponseError {
            throw Problem(error.status, "\(error)")
        } catch {
            logger.error(
                "request failed", error: error, metadata: ["method": "\(request.method)", "path": "\(request.uri.path)"])
            // The error's text (a database message, a path) is for the operator, not the client.
            throw Problem(.internalServerError, "the server could not answer this request; its log says why")
        }
    }
}

/// The routes' paths and methods, filled in once the router has them (the middleware is built
/// first), to tell a wrong method (405) from an unknown path (404).
final class RouteTable: Sendable {
    private let routes = Mutex<[(segments: [Substring], method: String)]>([])

    func set(_ routes: [(path: String, method: String)]) {
        self.routes.withLock { $0 = routes.map { ($0.path.split(separator: "/"), $0.method) } }
    }

    /// A route's capture segment, as Hummingbird writes it (`{name}`; `:name` when declared).
    static func isCapture(_ segment: Substring) -> Bool {
        segment.hasPrefix(":") || (segment.hasPrefix("{") && segment.hasSuffix("}"))
    }

    /// The methods a path answers, sorted. As the router matches: segment by segment, a literal
    /// segment wins over a capture, so `/v1/runs/cancel` answers POST only, not also the GET of
    /// `/v1/runs/{id}`.
    func methods(for path: String) -> [String] {
        let segments = path.split(separator: "/")
        return routes.withLock { routes in
            var candidates = routes.filter { $0.segments.count == segments.count }
            for (index, segment) in segments.enumerated() {
                let literal = candidates.filter { $0.segments[index] == segment }
                candidates = literal.isEmpty ? candidates.filter { Self.isCapture($0.segments[index]) } : literal
            }
            return Set(candidates.map(\.method)).sorted()
        }
    }
}
