import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A real HTTP/1.1 server on loopback that answers from a script, for testing the provider
/// clients over real sockets: each request takes the next scripted reply (a status and body, a
/// slow reply, or a dropped connection) and is recorded for the test to inspect.
public final class ScriptedHTTPServer: Sendable {
    public indirect enum Reply: Sendable {
        case status(Int, headers: [(String, String)] = [], body: String)
        /// Waits, then answers.
        case slow(Duration, Reply)
        /// Closes the connection without answering.
        case drop
        /// A 200 whose body (`body`, its length announced) comes one byte every `every`: a
        /// server that answers, but too slowly to finish.
        case trickle(every: Duration, body: String)
    }

    public struct Request: Sendable {
        public let method: String
        public let path: String
        public let headers: [(String, String)]
        public let body: Data

        public func header(_ name: String) -> String? {
            headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
        }

        public var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:]
        }
    }

    private let channel: any Channel
    public let port: Int
    private let script = Mutex<[Reply]>([])
    private let recorded = Mutex<[Request]>([])
    /// Answers requests once the script is used up (a protocol-faithful stand-in that computes
    /// its reply from the request); without one, such a request gets a 500.
    private let responder = Mutex<(@Sendable (Request) -> Reply)?>(nil)

    public var baseURL: String { "http://127.0.0.1:\(port)" }
    public var requests: [Request] { recorded.withLock { $0 } }

    private init(channel: any Channel, port: Int) {
        self.channel = channel
        self.port = port
    }

    public static func start() async throws -> ScriptedHTTPServer {
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

    public func enqueue(_ replies: Reply...) {
        script.withLock { $0 += replies }
    }

    /// Sets the reply for every request past the script.
    public func respond(_ responder: @escaping @Sendable (Request) -> Reply) {
        self.responder.withLock { $0 = responder }
    }

    public func stop() async {
        try? await channel.close()
    }

    fileprivate func take(_ request: Request) -> Reply {
        recorded.withLock { $0.append(request) }
        if let next = script.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { return next }
        if let responder = responder.withLock({ $0 }) { return responder(request) }
        return .status(500, body: #"{"error":{"message":"no scripted reply left"}}"#)
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
            case .trickle(let every, let text):
                let headers = HTTPHeaders([("Content-Length", "\(text.utf8.count)"), ("Content-Type", "application/json")])
                context.writeAndFlush(
                    wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
                trickle(Array(text.utf8)[...], every: every, context: context)
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

        private func trickle(_ bytes: ArraySlice<UInt8>, every: Duration, context: ChannelHandlerContext) {
            guard let first = bytes.first, context.channel.isActive else {
                if context.channel.isActive { context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil) }
                return
            }
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: [first])))), promise: nil)
            let nanoseconds = Int64(every.components.seconds) * 1_000_000_000 + Int64(every.components.attoseconds / 1_000_000_000)
            context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(nanoseconds)) {
                self.trickle(bytes.dropFirst(), every: every, context: context)
            }
        }
    }
}
