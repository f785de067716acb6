import PressworkCore
import Testing

/// Webhook URLs that would make each event a request into the network Presswork runs in are
/// refused, in every spelling the system's resolver would accept; public ones pass.
@Suite struct WebhookDestinationTests {
    static let inward = [
        "http://169.254.169.254/latest/meta-data/", "http://2852039166/", "http://0xA9FEA9FE/", "http://0251.0376.0251.0376/",
        "http://169.254.43518/", "http://[::ffff:169.254.169.254]/", "http://[::ffff:a9fe:a9fe]/", "http://[64:ff9b::a9fe:a9fe]/",
        "http://127.0.0.1:8080/", "http://127.1/", "http://0x7f000001/", "http://[::1]/", "http://localhost/", "http://LOCALHOST./",
        "http://api.localhost/", "http://0.0.0.0/", "http://0/", "http://[::]/", "http://10.1.2.3/", "http://172.20.0.1/",
        "http://192.168.1.1/", "http://100.64.0.1/", "http://[fe80::1%25eth0]/", "http://[fd00::1]/", "http://224.0.0.1/",
        "http://255.255.255.255/", "https://[2002:a9fe:a9fe::1]/",
    ]

    @Test(arguments: inward)
    func inwardDestinationsAreRefused(_ url: String) {
        #expect(throws: ValidationError.self) { try WebhookDestination.check(url, allowPrivateNetworks: false) }
        #expect((try? WebhookDestination.check(url, allowPrivateNetworks: true)) != nil, "allowed when the endpoint says so")
    }

    static let malformed = [
        "", "ftp://example.com/", "file:///etc/passwd", "example.com/hook", "http://", "http://exa mple.com/",
        "http://example.com/\r\nX-Injected: 1", "http://example.com/ hook", "http://example.com:99999/", "http://example.com:0/",
        "http://user:pass@example.com/", "http://example.com/\u{0}", "javascript:alert(1)",
    ]

    @Test(arguments: malformed)
    func malformedURLsAreRefusedEvenWithPrivateNetworksAllowed(_ url: String) {
        #expect(throws: ValidationError.self) { try WebhookDestination.check(url, allowPrivateNetworks: true) }
    }

    @Test func publicDestinationsPass() throws {
        let destination = try WebhookDestination.check("https://hooks.example.com:8443/presswork?x=1", allowPrivateNetworks: false)
        #expect(destination.host == "hooks.example.com" && destination.port == 8443 && destination.scheme == "https")
        #expect(try WebhookDestination.check("http://93.184.216.34/", allowPrivateNetworks: false).port == 80)
        #expect(try WebhookDestination.check("http://[2606:4700::1111]/", allowPrivateNetworks: false).host == "2606:4700::1111")
    }

    @Test func refusalsNameTheRangeAndTheWayOut() {
        let error = #expect(throws: ValidationError.self) {
            try WebhookDestination.check("http://0xA9FEA9FE/", allowPrivateNetworks: false)
        }
        #expect(error?.problem.contains("169.254.169.254") == true && error?.problem.contains("metadata") == true)
        #expect(error?.problem.contains("--allow-private-networks") == true)
        let port = #expect(throws: ValidationError.self) {
            try WebhookDestination.check("http://example.com:99999/", allowPrivateNetworks: false)
        }
        #expect(port?.problem.contains("99999") == true)
        #expect(WebhookDestination.refusal(for: [IPAddress(literal: "93.184.216.34")!]) == nil)
        #expect(
            WebhookDestination.refusal(for: [IPAddress(literal: "93.184.216.34")!, IPAddress(literal: "10.0.0.1")!])?
                .contains("10.0.0.1") == true, "one inward address among several is enough to refuse")
    }
}
