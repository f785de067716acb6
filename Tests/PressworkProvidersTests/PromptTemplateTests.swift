import Foundation
import PressworkPipeline
import Testing

@testable import PressworkProviders

@Suite struct PromptTemplateTests {
    @Test func eachTemplateUsesOnlyThePlaceholdersItsRoundFills() {
        let expected: [(String, Set<String>)] = [
            (PromptTemplates.system, ["brandVoice", "region"]),
            (PromptTemplates.ideas, ["seeds", "trends"]),
            (PromptTemplates.outline, ["ideaTitle", "ideaAngle", "ideaKeywords", "trends"]),
            (
                PromptTemplates.draft,
                ["title", "thesis", "sectionList", "sectionNumber", "sectionCount", "sectionIndex", "heading", "keyPoints"]
            ),
            (PromptTemplates.polish, ["title", "heading", "body", "sectionIndex"]),
            (PromptTemplates.metadata, ["title", "thesis", "keywords", "sectionSummaries"]),
            (PromptTemplates.review, ["title", "thesis", "article"]),
        ]
        for (template, names) in expected {
            #expect(!template.isEmpty)
            #expect(PromptTemplates.placeholders(template) == names)
        }
    }

    @Test func renderingReplacesPlaceholdersAndLeavesValuesAlone() {
        #expect(PromptTemplates.render("a {{x}} b {{y}}", ["x": "{{y}}", "y": "2"]) == "a {{y}} b 2")
        #expect(PromptTemplates.render("{\"index\": {{i}}}", ["i": "3"]) == "{\"index\": 3}")
    }

    /// Changing a prompt changes what runs produce: it needs a new `Pipeline.version`, and then
    /// this recorded fingerprint is updated with it.
    @Test func changedPromptsComeWithANewPipelineVersion() {
        #expect(
            PromptTemplates.fingerprint == PromptTemplates.recordedFingerprint,
            "the prompts changed: bump Pipeline.version (now \(Pipeline.version)) and set recordedFingerprint to \(PromptTemplates.fingerprint)"
        )
    }
}
