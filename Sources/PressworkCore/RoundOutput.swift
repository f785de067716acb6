/// A type with a JSON Schema: the schema LLM providers are asked to follow and replies are
/// validated against. Tests check that each schema and its type agree in both directions.
public protocol SchemaDescribed: Codable, Sendable, Equatable {
    static var schema: JSONSchema { get }
}

extension Array: SchemaDescribed where Element: SchemaDescribed {
    public static var schema: JSONSchema { .array(items: Element.schema) }
}

/// Text fields shared by several schemas. The bounds are what an article needs, a little over
/// what the prompts ask for: a grammar-based server enforces them while it generates (see
/// `SchemaBounds`), so a loose bound is room for a small model to loop in, and a reply over
/// one is cut, not refused (`ReplyRules`).
enum Text {
    static let short = JSONSchema.string(minLength: 1, maxLength: 120)
    static let paragraph = JSONSchema.string(minLength: 1, maxLength: 600)
    static let list = JSONSchema.array(items: .string(minLength: 1, maxLength: 120), maxItems: 8)
}
