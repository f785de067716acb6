import Foundation

/// A Codable value stored in a `jsonb` (or `json`) column.
///
/// Bind with `\(PostgresJSON(value))`; read with `row.decode(PostgresJSON<T>.self, …).value`.
/// Keys are sorted when encoding, so equal values produce equal text.
public struct PostgresJSON<Value: Codable & Sendable>: Sendable, PostgresEncodable, PostgresDecodable {
    /// The value, as bound or as decoded.
    public var value: Value

    /// Wraps `value` for binding.
    public init(_ value: Value) {
        self.value = value
    }

    public static var postgresType: PostgresType { .jsonb }

    public func postgresText() throws(PostgresError) -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw PostgresError(.encoding, "cannot encode \(Value.self) as JSON: \(error)")
        }
    }

    public static var acceptedTypes: Set<PostgresType>? { [.jsonb, .json] }
    public static var expectedDescription: String { "JSON for \(Value.self)" }

    public static func decode(postgresText text: String, type: PostgresType) throws(PostgresDecodingFailure) -> Self {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return PostgresJSON(try decoder.decode(Value.self, from: Data(text.utf8)))
        } catch {
            throw PostgresDecodingFailure("JSON does not match \(Value.self): \(Self.explain(error))")
        }
    }

    /// A one-line account of a `DecodingError`, with the coding path.
    static func explain(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return String(describing: error) }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "top level" : keys.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing key \(key.stringValue) at \(path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(context.debugDescription) at \(path(context))"
        @unknown default:
            return String(describing: error)
        }
    }
}

/// JSON text that is already encoded, bound as `jsonb` as it is (the server checks it).
public struct PostgresJSONText: Sendable, PostgresEncodable {
    /// The JSON document as text.
    public var text: String

    /// Wraps `text` for binding; it is not parsed here.
    public init(_ text: String) {
        self.text = text
    }

    public static var postgresType: PostgresType { .jsonb }
    public func postgresText() -> String? { text }
}
