import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PressworkStore
import Testing

@testable import PressworkHTTP

/// Adding and editing webhook endpoints in the console over real HTTP, as a browser would post
/// its forms: refusals beside their fields with what was typed kept and nothing stored, the
/// secret shown once, the CSRF token and the scope required.
@Suite struct ConsoleWebhookFormTests {
    /// A browser without redirects followed, so that the session cookie of a sign-in is seen.
    struct Browser {
        let api: APIHarness
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        var cookie = ""

        mutating func signIn(_ token: String) async throws {
            let reply = try await send(.POST, "/console/sign-in", form: ["token": token, "next": "/console"])
            #expect(reply.status == 303)
            let setCookie = try #require(reply.headers.first { $0.0.lowercased() == "set-cookie" }?.1)
            cookie = String(setCookie.prefix { $0 != ";" })
        }

        func send(_ method: HTTPMethod, _ path: String, form: [String: String]? = nil) async throws -> APIHarness.Reply {
            var request = HTTPClientRequest(url: api.baseURL + path)
            request.method = method
            if !cookie.isEmpty { request.headers.add(name: "Cookie", value: cookie) }
            if let form {
                var allowed = CharacterSet.alphanumerics
                allowed.insert(charactersIn: "-._~")
                let body = form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
                    .joined(separator: "&")
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                request.body = .bytes(ByteBuffer(string: body))
            }
            let response = try await client.execute(request, timeout: .seconds(30))
            let buffer = try await response.body.collect(upTo: 4 << 20)
            return APIHarness.Reply(
                status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: String(buffer: buffer))
        }

        /// The CSRF token of the page's forms.
        func csrf(_ path: String) async throws -> String {
            let page = try await send(.GET, path)
            let match = try #require(page.body.firstMatch(of: /name="csrf" value="([^"]+)"/))
            return String(match.1)
        }

        func close() async throws { try await client.shutdown() }
    }

    @Test func anEndpointIsAddedAndEditedThroughFormsCheckedAsTheCommandLineChecksThem() async throws {
        let api = try await APIHarness.start("webhookform")
        var browser = Browser(api: api)
        try await browser.signIn(api.admin)
        let csrf = try await browser.csrf("/console/webhooks/new")
        let store = WebhookStore(pool: api.pool)

        // Refused: each problem beside its field, what was typed kept, nothing stored.
        let refused = try await browser.send(
            .POST, "/console/webhooks/new", form: ["csrf": csrf, "name": "bad name", "url": "ftp://example.com/<x>", "events": "run.done"])
        #expect(refused.status == 422)
        #expect(refused.body.contains("id=\"name-error\""), "\(refused.body)")
        #expect(refused.body.contains("value=\"ftp://example.com/&lt;x&gt;\""))
        #expect(try await store.endpoints().isEmpty)
        let badURL = try await browser.send(
            .POST, "/console/webhooks/new", form: ["csrf": csrf, "name": "crm", "url": "ftp://example.com/hook", "events": "run.done"])
        #expect(badURL.status == 422)
        #expect(badURL.body.contains("id=\"url-error\"") && badURL.body.contains("http:// or https://"))
        let badEvent = try await browser.send(
            .POST, "/console/webhooks/new",
            form: ["csrf": csrf, "name": "crm", "url": "https://example.com/hook", "events": "run.exploded"])
        #expect(badEvent.status == 422)
        #expect(badEvent.body.contains("id=\"events-error\"") && badEvent.body.contains("run.exploded is not an event kind"))
        #expect(try await store.endpoints().isEmpty)

        // Added: the secret is shown once, and is the stored one.
        let added = try await browser.send(
            .POST, "/console/webhooks/new",
            form: ["csrf": csrf, "name": "crm", "url": "http://127.0.0.1:9/hook", "events": "", "private": "yes"])
        #expect(added.status == 201, "\(added.body)")
        let endpoint = try #require(try await store.endpoint("crm"))
        #expect(added.body.contains("<code id=\"webhook-secret\">\(endpoint.secret)</code>"))
        #expect(endpoint.allowPrivateNetworks && endpoint.events == WebhookStore.eventKinds)
        let taken = try await browser.send(
            .POST, "/console/webhooks/new", form: ["csrf": csrf, "name": "crm", "url": "https://example.com/x", "events": ""])
        #expect(taken.status == 422 && taken.body.contains("a webhook named crm exists already"))

        // Edited: a private address without the permission is refused; the endpoint is unchanged.
        let editCSRF = try await browser.csrf("/console/webhooks/crm/edit")
        let privateRefused = try await browser.send(
            .POST, "/console/webhooks/crm/edit", form: ["csrf": editCSRF, "url": "http://10.0.0.7/hook", "private": "no"])
        #expect(privateRefused.status == 422 && privateRefused.body.contains("id=\"url-error\""))
        #expect(try await store.endpoint("crm")?.url == "http://127.0.0.1:9/hook")
        let saved = try await browser.send(
            .POST, "/console/webhooks/crm/edit", form: ["csrf": editCSRF, "url": "https://hooks.example.com/presswork", "private": "no"])
        #expect(saved.status == 303)
        #expect(try await store.endpoint("crm")?.url == "https://hooks.example.com/presswork")
        let paused = try await browser.send(.POST, "/console/webhooks/crm/pause", form: ["csrf": editCSRF])
        #expect(paused.status == 303)
        #expect(try await store.endpoint("crm")?.enabled == false)

        // Without the CSRF token nothing changes; nor for a sign-in without settings:write.
        let forged = try await browser.send(.POST, "/console/webhooks/crm/remove", form: [:])
        #expect(forged.status == 403)
        #expect(try await store.endpoint("crm") != nil)
        var reader = Browser(api: api)
        try await reader.signIn(try await api.token("reader", [.runsRead]))
        #expect(try await reader.send(.GET, "/console/webhooks/new").status == 403)
        let list = try await reader.send(.GET, "/console/webhooks")
        #expect(list.status == 200 && !list.body.contains("/console/webhooks/crm/edit") && !list.body.contains("Add an endpoint"))

        let removed = try await browser.send(.POST, "/console/webhooks/crm/remove", form: ["csrf": editCSRF])
        #expect(removed.status == 303)
        #expect(try await store.endpoint("crm") == nil)
        try await browser.close()
        try await reader.close()
        await api.stop()
    }
}
