import ArgumentParser
import Logging
import PressworkRuntime

/// Options every command takes; resolved into `RuntimeSettings` (option, then environment,
/// then config file, then default) and used to set up logging.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "PostgreSQL server to use (libpq URL or key=value string); default: $DATABASE_URL, else the embedded cluster.",
            valueName: "url"
        ))
    var databaseURL: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Folder for the embedded cluster and outputs; default: $PRESSWORK_HOME, else ~/.local/share/presswork (root: /var/lib/presswork).",
            valueName: "folder"
        ))
    var home: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "JSON configuration file (database, home, logging and provider keys; see the README); default: $PRESSWORK_CONFIG.",
            valueName: "file"
        ))
    var config: String?

    @Option(name: .long, help: "Log lines on stderr as text or json; default: $PRESSWORK_LOG_FORMAT, else text.")
    var logFormat: LogFormat?

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical; default: $PRESSWORK_LOG_LEVEL, else warning.")
    var logLevel: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Writer for rounds 1–6: offline, openai (any OpenAI-compatible server: $OPENAI_BASE_URL, $OPENAI_API_KEY, $OPENAI_MODEL) or gemini ($GEMINI_API_KEY, $GEMINI_MODEL); default: $PRESSWORK_LLM, else offline.",
            valueName: "provider"
        ))
    var llm: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Embeddings for the duplicate check: offline or openai ($OPENAI_EMBEDDING_MODEL); default: $PRESSWORK_EMBEDDINGS, else offline.",
            valueName: "provider"
        ))
    var embeddings: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Round 0's source: seeds, feeds ($PRESSWORK_FEEDS: RSS/Atom URLs) or google (Google Trends' daily RSS for the run's region, plus $PRESSWORK_FEEDS); default: $PRESSWORK_TRENDS, else seeds.",
            valueName: "source"
        ))
    var trends: String?

    /// Resolves the settings without side effects (to validate before anything happens).
    func resolveSettings(defaultLogLevel: Logger.Level = .warning) throws -> RuntimeSettings {
        let settings = try RuntimeSettings.resolve(
            .init(
                databaseURL: databaseURL, home: home, configPath: config, logFormat: logFormat, logLevel: logLevel,
                llm: llm, embeddings: embeddings, trends: trends
            ), defaultLogLevel: defaultLogLevel)
        return settings
    }

    /// Resolves the settings and bootstraps logging; call once, first thing in `run()`.
    /// Interactive commands log warnings and worse by default, so that stderr shows progress.
    func bootstrap(defaultLogLevel: Logger.Level = .warning) throws -> (RuntimeSettings, Logger) {
        let settings = try resolveSettings(defaultLogLevel: defaultLogLevel)
        PressworkLogHandler.bootstrap(format: settings.logFormat, level: settings.logLevel)
        return (settings, Logger(label: "presswork"))
    }
}

extension LogFormat: ExpressibleByArgument {}
