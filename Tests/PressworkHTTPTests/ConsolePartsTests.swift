import Foundation
import PressworkCore
import Synchronization
import Testing

@testable import PressworkHTTP

/// The console's small parts that guard its edges: escaping by type, where a sign-in may send a
/// browser next, form decoding, and review problems mapped back to their fields.
@Suite struct ConsolePartsTests {
    @Test func interpolatedTextIsEscapedAndOnlyHTMLIsNot() {
        let hostile = #"<script>alert("x")</script><img src=x onerror='y'> & more"#
        let page: HTML = "<p title=\"\(hostile)\">\(hostile)</p>\(HTML("<b>kept</b>"))"
        #expect(
            page.description
                == "<p title=\"&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=&#39;y&#39;&gt; &amp; more\">"
                + "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=&#39;y&#39;&gt; &amp; more</p><b>kept</b>")
        let optional: String? = nil
        #expect(HTML("\(optional)\(42)").description == "42")
        // A "<" followed by a combining mark is one Character but still a "<" to a parser.
        #expect(!HTML("\("<\u{0301}script>")").description.contains("<"))
    }

    @Test func signInSendsOnlyToConsolePaths() {
        #expect(SignInPages.safeNext("/console/runs?status=error") == "/console/runs?status=error")
        for hostile in [
            nil, "https://evil.example/console", "//evil.example/console", "/console\\@evil", "/consolé\n", "/other", "/console/\u{7F}",
        ] {
            #expect(SignInPages.safeNext(hostile) == "/console", "\(hostile ?? "nil")")
        }
    }

    /// Ten failures in a minute stop token sign-ins until the oldest is a minute old, on an
    /// injected clock.
    @Test func failedSignInsAreThrottledForTheRestOfTheWindow() {
        let start = ContinuousClock.now
        let clock = Mutex(start)
        let throttle = SignInThrottle(limit: 3, window: .seconds(60), now: { clock.withLock { $0 } })
        for second in 0..<3 {
            clock.withLock { $0 = start + .seconds(second * 10) }
            #expect(throttle.wait() == nil)
            throttle.failed()
        }
        clock.withLock { $0 = start + .seconds(25) }
        #expect(throttle.wait() == .seconds(35), "until the first failure is a minute old")
        clock.withLock { $0 = start + .seconds(60) }
        #expect(throttle.wait() == nil, "the first failure has left the window")
        throttle.failed()
        #expect(throttle.wait() == .seconds(10), "three in the window again: until the second leaves it")
    }

    @Test func formsDecodeAndRefuseBadEncoding() throws {
        let form = try ConsoleForm.parse("token=pw_a%2Bb&next=%2Fconsole%2Fruns&empty=&reason=two+words")
        #expect(form["token"] == "pw_a+b" && form["next"] == "/console/runs" && form["empty"] == "" && form["reason"] == "two words")
        #expect(form.trimmed("empty") == nil && form["absent"] == nil)
        #expect(throws: ConsoleError.self) { try ConsoleForm.parse("token=%zz") }
    }

    @Test func reviewProblemsLandBesideTheirFields() {
        let sections = [0, 1].map { PolishedSection(index: $0, heading: "h", body: "b", edits: []) }
        #expect(ReviewPages.field(forPath: "metadata.seoTitle", sections: sections) == "seoTitle")
        #expect(ReviewPages.field(forPath: "metadata.imagePrompts[0].altText", sections: sections) == "metadata")
        #expect(ReviewPages.field(forPath: "sections[1].heading", sections: sections) == "section-1-heading")
        #expect(ReviewPages.field(forPath: "sections[7].body", sections: sections) == "metadata")
    }

    @Test func sessionCSRFComparisonIsExact() {
        #expect(ConsoleSignIn.constantTimeEqual("abc", "abc"))
        #expect(!ConsoleSignIn.constantTimeEqual("abc", "abd") && !ConsoleSignIn.constantTimeEqual("abc", "abcd"))
    }
}
