/// The subset of JSON Schema the pipeline's output types need, as a value: it encodes to the
/// JSON that LLM providers take as a response schema, and `validate` checks a decoded JSON value
/// against it, reporting every problem with its path (`sections[2].heading: missing`).
public indirect enum JSONSchema: Sendable, Equatable {
    case object(properties: [(String, JSONSchema)], required: [String])
    case array(items: JSONSchema, minItems: Int? = nil, maxItems: Int? = nil)
    case string(minLength: Int? = nil, maxLength: Int? = nil, pattern: String? = nil, enumeration: [String]? = nil)
    case number(minimum: Double? = nil, maximum: Double? = nil)
    case integer(minimum: Int? = nil, maximum: Int? = nil)
    case boolean
    case nullable(JSONSchema)

    public static func == (lhs: JSONSchema, rhs: JSONSchema) -> Bool {
        lhs.json == rhs.json
    }

    /// The names of an object schema's properties.
    public var propertyNames: [String] {
        if case .object(let properties, _) = self { return properties.map(\.0) }
        return []
    }

    /// The schema as a JSON value (`{"type": "object", "properties": …}`), properties in order.
    public var json: JSONValue {
        switch self {
        case .object(let properties, let required):
            return .object([
                ("type", .string("object")),
                ("properties", .object(properties.map { ($0.0, $0.1.json) })),
                ("required", .array(required.map(JSONValue.string))),
                ("additionalProperties", .bool(false)),
            ])
        case .array(let items, let minItems, let maxItems):
            var fields: [(String, JSONValue)] = [("type", .string("array")), ("items", items.json)]
            if let minItems { fields.append(("minItems", .number(Double(minItems)))) }
            if let maxItems { fields.append(("maxItems", .number(Double(maxItems)))) }
            return .object(fields)
        case .string(let minLength, let maxLength, let pattern, let enumeration):
            var fields: [(String, JSONValue)] = [("type", .string("string"))]
            if let minLength { fields.append(("minLength", .number(Double(minLength)))) }
            if let maxLength { fields.append(("maxLength", .number(Double(maxLength)))) }
            if let pattern { fields.append(("pattern", .string(pattern))) }
            if let enumeration { fields.append(("enum", .array(enumeration.map(JSONValue.string)))) }
            return .object(fields)
        case .number(let minimum, let maximum):
            var fields: [(String, JSONValue)] = [("type", .string("number"))]
            if let minimum { fields.append(("minimum", .number(minimum))) }
            if let maximum { fields.append(("maximum", .number(maximum))) }
            return .object(fields)
        case .integer(let minimum, let maximum):
            var fields: [(String, JSONValue)] = [("type", .string("integer"))]
            if let minimum { fields.append(("minimum", .number(Double(minimum)))) }
            if let maximum { fields.append(("maximum", .number(Double(maximum)))) }
            return .object(fields)
        case .boolean:
            return .object([("type", .string("boolean"))])
        case .nullable(let wrapped):
            guard case .object(var fields) = wrapped.json,
                let index = fields.firstIndex(where: { $0.0 == "type" }),
                case .string(let type) = fields[index].1
            else { return wrapped.json }
            fields[index] = ("type", .array([.string(type), .string("null")]))
            return .object(fields)
        }
    }

    /// Every way `value` breaks the schema; empty when it conforms. The lists and strings at the
    /// paths in `waived` (e.g. `categories`) may be shorter than their minimum: their caller
    /// falls back when they are.
    public func validate(_ value: JSONValue, at path: String = "", waived: Set<String> = []) -> [String] {
        let here = path.isEmpty ? "(top level)" : path
        switch (self, value) {
        case (.nullable, .null):
            return []
        case (.nullable(let wrapped), _):
            return wrapped.validate(value, at: path, waived: waived)
        case (.object(let properties, let required), .object(let fields)):
            var problems: [String] = []
            let present = Dictionary(fields, uniquingKeysWith: { first, _ in first })
            for name in required where present[name] == nil {
                problems.append("\(join(path, name)): missing")
            }
            let known = Dictionary(properties, uniquingKeysWith: { first, _ in first })
            for (name, fieldValue) in fields {
                guard let schema = known[name] else {
                    problems.append("\(join(path, name)): not allowed here")
                    continue
                }
                problems += schema.validate(fieldValue, at: join(path, name), waived: waived)
            }
            return problems
        case (.array(let items, let minItems, let maxItems), .array(let elements)):
            var problems: [String] = []
            if let minItems, elements.count < minItems, !waived.contains(path) {
                problems.append("\(here): has \(elements.count) items, at least \(minItems) required")
            }
            if let maxItems, elements.count > maxItems {
                problems.append("\(here): has \(elements.count) items, at most \(maxItems) allowed")
            }
            for (index, element) in elements.enumerated() {
                problems += items.validate(element, at: "\(path)[\(index)]", waived: waived)
            }
            return problems
        case (.string(let minLength, let maxLength, let pattern, let enumeration), .string(let text)):
            var problems: [String] = []
            if let minLength, text.count < minLength, !waived.contains(path) {
                problems.append("\(here): shorter than \(minLength) characters")
            }
            if let maxLength, text.count > maxLength { problems.append("\(here): longer than \(maxLength) characters") }
            if let enumeration, !enumeration.contains(text) {
                problems.append("\(here): \"\(text.prefix(40))\" is not one of \(enumeration.joined(separator: ", "))")
            }
            if let pattern, (try? Regex(pattern).wholeMatch(in: text)) == nil {
                problems.append("\(here): does not match \(pattern)")
            }
            return problems
        case (.number(let minimum, let maximum), .number(let number)):
            return rangeProblems(number, minimum, maximum, here)
        case (.integer(let minimum, let maximum), .number(let number)):
            guard number.rounded() == number else { return ["\(here): \(number) is not an integer"] }
            return rangeProblems(number, minimum.map(Double.init), maximum.map(Double.init), here)
        case (.boolean, .bool):
            return []
        default:
            return ["\(here): expected \(typeName), found \(value.typeName)"]
        }
    }

    private var typeName: String {
        switch self {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case .number: return "a number"
        case .integer: return "an integer"
        case .boolean: return "a boolean"
        case .nullable(let wrapped): return wrapped.typeName + " or null"
        }
    }

    private func rangeProblems(_ number: Double, _ minimum: Double?, _ maximum: Double?, _ here: String) -> [String] {
        var problems: [String] = []
        if let minimum, number < minimum { problems.append("\(here): \(number) is below \(minimum)") }
        if let maximum, number > maximum { problems.append("\(here): \(number) is above \(maximum)") }
        return problems
    }

    private func join(_ path: String, _ name: String) -> String {
        path.isEmpty ? name : "\(path).\(name)"
    }
}
