import Foundation
import Logging
import NIOHTTP1
import PressworkCore
import Synchronization
import Tracing

/// The retry loop and limits every provider call goes through: transient failures (429, 5xx,
/// timeouts, dropped connections) are retried with jittered exponential backoff, honouring
/// Retry-After; permanent ones (401, 403, 400, 404) fail at once.
public struct ProviderCalls: Sendable {
    public let provider: String
    public let policy: CallPolicy
    public let transport: HTTPTransport
    let limiter: CallLimiter
    let logger: Logger

    public init(provider: String, policy: CallPolicy, transport: HTTPTransport = HTTPTransport(), logger: Logger) {
        self.provider = provider
        self.policy = policy
        self.transport = transport
        self.limiter = CallLimiters.shared.limiter(for: provider, policy: policy)
        self.logger = logger
    }

    /// POSTs JSON and returns the reply of the first attempt that got a 2xx.
    public func postJSON(_ url: String, headers: [(String, String)], body: Data) async throws -> HTTPReply {
        try await call(.POST, url, headers: headers, json: body)
    }

    /// Sends a request (with `json` as its body, when given) and returns the reply of the first
    /// attempt that got a 2xx (or another status `accepting` allows, such as a 304). `retrying:
    /// false` makes one attempt only, for requests that are not safe to repeat blindly (creating
    /// a post): their caller decides what a retry means.
    public func call(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)], json body: Data? = nil, retrying: Bool = true,
        accepting: @Sendable (Int) -> Bool = { (200..<300).contains($0) }
    ) async throws -> HTTPReply {
        try await call(
            method, url, headers: headers, body: body, contentType: "application/json", retrying: retrying, accepting: accepting)
    }

    /// `call` with a body of any type (an image upload).
    public func call(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)], body: Data?, contentType: String, retrying: Bool = true,
        accepting: @Sendable (Int) -> Bool = { (200..<300).contains($0) }
    ) async throws -> HTTPReply {
        let headers = body == nil ? headers : headers + [("Content-Type", contentType)]
        var attempt = 0
        while true {
            attempt += 1
            let error: ProviderError
            var retryAfter: Duration?
            do {
                // One client span per HTTP attempt, under the round's span.
                let reply = try await withSpan("provider call", ofKind: .client) { span in
                    span.attributes["presswork.provider"] = provider
                    span.attributes["http.request.method"] = method.rawValue
                    span.attributes["server.address"] = URL(string: url)?.host ?? ""
                    span.attributes["presswork.call.attempt"] = attempt
                    let reply = try await limiter.run {
                        try await transport.send(method, url, headers: headers, body: body, timeout: policy.timeout, provider: provider)
                    }
                    span.attributes["http.response.status_code"] = reply.status
                    if !accepting(reply.status) { span.setStatus(SpanStatus(code: .error)) }
                    return reply
                }
                if accepting(reply.status) { return reply }
                error = Self.statusError(reply, provider: provider, url: url)
                retryAfter = CallPolicy.parseRetryAfter(reply.header("Retry-After"))
            } catch let transportError as ProviderError {
                error = transportError
            }
            guard retrying, error.isTransient, attempt < policy.maxAttempts else { throw error }
            let delay = policy.delay(afterAttempt: attempt, retryAfter: retryAfter)
            logger.warning(
                "provider call failed; retrying", error: error,
                metadata: ["provider": "\(provider)", "attempt": "\(attempt)", "delay_ms": "\(delay.wholeMilliseconds)"])
            try await Task.sleep(for: delay)
        }
    }

    /// The error for a non-2xx reply: the provider's own message when its body has one.
    static func statusError(_ reply: HTTPReply, provider: String, url: String) -> ProviderError {
        let transient = reply.status == 408 || reply.status == 409 || reply.status == 429 || reply.status >= 500
        let detail = providerMessage(reply) ?? reply.bodyPrefix(200)
        let what: String
        switch reply.status {
        case 401: what = "the credentials were refused (401)"
        case 403: what = "the credentials may not do this (403)"
        case 404:
            // Only a model server has a model name to check; a feed or a site has its address.
            let isModelServer = !provider.hasPrefix("wordpress") && !provider.hasPrefix("feed")
            what = isModelServer ? "not found (404): check the base URL and the model name" : "not found (404): check the address"
        case 429: what = "rate limited (429)"
        default: what = "HTTP \(reply.status)"
        }
        return ProviderError(
            provider: provider, kind: transient ? .transient : .permanent,
            message: "\(what) from \(HTTPTransport.redacted(url))" + (detail.isEmpty ? "" : ": \(detail)"),
            status: reply.status
        )
    }

    /// `{"error": {"message": …}}` (OpenAI, Gemini and most compatible servers), `{"error": "…"}`,
    /// or WordPress's `{"code": …, "message": …}`.
    static func providerMessage(_ reply: HTTPReply) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: reply.body) as? [String: Any] else { return nil }
        if let error = object["error"] as? [String: Any], let message = error["message"] as? String { return message }
        if let message = object["error"] as? String { return message }
        if let code = object["code"] as? String, let message = object["message"] as? String { return "\(message) (\(code))" }
        return nil
    }
}

/// One limiter per provider name, shared by every run in the process.
final class CallLimiters: Sendable {
    static let shared = CallLimiters()
    private let limiters = Mutex<[String: CallLimiter]>([:])

    func limiter(for provider: String, policy: CallPolicy) -> CallLimiter {
        limiters.withLock { limiters in
            if let existing = limiters[provider] { return existing }
            let limiter = CallLimiter(maxConcurrent: policy.maxConcurrentCalls, perMinute: policy.requestsPerMinute)
            limiters[provider] = limiter
            return limiter
        }
    }
}
