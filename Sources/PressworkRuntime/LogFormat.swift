/// How log lines are written to stderr.
public enum LogFormat: String, Sendable, Codable, CaseIterable {
    /// `2026-11-24T18:29:26.123Z info presswork.migrate: applying migration presswork.migration=0001_…`
    case text
    /// One JSON object per line: `ts`, `level`, `logger`, `message` and the metadata as keys.
    case json
}
