import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A real HTTP/1.1 server on loopback that answers from a script, for testing the provider
/// clients over real sockets: each request takes the next scripted reply (a status and body, a
/// slow reply, or a dropped connection) and is recorded for the test to inspect.
final class ScriptedHTTPServer: Sendable {
    indirect enum Reply: Sendable {
        case status(Int, headers: [(String, String)] = [], body: String)
        /// Waits, then answers.
        case slow(Duration, Reply)
        /// Closes the connection without answering.
        case drop
    }

    struct Request: Sendable {
        let method: String
        let path: String
        let headers: [(String, String)]
        let body: Data

        func header(_ name: String) -> String? {
            headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
        }

        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:]
        }
    }

    private let channel: any Channel
    let port: Int
    private let script = Mutex<[Reply]>([])
    private let recorded = Mutex<[Request]>([])

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var requests: [Request] { recorded.withLock { $0 } }

    private init(channel: any Channel, port: Int) {
        self.channel = channel
        self.port = port
    }

    static func start() async throws -> ScriptedHTTPServer {
        let box = Mutex<ScriptedHTTPServer?>(nil)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler(server: { box.withLock { $0 } }))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let server = ScriptedHTTPServer(channel: channel, port: channel.localAddress?.port ?? 0)
        box.withLock { $0 = server }
        return server
    }

    func enqueue(_ replies: Reply...) {
        script.withLock { $0 += replies }
    }

    func stop() async {
        try? await channel.close()
    }

    fileprivate func take(_ request: Request) -> Reply {
        recorded.withLock { $0.append(request) }
        return script.withLock { $0.isEmpty ? .status(500, body: #"{"error":{"message":"no scripted reply left"}}"#) : $0.removeFirst() }
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let server: @Sendable () -> ScriptedHTTPServer?
        var head: HTTPRequestHead?
        var body = Data()

        init(server: @escaping @Sendable () -> ScriptedHTTPServer?) {
            self.server = server
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = Data()
            case .body(var buffer):
                body.append(contentsOf: buffer.readBytes(length: buffer.readableBytes) ?? [])
            case .end:
                guard let head, let server = server() else { return }
                let request = Request(
                    method: head.method.rawValue, path: head.uri, headers: head.headers.map { ($0.name, $0.value) }, body: body
                )
                answer(server.take(request), context: context)
            }
        }

        private func answer(_ reply: Reply, context: ChannelHandlerContext) {
            switch reply {
            case .drop:
                context.close(promise: nil)
            case .slow(let delay, let then):
                let nanoseconds = Int64(delay.components.seconds) * 1_000_000_000 + Int64(delay.components.attoseconds / 1_000_000_000)
                context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(nanoseconds)) {
                    self.answer(then, context: context)
                }
            case .status(let status, let headers, let text):
                var responseHeaders = HTTPHeaders(headers)
                responseHeaders.replaceOrAdd(name: "Content-Length", value: "\(text.utf8.count)")
                if responseHeaders["Content-Type"].isEmpty { responseHeaders.add(name: "Content-Type", value: "application/json") }
                let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: responseHeaders)
                context.write(wrapOutboundOut(.head(head)), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}

// MARK: - The OpenAI and Gemini reply shapes

extension ScriptedHTTPServer.Reply {
    /// A chat completion whose message content is `content`, as OpenAI-compatible servers send it.
    static func chatCompletion(_ content: String, finishReason: String = "stop", promptTokens: Int = 100, completionTokens: Int = 50) -> Self {
        let body: [String: Any] = [
            "id": "chatcmpl-test", "object": "chat.completion", "created": 1_795_000_000, "model": "test-model",
            "choices": [["index": 0, "message": ["role": "assistant", "content": content], "finish_reason": finishReason]],
            "usage": ["prompt_tokens": promptTokens, "completion_tokens": completionTokens, "total_tokens": promptTokens + completionTokens],
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
            "candidates": [[
                "content": ["role": "model", "parts": [["text": text]]], "finishReason": finishReason, "index": 0,
            ]],
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
