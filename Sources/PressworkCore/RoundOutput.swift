/// A type with a JSON Schema: the schema LLM providers are asked to follow and replies are
/// validated against. Tests check that each schema and its type agree in both directions.
public protocol SchemaDescribed: Codable, Sendable, Equatable {
    static var schema: JSONSchema { get }
}

extension Array: SchemaDescribed where Element: SchemaDescribed {
    public static var schema: JSONSchema { .array(items: Element.schema) }
}

/// Text fields shared by several schemas.
enum Text {
    static let short = JSONSchema.string(minLength: 1, maxLength: 200)
    static let paragraph = JSONSchema.string(minLength: 1, maxLength: 2_000)
    static let list = JSONSchema.array(items: .string(minLength: 1, maxLength: 120), maxItems: 12)
}
