import Foundation
import PressworkCore

/// The `--edit FILE` of `review approve`: replacement artifacts, validated before anything changes.
enum ReviewEdits {
    static func load(path: String) throws -> [(Round, JSONValue)] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PressworkCore.ValidationError(field: "--edit", "cannot read \(path)")
        }
        let document: JSONValue
        do {
            document = try JSONValue.parse(data)
        } catch {
            throw PressworkCore.ValidationError(field: "--edit", "\(path) is not valid JSON")
        }
        guard case .object(let fields) = document, !fields.isEmpty else {
            throw PressworkCore.ValidationError(field: "--edit", "\(path) must hold an object with \"metadata\" and/or \"sections\"")
        }
        var edits: [(Round, JSONValue)] = []
        for (key, value) in fields {
            let (round, schema): (Round, JSONSchema)
            switch key {
            case "metadata": (round, schema) = (.metadata, Metadata.schema)
            case "sections": (round, schema) = (.polish, [PolishedSection].schema)
            default:
                throw PressworkCore.ValidationError(field: "--edit", "unknown key \"\(key)\"; use \"metadata\" or \"sections\"")
            }
            let problems = schema.validate(value, at: key)
            guard problems.isEmpty else {
                throw PressworkCore.ValidationError(field: "--edit", problems.prefix(5).joined(separator: "; "))
            }
            edits.append((round, value))
        }
        return edits
    }
}
