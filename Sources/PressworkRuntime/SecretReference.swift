import Foundation
import PressworkCore

/// Where a secret of a profile or site lives: `env:NAME` (a variable of the executing process)
/// or `file:/absolute/path` (a file it can read, e.g. a mounted Kubernetes or Docker secret).
/// Postgres stores only the reference; the process that executes a run resolves it, so a copy of
/// the database hands out no key.
public struct SecretReference: Sendable, Equatable, CustomStringConvertible {
    public enum Source: Sendable, Equatable {
        case environment(String)
        case file(String)
    }

    public let source: Source

    /// Parses a reference; anything else is refused without echoing it (it may be the secret).
    public static func parse(_ text: String, field: String) throws(ValidationError) -> SecretReference {
        if text.hasPrefix("env:") {
            let name = String(text.dropFirst(4))
            guard name.range(of: #"^[A-Za-z_][A-Za-z0-9_]{0,127}$"#, options: .regularExpression) != nil else {
                throw ValidationError(field: field, "env: must be followed by an environment variable's name (letters, digits, _)")
            }
            return SecretReference(source: .environment(name))
        }
        if text.hasPrefix("file:") {
            let path = String(text.dropFirst(5))
            guard path.hasPrefix("/"), !path.contains("\0"), path.count <= 4_096 else {
                throw ValidationError(field: field, "file: must be followed by an absolute path")
            }
            return SecretReference(source: .file(path))
        }
        throw ValidationError(
            field: field, "must be a secret reference, env:NAME or file:/path, not the secret itself (secrets are not stored in Postgres)"
        )
    }

    public var description: String {
        switch source {
        case .environment(let name): return "env:\(name)"
        case .file(let path): return "file:\(path)"
        }
    }

    /// The secret, read now; a reference that does not resolve is an error naming it.
    public func resolve(environment: [String: String]) throws(SettingsError) -> String {
        switch source {
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw SettingsError("the secret reference \(self) does not resolve: \(name) is not set in this process's environment")
            }
            SecretRedactor.register(value)
            return value
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw SettingsError("the secret reference \(self) does not resolve: the file cannot be read by this process")
            }
            // A file written by `echo` ends in a newline that is not part of the secret.
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else { throw SettingsError("the secret reference \(self) does not resolve: the file is empty") }
            SecretRedactor.register(value)
            return value
        }
    }
}
