import Foundation
import HTTPTypes
import Hummingbird
import PressworkStore

/// GET /v1/runs/{id}/events: the run's progress as Server-Sent Events. Each event of the run
/// (`run.round_completed` per round, then `run.needs_review` or its ending) is one message:
/// `id: <event id>`, `event: <kind>`, `data: <the event's JSON>`. The stream first replays what
/// happened (after `Last-Event-ID`, when a client reconnects), then follows live, woken by the
/// triggers' NOTIFY, and ends after the run's final event. A comment every 15 s keeps idle
/// connections open through proxies.
struct RunEventRoutes: Sendable {
    let context: RouteContext

    init(_ context: RouteContext) {
        self.context = context
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/v1/runs/:id/events") { request, requestContext in
            try await context.auth.require(.runsRead, request)
            let runID = try await RunRoutes(context).run(requestContext).id
            var after: Int64 = 0
            if let lastEventID = request.headers[.lastEventID] {
                guard let parsed = Int64(lastEventID), parsed >= 0 else {
                    throw Problem.badRequest("Last-Event-ID must be an event id (a whole number)", field: "Last-Event-ID")
                }
                after = parsed
            }
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream"
            headers[.cacheControl] = "no-cache"
            let store = context.store
            let hub = context.hub
            let startAfter = after
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    // Subscribe before the first read, so that nothing falls between the two.
                    let subscription = await hub.subscribe(runID)
                    var last = startAfter
                    var lastWrite = ContinuousClock.now
                    do {
                        var finished = false
                        try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
                        func drain() async throws {
                            for event in try await store.events(runID, after: last) {
                                try await writer.write(
                                    ByteBuffer(string: "id: \(event.id)\nevent: \(event.kind)\ndata: \(event.payload)\n\n"))
                                last = event.id
                                lastWrite = .now
                                if event.isFinal { finished = true }
                            }
                        }
                        try await drain()
                        // Resumed after the last event of a run that has ended: nothing more will come.
                        if !finished, let run = try await store.run(runID), run.status.isFinal { finished = true }
                        if !finished {
                            for await _ in subscription.wakeups {
                                try await drain()
                                if finished { break }
                                if lastWrite.duration(to: .now) >= .seconds(14) {
                                    try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                                    lastWrite = .now
                                }
                            }
                        }
                        await hub.unsubscribe(runID, id: subscription.id)
                        try await writer.finish(nil)
                    } catch {
                        await hub.unsubscribe(runID, id: subscription.id)
                        throw error
                    }
                })
        }
    }
}

extension HTTPField.Name {
    static let lastEventID = HTTPField.Name("Last-Event-ID")!
}
