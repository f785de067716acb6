import PressworkCore
import PressworkPipeline

/// One structured-output request: instructions, the task, and the JSON Schema the reply must
/// follow.
public struct ChatRequest: Sendable {
    public var system: String
    /// The conversation after the system message: the task, then (when repairing) the bad reply
    /// and what was wrong with it.
    public var messages: [ChatMessage]
    /// A name for the schema (OpenAI requires one: letters, digits, `_`, `-`).
    public var schemaName: String
    public var schema: JSONSchema
    public var maxOutputTokens: Int
    /// Sampling temperature; nil leaves the provider's default.
    public var temperature: Double?
    /// Penalty on tokens by how often they appeared; nil leaves the provider's default.
    public var frequencyPenalty: Double?

    public init(
        system: String, user: String, schemaName: String, schema: JSONSchema, maxOutputTokens: Int = 4096,
        temperature: Double? = nil
    ) {
        self.system = system
        self.messages = [ChatMessage(role: .user, text: user)]
        self.schemaName = schemaName
        self.schema = schema
        self.maxOutputTokens = maxOutputTokens
        self.temperature = temperature
    }
}

public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable { case user, assistant }
    public var role: Role
    public var text: String

    public init(role: Role, text: String) {
        self.role = role
        self.text = text
    }
}

public struct ChatReply: Sendable, Equatable {
    public enum FinishReason: Sendable, Equatable {
        case complete
        /// Cut off at the output token limit: the JSON is incomplete.
        case truncated
        /// Refused or filtered by the provider; the text says why, when it says.
        case refused(String)
    }

    public var text: String
    public var finishReason: FinishReason
    public var usage: TokenUsage

    public init(text: String, finishReason: FinishReason, usage: TokenUsage) {
        self.text = text
        self.finishReason = finishReason
        self.usage = usage
    }
}

/// A hosted or local LLM that answers with JSON following a schema.
public protocol ChatModel: Sendable {
    /// "openai/gpt-4o-mini", "gemini/gemini-2.5-flash": what diagnostics and the run name.
    var name: String { get }
    /// Sends one request (retrying transient failures inside); throws `ProviderError`.
    func complete(_ request: ChatRequest) async throws -> ChatReply
}
