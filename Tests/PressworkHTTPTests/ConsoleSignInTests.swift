import Foundation
import PressworkStore
import Testing

@testable import PressworkHTTP

/// Signing in to the console over real HTTP: failed token sign-ins are throttled, valid tokens
/// included while it lasts, and one-time links are not.
@Suite struct ConsoleSignInTests {
    @Test func tenFailedSignInsInAMinuteRefuseTheNextWithRetryAfterButLinksStillWork() async throws {
        let api = try await APIHarness.start("signin")
        func signIn(_ token: String) async throws -> APIHarness.Reply {
            try await api.request(
                .POST, "/console/sign-in", body: "token=\(token)&next=%2Fconsole", contentType: "application/x-www-form-urlencoded")
        }
        for attempt in 1...10 {
            let refused = try await signIn("pw_guess\(attempt)")
            #expect(refused.status == 401, "attempt \(attempt)")
            #expect(refused.body.contains("not known"))
        }
        let throttled = try await signIn(api.admin)
        #expect(throttled.status == 429)
        #expect(throttled.body.contains("Too many sign-ins failed"))
        #expect(Int(throttled.header("Retry-After") ?? "") ?? 0 >= 1)
        #expect(throttled.header("Set-Cookie") == nil, "no session while throttled, even for a valid token")

        let code = try await ConsoleSessionStore(pool: api.pool).makeSignInLink(scopes: [.runsRead])
        let linked = try await api.request(.GET, "/console/sign-in/link?code=\(code)")
        // Redeemed: a redirect into the console (the client may follow it), not the refusal page.
        #expect(linked.status != 401 && linked.status != 429, "\(linked.status)")
        #expect(!linked.body.contains("used already") && !linked.body.contains("Too many"))
        await api.stop()
    }

    @Test func anUnknownConsoleAddressIsAnHTMLPageNotAProblem() async throws {
        let api = try await APIHarness.start("console404")
        let reply = try await api.request(.GET, "/console/no/such/page?x=<b>")
        #expect(reply.status == 404)
        #expect(reply.header("Content-Type")?.hasPrefix("text/html") == true)
        #expect(reply.body.contains("there is no console page at /console/no/such/page"))
        #expect(!reply.body.contains("<b>"))
        // The API's own addresses keep their JSON problems.
        let api404 = try await api.request(.GET, "/v1/no-such-thing", token: api.admin)
        #expect(api404.status == 404)
        #expect(api404.header("Content-Type")?.contains("json") == true)
        await api.stop()
    }
}
