import HTTPTypes
import Hummingbird
import Logging

/// Every error leaves as problem details: the router's own (an unknown route: 404, a wrong
/// method: 405) with their status, and unexpected ones as 500, logged with the request.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            throw problem
        } catch let error as HTTPError {
            var problem = Problem(error.status, error.body ?? "\(request.method) \(request.uri.path): \(error.status.reasonPhrase)")
            problem.headers = error.headers
            throw problem
        } catch let error as any HTTPResponseError {
            throw Problem(error.status, "\(error)")
        } catch {
            logger.error("request failed", metadata: [
                "method": "\(request.method)", "path": "\(request.uri.path)", "error": "\(error)",
            ])
            throw Problem(.internalServerError, "\(error)")
        }
    }
}
