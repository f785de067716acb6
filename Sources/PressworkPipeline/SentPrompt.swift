import PressworkCore

/// One prompt a writer sent a language model: the round, which call of it (a section, the
/// review), and the system and user messages.
public struct SentPrompt: Sendable, Equatable {
    public var round: Round
    public var call: String
    public var system: String
    public var prompt: String

    public init(round: Round, call: String, system: String, prompt: String) {
        self.round = round
        self.call = call
        self.system = system
        self.prompt = prompt
    }
}

/// Renders again the prompts a run's writer sent, from its params and stored artifacts (for the
/// console: the prompts are a function of those, so they are not stored per run).
public protocol PromptReconstructor: Sendable {
    func prompts(params: RunParams, artifacts: [Round: String]) -> [SentPrompt]
}
