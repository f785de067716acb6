import Metrics
import PressworkCore

/// What the orchestrator reports through swift-metrics (exported by `serve --http` at
/// /metrics). Labels are bounded sets only (a round number, an outcome, a status), never a run
/// id, so the number of series stays fixed however many runs there are.
enum PipelineMetrics {
    static func roundCompleted(_ round: Round, duration: Duration, tokensIn: Int, tokensOut: Int) {
        let label = String(round.rawValue)
        Counter(label: "presswork_rounds_total", dimensions: [("round", label), ("outcome", "completed")]).increment()
        Metrics.Timer(label: "presswork_round_duration_seconds", dimensions: [("round", label)], preferredDisplayUnit: .seconds)
            .recordNanoseconds(duration.nanoseconds)
        if tokensIn > 0 {
            Counter(label: "presswork_tokens_total", dimensions: [("round", label), ("direction", "in")]).increment(by: tokensIn)
        }
        if tokensOut > 0 {
            Counter(label: "presswork_tokens_total", dimensions: [("round", label), ("direction", "out")]).increment(by: tokensOut)
        }
    }

    static func roundFailed(_ round: Round) {
        Counter(label: "presswork_rounds_total", dimensions: [("round", String(round.rawValue)), ("outcome", "failed")]).increment()
    }

    static func runFinished(_ status: RunStatus) {
        Counter(label: "presswork_runs_finished_total", dimensions: [("status", status.rawValue)]).increment()
    }

    static func leaseTakenOver() {
        Counter(label: "presswork_lease_takeovers_total").increment()
    }
}
