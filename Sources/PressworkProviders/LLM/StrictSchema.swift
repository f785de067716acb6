import PressworkCore

extension JSONSchema {
    /// The schema as sent to providers that enforce it while generating (OpenAI's strict mode,
    /// Gemini's responseSchema): types, properties and required fields only. Bounds (lengths,
    /// item counts, ranges, patterns) are left out because those providers refuse a schema with
    /// keywords they do not support, and which ones they support changes; Presswork validates
    /// every reply against the full schema itself and asks for a repair naming what was wrong.
    public var structuralJSON: JSONValue {
        Self.strip(json)
    }

    static let boundKeywords: Set<String> = ["minLength", "maxLength", "minItems", "maxItems", "minimum", "maximum", "pattern"]

    private static func strip(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let fields):
            return .object(fields.filter { !boundKeywords.contains($0.0) || !isConstraintValue($0.1) }.map { ($0.0, strip($0.1)) })
        case .array(let elements):
            return .array(elements.map(strip))
        default:
            return value
        }
    }

    /// A bound's value is a number or a string; a property that happens to be named "pattern"
    /// has an object (its schema) and is kept.
    private static func isConstraintValue(_ value: JSONValue) -> Bool {
        switch value {
        case .number, .string: return true
        default: return false
        }
    }
}
