import Foundation
import PressworkCore

/// Round 7 in dry-run: assembles the article's HTML and writes it to `<folder>/<run id>.html`
/// (write to a temporary name, then rename: a reader never sees half a file). Nothing leaves the
/// machine.
public struct DryRunPublisher: Publisher {
    public let name = "dry-run"
    public let outputFolder: String
    /// Names what wrote the text, in the HTML's generator tag ("offline writer, no LLM").
    public let writerDescription: String

    public init(outputFolder: String, writerDescription: String) {
        self.outputFolder = outputFolder
        self.writerDescription = writerDescription
    }

    public func publish(_ article: Article, runID: String, ledger: any PublicationLedger) async throws -> PublishResult {
        let html = ArticleHTML.render(article, generator: "Presswork (\(writerDescription))")
        let path = (outputFolder as NSString).appendingPathComponent("\(runID).html")
        do {
            try FileManager.default.createDirectory(atPath: outputFolder, withIntermediateDirectories: true)
            try Data(html.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw PipelineError(.publish, "cannot write the dry-run HTML to \(path): \(error.localizedDescription)")
        }
        return PublishResult(mode: .dryRun, htmlPath: path, html: html)
    }
}
