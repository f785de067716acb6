/// The eight rounds of a run, in order.
public enum Round: Int, Sendable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    case trends = 0
    case ideas = 1
    case outline = 2
    case drafts = 3
    case polish = 4
    case metadata = 5
    case coherence = 6
    case publish = 7

    /// The artifact key in the run document: `round0` … `round7`.
    public var key: String { "round\(rawValue)" }

    /// A short name for logs and progress lines.
    public var name: String {
        switch self {
        case .trends: return "trends"
        case .ideas: return "topic ideas"
        case .outline: return "outline"
        case .drafts: return "section drafts"
        case .polish: return "polished sections"
        case .metadata: return "metadata"
        case .coherence: return "coherence"
        case .publish: return "publish"
        }
    }

    /// Rounds whose work is done section by section, each section checkpointed on its own.
    public var isPerSection: Bool { self == .drafts || self == .polish }

    public var description: String { "round \(rawValue) (\(name))" }

    public static func < (lhs: Round, rhs: Round) -> Bool { lhs.rawValue < rhs.rawValue }
}
