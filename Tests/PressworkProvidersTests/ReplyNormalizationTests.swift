import Foundation
import PressworkCore
import PressworkPipeline
import TestSupport
import Testing

@testable import PressworkProviders

/// Soft and hard constraints: replies that break a soft bound are normalized with a warning
/// and cost no repair; only what the model must fix goes back to it. The replies below are of
/// the kinds real servers sent (llama.cpp with SmolLM2-135M, scripts/real-model): a title over
/// its limit, scores on other scales, a placement past the last section, a term with spaces.
@Suite struct ReplyNormalizationTests {
    /// Every bounded field of every reply schema has a rule in `ReplyRules`.
    @Test func everyBoundOfEveryReplySchemaHasARule() {
        let replies: [(String, JSONSchema)] = [
            ("IdeasReply", IdeasReply.schema), ("Outline", Outline.schema), ("SectionDraft", SectionDraft.schema),
            ("PolishedSection", PolishedSection.schema), ("Metadata", Metadata.schema), ("ReviewReply", ReviewReply.schema),
        ]
        for (name, schema) in replies {
            let bounded = Self.boundedPaths(schema, path: "")
            let rules = ReplyRules.rules(for: name)
            #expect(!bounded.isEmpty)
            for path in bounded {
                #expect(rules[path] != nil, "\(name).\(path) has a bound but no rule in ReplyRules")
            }
            for path in rules.keys {
                #expect(bounded.contains(path), "ReplyRules names \(name).\(path), which has no bound")
            }
        }
    }

    @Test func softBoundsAreNormalizedWithAWarningAndNoRepair() async throws {
        let server = try await ScriptedHTTPServer.start()
        let longTitle = "Home Espresso for Beginners: Grinders, Beans, Water and the Shot You Want"  // 73 characters
        let alt = String(repeating: "a photo of a shiny espresso machine ", count: 4)  // 143 characters, trimmed
        let reply = #"""
            {"seoTitle": "\#(longTitle)", "slug": "Home Espresso_Guide!", "metaDescription": "Start here.",
             "tags": ["  espresso  machines ", "", "beans"], "categories": ["Coffee "], "excerpt": "Short.",
             "imagePrompts": [{"prompt": "a machine", "placement": "hero", "altText": "\#(alt)"}]}
            """#
        server.enqueue(.chatCompletion(reply))
        let generated = try await StructuredGenerator(model: chatClient(server)).generate(Metadata.self, system: "", prompt: "m")
        #expect(server.requests.count == 1)
        let metadata = generated.value
        #expect(metadata.seoTitle.count <= Metadata.seoTitleLimit)
        #expect(metadata.seoTitle.hasPrefix("Home Espresso for Beginners"))
        #expect(metadata.slug == "home-espresso-guide")
        #expect(metadata.tags == ["espresso machines", "beans"])
        #expect(metadata.categories == ["Coffee"])
        #expect(metadata.imagePrompts[0].altText.count <= Metadata.altTextLimit)
        let warnings = generated.warnings.joined(separator: "\n")
        #expect(warnings.contains("seoTitle: 73 characters; cut to 60 at a word boundary"))
        #expect(warnings.contains("imagePrompts[0].altText: 143 characters; cut to 125"))
        #expect(warnings.contains("tags: dropped 1 empty items"))
        #expect(warnings.contains("slug: rebuilt as \"home-espresso-guide\""))
        await server.stop()
    }

    @Test(arguments: [(9.75, 1.0), (500, 1.0), (-2, 0.0), (0.4, 0.4)])
    func scoresOutsideTheRangeAreClamped(score: Double, expected: Double) async throws {
        let server = try await ScriptedHTTPServer.start()
        server.enqueue(.chatCompletion(#"{"score": \#(score), "issues": ["fine"]}"#))
        let generated = try await StructuredGenerator(model: chatClient(server)).generate(ReviewReply.self, system: "", prompt: "r")
        #expect(generated.value.score == expected)
        #expect(generated.warnings.isEmpty == (score == expected))
        #expect(server.requests.count == 1)
        await server.stop()
    }

    @Test func tooManyItemsKeepTheFirstAndMarkupLeavesProse() async throws {
        let server = try await ScriptedHTTPServer.start()
        let edits = (1...15).map { "\"edit \($0) \(String(repeating: "long note ", count: 14))\"" }.joined(separator: ",")
        server.enqueue(
            .chatCompletion(
                #"""
                {"index": 99, "heading": "Grind size", "body": "<p>Grind <strong>finer</strong> for a slower shot.</p>", "edits": [\#(edits)]}
                """#))
        let generated = try await StructuredGenerator(model: chatClient(server))
            .generate(PolishedSection.self, system: "", prompt: "p")
        #expect(generated.value.edits.count == 8)
        #expect(generated.value.edits.allSatisfy { $0.count <= 120 })
        #expect(generated.value.body == "Grind finer for a slower shot.")
        #expect(generated.value.index == 20)
        #expect(generated.warnings.contains("edits: had 15 items; kept the first 8"))
        #expect(generated.warnings.contains("body: markup removed"))
        await server.stop()
    }

    /// An outline outside 4–7 sections, an empty title: hard, so the model is asked again.
    @Test func hardConstraintsGoToARepair() async throws {
        let server = try await ScriptedHTTPServer.start()
        let section = #"{"heading": "One", "keyPoints": ["a point"]}"#
        let three = (1...3).map { _ in section }.joined(separator: ",")
        let five = (1...5).map { _ in section }.joined(separator: ",")
        server.enqueue(
            .chatCompletion(#"{"title": "  ", "thesis": "t", "keywords": ["k"], "sections": [\#(three)]}"#),
            .chatCompletion(#"{"title": "Espresso", "thesis": "t", "keywords": ["k"], "sections": [\#(five)]}"#)
        )
        let generated = try await StructuredGenerator(model: chatClient(server)).generate(Outline.self, system: "", prompt: "o")
        #expect(generated.value.sections.count == 5)
        #expect(server.requests.count == 2)
        let repair = try #require((server.requests.last?.json["messages"] as? [[String: Any]])?.last?["content"] as? String)
        #expect(repair.contains("sections: has 3 items, at least 4 required"))
        #expect(repair.contains("title: shorter than 1 characters"))
        #expect(generated.usage.calls == 2)
        await server.stop()
    }

    /// A generation that fails reports what its replies cost to the run's meter.
    @Test func aFailedGenerationReportsItsSpendToTheMeter() async throws {
        let server = try await ScriptedHTTPServer.start()
        server.enqueue(.chatCompletion("not json"), .chatCompletion("still not json"))
        let meter = SpendMeter()
        await #expect(throws: ProviderError.self) {
            try await RunContext.$meter.withValue(meter) {
                try await StructuredGenerator(model: chatClient(server), maxRepairs: 1).generate(ReviewReply.self, system: "", prompt: "r")
            }
        }
        #expect(meter.total == TokenUsage(input: 200, output: 100, calls: 2))
        await server.stop()
    }

    @Test(arguments: [
        (
            #"{"index": 3, "heading": "Grind", "body": "Finer grinds slow the sh"#,
            #"{"index": 3, "heading": "Grind", "body": "Finer grinds slow the sh"}"#
        ),
        (#"{"index": 3, "heading": "Grind", "bo"#, #"{"index": 3, "heading": "Grind"}"#),
        (#"{"index": 3, "heading": "#, #"{"index": 3}"#),
        (#"{"ideas": [{"title": "A", "score": 0.5}, {"title": "B", "sco"#, #"{"ideas": [{"title": "A", "score": 0.5}, {"title": "B"}]}"#),
        (#"{"tags": ["a", "b"#, #"{"tags": ["a", "b"]}"#),
        (#"{"score": 0.7"#, #"{}"#),
        (#"not json"#, nil),
    ])
    func cutOffJSONIsClosed(text: String, closed: String?) {
        #expect(TruncatedJSON.close(text) == closed)
    }

    /// Cut off at the ceiling: the part that arrived is kept, when it passes the checks.
    @Test func aReplyCutOffAtTheCeilingIsKept() async throws {
        let server = try await ScriptedHTTPServer.start()
        let loop = String(repeating: "#[Likes] ", count: 200)
        server.enqueue(
            .chatCompletion(#"{"index": 0, "heading": "Grind size", "body": "Grind finer. \#(loop)"#, finishReason: "length"),
            .chatCompletion(#"{"index": 0, "heading": "Grind size", "body": "Grind finer. \#(loop)\#(loop)"#, finishReason: "length")
        )
        let generated = try await StructuredGenerator(model: chatClient(server), maxOutputTokens: 500, maxOutputTokensCeiling: 1000)
            .generate(SectionDraft.self, system: "", prompt: "d")
        #expect(server.requests.map { $0.json["max_tokens"] as? Int } == [500, 1000])
        #expect(generated.value.body.hasPrefix("Grind finer."))
        #expect(generated.value.body.count <= SectionDraft.bodyLimit)
        #expect(generated.warnings.first == "the reply was cut off at the output token limit; the part that arrived was kept")
        await server.stop()
    }

    /// A NUL, an escape sequence, a bell or a bidi override in a reply never reaches Postgres, a
    /// page or a terminal: removed before the value is used (and before it is cached).
    @Test func controlCharactersAreRemovedFromEveryString() async throws {
        let server = try await ScriptedHTTPServer.start()
        let reply =
            #"{"index": 0, "heading": "Grind\u0000 \u001b[31msize\u0007", "#
            + #""body": "Line one.\nLine\ttwo.\r\u202eevil\u200b", "edits": []}"#
        server.enqueue(.chatCompletion(reply))
        let generated = try await StructuredGenerator(model: chatClient(server)).generate(PolishedSection.self, system: "", prompt: "p")
        #expect(generated.value.heading == "Grind [31msize")
        #expect(generated.value.body == "Line one.\nLine\ttwo.evil")
        #expect(generated.warnings.contains("heading: control or invisible characters removed"))
        #expect(generated.warnings.contains("body: control or invisible characters removed"))
        await server.stop()
    }

    @Test func schemaBoundsPerProvider() throws {
        let full = ImagePrompt.schema.sent(.full).text
        #expect(full.contains(#""maxLength":125"#))
        #expect(full.contains(#""pattern":"^(hero|section-[0-9]+)$""#))
        let openai = Metadata.schema.sent(.openai).text
        #expect(!openai.contains("maxLength") && openai.contains(#""maxItems":10"#) && openai.contains("pattern"))
        let structural = Metadata.schema.sent(.structural).text
        #expect(!structural.contains("maxItems") && !structural.contains("pattern") && !structural.contains("Length"))
        let gemini = ReviewReply.schema.geminiJSON(bounds: .gemini).text
        #expect(gemini.contains(#""maximum":1"#) && gemini.contains(#""maxItems":30"#))
        #expect(SchemaBounds.defaultFor(openAIBaseURL: "https://api.openai.com/v1") == .openai)
        #expect(SchemaBounds.defaultFor(openAIBaseURL: "http://127.0.0.1:8080/v1") == .full)
        #expect(SchemaBounds.defaultFor(openAIBaseURL: "https://openrouter.ai/api/v1") == .structural)
    }

    /// The paths of a schema's bounded nodes, in `ReplyRules`' notation.
    static func boundedPaths(_ schema: JSONSchema, path: String) -> Set<String> {
        switch schema {
        case .object(let properties, _):
            return properties.reduce(into: Set<String>()) { paths, property in
                paths.formUnion(boundedPaths(property.1, path: path.isEmpty ? property.0 : "\(path).\(property.0)"))
            }
        case .array(let items, let minItems, let maxItems):
            var paths = boundedPaths(items, path: path + "[]")
            if minItems != nil || maxItems != nil { paths.insert(path) }
            return paths
        case .string(let minLength, let maxLength, let pattern, let enumeration):
            return minLength != nil || maxLength != nil || pattern != nil || enumeration != nil ? [path] : []
        case .number(let minimum, let maximum):
            return minimum != nil || maximum != nil ? [path] : []
        case .integer(let minimum, let maximum):
            return minimum != nil || maximum != nil ? [path] : []
        case .boolean:
            return []
        case .nullable(let wrapped):
            return boundedPaths(wrapped, path: path)
        }
    }
}
