import Metrics
import PressworkCore

/// What the orchestrator reports through swift-metrics (exported by `serve --http` at
/// /metrics). Labels are bounded sets only (a round number, an outcome, a status), never a run
/// id, so the number of series stays fixed however many runs there are.
///
/// Each metric object is made once, on first use, and kept: `serve` bootstraps the metrics
/// system when it starts, before any round, so the first use finds the real factory.
enum PipelineMetrics {
    /// One set per round, indexed by the round's number.
    struct RoundSeries: Sendable {
        let completed: Counter
        let failed: Counter
        let duration: Metrics.Timer
        let tokensIn: Counter
        let tokensOut: Counter

        init(_ round: Round) {
            let label = String(round.rawValue)
            completed = Counter(label: "presswork_rounds_total", dimensions: [("round", label), ("outcome", "completed")])
            failed = Counter(label: "presswork_rounds_total", dimensions: [("round", label), ("outcome", "failed")])
            duration = Metrics.Timer(
                label: "presswork_round_duration_seconds", dimensions: [("round", label)], preferredDisplayUnit: .seconds)
            tokensIn = Counter(label: "presswork_tokens_total", dimensions: [("round", label), ("direction", "in")])
            tokensOut = Counter(label: "presswork_tokens_total", dimensions: [("round", label), ("direction", "out")])
        }
    }

    static let rounds = Round.allCases.map(RoundSeries.init)
    static let runsFinished = Dictionary(
        uniqueKeysWithValues: RunStatus.allCases.map {
            ($0, Counter(label: "presswork_runs_finished_total", dimensions: [("status", $0.rawValue)]))
        })
    static let leaseTakeovers = Counter(label: "presswork_lease_takeovers_total")

    static func roundCompleted(_ round: Round, duration: Duration, tokensIn: Int, tokensOut: Int) {
        let series = rounds[round.rawValue]
        series.completed.increment()
        series.duration.recordNanoseconds(duration.nanoseconds)
        if tokensIn > 0 { series.tokensIn.increment(by: tokensIn) }
        if tokensOut > 0 { series.tokensOut.increment(by: tokensOut) }
    }

    static func roundFailed(_ round: Round) {
        rounds[round.rawValue].failed.increment()
    }

    static func runFinished(_ status: RunStatus) {
        runsFinished[status]?.increment()
    }

    static func leaseTakenOver() {
        leaseTakeovers.increment()
    }
}
