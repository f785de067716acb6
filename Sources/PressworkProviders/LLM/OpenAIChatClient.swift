import Foundation
import Logging
import PressworkCore
import PressworkPipeline

/// An OpenAI-compatible chat-completions client: OpenAI itself, and the servers that speak its
/// protocol (Ollama, vLLM, llama.cpp's server, LM Studio, OpenRouter). Structured output goes
/// as `response_format: {type: json_schema, json_schema: {name, strict, schema}}`.
public struct OpenAIChatClient: ChatModel {
    public struct Configuration: Sendable, Equatable {
        /// Up to and including the version, e.g. `https://api.openai.com/v1` or
        /// `http://localhost:11434/v1` (Ollama).
        public var baseURL: String
        /// Sent as a bearer token; nil for local servers that need none.
        public var apiKey: String?
        public var model: String
        /// The schema's bounds this server is sent (see `SchemaBounds`); the local check is
        /// always the full schema.
        public var schemaBounds: SchemaBounds

        public init(baseURL: String, apiKey: String?, model: String, schemaBounds: SchemaBounds? = nil) {
            self.baseURL = baseURL
            self.apiKey = apiKey
            self.model = model
            self.schemaBounds = schemaBounds ?? .defaultFor(openAIBaseURL: baseURL)
        }

        /// The bearer token header, when there is a key.
        var authorization: [(String, String)] {
            guard let apiKey, !apiKey.isEmpty else { return [] }
            return [("Authorization", "Bearer \(apiKey)")]
        }

        /// `path` (e.g. `/chat/completions`) under the base URL.
        func endpoint(_ path: String) -> String {
            baseURL.trimmingSuffix("/") + path
        }
    }

    public let configuration: Configuration
    let calls: ProviderCalls

    public init(_ configuration: Configuration, policy: CallPolicy = CallPolicy(), logger: Logger) {
        self.configuration = configuration
        self.calls = ProviderCalls(provider: "openai(\(Self.host(configuration.baseURL)))", policy: policy, logger: logger)
    }

    public var name: String { "openai/\(configuration.model)" }

    public func complete(_ request: ChatRequest) async throws -> ChatReply {
        var messages: [JSONValue] = [.object([("role", .string("system")), ("content", .string(request.system))])]
        for message in request.messages {
            messages.append(.object([("role", .string(message.role.rawValue)), ("content", .string(message.text))]))
        }
        var fields: [(String, JSONValue)] = [
            ("model", .string(configuration.model)),
            ("messages", .array(messages)),
            (
                "response_format",
                .object([
                    ("type", .string("json_schema")),
                    (
                        "json_schema",
                        .object([
                            ("name", .string(request.schemaName)), ("strict", .bool(true)),
                            ("schema", request.schema.sent(configuration.schemaBounds)),
                        ])
                    ),
                ])
            ),
            ("max_tokens", .number(Double(request.maxOutputTokens))),
        ]
        if let temperature = request.temperature { fields.append(("temperature", .number(temperature))) }
        if let penalty = request.frequencyPenalty { fields.append(("frequency_penalty", .number(penalty))) }
        let body = JSONValue.object(fields)
        let reply = try await calls.postJSON(
            configuration.endpoint("/chat/completions"), headers: configuration.authorization, body: Data(body.text.utf8)
        )
        return try Self.parse(reply, provider: calls.provider)
    }

    static func parse(_ reply: HTTPReply, provider: String) throws -> ChatReply {
        struct Completion: Decodable {
            struct Choice: Decodable {
                struct Message: Decodable {
                    let content: String?
                    let refusal: String?
                }
                let message: Message
                let finish_reason: String?
            }
            struct Usage: Decodable {
                let prompt_tokens: Int?
                let completion_tokens: Int?
            }
            let choices: [Choice]
            let usage: Usage?
        }
        let completion: Completion
        do {
            completion = try JSONDecoder().decode(Completion.self, from: reply.body)
        } catch {
            throw ProviderError(
                provider: provider, kind: .badReply,
                message: "the reply is not a chat completion: \(reply.bodyPrefix(200))"
            )
        }
        guard let choice = completion.choices.first else {
            throw ProviderError(provider: provider, kind: .badReply, message: "the reply has no choices")
        }
        let usage = TokenUsage(input: completion.usage?.prompt_tokens ?? 0, output: completion.usage?.completion_tokens ?? 0, calls: 1)
        let finish: ChatReply.FinishReason
        if let refusal = choice.message.refusal, !refusal.isEmpty {
            finish = .refused(refusal)
        } else {
            switch choice.finish_reason {
            case "length": finish = .truncated
            case "content_filter": finish = .refused("stopped by the content filter")
            default: finish = .complete
            }
        }
        return ChatReply(text: choice.message.content ?? "", finishReason: finish, usage: usage)
    }

    /// The host and port a provider's limits are kept under: two servers on one host are two
    /// providers.
    public static func host(_ url: String) -> String {
        guard let components = URLComponents(string: url), let host = components.host else { return url }
        return components.port.map { "\(host):\($0)" } ?? host
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var text = self
        while text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        return text
    }
}
