import Crypto
import Foundation

/// Webhook signatures as the Standard Webhooks specification defines them
/// (https://www.standardwebhooks.com), so that receivers can use its libraries or a few lines of
/// their own:
///
/// - headers `webhook-id` (the event's id, the same on every retry: receivers deduplicate on
///   it), `webhook-timestamp` (Unix seconds of this attempt) and `webhook-signature`
///   (`v1,<base64 signature>`);
/// - the signature is HMAC-SHA256, keyed with the base64-decoded part of the secret after
///   `whsec_`, over `<webhook-id>.<webhook-timestamp>.<body>`;
/// - a receiver recomputes it over the raw body, compares in constant time, and rejects
///   timestamps more than five minutes from its clock (a replayed request).
public enum WebhookSignature {
    public struct BadSecret: Error, CustomStringConvertible {
        public var description: String { "a webhook secret must be whsec_ followed by base64" }
    }

    /// The `webhook-signature` header value.
    public static func sign(id: String, timestamp: Int, body: Data, secret: String) throws -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: signedContent(id: id, timestamp: timestamp, body: body), using: try key(secret))
        return "v1," + Data(mac).base64EncodedString()
    }

    /// True when one of the signatures in `header` (space-separated `v1,…`) is right and the
    /// timestamp is within `tolerance` of `now`.
    public static func verify(
        id: String, timestamp: Int, body: Data, header: String, secret: String, now: Date = Date(), tolerance: TimeInterval = 300
    ) -> Bool {
        guard abs(now.timeIntervalSince1970 - Double(timestamp)) <= tolerance, let key = try? key(secret) else { return false }
        let content = signedContent(id: id, timestamp: timestamp, body: body)
        for candidate in header.split(separator: " ") where candidate.hasPrefix("v1,") {
            guard let signature = Data(base64Encoded: String(candidate.dropFirst(3))) else { continue }
            if HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: content, using: key) { return true }
        }
        return false
    }

    static func signedContent(id: String, timestamp: Int, body: Data) -> Data {
        Data("\(id).\(timestamp).".utf8) + body
    }

    static func key(_ secret: String) throws -> SymmetricKey {
        guard secret.hasPrefix("whsec_"), let bytes = Data(base64Encoded: String(secret.dropFirst(6))), !bytes.isEmpty else {
            throw BadSecret()
        }
        return SymmetricKey(data: bytes)
    }
}
