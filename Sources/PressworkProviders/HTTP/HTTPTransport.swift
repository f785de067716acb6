import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import PressworkCore

/// One HTTP exchange's answer, body read in full (bounded).
public struct HTTPReply: Sendable {
    public let status: Int
    public let headers: [(String, String)]
    public let body: Data

    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }

    /// The body as text, cut to `limit` characters, for error messages.
    public func bodyPrefix(_ limit: Int = 300) -> String {
        let text = String(decoding: body.prefix(limit * 4), as: UTF8.self)
        return text.count > limit ? String(text.prefix(limit)) + "…" : text
    }
}

/// The HTTP client every provider uses: real HTTP (AsyncHTTPClient, HTTP/1.1 and HTTP/2 over
/// TLS), a deadline per call, a bound on the body it reads, and errors that say whether
/// retrying may help.
public struct HTTPTransport: Sendable {
    let client: HTTPClient
    /// Largest body read; a bigger one is an error, not a truncation.
    public var maxBodyBytes: Int

    public init(client: HTTPClient = HTTPTransport.sharedClient, maxBodyBytes: Int = 16 << 20) {
        self.client = client
        self.maxBodyBytes = maxBodyBytes
    }

    /// How long a connection may take to open: a server that is down or unreachable is known
    /// in seconds, not at the end of the call's deadline. `PRESSWORK_CONNECT_TIMEOUT_SECONDS`
    /// changes it (read once, when the first call is made).
    public static let connectTimeout: Duration = {
        let text = ProcessInfo.processInfo.environment["PRESSWORK_CONNECT_TIMEOUT_SECONDS"]
        guard let seconds = text.flatMap(Double.init), seconds > 0, seconds <= 600 else { return .seconds(5) }
        return .milliseconds(Int64(seconds * 1000))
    }()

    /// The process's client: AsyncHTTPClient's shared configuration (redirects, decompression,
    /// pooling) with the connect timeout above, no retry of a failed connection inside a
    /// request, and no read timeout of its own. The shared
    /// client's 90 s read timeout used to cut every call short of its documented deadline;
    /// now each call's `timeout` alone bounds it.
    public static let sharedClient: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.timeout = .init(connect: .nanoseconds(connectTimeout.nanoseconds), read: nil)
        // A refused connection is an answer, not a slow server: fail the attempt at once and let
        // the call policy's backoff decide. AsyncHTTPClient otherwise retries the connection
        // inside the request until its deadline (a feed on a closed port took 20 s × attempts).
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// Sends a request and reads the whole reply within `timeout`. Transport failures throw
    /// `ProviderError` (transient: a refused or dropped connection, a timeout); HTTP error
    /// statuses are returned, for the caller to judge.
    public func send(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], body: Data? = nil,
        timeout: Duration, provider: String
    ) async throws -> HTTPReply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let deadline = TimeAmount.nanoseconds(timeout.nanoseconds)
        let client = self.client
        let maxBodyBytes = self.maxBodyBytes
        let prepared = request
        do {
            // AsyncHTTPClient's deadline ends at the answer's head; the body is read under the
            // same deadline here, so a server that trickles its body is cut at `timeout` too.
            let reply = try await withTimeLimit(timeout) {
                let response = try await client.execute(prepared, timeout: deadline)
                let buffer = try await response.body.collect(upTo: maxBodyBytes)
                return HTTPReply(
                    status: Int(response.status.code),
                    headers: response.headers.map { ($0.name, $0.value) },
                    body: Data(buffer.readableBytesView)
                )
            }
            guard let reply else { throw HTTPClientError.deadlineExceeded }
            return reply
        } catch is CancellationError {
            throw CancellationError()
        } catch is NIOTooManyBytesError {
            throw ProviderError(
                provider: provider, kind: .badReply,
                message: "the reply from \(Self.redacted(url)) is larger than \(maxBodyBytes) bytes")
        } catch let error as HTTPClientError where Self.isPermanent(error) {
            throw ProviderError(provider: provider, kind: .permanent, message: "cannot call \(Self.redacted(url)): \(error)")
        } catch {
            throw ProviderError(
                provider: provider, kind: .transient,
                message: "no answer from \(Self.redacted(url)) (\(Self.describe(error)))"
            )
        }
    }

    /// A request that cannot be sent at all (a malformed base URL): retrying cannot help.
    static func isPermanent(_ error: HTTPClientError) -> Bool {
        error == .invalidURL || error == .emptyHost || error == .emptyScheme
            || "\(error)".contains("unsupportedScheme")
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout: return "timed out"
            case .remoteConnectionClosed: return "the connection was closed"
            default: return "\(error)"
            }
        }
        if let error = error as? NIOConnectionError, let last = error.connectionErrors.last {
            return "cannot connect to \(error.host):\(error.port): \(describe(last.error))"
        }
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED { return "connection refused" }
        return "\(error)"
    }

    /// The URL without its query (Gemini's legacy `?key=` would otherwise reach a log).
    static func redacted(_ url: String) -> String {
        url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url
    }
}
