import ArgumentParser
import Foundation
import PostgresClient
import PressworkCore
import PressworkRuntime
import PressworkStore

struct RunsFollowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "follow",
        abstract: "Show a run's progress live, wherever it is executed, until it ends or waits for review.",
        discussion: """
            Prints what happened so far, then each round as it commits and the ending, from the run's events \
            (LISTEN presswork_events, and a look every 5 s in case a notification was lost). Ctrl-C stops \
            following; the run goes on.
            """ + "\n" + RunOutput.exitCodesHelp
    )

    @Argument(help: "The run id (or a unique prefix).")
    var run: String

    @Flag(help: "One JSON object per event, as the API's event stream sends them.")
    var json = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await withServices(global) { services in
            let record = try await services.store.resolve(run)
            let id = record.id
            // Woken by the events' NOTIFY, listened to before the first read so nothing falls between.
            let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
            let listening = AsyncStream.makeStream(of: Void.self)
            // Behind a transaction pooler without a direct URL there is nothing to listen on:
            // the ticker alone wakes, every second.
            let listenConfiguration = services.listenConfiguration
            if listenConfiguration == nil { listening.continuation.yield() }
            let listener = Task {
                guard let listenConfiguration else { return }
                let runID = id.description
                await NotificationListener(channel: NotificationChannel.events, configuration: listenConfiguration, logger: services.logger)
                    .run { signal in
                        switch signal {
                        case .listening, .lost:
                            // In place, or lost: look now (the ticker looks meanwhile).
                            listening.continuation.yield()
                            wake.yield()
                        case .notification(let payload):
                            if payload.hasSuffix(runID) { wake.yield() }
                        }
                    }
            }
            let ticker = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(listenConfiguration == nil ? 1 : 5))
                    wake.yield()
                }
            }
            defer {
                listener.cancel()
                ticker.cancel()
            }
            for await _ in listening.stream { break }
            var last: Int64 = 0
            for await _ in wakes {
                for event in try await services.store.events(id, after: last) {
                    last = event.id
                    print(json ? Self.json(event) : Self.line(event))
                }
                guard let current = try await services.store.run(id) else {
                    throw RunStateError(.notFound, "run \(id) was removed (pruned)")
                }
                if current.status.isFinal || current.status == .needsReview {
                    let code = RunOutput.exitCode(of: current.status)
                    if code != 0 { throw ExitCode(code) }
                    return
                }
            }
        }
    }

    static func json(_ event: RunEvent) -> String {
        #"{"id":\#(event.id),"event":"\#(event.kind)","data":\#(event.payload)}"#
    }

    /// One line per event: the round and what it took, or the ending and why.
    static func line(_ event: RunEvent) -> String {
        let data = (try? JSONValue.parse(Data(event.payload.utf8))) ?? .null
        let time = event.at.formatted(Date.ISO8601FormatStyle())
        if event.kind == "run.round_completed", let round = event.round.flatMap(Round.init(rawValue:)) {
            let duration = data["durationMs"]?.numberValue.map { "\(Int($0)) ms" } ?? ""
            let tokens = [data["tokensIn"]?.numberValue, data["tokensOut"]?.numberValue].compactMap { $0 }.map { "\(Int($0))" }
            let cost = data["costUSD"]?.numberValue.map { $0 > 0 ? String(format: "  $%.4f", $0) : "" } ?? ""
            return "\(time)  round \(round.rawValue) \(round.name)  \(duration)  tokens \(tokens.joined(separator: "/"))\(cost)"
        }
        let reason = data["reason"]?.stringValue.map { ": " + TerminalText.safe($0) } ?? ""
        return "\(time)  \(event.kind.replacingOccurrences(of: "run.", with: "run "))\(reason)"
    }
}
