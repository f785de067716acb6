import Foundation

/// A run's identity. It prints as Postgres and the API print it (lower case), so that nobody
/// lower-cases a UUID by hand, and it cannot be mixed up with another kind of id.
public struct RunID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible, LosslessStringConvertible {
    public let uuid: UUID

    public init(_ uuid: UUID) {
        self.uuid = uuid
    }

    /// A new, random id.
    public static func make() -> RunID {
        RunID(UUID())
    }

    /// An id from its text (either case); nil when the text is not a UUID.
    public init?(_ text: String) {
        guard let uuid = UUID(uuidString: text) else { return nil }
        self.uuid = uuid
    }

    public var description: String { uuid.uuidString.lowercased() }

    public static func < (left: RunID, right: RunID) -> Bool {
        left.description < right.description
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = RunID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(text.prefix(40)) is not a run id"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
