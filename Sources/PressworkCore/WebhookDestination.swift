import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a webhook may be POSTed. Webhook URLs are typed by people who may not be trusted with
/// the network Presswork runs in: a URL naming the cloud's metadata service (169.254.169.254),
/// the database's host or another internal service would turn each event into a request from
/// inside. So a destination is checked twice: its URL when it is registered (`check`), and
/// every address its host resolves to just before each delivery (`refusal(for:)` over the
/// resolved addresses, in the dispatcher), so that a name re-pointed after registration (DNS
/// rebinding) is caught too. Endpoints registered with `allowPrivateNetworks` skip the address
/// checks (a receiver on the same machine or LAN, deliberately).
public struct WebhookDestination: Sendable, Equatable {
    public let url: URL
    public let scheme: String
    /// The host as written, without IPv6 brackets.
    public let host: String
    public let port: Int

    /// Parses and checks a URL: http or https, a host, a port in 1…65535, no user name or
    /// password, no whitespace or control characters, at most 2,000 characters; and, unless
    /// private networks are allowed, a host that is neither a refused address nor a name for
    /// this machine (`localhost`, `*.localhost`).
    public static func check(_ text: String, allowPrivateNetworks: Bool) throws -> WebhookDestination {
        func refuse(_ problem: String) -> ValidationError { ValidationError(field: "url", problem) }
        guard !text.isEmpty else { throw refuse("is empty; give an http:// or https:// URL") }
        guard text.utf8.count <= 2_000 else { throw refuse("is longer than 2000 characters") }
        if let bad = text.unicodeScalars.first(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) {
            throw refuse(
                "contains \(bad.value < 0x21 || bad.value == 0x7F ? String(format: "the control character U+%04X", bad.value) : "whitespace") (a URL has none; percent-encode it)"
            )
        }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme) else {
            throw refuse("must be an http:// or https:// URL, not \(text)")
        }
        guard let rawHost = url.host(percentEncoded: false), !rawHost.isEmpty else {
            throw refuse("has no host: \(text)")
        }
        guard url.user == nil, url.password == nil else {
            throw refuse("must not carry a user name or password; the signature authenticates the sender")
        }
        // The port, read from the text: URL accepts 99999 and wraps nothing, but no socket can use it.
        let port: Int
        if let written = url.port {
            guard (1...65_535).contains(written) else { throw refuse("has port \(written); a port is 1…65535") }
            port = written
        } else {
            port = scheme == "https" ? 443 : 80
        }
        let host = rawHost.hasPrefix("[") && rawHost.hasSuffix("]") ? String(rawHost.dropFirst().dropLast()) : rawHost
        let destination = WebhookDestination(url: url, scheme: scheme, host: host, port: port)
        if !allowPrivateNetworks {
            let name = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
            if name == "localhost" || name.hasSuffix(".localhost") {
                throw refuse("names this machine (\(host)); register it with --allow-private-networks if that is meant")
            }
            if let address = IPAddress(literal: host), let range = address.refusedRange {
                throw refuse("points into \(range) (\(address)); register it with --allow-private-networks if that is meant")
            }
        }
        return destination
    }

    /// Why a delivery to these resolved addresses is refused, or nil when every one is public.
    public static func refusal(for addresses: [IPAddress]) -> String? {
        guard let address = addresses.first(where: { $0.refusedRange != nil }), let range = address.refusedRange else { return nil }
        return "the destination resolves to \(address), in \(range); deliveries there need --allow-private-networks"
    }
}

/// An IPv4 or IPv6 address, classified by the ranges a webhook must not reach.
public enum IPAddress: Sendable, Equatable, CustomStringConvertible {
    case v4(UInt32)
    case v6([UInt8])

    /// Reads an address literal in every form the system's resolver accepts: dotted IPv4, and
    /// its decimal (`2852039166`), hexadecimal (`0xA9FEA9FE`), octal and shortened (`127.1`)
    /// spellings (inet_aton, which getaddrinfo uses), and IPv6 with an optional zone.
    public init?(literal: String) {
        var text = literal
        if text.hasPrefix("[") && text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        if text.contains(":") {
            let withoutZone = text.split(separator: "%", maxSplits: 1).first.map(String.init) ?? text
            var raw = in6_addr()
            guard inet_pton(AF_INET6, withoutZone, &raw) == 1 else { return nil }
            self = .v6(withUnsafeBytes(of: &raw) { Array($0) })
            return
        }
        var raw = in_addr()
        guard inet_aton(text, &raw) != 0 else { return nil }
        self = .v4(UInt32(bigEndian: raw.s_addr))
    }

    public init(bytes: [UInt8]) {
        if bytes.count == 4 {
            self = .v4(bytes.reduce(0) { $0 << 8 | UInt32($1) })
        } else {
            self = .v6(bytes)
        }
    }

    /// The name of the range that makes this address unfit for a webhook, or nil for a public one.
    public var refusedRange: String? {
        switch self {
        case .v4(let value):
            return Self.v4Range(value)
        case .v6(let bytes):
            guard bytes.count == 16 else { return "an unreadable address" }
            if bytes.allSatisfy({ $0 == 0 }) { return "the unspecified address" }
            if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return "loopback" }
            // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d)
            // addresses reach the IPv4 address they embed.
            let embedded = bytes[12..<16].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF { return Self.v4Range(embedded) }
            if bytes[0..<12].allSatisfy({ $0 == 0 }) { return Self.v4Range(embedded) ?? "an IPv4-compatible address" }
            if bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xFF && bytes[3] == 0x9B && bytes[4..<12].allSatisfy({ $0 == 0 }) {
                return Self.v4Range(embedded)
            }
            if bytes[0] == 0x20 && bytes[1] == 0x02 {  // 6to4: 2002:a.b.c.d::/48
                return Self.v4Range(bytes[2..<6].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            }
            if bytes[0] & 0xFE == 0xFC { return "a unique-local range (fc00::/7)" }
            if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 { return "link-local (fe80::/10)" }
            if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0xC0 { return "site-local (fec0::/10)" }
            if bytes[0] == 0xFF { return "multicast (ff00::/8)" }
            if bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0D && bytes[3] == 0xB8 { return "documentation (2001:db8::/32)" }
            return nil
        }
    }

    private static func v4Range(_ value: UInt32) -> String? {
        func within(_ base: UInt32, _ bits: UInt32) -> Bool {
            let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - bits)
            return value & mask == base & mask
        }
        let ranges: [(UInt32, UInt32, String)] = [
            (0x0000_0000, 8, "the unspecified range (0.0.0.0/8)"),
            (0x7F00_0000, 8, "loopback (127.0.0.0/8)"),
            (0x0A00_0000, 8, "a private range (10.0.0.0/8)"),
            (0xAC10_0000, 12, "a private range (172.16.0.0/12)"),
            (0xC0A8_0000, 16, "a private range (192.168.0.0/16)"),
            (0xA9FE_0000, 16, "link-local, where cloud metadata services live (169.254.0.0/16)"),
            (0x6440_0000, 10, "shared address space (100.64.0.0/10)"),
            (0xC000_0000, 24, "IETF protocol assignments (192.0.0.0/24)"),
            (0xC000_0200, 24, "documentation (192.0.2.0/24)"),
            (0xC633_6400, 24, "documentation (198.51.100.0/24)"),
            (0xCB00_7100, 24, "documentation (203.0.113.0/24)"),
            (0xC612_0000, 15, "benchmarking (198.18.0.0/15)"),
            (0xE000_0000, 4, "multicast (224.0.0.0/4)"),
            (0xF000_0000, 4, "reserved (240.0.0.0/4)"),
        ]
        return ranges.first { within($0.0, $0.1) }?.2
    }

    public var description: String {
        switch self {
        case .v4(let value):
            return [24, 16, 8, 0].map { String((value >> $0) & 0xFF) }.joined(separator: ".")
        case .v6(var bytes):
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            return bytes.withUnsafeMutableBytes { raw in
                inet_ntop(AF_INET6, raw.baseAddress, &text, socklen_t(text.count)) != nil
                    ? String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
            }
        }
    }
}
