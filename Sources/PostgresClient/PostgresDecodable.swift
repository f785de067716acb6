import Foundation

/// A Swift type that can be read from a result column in Postgres's text format.
///
/// Each conformance checks the column's server type, so reading an `integer` column as `Date`
/// fails with an error that names the column and both types instead of guessing.
public protocol PostgresDecodable: Sendable {
    /// Server types this Swift type can be read from; nil accepts any type.
    static var acceptedTypes: Set<PostgresType>? { get }
    /// A short name of what was expected, for error messages ("an integer").
    static var expectedDescription: String { get }
    /// Decodes a non-NULL value; throw `PostgresDecodingFailure` with the reason on bad text.
    static func decode(postgresText text: String, type: PostgresType) throws(PostgresDecodingFailure) -> Self
    /// The value for SQL NULL; throws for non-optional types.
    static func decodeNull() throws(PostgresDecodingFailure) -> Self
}

/// Why one value could not be decoded; `PostgresRow` adds the column and turns it into a
/// `PostgresError` of kind `.decoding`.
public struct PostgresDecodingFailure: Error, Sendable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
}

extension PostgresDecodable {
    public static var acceptedTypes: Set<PostgresType>? { nil }
    public static var expectedDescription: String { String(describing: Self.self) }
    public static func decodeNull() throws(PostgresDecodingFailure) -> Self {
        throw PostgresDecodingFailure("is NULL")
    }
}

// MARK: - Conformances

extension String: PostgresDecodable {
    public static var expectedDescription: String { "text" }
    public static func decode(postgresText text: String, type: PostgresType) -> String { text }
}

private let integerTypes: Set<PostgresType> = [.int2, .int4, .int8, .oidType]

private func decodeInteger<T: FixedWidthInteger>(_ text: String) throws(PostgresDecodingFailure) -> T {
    guard let value = T(text) else {
        throw PostgresDecodingFailure("value \(text.prefix(40)) does not fit \(T.self)")
    }
    return value
}

extension Int: PostgresDecodable {
    public static var acceptedTypes: Set<PostgresType>? { integerTypes }
    public static var expectedDescription: String { "an integer (Int)" }
    public static func decode(postgresText text: String, type: PostgresType) throws(PostgresDecodingFailure) -> Int {
        try decodeInteger(text)
    }
}

extension Int64: PostgresDecodable {
    public static var acceptedTypes: Set<PostgresType>? { integerTypes }
    public static var expectedDescription: String { "an integer (Int64)" }
    public static func decode(postgresText text: String, type: PostgresType) throws(PostgresDecodingFailure) -> Int64 {
        try decodeInteger(text)
    }
}

extension Int32: PostgresDecodable {
    public static var acceptedTypes: Set<PostgresType>? { integerTypes }
    public static var expectedDescription: String { "an integer (Int32)" }
    public static func decode(postgresText text: String, type: PostgresType) throws(PostgresDecodingFailure) -> Int32 {
        try decodeInteger(text)
    }
}

extension Int16: PostgresDecodable {
    public static var acceptedTypes: Set<PostgresType>? { integerTypes }
    public static var expectedDescription: String { "an integer (Int16)" }
    public static func decode(postgresText text: String, type: PostgresType) throws(PostgresDecodingFailure) -> Int16 {
        try decodeInteger(text)
    }
}

extension Bool: PostgresDecodable {
    public static var acceptedTypes: Set<PostgresType>? { [.bool] }
    public static var expectedDescription: String { "a boolean" }
    public static func decode(postgresText text: String, type: PostgresType) throws(PostgresDecodingFailure) -> Bool {
        switch text {
        case "t", "true": return true
        case "f", "false": return false
        default: throw PostgresDecodingFailure("value \(text.prefix(40)) is not a boolean")
        }
    }
}

extension Double: PostgresDecodable {
    public static var acceptedTypes: Set<PostgresType>? { [.float4, .float8, .numeric, .int2, .int4, .int8] }
    public static var expectedDescription: String { "a floating-point number (Double)" }
    public static func decode(postgresText text: String, type: PostgresType) throws(PostgresDecodingFailure) -> Double {
        guard let value = PostgresFloatText.parse(text, as: Double.self) else {
            throw PostgresDecodingFailure("value \(text.prefix(40)) is not a number")
        }
        return value
    }
}

extension Float: PostgresDecodable {
    public static var acceptedTypes: Set<PostgresType>? { [.float4, .float8, .numeric] }
    public static var expectedDescription: String { "a floating-point number (Float)" }
    public static func decode(postgresText text: String, type: PostgresType) throws(PostgresDecodingFailure) -> Float {
        guard let value = PostgresFloatText.parse(text, as: Float.self) else {
            throw PostgresDecodingFailure("value \(text.prefix(40)) is not a number")
        }
        return value
    }
}

extension UUID: PostgresDecodable {
    public static var acceptedTypes: Set<PostgresType>? { [.uuid] }
    public static var expectedDescription: String { "a uuid" }
    public static func decode(postgresText text: String, type: PostgresType) throws(PostgresDecodingFailure) -> UUID {
        guard let value = UUID(uuidString: text) else {
            throw PostgresDecodingFailure("value \(text.prefix(40)) is not a uuid")
        }
        return value
    }
}

extension Date: PostgresDecodable {
    public static var acceptedTypes: Set<PostgresType>? { [.timestamptz, .timestamp, .date] }
    public static var expectedDescription: String { "a timestamp (Date)" }
    public static func decode(postgresText text: String, type: PostgresType) throws(PostgresDecodingFailure) -> Date {
        try PostgresTimestamp.parse(text)
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static var acceptedTypes: Set<PostgresType>? { Wrapped.acceptedTypes }
    public static var expectedDescription: String { Wrapped.expectedDescription + " or NULL" }
    public static func decode(postgresText text: String, type: PostgresType) throws(PostgresDecodingFailure) -> Self {
        try Wrapped.decode(postgresText: text, type: type)
    }
    public static func decodeNull() -> Self { nil }
}

extension Array: PostgresDecodable where Element: PostgresArrayElement {
    public static var acceptedTypes: Set<PostgresType>? { Element.acceptedArrayTypes }
    public static var expectedDescription: String { "an array of \(Element.expectedDescription)" }
    public static func decode(postgresText text: String, type: PostgresType) throws(PostgresDecodingFailure) -> Self {
        var elements: [Element] = []
        for (index, element) in try PostgresArrayText.parse(text).enumerated() {
            guard let element else { throw PostgresDecodingFailure("element \(index + 1) is NULL") }
            do {
                elements.append(try Element.decode(postgresText: element, type: .unspecified))
            } catch {
                throw PostgresDecodingFailure("element \(index + 1): \(error.reason)")
            }
        }
        return elements
    }
}
