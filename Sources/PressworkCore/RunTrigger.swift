import Foundation

/// What started a run: the CLI, the HTTP API, a schedule's fire, or a plain SQL insert.
public struct RunTrigger: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case cli, api, schedule, sql, reprocess
    }

    public var kind: Kind
    public var schedule: String?
    public var fireAt: Date?

    public init(kind: Kind, schedule: String? = nil, fireAt: Date? = nil) {
        self.kind = kind
        self.schedule = schedule
        self.fireAt = fireAt
    }

    public static let cli = RunTrigger(kind: .cli)
}

/// The kinds of diagnostics a run records.
public enum DiagnosticKind: String, Codable, Sendable {
    case roundCompleted = "round_completed"
    case roundSkipped = "round_skipped"
    case sectionCompleted = "section_completed"
    case retry
    case warning
    case error
    case gate
    case review
    case humanEdit = "human_edit"
    case status
}

/// One diagnostic to record.
public struct Diagnostic: Sendable, Equatable {
    public var round: Round?
    public var kind: DiagnosticKind
    public var message: String
    public var attempt: Int?
    public var durationMs: Int?
    public var tokensIn: Int?
    public var tokensOut: Int?
    public var details: JSONValue?

    public init(
        round: Round?, kind: DiagnosticKind, message: String, attempt: Int? = nil, durationMs: Int? = nil,
        tokensIn: Int? = nil, tokensOut: Int? = nil, details: JSONValue? = nil
    ) {
        self.round = round
        self.kind = kind
        self.message = message
        self.attempt = attempt
        self.durationMs = durationMs
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.details = details
    }
}
