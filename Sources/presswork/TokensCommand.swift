import ArgumentParser
import Foundation
import PressworkCore
import PressworkStore

struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Bearer tokens for the HTTP API (serve --http): create, list, revoke.",
        discussion: """
            A token is printed once, when it is created; only its SHA-256 is stored. Scopes: runs:read \
            (GET /v1/runs…, the events stream), runs:write (POST /v1/runs, retry), review (POST \
            /v1/runs/{id}/review), schedules:read, schedules:write, metrics (GET /metrics), settings:read \
            and settings:write (profiles and sites, /v1/profiles and /v1/sites). Send it as \
            Authorization: Bearer <token>.
            """,
        subcommands: [TokensCreateCommand.self, TokensListCommand.self, TokensRevokeCommand.self]
    )
}

struct TokensCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a token and print it (once).")

    @Argument(help: "The token's name: letters, digits, '.', '_' and '-'.")
    var name: String

    @Option(name: .customLong("scope"), help: "A scope it grants; repeat for several.")
    var scopes: [String] = []

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let secret = try await withServices(global) { try await TokenStore(pool: $0.pool).create(name: name, scopes: scopes) }
        print(secret)
    }
}

struct TokensListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The tokens (never their secrets).")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let tokens = try await withServices(global) { try await TokenStore(pool: $0.pool).list() }
        if tokens.isEmpty { print("no tokens") }
        for token in tokens {
            let used = token.lastUsedAt.map { "last used \($0.formatted(Date.ISO8601FormatStyle()))" } ?? "never used"
            let state = token.revokedAt.map { "revoked \($0.formatted(Date.ISO8601FormatStyle()))" } ?? "active"
            print([token.name, state, token.scopes.map(\.rawValue).sorted().joined(separator: ","), used].joined(separator: "  "))
        }
    }
}

struct TokensRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a token: it is refused from then on.")

    @Argument(help: "The token's name.")
    var name: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        guard try await withServices(global, { try await TokenStore(pool: $0.pool).revoke(name) }) else {
            throw ValidationError("no active token named \(name)")
        }
        print("revoked token \(name)")
    }
}
