import Foundation
import PressworkCore
import PressworkPipeline
import Synchronization
import Testing

@testable import PressworkProviders

/// Hostile and malformed input at each boundary where text enters Presswork, each asserting a
/// clear refusal or a neutralized value: run params, cron expressions, JSON documents, webhook
/// URLs, feeds, model replies, and the text that leaves as HTML. Each test prints how many
/// inputs it tried ("hostile-input corpus: …"). (The database-backed paths, nothing half-written, are tested beside each
/// store: API bodies in APITests, schedules in the scheduler's tests, webhooks in WebhookTests.)
@Suite struct HostileInputCorpusTests {
    /// Counts the inputs one test tries and prints the total when it ends.
    final class Tally: Sendable {
        let boundary: String
        let tried = Mutex(0)
        init(_ boundary: String) { self.boundary = boundary }
        func count(_ n: Int = 1) { tried.withLock { $0 += n } }
        deinit { print("hostile-input corpus: \(boundary): \(tried.withLock { $0 }) inputs tried") }
    }

    static let hostileText = [
        "", "   ", "\u{200B}\u{200B}", "\u{FEFF}", "a\u{0}b", "\u{1B}[31mred\u{1B}[0m", "bell\u{7}", "carriage\rreturn",
        "right\u{202E}txt.exe", "isolate\u{2066}x\u{2069}", "\u{85}next line", "del\u{7F}", "\u{9B}31m",
        String(repeating: "x", count: 100_000),
    ]

    @Test func seedsAndBrandVoicesAreRefusedNamingTheField() {
        let tally = Tally("run params")
        for text in Self.hostileText {
            tally.count(2)
            // Refused naming the field, or (whitespace such as U+0085 at an edge) trimmed away.
            func check(_ field: String, _ make: () throws(ValidationError) -> RunParams, _ value: (RunParams) -> String?) {
                do {
                    let params = try make()
                    let kept = value(params) ?? ""
                    #expect(
                        !kept.isEmpty && !kept.unicodeScalars.contains { UnsafeScalars.isControl($0) || UnsafeScalars.isBidiControl($0) },
                        "\(field) kept \(kept.debugDescription.prefix(40))")
                } catch {
                    #expect(error.field == field, "\(error)")
                }
            }
            check("seeds[0]", { () throws(ValidationError) in try RunParams.validated(seeds: [text]) }, { $0.seeds.first })
            guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            check(
                "brandVoice", { () throws(ValidationError) in try RunParams.validated(seeds: ["espresso"], brandVoice: text) },
                { $0.brandVoice })
        }
        for region in ["ZZZ", "../etc", "de\u{0}", "<b>", String(repeating: "A", count: 5_000)] {
            tally.count()
            #expect(throws: ValidationError.self) { try RunParams.validated(seeds: ["espresso"], region: region) }
        }
    }

    @Test func cronExpressionsAreRefused() {
        let tally = Tally("cron expressions")
        let refused = [
            "", "* * *", "60 * * * *", "* 24 * * *", "* * 32 * *", "* * * 13 *", "* * * * 8", "*/0 * * * *", "@yearlyish",
            "a b c d e", "1,,2 * * * *", "5-1 * * * *", "* * * * * * *", "\u{0} * * * *", "*\u{1B} * * * *",
            String(repeating: "1,", count: 50_000) + "1 * * * *",
        ]
        for text in refused {
            tally.count()
            #expect(throws: CronError.self, "\(text.debugDescription.prefix(40))") { try CronExpression(text) }
        }
    }

    @Test func jsonDocumentsAreRefusedWithTheirPlace() {
        let tally = Tally("JSON documents")
        let refused = [
            #"{"a": 1, "a": 2}"#, #"{"a": 1,}"#, "[1,]", "{", "}", #"{"a": 1} {"b": 2}"#, "\u{FEFF}{}", #"{"a": 0x10}"#,
            #"{"a": Infinity}"#, "/* c */ {}", #"{"a": "\u{0}"}"#, String(repeating: "[", count: 10_000),
        ]
        for text in refused {
            tally.count()
            #expect(throws: StrictJSON.Failure.self, "\(text.debugDescription.prefix(40))") { try StrictJSON.check(Data(text.utf8)) }
        }
        for bytes in [[0xFF], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22]] as [[UInt8]] {
            tally.count()
            #expect(throws: StrictJSON.Failure.self) { try StrictJSON.check(Data(bytes)) }
        }
    }

    @Test func webhookURLsAreRefused() {
        let tally = Tally("webhook URLs")
        let refused = [
            "http://169.254.169.254/", "http://[::ffff:169.254.169.254]/", "http://2852039166/", "http://0xa9fea9fe/",
            "http://metadata.localhost/", "http://0.0.0.0:80/", "http://10.0.0.1/", "http://[fc00::1]/",
            "http://example.com/\r\nHost: evil", "http://example.com:99999/", "gopher://example.com/", "http://a b/",
        ]
        for url in refused {
            tally.count()
            #expect(throws: ValidationError.self, "\(url.debugDescription)") {
                try WebhookDestination.check(url, allowPrivateNetworks: false)
            }
        }
    }

    @Test func hostileFeedsAreRefused() {
        let tally = Tally("feeds")
        let refused = [
            #"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss><channel><item><title>&x;</title></item></channel></rss>"#,
            #"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><rss/>"#,
            "<rss><channel><item><title>cut", "not xml at all", "", "{\"json\": true}",
        ]
        for text in refused {
            tally.count()
            #expect(throws: FeedParseError.self, "\(text.prefix(40))") { try FeedParser.parse(Data(text.utf8)) }
        }
    }

    /// A reply's strings lose NUL, control and bidi characters before they are used or cached,
    /// so no stored reply can break a statement or a reader's page.
    @Test func modelRepliesAreNeutralizedBeforeUse() throws {
        let tally = Tally("model replies")
        for text in Self.hostileText where !text.isEmpty && text.count < 1_000 {
            tally.count()
            let reply = JSONValue.object([
                ("seoTitle", .string("Espresso \(text) guide")), ("slug", .string("espresso")), ("metaDescription", .string(text)),
                ("tags", .array([.string("beans\(text)")])), ("categories", .array([.string("Coffee")])),
                ("excerpt", .string("Short \(text).")), ("imagePrompts", .array([])),
            ])
            let normalized = ReplyNormalizer.normalize(reply, schema: Metadata.schema, typeName: "Metadata").value.text
            // The JSON text escapes what it carries; decode to look at the strings themselves.
            let decoded = try #require(try JSONSerialization.jsonObject(with: Data(normalized.utf8)) as? [String: Any])
            let strings = decoded.values.flatMap { value in (value as? [String]) ?? [(value as? String)].compactMap { $0 } }
            for string in strings {
                #expect(
                    !string.unicodeScalars.contains { UnsafeScalars.isControl($0) || UnsafeScalars.isBidiControl($0) },
                    "\(string.debugDescription.prefix(60))")
            }
        }
    }

    /// Markup from a seed or a model is text when it leaves: escaped in titles and headings,
    /// sanitized in bodies (no scripts, handlers or javascript: URLs).
    @Test func markupLeavesAsTextOrSanitized() {
        let tally = Tally("markup leaving as HTML")
        let payloads = [
            "<img src=x onerror=alert(document.domain)>", "<script>alert(1)</script>", "\"><svg onload=alert(1)>",
            "<a href=\"javascript:alert(1)\">x</a>", "<iframe src=//evil>", "<style>@import 'evil'</style>",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", "<div style=\"background:url(javascript:x)\">",
            "<object data=evil>", "<form action=//evil><input name=p>", "<A HREF=\" &#14;  javascript:alert(1)\">x</A>",
            "<p onclick=alert(1)>x</p>",
        ]
        for payload in payloads {
            tally.count(2)
            let escaped = ArticleHTML.escape(payload)
            #expect(!escaped.contains("<") && !escaped.contains(">"))
            let sanitized = HTMLSanitizer.sanitize(payload).lowercased()
            for banned in ["<script", "onerror", "onload", "onclick", "javascript:", "<iframe", "<style", "<object", "<form", "style="] {
                #expect(!sanitized.contains(banned), "\(payload) kept \(banned): \(sanitized)")
            }
        }
    }

}
