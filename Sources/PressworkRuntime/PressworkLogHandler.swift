import Foundation
import Logging
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
        switch format {
        case .text:
            var line = "\(timestamp) \(event.level) \(label): \(event.message)"
            for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
                line += " \(key)=\(Self.flatten(value))"
            }
            sink.write(line)
        case .json:
            var object: [String: String] = [:]
            for (key, value) in merged { object[key] = Self.flatten(value) }
            object["ts"] = timestamp
            object["level"] = event.level.rawValue
            object["logger"] = label
            object["message"] = event.message.description
            if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) {
                sink.write(String(decoding: data, as: UTF8.self))
            }
        }
    }

    static func flatten(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let string): return string
        case .stringConvertible(let convertible): return convertible.description
        case .array(let values): return "[" + values.map(flatten).joined(separator: ",") + "]"
        case .dictionary(let values):
            return "{" + values.sorted { $0.key < $1.key }.map { "\($0.key)=\(flatten($0.value))" }
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
            FileHandle.standardError.write(Data((line + "\n").utf8))
        } else {
            lines.withLock { $0.append(line) }
        }
    }
}
