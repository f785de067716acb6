/// A problem with the embedded Postgres cluster, phrased for the person running Presswork:
/// what failed, and what to do about it when that is known.
public struct EmbeddedPostgresError: Error, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
