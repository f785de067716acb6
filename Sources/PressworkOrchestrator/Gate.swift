import Foundation
import PressworkCore

/// The decision after round 6.
public enum GateDecision: Sendable, Equatable {
    case publish
    case review(String)
    case skip(String)

    /// Reads the coherence report against the run's thresholds. A duplicate or a score below
    /// `review` skips; a score below `publish` waits for a person, unless one already approved it.
    public static func decide(_ report: CoherenceReport, thresholds: GateThresholds, approved: Bool) -> GateDecision {
        if report.duplicate.isDuplicate, let nearest = report.duplicate.nearest.first {
            return .skip("duplicate of run \(nearest.runId) (similarity \(format(nearest.similarity)))")
        }
        if report.score < thresholds.review {
            return .skip("coherence \(format(report.score)) is below the review threshold \(format(thresholds.review))")
        }
        if report.score < thresholds.publish && !approved {
            return .review("coherence \(format(report.score)) is below the publish threshold \(format(thresholds.publish))")
        }
        return .publish
    }

    private static func format(_ value: Double) -> String {
        String(format: "%.2f", value)
    }
}
