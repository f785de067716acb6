import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PressworkCore
import PressworkStore

/// The web console under /console, served beside the API by `presswork serve --http`:
/// server-rendered pages (readable without JavaScript), forms for the actions, sessions signed in
/// with an API token or a `presswork console-url` link. Each page's queries go through the
/// stores; the pages are `HTML` interpolations (escaping by type).
struct ConsoleRoutes: Sendable {
    let context: RouteContext
    let signIn: ConsoleSignIn

    init(_ context: RouteContext) {
        self.context = context
        self.signIn = ConsoleSignIn(sessions: ConsoleSessionStore(pool: context.pool))
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in ConsoleResponse.redirect(to: "/console") }
        router.get("/console/assets/console.css") { _, _ in Self.asset(PackageResources.console_css, type: "text/css; charset=utf-8") }
        router.get("/console/assets/console.js") { _, _ in Self.asset(PackageResources.console_js, type: "text/javascript; charset=utf-8") }
        SignInPages(self).register(on: router)
        OverviewPage(self).register(on: router)
        RunsPages(self).register(on: router)
        ReviewPages(self).register(on: router)
        SchedulesPages(self).register(on: router)
        ScheduleFormPages(self).register(on: router)
        WebhooksPages(self).register(on: router)
        WebhookFormPages(self).register(on: router)
        // Any other console address is a page too, not the API's JSON problem: a mistyped or
        // stale link in a browser gets a 404 page with the way back.
        router.get("/console/**") { request, _ in
            let known = try? await signIn.session(request)
            return errorPage(
                ConsoleError(.notFound, "there is no console page at \(request.uri.path)"), layout: ConsoleLayout(session: known))
        }
    }

    static func asset(_ bytes: [UInt8], type: String) -> Response {
        var headers = ConsoleResponse.securityHeaders
        headers[.contentType] = type
        headers[.cacheControl] = "public, max-age=300"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A page for a signed-in session with `scope`: without a session, a redirect to sign in
    /// (and back); without the scope, a 403 page. Refusals and errors become pages.
    func page(
        _ request: Request, scope: TokenStore.Scope,
        _ body: @escaping @Sendable (ConsoleSessionStore.Session, ConsoleLayout) async throws -> Response
    ) async throws -> Response {
        guard let session = try await signIn.session(request) else {
            let next = request.uri.path + (request.uri.query.map { "?\($0)" } ?? "")
            return ConsoleResponse.redirect(to: "/console/sign-in?next=" + Self.queryEscaped(next))
        }
        let layout = ConsoleLayout(session: session)
        guard session.scopes.contains(scope) else {
            return errorPage(
                ConsoleError(.forbidden, "your sign-in does not have the scope \(scope.rawValue), which this page needs"), layout: layout)
        }
        return try await refusalsAsPages(layout) { try await body(session, layout) }
    }

    /// A form post: its CSRF token, origin and scope checked before `body` runs; refusals are
    /// pages and change nothing.
    func post(
        _ request: Request, scope: TokenStore.Scope?,
        _ body: @escaping @Sendable (ConsoleSessionStore.Session, ConsoleForm, ConsoleLayout) async throws -> Response
    ) async throws -> Response {
        let form: ConsoleForm
        let session: ConsoleSessionStore.Session
        do {
            form = try await ConsoleForm.read(request)
            session = try await signIn.formSession(request, form, scope: scope)
        } catch let error as ConsoleError {
            let known = try? await signIn.session(request)
            return errorPage(error, layout: ConsoleLayout(session: known))
        }
        let layout = ConsoleLayout(session: session)
        return try await refusalsAsPages(layout) { try await body(session, form, layout) }
    }

    /// The refusals of the domain as pages with the status their code calls for (a state that
    /// does not allow the action 409, refused input 422, nothing of that name 404). Anything
    /// else goes on to the server's 500.
    func refusalsAsPages(_ layout: ConsoleLayout, _ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as ConsoleError {
            return errorPage(error, layout: layout)
        } catch let refusal as any Refusal {
            return errorPage(ConsoleError(refusal.code.status, refusal.description), layout: layout)
        }
    }

    func errorPage(_ error: ConsoleError, layout: ConsoleLayout) -> Response {
        let content: HTML = """
            <p class="error" role="alert">\(SecretRedactor.redact(error.message))</p>
            <p><a href="\(layout.session == nil ? "/console/sign-in" : "/console")">\(layout.session == nil ? "Sign in" : "Back to the overview")</a></p>
            """
        return ConsoleResponse.page(layout.render(title: error.status.reasonPhrase, section: nil, content), status: error.status)
    }

    static func queryEscaped(_ text: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?#")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// A run id from the path, or a 404 page.
    func run(_ requestContext: BasicRequestContext) async throws -> RunRecord {
        guard let text = requestContext.parameters.get("id"), let id = RunID(text),
            let run = try await context.store.run(id)
        else { throw ConsoleError(.notFound, "there is no run \(requestContext.parameters.get("id") ?? "")") }
        return run
    }
}
