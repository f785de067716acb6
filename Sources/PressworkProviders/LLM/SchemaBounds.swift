import PressworkCore

/// Which of a schema's bounds (lengths, item counts, ranges, patterns, enums) are sent to a
/// provider with the request.
///
/// A server that turns the schema into a grammar (llama.cpp, vLLM, Ollama) enforces what it is
/// sent while it generates: without `maxItems` or `maxLength` a small model can loop inside an
/// array or a string until the output limit. Hosted APIs accept only a subset and refuse a
/// schema with other keywords. Whatever is sent, every reply is checked against the full schema
/// locally, and soft bounds are normalized there (see `ReplyRules`).
public enum SchemaBounds: String, Sendable, CaseIterable, Codable {
    /// Every bound: grammar-based decoders (llama.cpp's server, vLLM, Ollama, LM Studio).
    case full
    /// Types, properties and required fields only: for a server whose support is unknown.
    case structural
    /// OpenAI's strict structured outputs: item counts, numeric ranges, patterns and enums;
    /// string lengths are not supported there.
    case openai
    /// Gemini's `responseSchema` (an OpenAPI 3.0 subset): enums, item counts and numeric ranges.
    case gemini

    /// The keywords this choice sends; `type`, `properties`, `required`, `items` always go.
    var keywords: Set<String> {
        switch self {
        case .full: return ["minLength", "maxLength", "minItems", "maxItems", "minimum", "maximum", "pattern", "enum"]
        case .structural: return ["enum"]
        case .openai: return ["minItems", "maxItems", "minimum", "maximum", "pattern", "enum"]
        case .gemini: return ["minItems", "maxItems", "minimum", "maximum", "enum"]
        }
    }

    /// The default for an OpenAI-compatible base URL: OpenAI's own subset for api.openai.com,
    /// types only for routers that forward to servers of every kind (OpenRouter), and every
    /// bound for the rest, which are mostly local grammar-based servers.
    public static func defaultFor(openAIBaseURL url: String) -> SchemaBounds {
        let host = OpenAIChatClient.host(url).lowercased()
        if host == "api.openai.com" || host.hasSuffix(".openai.azure.com") { return .openai }
        if host.hasSuffix("openrouter.ai") { return .structural }
        return .full
    }
}

extension JSONSchema {
    /// The schema as sent to a provider that takes `bounds`. Patterns go anchored (`^(…)$`):
    /// JSON Schema's patterns match anywhere, Presswork's validation matches the whole string,
    /// and llama.cpp's grammar converter accepts only anchored patterns.
    public func sent(_ bounds: SchemaBounds) -> JSONValue {
        Self.keep(json, bounds.keywords)
    }

    private static func keep(_ value: JSONValue, _ allowed: Set<String>) -> JSONValue {
        switch value {
        case .object(let fields):
            return .object(
                fields.compactMap { name, field in
                    // A bound's value is a number, a string or (enum) an array; a property that
                    // happens to be named "pattern" has an object, its schema, and is kept.
                    guard SchemaBounds.full.keywords.contains(name), isConstraintValue(field) else { return (name, keep(field, allowed)) }
                    guard allowed.contains(name) else { return nil }
                    if name == "pattern", case .string(let pattern) = field { return (name, .string(anchored(pattern))) }
                    return (name, field)
                })
        case .array(let elements):
            return .array(elements.map { keep($0, allowed) })
        default:
            return value
        }
    }

    private static func isConstraintValue(_ value: JSONValue) -> Bool {
        switch value {
        case .number, .string, .array: return true
        default: return false
        }
    }

    static func anchored(_ pattern: String) -> String {
        pattern.hasPrefix("^") && pattern.hasSuffix("$") ? pattern : "^(" + pattern + ")$"
    }
}
