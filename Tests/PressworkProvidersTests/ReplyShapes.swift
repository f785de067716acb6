import Foundation
import TestSupport

// MARK: - The OpenAI and Gemini reply shapes

extension ScriptedHTTPServer.Reply {
    /// A chat completion whose message content is `content`, as OpenAI-compatible servers send it.
    static func chatCompletion(_ content: String, finishReason: String = "stop", promptTokens: Int = 100, completionTokens: Int = 50)
        -> Self
    {
        let body: [String: Any] = [
            "id": "chatcmpl-test", "object": "chat.completion", "created": 1_795_000_000, "model": "test-model",
            "choices": [["index": 0, "message": ["role": "assistant", "content": content], "finish_reason": finishReason]],
            "usage": [
                "prompt_tokens": promptTokens, "completion_tokens": completionTokens, "total_tokens": promptTokens + completionTokens,
            ],
        ]
        return .status(200, body: String(decoding: try! JSONSerialization.data(withJSONObject: body), as: UTF8.self))
    }

    static func chatCompletion<T: Encodable>(encoding value: T, finishReason: String = "stop") -> Self {
        chatCompletion(String(decoding: try! JSONEncoder().encode(value), as: UTF8.self), finishReason: finishReason)
    }

    static func embedding(_ vector: [Float], promptTokens: Int = 12) -> Self {
        let body: [String: Any] = [
            "object": "list", "model": "test-embedding",
            "data": [["object": "embedding", "index": 0, "embedding": vector.map { Double($0) }]],
            "usage": ["prompt_tokens": promptTokens, "total_tokens": promptTokens],
        ]
        return .status(200, body: String(decoding: try! JSONSerialization.data(withJSONObject: body), as: UTF8.self))
    }

    /// One embedding per input, in reverse order with their indices (servers may reorder).
    static func embeddings(_ vectors: [[Float]], promptTokens: Int = 40) -> Self {
        let data = vectors.enumerated().reversed().map { index, vector in
            ["object": "embedding", "index": index, "embedding": vector.map { Double($0) }] as [String: Any]
        }
        let body: [String: Any] = [
            "object": "list", "model": "test-embedding", "data": data,
            "usage": ["prompt_tokens": promptTokens, "total_tokens": promptTokens],
        ]
        return .status(200, body: String(decoding: try! JSONSerialization.data(withJSONObject: body), as: UTF8.self))
    }

    static func openAIError(_ status: Int, _ message: String, headers: [(String, String)] = []) -> Self {
        .status(status, headers: headers, body: #"{"error":{"message":"\#(message)","type":"test_error"}}"#)
    }
}

extension ScriptedHTTPServer.Reply {
    /// A Gemini generateContent response whose single candidate's text is `text`.
    static func geminiContent(
        _ text: String, finishReason: String = "STOP", promptTokens: Int = 120, candidateTokens: Int = 40, thoughtTokens: Int = 0
    ) -> Self {
        let body: [String: Any] = [
            "candidates": [
                [
                    "content": ["role": "model", "parts": [["text": text]]], "finishReason": finishReason, "index": 0,
                ]
            ],
            "usageMetadata": [
                "promptTokenCount": promptTokens, "candidatesTokenCount": candidateTokens, "thoughtsTokenCount": thoughtTokens,
                "totalTokenCount": promptTokens + candidateTokens + thoughtTokens,
            ],
            "modelVersion": "gemini-test",
        ]
        return .status(200, body: String(decoding: try! JSONSerialization.data(withJSONObject: body), as: UTF8.self))
    }

    static func geminiContent<T: Encodable>(encoding value: T) -> Self {
        geminiContent(String(decoding: try! JSONEncoder().encode(value), as: UTF8.self))
    }
}
