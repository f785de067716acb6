import Foundation
import PressworkCore
import PressworkPipeline

/// Applies `ReplyRules` to a parsed reply before it is checked against its schema: every soft
/// bound it breaks is normalized, and each change is described for a warning diagnostic. What
/// is left for the schema check is what only the model can fix.
struct ReplyNormalizer {
    let rules: [String: FieldRule]
    private(set) var changes: [String] = []
    /// Lists whose minimum count, and strings whose minimum length, are not the reply's to meet
    /// (`listWithFallback`, `proseWithFallback`).
    private(set) var waived: Set<String> = []

    init(rules: [String: FieldRule]) {
        self.rules = rules
    }

    /// The normalized value and what was changed.
    static func normalize(_ value: JSONValue, schema: JSONSchema, typeName: String)
        -> (value: JSONValue, changes: [String], waived: Set<String>)
    {
        var normalizer = ReplyNormalizer(rules: ReplyRules.rules(for: typeName))
        let normalized = normalizer.visit(value, schema, rulePath: "", path: "")
        return (normalized, normalizer.changes, normalizer.waived)
    }

    private mutating func visit(_ value: JSONValue, _ schema: JSONSchema, rulePath: String, path: String) -> JSONValue {
        let rule = rules[rulePath] ?? .repair
        switch (schema, value) {
        case (.nullable(let wrapped), _):
            return value == .null ? value : visit(value, wrapped, rulePath: rulePath, path: path)
        case (.object(let properties, _), .object(let fields)):
            let known = Dictionary(properties, uniquingKeysWith: { first, _ in first })
            return .object(
                fields.map { name, field in
                    guard let fieldSchema = known[name] else { return (name, field) }
                    return (name, visit(field, fieldSchema, rulePath: Self.join(rulePath, name), path: Self.join(path, name)))
                })
        case (.array(let items, let minItems, let maxItems), .array(var elements)):
            if rule == .list || rule == .listWithFallback {
                let before = elements.count
                elements.removeAll { if case .string(let text) = $0 { return Self.isBlank(text) } else { return false } }
                if elements.count < before { note(path, "dropped \(before - elements.count) empty items") }
                if let maxItems, elements.count > maxItems {
                    note(path, "had \(elements.count) items; kept the first \(maxItems)")
                    elements = Array(elements.prefix(maxItems))
                }
                if rule == .listWithFallback, let minItems, elements.count < minItems { waived.insert(path) }
            }
            return .array(
                elements.enumerated().map { index, element in
                    visit(element, items, rulePath: rulePath + "[]", path: "\(path)[\(index)]")
                })
        case (.string(let minLength, let maxLength, _, _), .string(let text)):
            let normalized = normalizeString(text, rule: rule, maxLength: maxLength, path: path)
            if rule == .proseWithFallback, let minLength, normalized.count < minLength { waived.insert(path) }
            return .string(normalized)
        case (.number(let minimum, let maximum), .number(let number)) where rule == .clamp:
            return .number(clamp(number, minimum, maximum, path: path))
        case (.integer(let minimum, let maximum), .number(let number)) where rule == .clamp:
            return .number(clamp(number.rounded(), minimum.map(Double.init), maximum.map(Double.init), path: path))
        default:
            return value
        }
    }

    private mutating func normalizeString(_ raw: String, rule: FieldRule, maxLength: Int?, path: String) -> String {
        // Before anything else, and for every string: control characters (NUL, ESC, BEL, CR…),
        // bidi overrides and zero-width characters never reach a page, a terminal or Postgres
        // (a NUL in text is an error there). Bodies keep their newlines and tabs.
        let text = Self.withoutControls(raw, keepingLineBreaks: rule == .prose || rule == .proseWithFallback)
        if text != raw { note(path, "control or invisible characters removed") }
        var result: String
        switch rule {
        case .clip:
            result = text.trimmingCharacters(in: .whitespacesAndNewlines)
        case .term:
            result = TextShaping.collapsingWhitespace(text)
        case .prose, .proseWithFallback:
            result = TextShaping.strippingTags(text).trimmingCharacters(in: .whitespacesAndNewlines)
            if result != text.trimmingCharacters(in: .whitespacesAndNewlines) { note(path, "markup removed") }
        case .slug:
            let rebuilt = TextShaping.slug(text, limit: maxLength ?? Metadata.slugLimit)
            if rebuilt != text, !rebuilt.isEmpty { note(path, "rebuilt as \"\(rebuilt)\"") }
            return rebuilt.isEmpty ? text : rebuilt
        default:
            return text
        }
        if let maxLength, result.count > maxLength {
            note(path, "\(result.count) characters; cut to \(maxLength) at a word boundary")
            result = TextShaping.clip(result, to: maxLength)
        }
        return result
    }

    private mutating func clamp(_ number: Double, _ minimum: Double?, _ maximum: Double?, path: String) -> Double {
        var result = number
        if let minimum, result < minimum { result = minimum }
        if let maximum, result > maximum { result = maximum }
        if result != number {
            note(path, "\(Self.format(number)) is outside \(Self.format(minimum))…\(Self.format(maximum)); set to \(Self.format(result))")
        }
        return result
    }

    private mutating func note(_ path: String, _ change: String) {
        changes.append("\(path.isEmpty ? "(top level)" : path): \(change)")
    }

    // MARK: Text

    static func join(_ path: String, _ name: String) -> String {
        path.isEmpty ? name : "\(path).\(name)"
    }

    /// `text` without `UnsafeScalars` (but newline and tab when `keepingLineBreaks`).
    static func withoutControls(_ text: String, keepingLineBreaks: Bool) -> String {
        guard text.unicodeScalars.contains(where: { isRemoved($0, keepingLineBreaks: keepingLineBreaks) }) else { return text }
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: text.unicodeScalars.filter { !isRemoved($0, keepingLineBreaks: keepingLineBreaks) })
        return String(scalars)
    }

    private static func isRemoved(_ scalar: Unicode.Scalar, keepingLineBreaks: Bool) -> Bool {
        if scalar == "\n" || scalar == "\t" { return !keepingLineBreaks }
        return UnsafeScalars.isControl(scalar) || UnsafeScalars.isBidiControl(scalar) || UnsafeScalars.isInvisible(scalar)
    }

    static func isBlank(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { $0.properties.isWhitespace || $0.properties.isDefaultIgnorableCodePoint }
    }

    static func format(_ number: Double?) -> String {
        guard let number else { return "" }
        return number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }
}
