import HTTPTypes
import Hummingbird
import PressworkStore

/// Checks the `Authorization: Bearer …` of a request against the tokens of `presswork tokens`:
/// 401 without a valid token (with a WWW-Authenticate challenge), 403 when the token lacks the
/// route's scope.
struct BearerAuthorizer: Sendable {
    let tokens: TokenStore

    @discardableResult
    func require(_ scope: TokenStore.Scope, _ request: Request) async throws -> TokenStore.Token {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            var problem = Problem(.unauthorized, "a bearer token is required: Authorization: Bearer pw_… (see presswork tokens create)")
            problem.headers[.wwwAuthenticate] = #"Bearer realm="presswork""#
            throw problem
        }
        let secret = header.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces)
        guard let token = try await tokens.authenticate(secret) else {
            var problem = Problem(.unauthorized, "the bearer token is not known, or it was revoked")
            problem.headers[.wwwAuthenticate] = #"Bearer realm="presswork", error="invalid_token""#
            throw problem
        }
        guard token.scopes.contains(scope) else {
            var problem = Problem(.forbidden, "the token \(token.name) does not have the scope \(scope.rawValue)")
            problem.headers[.wwwAuthenticate] = #"Bearer realm="presswork", error="insufficient_scope", scope="\#(scope.rawValue)""#
            throw problem
        }
        return token
    }
}
