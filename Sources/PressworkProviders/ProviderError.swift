import PressworkPipeline

/// A provider call that failed, saying which provider, what happened, and whether trying again
/// may help. The message never holds a key: requests carry keys in headers, and messages are
/// built from the status, the provider's own error text and a prefix of the reply.
public struct ProviderError: ProviderFailure, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable {
        /// Rate limited, a server error, a timeout, a dropped connection: worth retrying.
        case transient
        /// Refused (401, 403, 400, 404): the same request will fail again.
        case permanent
        /// The provider answered, but not with what was asked for (bad JSON, wrong shape).
        case badReply
        /// The run's budget does not allow another call.
        case budget
    }

    public let provider: String
    public let kind: Kind
    public let message: String
    /// The HTTP status, when there was one.
    public let status: Int?

    public init(provider: String, kind: Kind, message: String, status: Int? = nil) {
        self.provider = provider
        self.kind = kind
        self.message = message
        self.status = status
    }

    public var isTransient: Bool { kind == .transient }

    public var description: String {
        "\(provider): \(message)"
    }
}
