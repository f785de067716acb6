import Foundation

/// A Swift value that can be sent as a bind parameter, in Postgres's text format.
///
/// Values only ever travel as parameters (`$1`, `$2`…), never as part of the SQL text.
public protocol PostgresEncodable: Sendable {
    /// The parameter type declared to the server; `.unspecified` lets the server infer it.
    static var postgresType: PostgresType { get }
    /// The value in Postgres's text input format, or nil for SQL NULL.
    func postgresText() throws(PostgresError) -> String?
}

/// One bind parameter, already encoded.
public struct PostgresBind: Sendable {
    /// The type declared to the server for this parameter.
    public let type: PostgresType
    /// The value in Postgres's text format, nil for NULL.
    public let text: String?

    /// `value` encoded; a NUL character (which Postgres text cannot hold) is refused.
    public init<Value: PostgresEncodable>(_ value: Value) throws(PostgresError) {
        type = Value.postgresType
        text = try value.postgresText()
        // libpq takes C strings, and Postgres text cannot hold NUL: refuse rather than truncate.
        if let text, text.utf8.contains(0) {
            throw PostgresError(.encoding, "a \(Value.self) parameter contains a NUL character, which Postgres text cannot hold")
        }
    }
}

// MARK: - Conformances

extension String: PostgresEncodable {
    public static var postgresType: PostgresType { .unspecified }
    public func postgresText() -> String? { self }
}

extension Substring: PostgresEncodable {
    public static var postgresType: PostgresType { .unspecified }
    public func postgresText() -> String? { String(self) }
}

extension Int: PostgresEncodable {
    public static var postgresType: PostgresType { .int8 }
    public func postgresText() -> String? { String(self) }
}

extension Int64: PostgresEncodable {
    public static var postgresType: PostgresType { .int8 }
    public func postgresText() -> String? { String(self) }
}

extension Int32: PostgresEncodable {
    public static var postgresType: PostgresType { .int4 }
    public func postgresText() -> String? { String(self) }
}

extension Int16: PostgresEncodable {
    public static var postgresType: PostgresType { .int2 }
    public func postgresText() -> String? { String(self) }
}

extension Bool: PostgresEncodable {
    public static var postgresType: PostgresType { .bool }
    public func postgresText() -> String? { self ? "t" : "f" }
}

extension Double: PostgresEncodable {
    public static var postgresType: PostgresType { .float8 }
    public func postgresText() -> String? { PostgresFloatText.format(self) }
}

extension Float: PostgresEncodable {
    public static var postgresType: PostgresType { .float4 }
    public func postgresText() -> String? { PostgresFloatText.format(self) }
}

extension UUID: PostgresEncodable {
    public static var postgresType: PostgresType { .uuid }
    public func postgresText() -> String? { uuidString.lowercased() }
}

extension Date: PostgresEncodable {
    public static var postgresType: PostgresType { .timestamptz }
    public func postgresText() -> String? { PostgresTimestamp.format(self) }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public static var postgresType: PostgresType { Wrapped.postgresType }
    public func postgresText() throws(PostgresError) -> String? {
        switch self {
        case .none: return nil
        case .some(let wrapped): return try wrapped.postgresText()
        }
    }
}

extension Array: PostgresEncodable where Element: PostgresArrayElement {
    public static var postgresType: PostgresType { Element.arrayType }
    public func postgresText() throws(PostgresError) -> String? {
        try PostgresArrayText.format(self)
    }
}

/// Element types that `[Element]` can bind and decode as a one-dimensional Postgres array.
public protocol PostgresArrayElement: PostgresEncodable, PostgresDecodable {
    static var arrayType: PostgresType { get }
    /// Array types accepted when decoding.
    static var acceptedArrayTypes: Set<PostgresType> { get }
}

extension String: PostgresArrayElement {
    public static var arrayType: PostgresType { .textArray }
    public static var acceptedArrayTypes: Set<PostgresType> { [.textArray, .varcharArray] }
}

extension Float: PostgresArrayElement {
    public static var arrayType: PostgresType { .float4Array }
    public static var acceptedArrayTypes: Set<PostgresType> { [.float4Array, .float8Array] }
}

extension UUID: PostgresArrayElement {
    public static var arrayType: PostgresType { .uuidArray }
    public static var acceptedArrayTypes: Set<PostgresType> { [.uuidArray] }
}

extension Double: PostgresArrayElement {
    public static var arrayType: PostgresType { .float8Array }
    public static var acceptedArrayTypes: Set<PostgresType> { [.float8Array, .float4Array] }
}
