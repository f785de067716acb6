import Foundation
import Hummingbird
import PressworkStore

/// Signing in and out: with an API token typed into a form, or with a one-time link from
/// `presswork console-url`.
struct SignInPages: Sendable {
    let console: ConsoleRoutes

    init(_ console: ConsoleRoutes) {
        self.console = console
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/console/sign-in") { request, _ in
            form(next: Self.safeNext(request.uri.queryParameters.get("next").map { String($0) }), error: nil, status: .ok)
        }
        router.post("/console/sign-in") { request, _ in
            do {
                try ConsoleSignIn.checkOrigin(request)
                let form = try await ConsoleForm.read(request)
                let next = Self.safeNext(form["next"])
                guard let token = form.trimmed("token") else {
                    return self.form(
                        next: next, error: "Enter an API token (presswork tokens create NAME --scope …).", status: .unprocessableContent)
                }
                if let wait = console.signIn.throttle.wait() {
                    let seconds = max(1, Int(wait.components.seconds) + 1)
                    var refused = self.form(
                        next: next,
                        error: "Too many sign-ins failed in the last minute; try again in \(seconds) s "
                            + "(or run presswork console-url on the server for a one-time link).",
                        status: .tooManyRequests)
                    refused.headers[.retryAfter] = "\(seconds)"
                    return refused
                }
                guard let (secret, session) = try await console.signIn.sessions.signIn(token: token) else {
                    console.signIn.throttle.failed()
                    return self.form(next: next, error: "That token is not known, or it was revoked.", status: .unauthorized)
                }
                return ConsoleResponse.redirect(
                    to: next, headers: ConsoleSignIn.setCookie(secret, expires: session.expiresAt, request: request))
            } catch let error as ConsoleError {
                return console.errorPage(error, layout: ConsoleLayout(session: nil))
            }
        }
        router.get("/console/sign-in/link") { request, _ in
            guard let code = request.uri.queryParameters.get("code"),
                let (secret, session) = try await console.signIn.sessions.redeem(code: String(code))
            else {
                return form(
                    next: "/console",
                    error: "That sign-in link was used already, has expired, or is not one: run presswork console-url for a new one.",
                    status: .unauthorized)
            }
            return ConsoleResponse.redirect(
                to: "/console", headers: ConsoleSignIn.setCookie(secret, expires: session.expiresAt, request: request))
        }
        router.post("/console/sign-out") { request, _ in
            try await console.post(request, scope: nil) { _, _, _ in
                if let secret = ConsoleSignIn.cookie(request) { try await console.signIn.sessions.signOut(secret) }
                return ConsoleResponse.redirect(to: "/console/sign-in", headers: ConsoleSignIn.clearCookie(request))
            }
        }
    }

    func form(next: String, error: String?, status: HTTPResponse.Status) -> Response {
        let message: HTML = error.map { "<p class=\"error\" role=\"alert\" id=\"token-error\">\($0)</p>" } ?? .empty
        let content: HTML = """
            <p>Sign in with an API token (<code>presswork tokens create NAME --scope runs:read …</code>); the console
            then has that token's scopes. On the machine itself, <code>presswork console-url</code> prints a one-time link.</p>
            \(message)
            <form method="post" action="/console/sign-in" class="edit">
              <input type="hidden" name="next" value="\(next)">
              <label for="token">API token
                <input id="token" name="token" type="password" autocomplete="current-password" required size="50"\(error == nil ? HTML.empty : " aria-describedby=\"token-error\" aria-invalid=\"true\"")>
              </label>
              <button type="submit">Sign in</button>
            </form>
            """
        return ConsoleResponse.page(ConsoleLayout(session: nil).render(title: "Sign in", section: nil, content), status: status)
    }

    /// Where to go after signing in: a console path only (never another site).
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/console"), !next.hasPrefix("//"), !next.contains("\\"),
            !next.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else { return "/console" }
        return next
    }
}
