import Foundation
import PressworkCore
import PressworkOrchestrator
import PressworkPipeline
import PressworkStore
import Testing

/// Related reading with the offline providers, on a real Postgres: the second article on a
/// related subject links to the first one's HTML; an unrelated one links to nothing.
@Suite struct RelatedReadingTests {
    @Test func aSecondArticleOnARelatedSubjectLinksToTheFirst() async throws {
        let harness = try await Harness.make("related")
        let first = try await harness.create(["home espresso"])
        #expect(try await harness.orchestrator().execute(first.id).status == .done)
        let unrelated = try await harness.create(["kayak fishing"])
        #expect(try await harness.orchestrator().execute(unrelated.id).status == .done)
        let second = try await harness.create(["espresso grinders"])
        let outcome = try await harness.orchestrator().execute(second.id)
        #expect(outcome.status == .done, "\(outcome.reason ?? "")")

        let report = try JSONDecoder().decode(
            CoherenceReport.self, from: Data(try #require(try await harness.store.artifacts(second.id)[.coherence]).utf8))
        let related = try #require(report.related)
        #expect(related.map(\.runId) == [first.id.description], "\(report.duplicate.nearest)")
        let link = try #require(related.first)
        #expect(link.url == "\(first.id).html" && link.similarity >= GateThresholds.defaultRelated && link.similarity < 0.9)
        let html = try String(contentsOfFile: harness.output + "/\(second.id).html", encoding: .utf8)
        #expect(html.contains("<h2>Related reading</h2>") && html.contains("<a href=\"\(first.id).html\">"))
        // The first article linked to nothing: nothing was published before it.
        let firstHTML = try String(contentsOfFile: harness.output + "/\(first.id).html", encoding: .utf8)
        #expect(!firstHTML.contains("Related reading"))
        // The run document carries the links (round 6's artifact).
        let document = try #require(try await harness.store.document(second.id))
        #expect(document.text.contains("\"related\"") && document.text.contains("\(first.id).html"))
        await harness.close()
    }
}
