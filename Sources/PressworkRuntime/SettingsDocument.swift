import Foundation
import PressworkCore

/// The rules profile and site documents share: a JSON object with known keys only (a typo is
/// refused by name, not silently ignored), secrets as references, and the decoded value.
enum SettingsDocument {
    /// Decodes `document` as `T` after checking its keys; `secrets` are the keys that must hold
    /// references. Errors name the key, as `settings.KEY`.
    static func decode<T: Decodable>(
        _ type: T.Type, _ document: JSONValue, known: Set<String>, secrets: Set<String>, misplaced: (String) -> String?
    ) throws(ValidationError) -> (value: T, secrets: [String: SecretReference]) {
        guard case .object(let fields) = document else { throw ValidationError(field: "settings", "must be a JSON object") }
        var references: [String: SecretReference] = [:]
        for (key, value) in fields {
            guard known.contains(key) else {
                if let advice = misplaced(key) { throw ValidationError(field: "settings.\(key)", advice) }
                throw ValidationError(field: "settings.\(key)", "is not a known key; known keys: " + known.sorted().joined(separator: ", "))
            }
            if secrets.contains(key) {
                guard case .string(let text) = value else {
                    throw ValidationError(field: "settings.\(key)", "must be a secret reference (env:NAME or file:/path)")
                }
                references[key] = try SecretReference.parse(text, field: "settings.\(key)")
            }
        }
        do {
            return (try JSONDecoder().decode(T.self, from: Data(document.text.utf8)), references)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.dataCorrupted(context),
            let DecodingError.valueNotFound(_, context)
        {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw ValidationError(field: "settings" + (key.isEmpty ? "" : ".\(key)"), "has a bad value: \(context.debugDescription)")
        } catch let DecodingError.keyNotFound(key, _) {
            throw ValidationError(field: "settings.\(key.stringValue)", "is required")
        } catch {
            throw ValidationError(field: "settings", "cannot be read: \(error)")
        }
    }

    /// Resolves each reference, naming the key whose reference does not resolve.
    static func resolve(
        _ references: [String: SecretReference], environment: [String: String]
    ) throws(ValidationError) -> [String: String] {
        var values: [String: String] = [:]
        for (key, reference) in references.sorted(by: { $0.key < $1.key }) {
            do {
                values[key] = try reference.resolve(environment: environment)
            } catch {
                throw ValidationError(field: "settings.\(key)", error.message)
            }
        }
        return values
    }
}
