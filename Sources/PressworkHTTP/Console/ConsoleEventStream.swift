import Foundation
import HTTPTypes
import Hummingbird
import PressworkCore

/// The console's live updates: Server-Sent Events that say only "something changed" (`event:
/// change`) when a run's event arrives; the page then fetches itself again (console.js). The
/// data stays on the pages, rendered and escaped by the server, so the stream carries none.
enum ConsoleEventStream {
    /// Woken by every run's events (the runs page).
    static func anyRun(hub: EventHub) -> Response {
        stream {
            await hub.subscribeEveryRun()
        } end: {
            await hub.unsubscribeEveryRun(id: $0)
        }
    }

    /// Woken by one run's events (the run's page).
    static func run(_ runID: RunID, hub: EventHub) -> Response {
        stream {
            await hub.subscribe(runID)
        } end: {
            await hub.unsubscribe(runID, id: $0)
        }
    }

    private static func stream(
        subscribe: @escaping @Sendable () async -> (id: Int, wakeups: AsyncStream<Void>),
        end: @escaping @Sendable (Int) async -> Void
    ) -> Response {
        var headers = ConsoleResponse.securityHeaders
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                let subscription = await subscribe()
                do {
                    try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
                    var count = 0
                    for await _ in subscription.wakeups {
                        count += 1
                        try await writer.write(ByteBuffer(string: "id: \(count)\nevent: change\ndata: {}\n\n"))
                    }
                    await end(subscription.id)
                    try await writer.finish(nil)
                } catch {
                    await end(subscription.id)
                    throw error
                }
            })
    }
}
