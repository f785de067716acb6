import Foundation

/// What a scheduler does with fires it missed (it was down, or far behind).
public enum MisfirePolicy: String, Codable, Sendable, CaseIterable {
    /// Missed fires are recorded and counted, none runs; the schedule waits for its next fire.
    case skip
    /// The most recent missed fire runs once; the older ones are recorded as missed.
    case latest
    /// The most recent missed fires run, up to the catch-up limit; older ones are recorded as
    /// missed.
    case all
}

/// What a fire does while the schedule's previous run is still active (queued or running).
public enum OverlapPolicy: String, Codable, Sendable, CaseIterable {
    /// The fire is recorded as skipped.
    case skip
    /// One run may wait behind the active one; a further fire is skipped.
    case bufferOne = "buffer-one"
    /// Runs may overlap.
    case allow

    /// Whether a fire may start another run while the schedule has `running` runs running and
    /// `queued` waiting, and `maxActive` caps both together. `buffer-one` means at most one
    /// running and one waiting behind it: never three at once.
    public func allowsAnother(running: Int, queued: Int, maxActive: Int?) -> Bool {
        if let maxActive, running + queued >= maxActive { return false }
        switch self {
        case .skip: return running + queued == 0
        case .bufferOne: return queued == 0 && running <= 1
        case .allow: return true
        }
    }
}
