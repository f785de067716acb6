import Foundation
import Logging
import PressworkCore
import PressworkPipeline

/// Google's Gemini API (`models/{model}:generateContent`) with structured output: the reply is
/// asked for as `application/json` following `responseSchema`, Gemini's OpenAPI-style subset of
/// JSON Schema. The key travels in the `x-goog-api-key` header, never in the URL.
public struct GeminiChatClient: ChatModel {
    public struct Configuration: Sendable, Equatable {
        /// Up to and including the API version (default
        /// `https://generativelanguage.googleapis.com/v1beta`).
        public var baseURL: String
        public var apiKey: String
        /// e.g. `gemini-2.5-flash`.
        public var model: String
        /// `gemini` (its subset: enums, item counts, ranges) or `structural` (types only).
        public var schemaBounds: SchemaBounds

        public static let defaultBaseURL = "https://generativelanguage.googleapis.com/v1beta"

        public init(
            baseURL: String = Configuration.defaultBaseURL, apiKey: String, model: String, schemaBounds: SchemaBounds = .gemini
        ) {
            self.baseURL = baseURL
            self.apiKey = apiKey
            self.model = model
            self.schemaBounds = schemaBounds
        }
    }

    public let configuration: Configuration
    let calls: ProviderCalls

    public init(_ configuration: Configuration, policy: CallPolicy = CallPolicy(), logger: Logger) {
        self.configuration = configuration
        self.calls = ProviderCalls(provider: "gemini(\(OpenAIChatClient.host(configuration.baseURL)))", policy: policy, logger: logger)
    }

    public var name: String { "gemini/\(configuration.model)" }

    public func complete(_ request: ChatRequest) async throws -> ChatReply {
        let contents = request.messages.map { message in
            JSONValue.object([
                ("role", .string(message.role == .user ? "user" : "model")),
                ("parts", .array([.object([("text", .string(message.text))])])),
            ])
        }
        var generation: [(String, JSONValue)] = [
            ("responseMimeType", .string("application/json")),
            ("responseSchema", request.schema.geminiJSON(bounds: configuration.schemaBounds)),
            ("maxOutputTokens", .number(Double(request.maxOutputTokens))),
        ]
        if let temperature = request.temperature { generation.append(("temperature", .number(temperature))) }
        if let penalty = request.frequencyPenalty { generation.append(("frequencyPenalty", .number(penalty))) }
        let body = JSONValue.object([
            ("systemInstruction", .object([("parts", .array([.object([("text", .string(request.system))])]))])),
            ("contents", .array(contents)),
            ("generationConfig", .object(generation)),
        ])
        let url = configuration.baseURL.trimmingSuffix("/") + "/models/\(configuration.model):generateContent"
        let reply = try await calls.postJSON(url, headers: [("x-goog-api-key", configuration.apiKey)], body: Data(body.text.utf8))
        return try Self.parse(reply, provider: calls.provider)
    }

    static func parse(_ reply: HTTPReply, provider: String) throws -> ChatReply {
        struct Response: Decodable {
            struct Candidate: Decodable {
                struct Content: Decodable {
                    struct Part: Decodable { let text: String? }
                    let parts: [Part]?
                }
                let content: Content?
                let finishReason: String?
            }
            struct Feedback: Decodable { let blockReason: String? }
            struct Usage: Decodable {
                let promptTokenCount: Int?
                let candidatesTokenCount: Int?
                /// Thinking models bill their thoughts as output.
                let thoughtsTokenCount: Int?
            }
            let candidates: [Candidate]?
            let promptFeedback: Feedback?
            let usageMetadata: Usage?
        }
        let response: Response
        do {
            response = try JSONDecoder().decode(Response.self, from: reply.body)
        } catch {
            throw ProviderError(
                provider: provider, kind: .badReply, message: "the reply is not a generateContent response: \(reply.bodyPrefix(200))")
        }
        let usage = TokenUsage(
            input: response.usageMetadata?.promptTokenCount ?? 0,
            output: (response.usageMetadata?.candidatesTokenCount ?? 0) + (response.usageMetadata?.thoughtsTokenCount ?? 0),
            calls: 1
        )
        guard let candidate = response.candidates?.first else {
            let reason = response.promptFeedback?.blockReason ?? "no candidates"
            return ChatReply(text: "", finishReason: .refused("the prompt was blocked (\(reason))"), usage: usage)
        }
        let text = (candidate.content?.parts ?? []).compactMap(\.text).joined()
        let finish: ChatReply.FinishReason
        switch candidate.finishReason ?? "STOP" {
        case "STOP", "FINISH_REASON_UNSPECIFIED": finish = .complete
        case "MAX_TOKENS": finish = .truncated
        case let other: finish = .refused("generation stopped (\(other))")
        }
        return ChatReply(text: text, finishReason: finish, usage: usage)
    }
}

extension JSONSchema {
    /// The schema in Gemini's `responseSchema` form (an OpenAPI 3.0 subset): upper-case types,
    /// `propertyOrdering` so fields come in the order the prompts describe them, `nullable`
    /// instead of type unions, and no `additionalProperties`, which it does not accept. With
    /// `.gemini` bounds, the ones Gemini enforces go too (enums, item counts, numeric ranges);
    /// with any other choice, enums only. Every reply is validated locally in full.
    public func geminiJSON(bounds: SchemaBounds = .gemini) -> JSONValue {
        let withBounds = bounds == .gemini || bounds == .full
        switch self {
        case .object(let properties, let required):
            return .object([
                ("type", .string("OBJECT")),
                ("properties", .object(properties.map { ($0.0, $0.1.geminiJSON(bounds: bounds)) })),
                ("required", .array(required.map(JSONValue.string))),
                ("propertyOrdering", .array(properties.map { JSONValue.string($0.0) })),
            ])
        case .array(let items, let minItems, let maxItems):
            var fields: [(String, JSONValue)] = [("type", .string("ARRAY")), ("items", items.geminiJSON(bounds: bounds))]
            if withBounds, let minItems { fields.append(("minItems", .number(Double(minItems)))) }
            if withBounds, let maxItems { fields.append(("maxItems", .number(Double(maxItems)))) }
            return .object(fields)
        case .string(_, _, _, let enumeration):
            guard let enumeration else { return .object([("type", .string("STRING"))]) }
            return .object([
                ("type", .string("STRING")), ("format", .string("enum")),
                ("enum", .array(enumeration.map(JSONValue.string))),
            ])
        case .number(let minimum, let maximum):
            var fields: [(String, JSONValue)] = [("type", .string("NUMBER"))]
            if withBounds, let minimum { fields.append(("minimum", .number(minimum))) }
            if withBounds, let maximum { fields.append(("maximum", .number(maximum))) }
            return .object(fields)
        case .integer(let minimum, let maximum):
            var fields: [(String, JSONValue)] = [("type", .string("INTEGER"))]
            if withBounds, let minimum { fields.append(("minimum", .number(Double(minimum)))) }
            if withBounds, let maximum { fields.append(("maximum", .number(Double(maximum)))) }
            return .object(fields)
        case .boolean:
            return .object([("type", .string("BOOLEAN"))])
        case .nullable(let wrapped):
            guard case .object(let fields) = wrapped.geminiJSON(bounds: bounds) else { return wrapped.geminiJSON(bounds: bounds) }
            return .object(fields + [("nullable", .bool(true))])
        }
    }
}
