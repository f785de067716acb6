import Foundation
import Testing

@testable import PressworkHTTP

/// The server does not let a client hold a socket with a request it never finishes, answers
/// malformed and oversized bodies with problems, and /readyz tells strangers nothing internal.
@Suite struct ConnectionLimitTests {
    /// Sends `bytes` over a plain TCP connection and reads until the server closes it (or
    /// `limit` passes: then nil). Blocking socket calls, on a thread of their own.
    static func sendAndReadUntilClosed(port: Int, _ bytes: String, limit: Duration) async -> String? {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                defer { close(fd) }
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = in_port_t(UInt16(port).bigEndian)
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                let connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
                guard connected == 0 else { return continuation.resume(returning: nil) }
                var timeout = timeval(tv_sec: Int(limit.components.seconds), tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                _ = bytes.withCString { send(fd, $0, strlen($0), 0) }
                var received = [UInt8]()
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let count = recv(fd, &buffer, buffer.count, 0)
                    if count == 0 { return continuation.resume(returning: String(decoding: received, as: UTF8.self)) }
                    if count < 0 { return continuation.resume(returning: nil) }  // the limit passed, still open
                    received += buffer[0..<count]
                }
            }
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func aHalfSentRequestIsClosedAfterTheIdleTimeout() async throws {
        let api = try await APIHarness.start("apiidle", idleTimeout: .seconds(1))
        let port = try #require(URLComponents(string: api.baseURL)?.port)
        // The head never ends: the server closes the connection without an answer.
        let half = await Self.sendAndReadUntilClosed(port: port, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ", limit: .seconds(20))
        #expect(half == "", "closed by the server, nothing answered")
        // A complete request on a connection that then goes quiet is answered, then closed too.
        let whole = await Self.sendAndReadUntilClosed(port: port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", limit: .seconds(20))
        #expect(whole?.hasPrefix("HTTP/1.1 200") == true)
        await api.stop()
    }

    @Test func malformedBodiesAreProblemsNamingThePlace() async throws {
        let api = try await APIHarness.start("apistrictbody")
        let duplicate = try await api.request(.POST, "/v1/runs", token: api.admin, body: #"{"seeds": ["a"], "seeds": ["b"]}"#)
        #expect(duplicate.status == 400)
        #expect((duplicate.json["detail"] as? String)?.contains(#"the key "seeds" is given twice"#) == true)
        let trailing = try await api.request(.POST, "/v1/runs", token: api.admin, body: #"{"seeds": ["a"],}"#)
        #expect(trailing.status == 400 && (trailing.json["detail"] as? String)?.contains("trailing comma") == true)
        let huge = try await api.request(
            .POST, "/v1/runs", token: api.admin, body: #"{"seeds": [""# + String(repeating: "x", count: 2 << 20) + #""]}"#)
        #expect(huge.status == 413)
        #expect(try await api.pool.query("SELECT count(*) FROM runs").scalar(Int.self) == 0, "nothing written")
        await api.stop()
    }

    /// With the database gone, /readyz says so, and nothing about where it was.
    @Test func readinessWithoutTheDatabaseRevealsNothing() async throws {
        let api = try await APIHarness.start("apireadygone")
        #expect(try await api.request(.GET, "/readyz").status == 200)
        await api.pool.close()
        let reply = try await api.request(.GET, "/readyz")
        #expect(reply.status == 503)
        // "socket /path, database name, user name": none of its values may appear.
        let target = api.pool.configuration.targetDescription
        let values = target.split(separator: ",").compactMap { $0.split(separator: " ").last.map(String.init) }
        #expect(!values.isEmpty)
        for value in values where value.count > 2 {
            #expect(!reply.body.contains(value), "\(reply.body) names \(value)")
        }
        #expect(!reply.body.contains("SQLSTATE") && !reply.body.contains(".s.PGSQL"))
        await api.stop()
    }
}
