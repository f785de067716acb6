import Foundation
import Logging
import PostgresClient
import PressworkCore
import PressworkStore

/// One `LISTEN presswork_events` connection for every progress stream of the server: each
/// notification (`'<event id> <run id>'`, sent by the event triggers) wakes the streams of that
/// run, which then read what is new from the `events` table. A tick every `tick` wakes every
/// stream too (keep-alive comments, and a re-check should a notification be lost); so does a
/// reconnect after a lost connection.
actor EventHub {
    private var subscribers: [RunID: [Int: AsyncStream<Void>.Continuation]] = [:]
    /// Streams woken by every run's events (the console's runs page).
    private var everyRun: [Int: AsyncStream<Void>.Continuation] = [:]
    private var nextID = 0
    private let listenConfiguration: PostgresConfiguration?
    private let tick: Duration
    private let logger: Logger

    /// Without a `listenConfiguration` (a transaction pooler and no direct URL) the streams are
    /// woken every second instead of by notifications.
    init(listenConfiguration: PostgresConfiguration?, tick: Duration = .seconds(15), logger: Logger) {
        self.listenConfiguration = listenConfiguration
        self.tick = listenConfiguration == nil ? .seconds(1) : tick
        self.logger = logger
    }

    /// A stream of wake-ups for one run's events; `unsubscribe` ends it.
    func subscribe(_ runID: RunID) -> (id: Int, wakeups: AsyncStream<Void>) {
        nextID += 1
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        subscribers[runID, default: [:]][nextID] = continuation
        return (nextID, stream)
    }

    func unsubscribe(_ runID: RunID, id: Int) {
        subscribers[runID]?.removeValue(forKey: id)?.finish()
        if subscribers[runID]?.isEmpty == true { subscribers.removeValue(forKey: runID) }
    }

    /// A stream of wake-ups for any run's events; `unsubscribeEveryRun` ends it.
    func subscribeEveryRun() -> (id: Int, wakeups: AsyncStream<Void>) {
        nextID += 1
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        everyRun[nextID] = continuation
        return (nextID, stream)
    }

    func unsubscribeEveryRun(id: Int) {
        everyRun.removeValue(forKey: id)?.finish()
    }

    private func wake(_ runID: RunID) {
        for continuation in subscribers[runID, default: [:]].values { continuation.yield() }
        for continuation in everyRun.values { continuation.yield() }
    }

    private func wakeAll() {
        for continuations in subscribers.values {
            for continuation in continuations.values { continuation.yield() }
        }
        for continuation in everyRun.values { continuation.yield() }
    }

    /// Listens until cancelled, reconnecting after a lost connection.
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: self.tick)
                    await self.wakeAll()
                }
            }
            if let listenConfiguration {
                group.addTask { await self.listen(listenConfiguration) }
            }
            await group.next()
            group.cancelAll()
        }
        for continuations in subscribers.values {
            for continuation in continuations.values { continuation.finish() }
        }
        for continuation in everyRun.values { continuation.finish() }
        subscribers.removeAll()
        everyRun.removeAll()
    }

    private func listen(_ listenConfiguration: PostgresConfiguration) async {
        let listener = NotificationListener(channel: NotificationChannel.events, configuration: listenConfiguration, logger: logger)
        await listener.run { signal in
            switch signal {
            case .listening:
                // Whatever happened while nobody listened is read now.
                await self.wakeAll()
            case .notification(let payload):
                let parts = payload.split(separator: " ")
                if parts.count == 2, let runID = RunID(String(parts[1])) { await self.wake(runID) }
            case .lost:
                break
            }
        }
    }
}
