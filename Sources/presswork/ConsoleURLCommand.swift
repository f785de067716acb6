import ArgumentParser
import Foundation
import PressworkStore

struct ConsoleURLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console-url",
        abstract: "Print a one-time sign-in link to the web console of serve --http.",
        discussion: """
            The console is served under /console by `presswork serve --http HOST:PORT`, beside the API. \
            Anyone may sign in there with an API token (presswork tokens create); this command is for the \
            local user, who can reach the database: it stores a sign-in code (only its SHA-256) that opens \
            one console session with the scopes given (all of them by default), once, within --valid-for. \
            The link carries the code: do not paste it where others read.
            """
    )

    @Option(help: "Where serve --http listens: HOST:PORT, or a bare port for 127.0.0.1; or a base URL such as https://presswork.example.")
    var http = "127.0.0.1:8080"

    @Option(name: .customLong("scope"), help: "A scope the session gets; repeat for several (default: every scope).")
    var scopes: [String] = []

    @Option(help: "How long the link may be used, in minutes (1-60).")
    var validFor = 10

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard (1...60).contains(validFor) else { throw ValidationError("--valid-for must be 1 to 60 minutes, not \(validFor)") }
        if let unknown = scopes.first(where: { TokenStore.Scope(rawValue: $0) == nil }) {
            throw ValidationError(
                "--scope \(unknown) is not a scope (\(TokenStore.Scope.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        _ = try base()
    }

    func base() throws -> String {
        if http.hasPrefix("http://") || http.hasPrefix("https://") {
            guard let url = URL(string: http), url.host != nil, url.query == nil, url.user == nil else {
                throw ValidationError("--http \(http) is not a base URL such as https://presswork.example")
            }
            return http.hasSuffix("/") ? String(http.dropLast()) : http
        }
        guard let address = HTTPAddress(argument: http) else {
            throw ValidationError("--http must be HOST:PORT, a port, or a base URL, not \(http)")
        }
        let host = address.host.contains(":") ? "[\(address.host)]" : address.host
        return "http://\(host == "0.0.0.0" ? "127.0.0.1" : host):\(address.port)"
    }

    func run() async throws {
        let granted = scopes.isEmpty ? Set(TokenStore.Scope.allCases) : Set(scopes.compactMap(TokenStore.Scope.init(rawValue:)))
        let code = try await withServices(global) {
            try await ConsoleSessionStore(pool: $0.pool).makeSignInLink(scopes: granted, validFor: .seconds(validFor * 60))
        }
        print("\(try base())/console/sign-in/link?code=\(code)")
    }
}
