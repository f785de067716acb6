import Crypto
import Foundation

/// The prompt templates, one file per round in `Prompts/`, compiled into the binary
/// (`.embedInCode`), so an installed `presswork` runs exactly the prompts it was tested with.
///
/// A template's `{{name}}` placeholders are filled from the round's inputs. Changing a template
/// changes what runs produce, so it must come with a new `Pipeline.version`: the fingerprint
/// below is checked by a test against `recordedFingerprint`, which fails until both are updated.
public enum PromptTemplates {
    public static let system = text(PackageResources.system_md)
    public static let ideas = text(PackageResources.round1_ideas_md)
    public static let outline = text(PackageResources.round2_outline_md)
    public static let draft = text(PackageResources.round3_draft_md)
    public static let polish = text(PackageResources.round4_polish_md)
    public static let metadata = text(PackageResources.round5_metadata_md)
    public static let review = text(PackageResources.round6_review_md)

    static var all: [String] { [system, ideas, outline, draft, polish, metadata, review] }

    /// SHA-256 of every template, first 16 hex digits.
    public static var fingerprint: String {
        let digest = SHA256.hash(data: Data(all.joined(separator: "\u{0}").utf8))
        return digest.map { String(format: "%02x", $0) }.joined().prefix(16).description
    }

    /// The fingerprint of the templates as of `Pipeline.version` (see above).
    public static let recordedFingerprint = "43dd14d2cb2934f8"

    /// `template` with each `{{name}}` replaced by `values[name]`. A placeholder without a value
    /// is a programming error (a test renders every template with its round's inputs).
    public static func render(_ template: String, _ values: [String: String]) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                out += rest[open.lowerBound...]
                return out
            }
            let name = String(rest[open.upperBound..<close.lowerBound])
            guard let value = values[name] else {
                preconditionFailure("prompt placeholder {{\(name)}} has no value")
            }
            out += value
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    /// Placeholders a template uses.
    static func placeholders(_ template: String) -> Set<String> {
        var names: Set<String> = []
        var rest = Substring(template)
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            names.insert(String(rest[open.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return names
    }

    private static func text(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}
