import NIOPosix
import PressworkCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Resolves a host name to its addresses with the system's resolver (getaddrinfo, which
/// blocks, so it runs on NIO's blocking-IO thread pool and not on the cooperative pool).
enum HostResolver {
    struct Failure: Error, CustomStringConvertible {
        let host: String
        let reason: String
        var description: String { "cannot resolve \(host): \(reason)" }
    }

    static func addresses(of host: String) async throws -> [IPAddress] {
        if let literal = IPAddress(literal: host) { return [literal] }
        return try await NIOThreadPool.singleton.runIfActive {
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            #if canImport(Glibc)
                hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            #else
                hints.ai_socktype = SOCK_STREAM
            #endif
            var list: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(host, nil, &hints, &list)
            guard status == 0, let first = list else {
                throw Failure(host: host, reason: String(cString: gai_strerror(status)))
            }
            defer { freeaddrinfo(first) }
            var found: [IPAddress] = []
            var entry: UnsafeMutablePointer<addrinfo>? = first
            while let current = entry {
                if let socketAddress = current.pointee.ai_addr {
                    switch Int32(current.pointee.ai_family) {
                    case AF_INET:
                        let address = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                        found.append(.v4(UInt32(bigEndian: address.s_addr)))
                    case AF_INET6:
                        var address = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                        found.append(.v6(withUnsafeBytes(of: &address) { Array($0) }))
                    default:
                        break
                    }
                }
                entry = current.pointee.ai_next
            }
            if found.isEmpty { throw Failure(host: host, reason: "no IPv4 or IPv6 address") }
            return found
        }
    }
}

extension WebhookDestination {
    /// At registration, after `check`: refuses a host name that resolves into a refused range
    /// now. A name that does not resolve (yet) passes with the reason returned as a warning;
    /// each delivery checks again.
    public static func checkResolved(_ url: String, allowPrivateNetworks: Bool) async throws -> String? {
        let destination = try check(url, allowPrivateNetworks: allowPrivateNetworks)
        guard !allowPrivateNetworks else { return nil }
        let addresses: [IPAddress]
        do {
            addresses = try await HostResolver.addresses(of: destination.host)
        } catch let failure as HostResolver.Failure {
            return "\(failure); each delivery resolves it again"
        }
        if let refusal = refusal(for: addresses) {
            throw ValidationError(field: "url", "\(refusal) (register it with --allow-private-networks if that is meant)")
        }
        return nil
    }
}
