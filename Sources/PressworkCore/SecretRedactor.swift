import Foundation
import Synchronization

/// Keeps secrets out of everything Presswork writes down: logs, a run's status reason and
/// diagnostics (and so the run document, the API and webhook bodies), spans, the terminal.
///
/// Two nets. Every secret this process resolves (provider keys, WordPress passwords, the
/// secrets of profiles and sites, OTLP headers, the database password) is registered, and any
/// occurrence of it is replaced, whoever echoes it (a provider's 401 body often quotes the key).
/// Text that merely looks like a credential is masked too: `Bearer …` and `Basic …` values,
/// OpenAI-style `sk-…` keys, Google `AIza…` keys and `key=`/`api_key=`/`token=` parameters.
public enum SecretRedactor {
    /// What replaces a secret.
    public static let mask = "[redacted]"

    private static let known = Mutex<Set<String>>([])

    /// Remembers a secret for the rest of the process; values under 6 characters are ignored
    /// (masking every "test" would garble text and protect nothing).
    public static func register(_ secret: String?) {
        guard let secret = secret?.trimmingCharacters(in: .whitespacesAndNewlines), secret.count >= 6 else { return }
        known.withLock { _ = $0.insert(secret) }
    }

    public static func redact(_ text: String) -> String {
        var result = text
        // Longest first, so that a secret containing another is masked whole.
        for secret in known.withLock({ $0 }).sorted(by: { $0.count > $1.count }) where result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: mask)
        }
        for pattern in patterns {
            result = result.replacing(pattern.regex) { match in pattern.keep(match) + mask }
        }
        return result
    }

    private struct Pattern: @unchecked Sendable {
        let regex: Regex<AnyRegexOutput>
        /// How many leading capture groups stay (the label before the secret).
        let kept: Int

        init(_ source: String, kept: Int = 0) {
            regex = try! Regex(source)
            self.kept = kept
        }

        func keep(_ match: Regex<AnyRegexOutput>.Match) -> String {
            guard kept > 0 else { return "" }
            return (1...kept).compactMap { match.output[$0].substring.map(String.init) }.joined()
        }
    }

    private static let patterns: [Pattern] = [
        // Authorization values: the scheme stays.
        Pattern(#"(?i)\b(bearer\s+|basic\s+)[A-Za-z0-9._~+/=-]{8,}"#, kept: 1),
        // Fields and parameters naming a key, token, password or secret: the name stays.
        Pattern(
            #"(?i)\b(api[_-]?key|access[_-]?token|auth[_-]?token|token|password|passwd|secret|client[_-]?secret)(["']?\s*[=:]\s*["']?)[^\s"'&,;}]{6,}"#,
            kept: 2
        ),
        // Google's `?key=` query parameter.
        Pattern(#"(?i)([?&]key=)[^\s&"'#]{6,}"#, kept: 1),
        Pattern(#"\bsk-[A-Za-z0-9_-]{16,}"#),
        Pattern(#"\bAIza[0-9A-Za-z_-]{30,}"#),
    ]
}
