/// A reviewer's replacement artifacts: `{"metadata": …, "sections": […]}` replacing round 5's
/// metadata and/or round 4's polished sections, each validated against its schema before
/// anything changes. Used by `review approve --edit FILE` and the API's review.
public enum ReviewEdits {
    /// The edits of `document`; `field` names where they came from in errors.
    public static func parse(_ document: JSONValue, field: String) throws -> [(Round, JSONValue)] {
        guard case .object(let fields) = document, !fields.isEmpty else {
            throw ValidationError(field: field, "must be an object with \"metadata\" and/or \"sections\"")
        }
        var edits: [(Round, JSONValue)] = []
        for (key, value) in fields {
            let (round, schema): (Round, JSONSchema)
            switch key {
            case "metadata": (round, schema) = (.metadata, Metadata.schema)
            case "sections": (round, schema) = (.polish, [PolishedSection].schema)
            default:
                throw ValidationError(field: field, "unknown key \"\(key)\"; use \"metadata\" or \"sections\"")
            }
            let problems = schema.validate(value, at: key)
            guard problems.isEmpty else {
                throw ValidationError(field: field, problems.prefix(5).joined(separator: "; "))
            }
            edits.append((round, value))
        }
        return edits
    }
}
