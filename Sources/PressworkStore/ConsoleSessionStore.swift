import Foundation
import PostgresClient
import PressworkCore

/// The web console's sessions and one-time sign-in links (migration 0022). A session is opened
/// by an API token (and then has that token's scopes, for as long as the token is not revoked)
/// or by a link of `presswork console-url`; only digests of the secrets are stored.
public struct ConsoleSessionStore: Sendable {
    public struct Session: Sendable, Equatable {
        /// The API token it signed in with; nil for a sign-in link.
        public var tokenName: String?
        public var scopes: Set<TokenStore.Scope>
        /// The value every form of the session carries back.
        public var csrfToken: String
        public var expiresAt: Date

        /// Who acts, for the records actions leave (`requested_by`, event details).
        public var actor: String {
            tokenName.map { "through the console (token \($0))" } ?? "through the console (a presswork console-url sign-in)"
        }
    }

    public let pool: PostgresConnectionPool
    /// How long a session lasts after sign-in.
    public let lifetime: Duration

    public init(pool: PostgresConnectionPool, lifetime: Duration = .seconds(12 * 3600)) {
        self.pool = pool
        self.lifetime = lifetime
    }

    /// Opens a session for a valid, unrevoked API token; nil for any other secret. Returns the
    /// session's secret (the cookie's value) and the session.
    public func signIn(token secret: String) async throws -> (secret: String, session: Session)? {
        guard let token = try await TokenStore(pool: pool).authenticate(secret) else { return nil }
        let (sessionSecret, csrf) = (Self.randomSecret(), Self.randomSecret())
        let expires = try await pool.query(
            """
            WITH expired AS (DELETE FROM console_sessions WHERE expires_at < now() - interval '1 day')
            INSERT INTO console_sessions (secret_sha256, token_name, csrf_token, expires_at)
            VALUES (\(TokenStore.digest(sessionSecret)), \(token.name), \(csrf), now() + make_interval(secs => \(lifetime.seconds)))
            RETURNING expires_at
            """
        ).scalar(Date.self)
        return (sessionSecret, Session(tokenName: token.name, scopes: token.scopes, csrfToken: csrf, expiresAt: expires))
    }

    /// A one-time sign-in code with `scopes`, valid for `validFor`: what `presswork console-url`
    /// prints inside a link.
    public func makeSignInLink(scopes: Set<TokenStore.Scope>, validFor: Duration = .seconds(600)) async throws -> String {
        let code = Self.randomSecret()
        _ = try await pool.query(
            """
            WITH spent AS (DELETE FROM console_sign_in_links WHERE expires_at < now() - interval '1 day')
            INSERT INTO console_sign_in_links (code_sha256, scopes, expires_at)
            VALUES (\(TokenStore.digest(code)), \(scopes.map(\.rawValue).sorted()), now() + make_interval(secs => \(validFor.seconds)))
            """)
        return code
    }

    /// Opens a session for an unused, unexpired sign-in code, and spends the code in the same
    /// statement (a second use, or a concurrent one, finds it spent); nil otherwise.
    public func redeem(code: String) async throws -> (secret: String, session: Session)? {
        guard code.count < 200 else { return nil }
        let (sessionSecret, csrf) = (Self.randomSecret(), Self.randomSecret())
        guard
            let row = try await pool.query(
                """
                WITH spent AS (
                    UPDATE console_sign_in_links SET used_at = now()
                    WHERE code_sha256 = \(TokenStore.digest(code)) AND used_at IS NULL AND expires_at > now()
                    RETURNING scopes
                )
                INSERT INTO console_sessions (secret_sha256, scopes, csrf_token, expires_at)
                SELECT \(TokenStore.digest(sessionSecret)), scopes, \(csrf), now() + make_interval(secs => \(lifetime.seconds))
                FROM spent
                RETURNING scopes, expires_at
                """
            ).first
        else { return nil }
        let scopes = Set(try row.decode([String].self, "scopes").compactMap(TokenStore.Scope.init(rawValue:)))
        return (sessionSecret, Session(tokenName: nil, scopes: scopes, csrfToken: csrf, expiresAt: try row.decode(Date.self, "expires_at")))
    }

    /// The live session a cookie's secret stands for: unexpired, and its token (if any) not
    /// revoked; the scopes are the token's as they are now.
    public func session(_ secret: String) async throws -> Session? {
        guard !secret.isEmpty, secret.count < 200 else { return nil }
        guard
            let row = try await pool.query(
                """
                SELECT s.token_name, coalesce(t.scopes, s.scopes) AS scopes, s.csrf_token, s.expires_at
                FROM console_sessions s LEFT JOIN api_tokens t ON t.name = s.token_name
                WHERE s.secret_sha256 = \(TokenStore.digest(secret)) AND s.expires_at > now()
                  AND (s.token_name IS NULL OR (t.name IS NOT NULL AND t.revoked_at IS NULL))
                """
            ).first
        else { return nil }
        return Session(
            tokenName: try row.decode(String?.self, "token_name"),
            scopes: Set(try row.decode([String].self, "scopes").compactMap(TokenStore.Scope.init(rawValue:))),
            csrfToken: try row.decode(String.self, "csrf_token"), expiresAt: try row.decode(Date.self, "expires_at")
        )
    }

    public func signOut(_ secret: String) async throws {
        _ = try await pool.query("DELETE FROM console_sessions WHERE secret_sha256 = \(TokenStore.digest(secret))")
    }

    /// 32 random bytes, URL-safe base64.
    static func randomSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
