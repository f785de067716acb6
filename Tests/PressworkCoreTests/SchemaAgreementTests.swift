import Foundation
import Testing

@testable import PressworkCore

/// Each artifact type and its JSON Schema must describe the same thing: a fully populated value
/// validates and uses exactly the schema's properties, and dropping any required property makes
/// both the schema and the Swift decoder refuse it.
@Suite struct SchemaAgreementTests {
    static let samples: [(String, any SchemaDescribed)] = [
        (
            "TrendItem",
            TrendItem(title: "Home espresso", source: "seed", score: 0.9, relatedQueries: ["grinder"], link: "https://example.com/x")
        ),
        ("TopicIdea", TopicIdea(title: "Espresso at home", angle: "Start simple", keywords: ["espresso"], score: 0.8)),
        (
            "Outline",
            Outline(
                title: "T", thesis: "Th", keywords: ["k"],
                sections: (0..<4).map {
                    OutlineSection(heading: "H\($0)", keyPoints: ["p"])
                })
        ),
        ("SectionDraft", SectionDraft(index: 0, heading: "H", body: "Body.")),
        ("PolishedSection", PolishedSection(index: 1, heading: "H", body: "Body.", edits: ["tightened"])),
        (
            "Metadata",
            Metadata(
                seoTitle: "T", slug: "a-slug-2", metaDescription: "D", tags: ["t"], categories: ["c"],
                excerpt: "E", imagePrompts: [ImagePrompt(prompt: "P", placement: "section-2", altText: "A")])
        ),
        (
            "CoherenceReport",
            CoherenceReport(
                score: 0.7, issues: ["i"],
                duplicate: DuplicateCheck(
                    isDuplicate: false, nearest: [Neighbor(runId: "r", title: "t", similarity: 0.2)], model: "m", dimension: 8),
                related: [RelatedPost(runId: "r", title: "t", url: "https://blog.example/t/", similarity: 0.6)])
        ),
        (
            "Neighbor",
            Neighbor(
                runId: "r", title: "t", similarity: 0.6,
                link: PublishedLink(mode: .wordpress, site: "blog", url: "https://blog.example/t/", postStatus: "publish"))
        ),
        (
            "PublishResult",
            PublishResult(
                mode: .wordpress, wpPostId: 5, link: "l", postStatus: "publish", slug: "s", adopted: false, htmlPath: "/p",
                html: "<p>", images: [samplePublishedImage], imagesMissing: ["image section-2: refused"]
            )
        ),
        ("PublishedImage", samplePublishedImage),
    ]

    static let samplePublishedImage = PublishedImage(
        placement: "hero", mediaType: "image/png", bytes: 1234, sha256: String(repeating: "ab", count: 32), provider: "offline",
        costUSD: 0, altText: "a", file: "/out/x.hero.png", wpMediaId: 7, url: "https://blog.example/x.png")

    @Test(arguments: samples.map(\.0))
    func schemaAndTypeAgree(name: String) throws {
        let sample = try #require(Self.samples.first { $0.0 == name }?.1)
        try check(sample)
    }

    private func check<T: SchemaDescribed>(_ sample: T) throws {
        let encoded = try JSONValue.encoding(sample)
        #expect(T.schema.validate(encoded) == [], "\(T.self) sample breaks its own schema")
        guard case .object(let fields) = encoded, case .object(let properties, let required) = T.schema else {
            Issue.record("\(T.self) is not an object schema")
            return
        }
        #expect(Set(fields.map(\.0)) == Set(properties.map(\.0)), "\(T.self) fields differ from its schema's properties")
        for name in required {
            let without = JSONValue.object(fields.filter { $0.0 != name })
            #expect(!T.schema.validate(without).isEmpty, "schema of \(T.self) accepts a missing \(name)")
            #expect(throws: DecodingError.self, "\(T.self) decodes without \(name)") {
                try JSONDecoder().decode(T.self, from: Data(without.text.utf8))
            }
        }
        let optional = Set(properties.map(\.0)).subtracting(required)
        for name in optional {
            let without = JSONValue.object(fields.filter { $0.0 != name })
            #expect(T.schema.validate(without) == [])
            #expect(throws: Never.self) { try JSONDecoder().decode(T.self, from: Data(without.text.utf8)) }
        }
    }

    @Test func validationReportsEveryProblemWithItsPath() throws {
        let reply = try JSONValue.parse(
            Data(
                """
                {"seoTitle": "\(String(repeating: "x", count: 61))", "slug": "Not A Slug", "metaDescription": "d",
                 "tags": [], "categories": [], "excerpt": "e", "imagePrompts": [{"prompt": "p", "placement": "footer"}],
                 "extra": 1}
                """.utf8))
        let problems = Metadata.schema.validate(reply)
        #expect(problems.contains("seoTitle: longer than 60 characters"))
        #expect(problems.contains { $0.hasPrefix("slug: does not match") })
        #expect(problems.contains("categories: has 0 items, at least 1 required"))
        #expect(problems.contains("imagePrompts[0].altText: missing"))
        #expect(problems.contains { $0.hasPrefix("imagePrompts[0].placement: does not match") })
        #expect(problems.contains("extra: not allowed here"))
        #expect(Outline.schema.validate(.string("x")) == ["(top level): expected an object, found a string"])
    }

    @Test func schemasRenderAsJSONSchemaDocuments() {
        let text = ImagePrompt.schema.json.text
        #expect(text.hasPrefix(#"{"type":"object","properties":{"prompt":{"type":"string""#))
        #expect(text.contains(#""required":["prompt","placement","altText"],"additionalProperties":false"#))
    }
}

@Suite struct RunParamsTests {
    @Test func normalizesGoodInput() throws {
        let params = try RunParams.validated(seeds: ["  home espresso ", "Home Espresso", "latte art"], region: "gb")
        #expect(params.seeds == ["home espresso", "latte art"])
        #expect(params.region == "GB")
        #expect(params.brandVoice == RunParams.defaultVoice)
        #expect(params.providers.isOffline)
    }

    @Test(arguments: [
        ([String](), "US", "seeds"),
        (["ok", "   "], "US", "seeds[1]"),
        ([String(repeating: "x", count: 101)], "US", "seeds[0]"),
        (["bell\u{7}"], "US", "seeds[0]"),
        (["nul\u{0}x"], "US", "seeds[0]"),
        (["\u{200B}\u{200B}\u{2060}"], "US", "seeds[0]"),
        (["evil \u{202E}txt.exe"], "US", "seeds[0]"),
        (["ok", "esc \u{1B}[31mred"], "US", "seeds[1]"),
        ((0..<11).map { "seed \($0)" }, "US", "seeds"),
        (["ok"], "XX", "region"),
        (["ok"], "USA", "region"),
    ])
    func refusesBadInputNamingTheField(seeds: [String], region: String, field: String) {
        #expect {
            try RunParams.validated(seeds: seeds, region: region)
        } throws: { error in
            (error as? ValidationError)?.field == field
        }
    }

    @Test func refusesBadVoiceAndThresholds() {
        #expect(throws: ValidationError(field: "brandVoice", "is empty")) {
            try RunParams.validated(seeds: ["a"], brandVoice: "  ")
        }
        #expect(throws: ValidationError(field: "brandVoice", "contains a control character (U+0000)")) {
            try RunParams.validated(seeds: ["a"], brandVoice: "warm\u{0}")
        }
        #expect {
            try RunParams.validated(seeds: ["a"], thresholds: GateThresholds(review: 0.9, publish: 0.5))
        } throws: { error in
            (error as? ValidationError)?.field == "thresholds.review"
        }
        #expect {
            try RunParams.validated(seeds: ["a"], thresholds: GateThresholds(duplicate: .nan))
        } throws: { error in
            (error as? ValidationError)?.field == "thresholds.duplicate"
        }
    }
}

@Suite struct RunStatusTests {
    @Test func finishedRunsNeverRunAgain() {
        for final in RunStatus.allCases where final.isFinal {
            for next in RunStatus.allCases {
                #expect(!final.canMove(to: next), "\(final) → \(next) must be refused")
            }
        }
        #expect(RunStatus.error.canMove(to: .queued))
        #expect(RunStatus.needsReview.canMove(to: .queued))
        #expect(!RunStatus.needsReview.canMove(to: .running))
        #expect(!RunStatus.queued.canMove(to: .done))
    }
}
