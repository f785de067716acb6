import Foundation
import PressworkCore

/// Round 7 in dry-run: assembles the article's HTML and writes it to `<folder>/<run id>.html`,
/// each drawn image beside it as `<run id>.<placement>.png` (each written to a temporary name,
/// then renamed, images first: a reader never sees half a file, nor HTML whose images are not
/// there yet). Nothing leaves the machine.
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
        var files: [String: String] = [:]
        var published: [PublishedImage] = []
        do {
            try FileManager.default.createDirectory(atPath: outputFolder, withIntermediateDirectories: true)
            for image in article.images {
                let file = "\(runID).\(image.placement).\(image.image.fileExtension)"
                try image.image.bytes.write(to: URL(fileURLWithPath: path(file)), options: .atomic)
                files[image.placement] = file
                published.append(image.published(file: path(file)))
            }
        } catch {
            throw PipelineError(.publish, "cannot write the dry-run images to \(outputFolder): \(error.localizedDescription)")
        }
        let html = ArticleHTML.render(article, generator: "Presswork (\(writerDescription))", imageSources: files)
        let htmlPath = path("\(runID).html")
        do {
            try Data(html.utf8).write(to: URL(fileURLWithPath: htmlPath), options: .atomic)
        } catch {
            throw PipelineError(.publish, "cannot write the dry-run HTML to \(htmlPath): \(error.localizedDescription)")
        }
        return PublishResult(mode: .dryRun, htmlPath: htmlPath, html: html, images: published.isEmpty ? nil : published)
    }

    private func path(_ file: String) -> String {
        (outputFolder as NSString).appendingPathComponent(file)
    }
}
