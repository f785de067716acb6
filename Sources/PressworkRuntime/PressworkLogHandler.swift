import Foundation
import Logging
import PressworkCore
import Synchronization

/// Writes log records to stderr as text or JSON lines.
///
/// Messages are constant; what varies travels as metadata (`presswork.run.id`,
/// `presswork.round`), which JSON lines carry as keys that log tools can index.
public struct PressworkLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let format: LogFormat
    private let sink: LineSink

    public init(label: String, format: LogFormat, level: Logger.Level, sink: LineSink = .standardError) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.sink = sink
    }

    /// Makes this handler the process's logging backend; call once, at start.
    public static func bootstrap(format: LogFormat, level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            PressworkLogHandler(label: label, format: format, level: level)
        }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let timestamp = Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        // No secret reaches a log, whoever logs it (a provider's error echoing a key, a library
        // logging its configuration).
        let message = SecretRedactor.redact(event.message.description)
        var values = merged.mapValues { SecretRedactor.redact(Self.flatten($0)) }
        // The error a call site passes (`logger.error("…", error: error)`) is one more key.
        if let error = event.error { values["error"] = SecretRedactor.redact(String(describing: error)) }
        switch format {
        case .text:
            // One event, one line: a newline or an escape sequence in a value cannot forge another.
            var line = "\(timestamp) \(event.level) \(label): \(Self.oneLine(message))"
            for (key, value) in values.sorted(by: { $0.key < $1.key }) {
                line += " \(key)=\(Self.oneLine(value))"
            }
            sink.write(line)
        case .json:
            var object = values
            object["ts"] = timestamp
            object["level"] = event.level.rawValue
            object["logger"] = label
            object["message"] = message
            if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) {
                sink.write(String(decoding: data, as: UTF8.self))
            }
        }
    }

    /// Control and bidi characters as escapes (`\n`, `\u{1b}`).
    static func oneLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { UnsafeScalars.isControl($0) || UnsafeScalars.isBidiControl($0) }) else {
            return text
        }
        return text.unicodeScalars.map { scalar in
            switch scalar {
            case "\n": return "\\n"
            case "\r": return "\\r"
            case "\t": return "\\t"
            case _ where UnsafeScalars.isControl(scalar) || UnsafeScalars.isBidiControl(scalar):
                return "\\u{\(String(scalar.value, radix: 16))}"
            default: return String(scalar)
            }
        }.joined()
    }

    static func flatten(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let string): return string
        case .stringConvertible(let convertible): return convertible.description
        case .array(let values): return "[" + values.map(flatten).joined(separator: ",") + "]"
        case .dictionary(let values):
            return "{"
                + values.sorted { $0.key < $1.key }.map { "\($0.key)=\(flatten($0.value))" }
                .joined(separator: ",") + "}"
        }
    }
}

/// Where finished log lines go: stderr, or memory (tests).
public final class LineSink: Sendable {
    private let lines = Mutex<[String]>([])
    private let toStandardError: Bool

    private init(toStandardError: Bool) {
        self.toStandardError = toStandardError
    }

    public static let standardError = LineSink(toStandardError: true)
    public static func memory() -> LineSink { LineSink(toStandardError: false) }

    public var captured: [String] { lines.withLock { $0 } }

    func write(_ line: String) {
        if toStandardError {
            StandardError.write(line + "\n")
        } else {
            lines.withLock { $0.append(line) }
        }
    }
}
