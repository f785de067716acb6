import Crypto
import Foundation
import PressworkCore
import PressworkPipeline

/// Asks a model for a value of a schema-described type. A reply is parsed, normalized where it
/// breaks a soft bound (`ReplyRules`: cut, clamped, dropped, each change a warning), and checked
/// against the full schema; what only the model can fix (not JSON, a wrong type, a missing
/// field, cut off) goes back in a repair prompt, a bounded number of times. Tokens of every
/// attempt are counted: returned with the value, or reported to the run's `SpendMeter` when
/// the generation fails.
public struct StructuredGenerator: Sendable {
    /// How a round's requests are sized and sampled.
    public struct Settings: Sendable, Equatable {
        /// Output token limit of the first request.
        public var maxOutputTokens: Int
        /// After a reply cut off at the limit, the limit doubles up to this (a server's context
        /// bounds prompt and reply together: growing past it only earns an error).
        public var maxOutputTokensCeiling: Int
        /// Sampling temperature; nil: the provider's default.
        public var temperature: Double?
        /// OpenAI's `frequency_penalty` (-2…2; Gemini's `frequencyPenalty`): discourages the
        /// loops small models fall into ("#[Likes] #[Likes] …"); nil: the provider's default.
        public var frequencyPenalty: Double?

        public init(
            maxOutputTokens: Int = 4096, maxOutputTokensCeiling: Int? = nil, temperature: Double? = nil,
            frequencyPenalty: Double? = nil
        ) {
            self.maxOutputTokens = maxOutputTokens
            self.maxOutputTokensCeiling = max(maxOutputTokens, maxOutputTokensCeiling ?? maxOutputTokens * 2)
            self.temperature = temperature
            self.frequencyPenalty = frequencyPenalty
        }
    }

    public let model: any ChatModel
    /// Repair requests after the first reply.
    public let maxRepairs: Int
    public let settings: Settings
    /// Where validated replies are kept per run (see `ResponseCache`); nil: none.
    public let cache: (any ResponseCache)?

    public var maxOutputTokens: Int { settings.maxOutputTokens }
    public var maxOutputTokensCeiling: Int { settings.maxOutputTokensCeiling }

    public init(model: any ChatModel, maxRepairs: Int = 2, settings: Settings = Settings(), cache: (any ResponseCache)? = nil) {
        self.model = model
        self.cache = cache
        self.maxRepairs = maxRepairs
        self.settings = settings
    }

    public init(
        model: any ChatModel, maxRepairs: Int = 2, maxOutputTokens: Int, maxOutputTokensCeiling: Int? = nil,
        cache: (any ResponseCache)? = nil
    ) {
        self.init(
            model: model, maxRepairs: maxRepairs,
            settings: Settings(maxOutputTokens: maxOutputTokens, maxOutputTokensCeiling: maxOutputTokensCeiling), cache: cache
        )
    }

    public func generate<T: SchemaDescribed>(_ type: T.Type, system: String, prompt: String) async throws -> Generated<T> {
        var request = ChatRequest(
            system: system, user: prompt, schemaName: String(describing: T.self), schema: T.schema,
            maxOutputTokens: settings.maxOutputTokens, temperature: settings.temperature
        )
        request.frequencyPenalty = settings.frequencyPenalty
        // The key is the whole first request: model, instructions, task, schema and limit.
        let runID = RunContext.runID
        let key = cacheKey(request)
        if let cache, let runID, let cached = try await cache.reply(runID: runID, key: key),
            case .success(let checked) = Self.check(ChatReply(text: cached.text, finishReason: .complete, usage: cached.usage), as: T.self)
        {
            // Paid for by an earlier attempt whose round did not commit: its tokens count now,
            // but no call was made.
            var usage = cached.usage
            usage.calls = 0
            return Generated(checked.value, usage: usage, warnings: checked.changes)
        }
        var usage = TokenUsage.zero
        do {
            var problems: [String] = []
            var lastText = ""
            for attempt in 0...maxRepairs {
                let reply = try await model.complete(request)
                usage = usage + reply.usage
                lastText = reply.text
                // Cut off with no more room to give: the same request would be cut off again, so
                // what arrived is closed and kept, if it passes the checks.
                let salvaging = reply.finishReason == .truncated && request.maxOutputTokens >= settings.maxOutputTokensCeiling
                switch Self.check(reply, as: T.self, salvagingCutOff: salvaging) {
                case .success(let checked):
                    if let cache, let runID {
                        try await cache.remember(runID: runID, key: key, reply: CachedReply(text: checked.text, usage: usage))
                    }
                    return Generated(checked.value, usage: usage, warnings: checked.changes)
                case .failure(let found):
                    problems = found.problems
                    if case .refused(let reason) = reply.finishReason {
                        throw ProviderError(provider: model.name, kind: .permanent, message: "the model refused: \(reason)")
                    }
                    if reply.finishReason == .truncated {
                        request.maxOutputTokens = min(settings.maxOutputTokensCeiling, request.maxOutputTokens * 2)
                    }
                }
                guard attempt < maxRepairs else { break }
                request.messages.append(ChatMessage(role: .assistant, text: reply.text))
                request.messages.append(ChatMessage(role: .user, text: Self.repairPrompt(problems)))
            }
            throw ProviderError(
                provider: model.name, kind: .badReply,
                message: "no valid \(T.self) after \(maxRepairs + 1) replies; the last one: "
                    + problems.prefix(5).joined(separator: "; ")
                    + (problems.count > 5 ? "; and \(problems.count - 5) more" : "")
                    + ". It began: \(Self.prefix(lastText, 200))"
            )
        } catch {
            // The replies so far were paid for, and no value carries their usage out.
            RunContext.meter?.add(usage)
            throw error
        }
    }

    func cacheKey(_ request: ChatRequest) -> String {
        let parts =
            [model.name, request.system, request.schemaName, request.schema.json.text, String(request.maxOutputTokens)]
            + request.messages.map { "\($0.role.rawValue):\($0.text)" }
        let digest = SHA256.hash(data: Data(parts.joined(separator: "\u{1F}").utf8))
        return digest.map { String(format: "%02x", $0) }.joined()
    }

    struct Problems: Error {
        let problems: [String]
    }

    /// A reply that can be used, and what was normalized to make it so.
    struct Checked<T: Sendable>: Sendable {
        let value: T
        let changes: [String]
        /// The normalized JSON, as the cache keeps it: nothing in it can fail to be stored (a
        /// NUL in a reply's text is an error in Postgres), so a retry never replays a reply
        /// that cannot be stored. A replay reports no normalization warnings: what it replays
        /// is normalized already.
        let text: String
    }

    static func check<T: SchemaDescribed>(
        _ reply: ChatReply, as type: T.Type, salvagingCutOff: Bool = false
    ) -> Result<Checked<T>, Problems> {
        if case .refused(let reason) = reply.finishReason { return .failure(Problems(problems: ["refused: \(reason)"])) }
        var problems: [String] = []
        var changes: [String] = []
        var text = unfenced(reply.text)
        if reply.finishReason == .truncated {
            if salvagingCutOff, let closed = TruncatedJSON.close(text) {
                text = closed
                changes.append("the reply was cut off at the output token limit; the part that arrived was kept")
            } else {
                problems.append("the reply was cut off at the output token limit, so its JSON is incomplete; answer more briefly")
            }
        }
        let parsed: JSONValue
        do {
            parsed = try JSONValue.parse(Data(text.utf8))
        } catch {
            return .failure(Problems(problems: problems + ["the reply is not valid JSON"]))
        }
        let normalized = ReplyNormalizer.normalize(parsed, schema: T.schema, typeName: String(describing: T.self))
        problems += T.schema.validate(normalized.value, waived: normalized.waived)
        guard problems.isEmpty else { return .failure(Problems(problems: problems)) }
        do {
            let value = try JSONDecoder().decode(T.self, from: Data(normalized.value.text.utf8))
            return .success(Checked(value: value, changes: changes + normalized.changes, text: normalized.value.text))
        } catch {
            return .failure(Problems(problems: ["the JSON does not decode as \(T.self): \(error)"]))
        }
    }

    static func repairPrompt(_ problems: [String]) -> String {
        "Your reply could not be used:\n" + problems.prefix(20).map { "- \($0)" }.joined(separator: "\n")
            + "\nReply again with only a JSON value that follows the schema exactly, fixing every point above."
    }

    /// Some models wrap JSON in a Markdown code fence even when asked not to.
    static func unfenced(_ text: String) -> String {
        var trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("```") else { return trimmed }
        if let newline = trimmed.firstIndex(of: "\n") { trimmed = String(trimmed[trimmed.index(after: newline)...]) }
        if trimmed.hasSuffix("```") { trimmed.removeLast(3) }
        return trimmed.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func prefix(_ text: String, _ limit: Int) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        return flat.count > limit ? "\"" + flat.prefix(limit) + "…\"" : "\"" + flat + "\""
    }
}
