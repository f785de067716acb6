import PressworkCore

/// Assembles the article as a complete HTML5 document: title, meta description, sections, and a
/// placeholder with alt text where each image prompt asks for an image.
public enum ArticleHTML {
    public static func render(_ article: Article, generator: String) -> String {
        let metadata = article.metadata
        func figure(_ prompt: ImagePrompt) -> String {
            """
                <figure class="image-placeholder" data-placement="\(escape(prompt.placement))">
                  <div role="img" aria-label="\(escape(prompt.altText))"></div>
                  <figcaption>Image to create: \(escape(prompt.prompt))</figcaption>
                </figure>
            """
        }
        var body: [String] = []
        for prompt in metadata.imagePrompts where prompt.placement == "hero" { body.append(figure(prompt)) }
        body.append("    <p class=\"excerpt\">\(escape(metadata.excerpt))</p>")
        for section in article.sections.sorted(by: { $0.index < $1.index }) {
            var lines = ["    <section>", "      <h2>\(escape(section.heading))</h2>"]
            for prompt in metadata.imagePrompts where prompt.placement == "section-\(section.index)" {
                lines.append(figure(prompt).replacingOccurrences(of: "\n    ", with: "\n      ").replacingOccurrences(of: "    <figure", with: "      <figure"))
            }
            for paragraph in section.body.components(separatedBy: "\n\n") where !paragraph.isEmpty {
                lines.append("      <p>\(escape(paragraph))</p>")
            }
            lines.append("    </section>")
            body.append(lines.joined(separator: "\n"))
        }
        let tags = metadata.tags.map(escape).joined(separator: ", ")
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <meta name="viewport" content="width=device-width, initial-scale=1">
              <title>\(escape(metadata.seoTitle))</title>
              <meta name="description" content="\(escape(metadata.metaDescription))">
              <meta name="keywords" content="\(tags)">
              <meta name="generator" content="\(escape(generator))">
            </head>
            <body>
              <article data-slug="\(escape(metadata.slug))">
                <h1>\(escape(article.outline.title))</h1>
            \(body.joined(separator: "\n"))
              </article>
            </body>
            </html>

            """
    }

    /// Escapes by Unicode scalar, not by Character: a "<" followed by a combining mark is one
    /// Character that is not equal to "<", yet its first byte is still a "<" to an HTML parser.
    public static func escape(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": out.append(contentsOf: "&quot;".unicodeScalars)
            case "'": out.append(contentsOf: "&#39;".unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }
}
