import Foundation
import PressworkCore
import PressworkPipeline

/// How the hosted image providers are asked and priced (the `image…` keys of a profile or the
/// config file), and what both do with a prompt and with the bytes that come back.
public struct ImageSettings: Sendable, Equatable {
    /// e.g. `1024x1024`, `1536x1024`; nil: the server's default.
    public var size: String?
    /// Appended to every prompt (`"flat vector illustration, muted colours"`); nil: none.
    public var style: String?
    /// US dollars per image, for cost totals and budgets; nil: unpriced (0).
    public var pricePerImageUSD: Double?

    public init(size: String? = nil, style: String? = nil, pricePerImageUSD: Double? = nil) {
        self.size = size
        self.style = style
        self.pricePerImageUSD = pricePerImageUSD
    }

    /// The text sent for `request`: its prompt, then the style.
    func prompt(_ request: ImageRequest) -> String {
        guard let style, !style.isEmpty else { return request.prompt }
        return request.prompt + "\n\nStyle: \(style)"
    }

    /// What one image cost.
    var usage: TokenUsage { TokenUsage(costUSD: pricePerImageUSD ?? 0, calls: 1) }

    /// `bytes` as an image of `declared` type, or the refusal as `provider`'s bad reply (not
    /// retried: asking again gets the same kind of bytes).
    static func checked(_ bytes: Data, declared: String, provider: String) throws -> ImageData {
        do {
            return try ImageData.checked(bytes, declared: declared)
        } catch {
            throw ProviderError(provider: provider, kind: .badReply, message: "the image is refused: \(error)")
        }
    }
}
