import Crypto
import Foundation
import PostgresClient
import PressworkCore

/// Bearer tokens of the HTTP API (migration 0011): made and revoked with `presswork tokens`,
/// kept as SHA-256 digests, each with scopes.
public struct TokenStore: Sendable {
    public enum Scope: String, Sendable, CaseIterable, Codable {
        case runsRead = "runs:read"
        case runsWrite = "runs:write"
        case review
        case schedulesRead = "schedules:read"
        case schedulesWrite = "schedules:write"
        case metrics
        /// Profiles and sites (migration 0016).
        case settingsRead = "settings:read"
        case settingsWrite = "settings:write"
    }

    public struct Token: Sendable, Equatable {
        public var name: String
        public var scopes: Set<Scope>
        public var createdAt: Date
        public var lastUsedAt: Date?
        public var revokedAt: Date?
    }

    public let pool: PostgresConnectionPool

    public init(pool: PostgresConnectionPool) {
        self.pool = pool
    }

    /// Makes a token; returns its secret text, which exists nowhere else afterwards.
    public func create(name: String, scopes: [String]) async throws -> String {
        try ObjectName.check(name)
        guard !scopes.isEmpty else {
            throw ValidationError(field: "scope", "give at least one (\(Scope.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        if let unknown = scopes.first(where: { Scope(rawValue: $0) == nil }) {
            throw ValidationError(field: "scope", "\(unknown) is not a scope (\(Scope.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let secret =
            "pw_"
            + Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let inserted = try await pool.query(
            """
            INSERT INTO api_tokens (name, token_sha256, scopes) VALUES (\(name), \(Self.digest(secret)), \(Array(Set(scopes)).sorted()))
            ON CONFLICT (name) DO NOTHING
            """
        ).affectedRows
        guard inserted == 1 else { throw NameTaken(kind: "token", name: name) }
        return secret
    }

    /// The token a bearer secret stands for, if it exists and is not revoked. Its last use is
    /// recorded at most once a minute, so that reading stays a plain index lookup.
    public func authenticate(_ secret: String) async throws -> Token? {
        guard secret.hasPrefix("pw_"), secret.count < 200 else { return nil }
        let digest = Self.digest(secret)
        guard
            let row = try await pool.query(
                """
                SELECT name, scopes, created_at, last_used_at, revoked_at FROM api_tokens
                WHERE token_sha256 = \(digest) AND revoked_at IS NULL
                """
            ).first
        else { return nil }
        let token = try Self.token(row)
        if (token.lastUsedAt ?? .distantPast) < Date().addingTimeInterval(-60) {
            _ = try await pool.query("UPDATE api_tokens SET last_used_at = now() WHERE token_sha256 = \(digest)")
        }
        return token
    }

    public func list() async throws -> [Token] {
        try await pool.query(
            "SELECT name, scopes, created_at, last_used_at, revoked_at FROM api_tokens ORDER BY name"
        ).map(Self.token)
    }

    /// Revokes a token; false when there is no such token or it was revoked already.
    public func revoke(_ name: String) async throws -> Bool {
        try await pool.query(
            "UPDATE api_tokens SET revoked_at = now() WHERE name = \(name) AND revoked_at IS NULL"
        ).affectedRows == 1
    }

    static func digest(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func token(_ row: PostgresRow) throws -> Token {
        Token(
            name: try row.decode(String.self, "name"),
            scopes: Set(try row.decode([String].self, "scopes").compactMap(Scope.init(rawValue:))),
            createdAt: try row.decode(Date.self, "created_at"), lastUsedAt: try row.decode(Date?.self, "last_used_at"),
            revokedAt: try row.decode(Date?.self, "revoked_at")
        )
    }
}
