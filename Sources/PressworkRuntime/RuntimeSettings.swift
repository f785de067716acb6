import Foundation
import Logging
import PressworkCore

/// The settings every command shares, resolved once: command-line option, then environment
/// variable, then config file, then default.
public struct RuntimeSettings: Sendable, Equatable {
    /// An external server's URL; nil means the embedded cluster in `home`.
    public var databaseURL: String?
    /// What stands between Presswork and Postgres at `databaseURL`.
    public var databasePooler: DatabasePooler = .none
    /// A connection straight to Postgres (not through the pooler), for what needs a session of
    /// its own: LISTEN, and the advisory locks of `migrate` and `prune`.
    public var directDatabaseURL: String?
    public var home: String
    public var logFormat: LogFormat
    public var logLevel: Logger.Level
    public var providers: ProviderSettings

    /// Values given on the command line (nil when absent).
    public struct Overrides: Sendable {
        public var databaseURL: String?
        public var home: String?
        public var configPath: String?
        public var logFormat: LogFormat?
        public var logLevel: String?
        public var llm: String?
        public var embeddings: String?
        public var trends: String?

        public init(
            databaseURL: String? = nil, home: String? = nil, configPath: String? = nil,
            logFormat: LogFormat? = nil, logLevel: String? = nil, llm: String? = nil, embeddings: String? = nil,
            trends: String? = nil
        ) {
            self.trends = trends
            self.llm = llm
            self.embeddings = embeddings
            self.databaseURL = databaseURL
            self.home = home
            self.configPath = configPath
            self.logFormat = logFormat
            self.logLevel = logLevel
        }
    }

    /// `defaultLogLevel` applies when no option, variable or config key sets one: commands a
    /// person runs interactively keep their stderr for progress (warning), services log more.
    public static func resolve(
        _ overrides: Overrides,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        defaultLogLevel: Logger.Level = .info
    ) throws(SettingsError) -> RuntimeSettings {
        func env(_ name: String) -> String? {
            environment[name].flatMap { $0.isEmpty ? nil : $0 }
        }
        let configPath = overrides.configPath ?? env("PRESSWORK_CONFIG")
        let file = try configPath.map { path throws(SettingsError) in try ConfigFile.load(path: path) } ?? ConfigFile()

        let logFormatText = overrides.logFormat?.rawValue ?? env("PRESSWORK_LOG_FORMAT") ?? file.logFormat?.rawValue
        guard let logFormat = LogFormat(rawValue: logFormatText ?? LogFormat.text.rawValue) else {
            throw SettingsError("PRESSWORK_LOG_FORMAT must be text or json, not \(logFormatText ?? "")")
        }
        let levelText = overrides.logLevel ?? env("PRESSWORK_LOG_LEVEL") ?? file.logLevel ?? defaultLogLevel.rawValue
        guard let logLevel = Logger.Level(rawValue: levelText.lowercased()) else {
            throw SettingsError(
                "log level \(levelText) is unknown; use one of trace, debug, info, notice, warning, error, critical"
            )
        }
        let databaseURL = overrides.databaseURL ?? env("DATABASE_URL") ?? file.databaseURL
        SecretRedactor.register(databaseURL.flatMap { URLComponents(string: $0)?.password })
        SecretRedactor.register(env("PGPASSWORD"))
        let poolerText = env("PRESSWORK_DATABASE_POOLER") ?? file.databasePooler ?? DatabasePooler.none.rawValue
        guard let pooler = DatabasePooler(rawValue: poolerText.lowercased()) else {
            throw SettingsError(
                "PRESSWORK_DATABASE_POOLER must be none or transaction (PgBouncer's pool_mode = transaction), not \(poolerText)")
        }
        let directURL = env("PRESSWORK_DIRECT_DATABASE_URL") ?? file.directDatabaseURL
        if pooler == .transaction && databaseURL == nil {
            throw SettingsError(
                "PRESSWORK_DATABASE_POOLER=transaction needs DATABASE_URL (the pooler's address); the embedded cluster has no pooler")
        }
        SecretRedactor.register(directURL.flatMap { URLComponents(string: $0)?.password })
        let home = try checkedHome(
            overrides.home.map { ("--home", $0) } ?? env("PRESSWORK_HOME").map { ("PRESSWORK_HOME", $0) }
                ?? file.home.map { ("the config file's \"home\"", $0) },
            environment: environment
        )
        return RuntimeSettings(
            databaseURL: databaseURL,
            databasePooler: pooler,
            directDatabaseURL: directURL,
            home: home,
            logFormat: logFormat,
            logLevel: logLevel,
            providers: try ProviderSettings.resolve(
                llmOption: overrides.llm, embeddingsOption: overrides.embeddings, trendsOption: overrides.trends, env: env,
                file: file
            )
        )
    }

    /// The home as an absolute path: an empty one is refused naming where it came from; a
    /// relative one is taken from the current directory now (the embedded server runs in
    /// another directory, where it would mean something else).
    static func checkedHome(_ given: (source: String, path: String)?, environment: [String: String]) throws(SettingsError) -> String {
        guard let given else { return defaultHome(environment: environment) }
        let path = given.path.trimmingCharacters(in: .whitespaces)
        guard !path.isEmpty else {
            throw SettingsError(
                "\(given.source) is empty; give the directory for Presswork's data (default \(defaultHome(environment: environment)))")
        }
        guard !path.contains("\u{0}") else { throw SettingsError("\(given.source) contains a NUL character") }
        if path.hasPrefix("/") { return path }
        let current = FileManager.default.currentDirectoryPath
        return URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: current, isDirectory: true)).standardizedFileURL.path
    }

    /// `$XDG_DATA_HOME/presswork`, else `~/.local/share/presswork`; for root `/var/lib/presswork`,
    /// because the server account must be able to reach the cluster and `/root` is private.
    public static func defaultHome(environment: [String: String]) -> String {
        if geteuid() == 0 { return "/var/lib/presswork" }
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") { return xdg + "/presswork" }
        let userHome = environment["HOME"] ?? NSHomeDirectory()
        return userHome + "/.local/share/presswork"
    }
}

/// What stands between Presswork and Postgres.
public enum DatabasePooler: String, Sendable, Equatable, CaseIterable {
    /// Postgres itself, or a pooler in session mode: every connection is a session.
    case none
    /// A pooler in transaction mode (PgBouncer's `pool_mode = transaction`): a connection's
    /// transactions may run on different server connections. Statements go unnamed (no prepared
    /// statements); LISTEN and advisory locks use `directDatabaseURL` when given; without it,
    /// notifications are polled (workers every 2 s, webhooks every 5 s, progress streams every
    /// second) and `migrate` and `prune` refuse to run through the pooler.
    case transaction
}
