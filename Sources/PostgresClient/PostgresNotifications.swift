import CLibPQ
import Glibc
import Synchronization

/// A message sent with `NOTIFY channel, 'payload'` (or `pg_notify`).
public struct PostgresNotification: Sendable, Equatable {
    /// The channel it was sent on, as the server folded it (unquoted names are lower case).
    public let channel: String
    /// The payload, empty when none was sent.
    public let payload: String
    /// The process id of the server backend that sent it.
    public let senderProcessID: Int32
}

/// The notifications arriving on a dedicated listening connection.
///
/// Iterate it to receive notifications in the order the server delivers them. Stop iterating
/// (or cancel the iterating task) and the connection closes. When the connection breaks the
/// iteration throws `.connectionLost`: notifications sent meanwhile are gone, so a listener
/// should then re-check what it waits for (Presswork's workers fall back to polling).
public struct PostgresNotificationSequence: AsyncSequence, Sendable {
    public typealias Element = PostgresNotification
    let stream: AsyncThrowingStream<PostgresNotification, any Error>

    public func makeAsyncIterator() -> AsyncThrowingStream<PostgresNotification, any Error>.AsyncIterator {
        stream.makeAsyncIterator()
    }
}

extension PostgresConnection {
    /// Opens a new connection that runs `LISTEN` on each channel and yields what arrives.
    ///
    /// `LISTEN` has completed on every channel when this returns, so a `NOTIFY` sent afterwards
    /// is delivered. Channel names are quoted as identifiers (they cannot be parameters).
    public static func listen(
        on channels: [String],
        configuration: PostgresConfiguration
    ) async throws -> PostgresNotificationSequence {
        let connection = try await connect(configuration)
        do {
            for channel in channels {
                try await connection.executeScript(unsafeSQL: "LISTEN " + connection.quoteIdentifier(channel))
            }
        } catch {
            await connection.close()
            throw error
        }
        let wakeup = try Wakeup()
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: PostgresNotification.self)
        continuation.onTermination = { _ in wakeup.signal() }
        // The pump occupies the connection's own thread until the consumer goes away.
        Task { await connection.pumpNotifications(into: continuation, wakeup: wakeup) }
        return PostgresNotificationSequence(stream: stream)
    }

    private func pumpNotifications(
        into continuation: AsyncThrowingStream<PostgresNotification, any Error>.Continuation,
        wakeup: Wakeup
    ) {
        defer {
            close()
            wakeup.close()
        }
        let descriptor = socketDescriptor.get()
        while true {
            guard let handle = liveHandleIfOpen(), PQconsumeInput(handle) == 1 else {
                continuation.finish(
                    throwing: PostgresError(
                        .connectionLost,
                        "lost the listening connection to \(configuration.targetDescription)"
                    ))
                return
            }
            while let notification = PQnotifies(handle) {
                continuation.yield(
                    PostgresNotification(
                        channel: String(cString: notification.pointee.relname),
                        payload: String(cString: notification.pointee.extra),
                        senderProcessID: notification.pointee.be_pid
                    ))
                PQfreemem(notification)
            }
            var descriptors = [
                pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakeup.readDescriptor, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&descriptors, 2, -1)
            if ready < 0 && errno == EINTR { continue }
            if descriptors[1].revents != 0 {
                continuation.finish()
                return
            }
        }
    }

    private func liveHandleIfOpen() -> OpaquePointer? {
        isClosed ? nil : handleForListening
    }
}

/// A self-pipe that wakes a thread blocked in `poll`; safe to signal after it was closed.
final class Wakeup: Sendable {
    private let descriptors: Mutex<(read: Int32, write: Int32)?>
    let readDescriptor: Int32

    init() throws(PostgresError) {
        var pair: [Int32] = [0, 0]
        guard pipe(&pair) == 0 else {
            throw PostgresError(.unexpected, "cannot create a wake-up pipe (errno \(errno))")
        }
        for descriptor in pair {
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            _ = fcntl(descriptor, F_SETFL, O_NONBLOCK)
        }
        readDescriptor = pair[0]
        descriptors = Mutex((pair[0], pair[1]))
    }

    func signal() {
        descriptors.withLock { pair in
            guard let pair else { return }
            var byte: UInt8 = 1
            _ = write(pair.write, &byte, 1)
        }
    }

    func close() {
        descriptors.withLock { pair in
            guard let open = pair else { return }
            Glibc.close(open.read)
            Glibc.close(open.write)
            pair = nil
        }
    }
}
