import Foundation
import HTTPTypes
import Hummingbird
import PressworkStore

/// A console request that was refused, shown as a page with its status.
struct ConsoleError: Error, Sendable {
    let status: HTTPResponse.Status
    let message: String

    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }
}

/// Who is signed in to the console, from the session cookie; and the checks every form passes.
///
/// The cookie (`presswork_session`) holds a random secret whose digest names a row of
/// `console_sessions`: HttpOnly (no script reads it), SameSite=Strict (no other site's page
/// sends it), Path=/console, and Secure when the request came over TLS (directly, or through a
/// proxy that says `X-Forwarded-Proto: https`). A POST must carry the session's CSRF token in the
/// form, and, when the browser names an Origin, come from this server's own.
struct ConsoleSignIn: Sendable {
    static let cookieName = "presswork_session"
    let sessions: ConsoleSessionStore
    /// Failed token sign-ins, across every client of this process.
    let throttle = SignInThrottle()

    /// The session of the request, nil when there is none (no cookie, expired, signed out, or
    /// its token revoked).
    func session(_ request: Request) async throws -> ConsoleSessionStore.Session? {
        guard let secret = Self.cookie(request) else { return nil }
        return try await sessions.session(secret)
    }

    /// The session of a form post, after its CSRF token and origin are checked; a refusal
    /// otherwise, before anything changes.
    func formSession(_ request: Request, _ form: ConsoleForm, scope: TokenStore.Scope?) async throws -> ConsoleSessionStore.Session {
        try Self.checkOrigin(request)
        guard let session = try await session(request) else {
            throw ConsoleError(.unauthorized, "your console session has ended (expired or signed out): sign in again; nothing was changed")
        }
        guard let sent = form["csrf"], Self.constantTimeEqual(sent, session.csrfToken) else {
            throw ConsoleError(
                .forbidden, "the form did not carry this session's CSRF token: reload the page and try again; nothing was changed")
        }
        if let scope, !session.scopes.contains(scope) {
            throw ConsoleError(.forbidden, "your sign-in does not have the scope \(scope.rawValue); nothing was changed")
        }
        return session
    }

    /// A browser names the page's origin on a POST; one from elsewhere is refused.
    static func checkOrigin(_ request: Request) throws {
        guard let origin = request.headers[.origin], origin != "null" else { return }
        guard let host = request.headers[.host] ?? request.head.authority,
            let url = URL(string: origin), let originHost = url.host
        else { throw ConsoleError(.forbidden, "the form came from another origin; nothing was changed") }
        let originAuthority = url.port.map { "\(originHost):\($0)" } ?? originHost
        guard originAuthority.lowercased() == host.lowercased() else {
            throw ConsoleError(.forbidden, "the form came from another origin (\(origin)); nothing was changed")
        }
    }

    static func cookie(_ request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces) == cookieName {
                    return pair[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }

    static func setCookie(_ secret: String, expires: Date, request: Request) -> HTTPFields {
        var attributes =
            "\(cookieName)=\(secret); Path=/console; HttpOnly; SameSite=Strict; Max-Age=\(max(0, Int(expires.timeIntervalSinceNow)))"
        if isSecure(request) { attributes += "; Secure" }
        var headers = HTTPFields()
        headers[.setCookie] = attributes
        return headers
    }

    static func clearCookie(_ request: Request) -> HTTPFields {
        var headers = HTTPFields()
        headers[.setCookie] = "\(cookieName)=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0" + (isSecure(request) ? "; Secure" : "")
        return headers
    }

    static func isSecure(_ request: Request) -> Bool {
        request.head.scheme == "https" || request.headers[.xForwardedProto]?.lowercased() == "https"
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

extension HTTPField.Name {
    static let origin = HTTPField.Name("Origin")!
    static let host = HTTPField.Name("Host")!
}
