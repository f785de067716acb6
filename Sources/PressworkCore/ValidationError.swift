/// Input that was refused; `field` names what was wrong (`seeds[2]`, `region`, `thresholds.review`).
public struct ValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let field: String
    public let problem: String

    public init(field: String, _ problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String { "\(field): \(problem)" }
}
