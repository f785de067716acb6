import Logging
import PostgresClient

/// Listens on one of the schema's channels for as long as it runs, on a connection of its own,
/// and reconnects after a lost one. Every listener in Presswork (waking workers, progress
/// streams, `runs follow`) is one of these, so they lose and regain notifications alike.
///
/// A notification can be missed while the connection is down, so `.listening` is signalled each
/// time the LISTEN is (again) in place: whoever listens looks at once for what it may have missed.
public struct NotificationListener: Sendable {
    public enum Signal: Sendable {
        /// The LISTEN is in place (first, or again after a lost connection).
        case listening
        /// A NOTIFY arrived, with its payload.
        case notification(payload: String)
        /// The connection was lost or could not be made; a new one is tried after a pause.
        case lost
    }

    public let channel: String
    public let configuration: PostgresConfiguration
    public let logger: Logger
    public let reconnectPause: Duration

    public init(channel: String, configuration: PostgresConfiguration, logger: Logger, reconnectPause: Duration = .seconds(1)) {
        self.channel = channel
        self.configuration = configuration
        self.logger = logger
        self.reconnectPause = reconnectPause
    }

    /// Runs until the task is cancelled, telling `handle` what happens.
    public func run(_ handle: @Sendable (Signal) async -> Void) async {
        while !Task.isCancelled {
            do {
                let notifications = try await PostgresConnection.listen(on: [channel], configuration: configuration)
                await handle(.listening)
                for try await notification in notifications {
                    await handle(.notification(payload: notification.payload))
                }
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                logger.warning(
                    "lost the notification connection; listening again after a pause", error: error,
                    metadata: ["channel": "\(channel)"])
                await handle(.lost)
                try? await Task.sleep(for: reconnectPause)
            }
        }
    }
}
