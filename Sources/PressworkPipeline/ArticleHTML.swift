import PressworkCore

/// Assembles the article as a complete HTML5 document: title, meta description, sections, and
/// at each image prompt's place its image (`imageSources` by placement: a file beside the HTML,
/// or a data URI), or, where none was drawn, a placeholder with the alt text.
public enum ArticleHTML {
    public static func render(_ article: Article, generator: String, imageSources: [String: String] = [:]) -> String {
        let metadata = article.metadata
        func figure(_ prompt: ImagePrompt) -> String {
            if let source = imageSources[prompt.placement], let image = article.image(at: prompt.placement) {
                return """
                        <figure class="image" data-placement="\(escape(prompt.placement))">
                          <img src="\(escape(source))" alt="\(escape(image.altText))">
                          <figcaption>\(escape(caption(image)))</figcaption>
                        </figure>
                    """
            }
            return """
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
                lines.append(
                    figure(prompt).replacingOccurrences(of: "\n    ", with: "\n      ").replacingOccurrences(
                        of: "    <figure", with: "      <figure"))
            }
            lines += paragraphs(section.body).map { "      " + $0 }
            lines.append("    </section>")
            body.append(lines.joined(separator: "\n"))
        }
        if let related = relatedReading(article.related) {
            body.append(related.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
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

    /// The post body WordPress receives: the run's mark (an HTML comment that lets a retry find
    /// and adopt the post), then the sections, each with its uploaded image after the heading.
    /// Title and excerpt travel in their own fields, and the hero as the featured image; prompts
    /// without an uploaded image leave nothing, since a live page should not show placeholders.
    public static func postContent(_ article: Article, mark: String) -> String {
        var lines = [mark]
        for section in article.sections.sorted(by: { $0.index < $1.index }) {
            lines.append("<h2>\(escape(section.heading))</h2>")
            if let image = article.image(at: "section-\(section.index)"), let media = image.media {
                lines.append(
                    "<figure class=\"wp-block-image\"><img src=\"\(escape(media.url))\" alt=\"\(escape(image.altText))\" "
                        + "class=\"wp-image-\(media.id)\"/><figcaption>\(escape(caption(image)))</figcaption></figure>")
            }
            lines += paragraphs(section.body)
        }
        if let related = relatedReading(article.related) { lines.append(related) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// What every image says under it: that it was generated, and by what (plain text; escape it).
    public static func caption(_ image: ArticleImage) -> String {
        guard image.provider != OfflineImageProvider.providerName else { return "Offline placeholder image drawn by Presswork" }
        return "Generated image (\(image.provider))"
    }

    /// The "Related reading" list: each earlier post's title linking to it, both escaped (round 6
    /// chose only addresses of the site's own posts, `RelatedReading`); nil when there are none.
    static func relatedReading(_ related: [RelatedPost]) -> String? {
        guard !related.isEmpty else { return nil }
        let items = related.map { "  <li><a href=\"\(escape($0.url))\">\(escape($0.title))</a></li>" }
        return (["<section class=\"related-reading\">", "<h2>Related reading</h2>", "<ul>"] + items + ["</ul>", "</section>"])
            .joined(separator: "\n")
    }

    /// A section body's paragraphs (split at blank lines) as sanitized HTML: a model's inline
    /// markup (`<em>`, links, lists) survives the allow-list, anything else is removed or
    /// escaped. A paragraph that is a block of its own (a list) is not wrapped in `<p>`.
    static func paragraphs(_ body: String) -> [String] {
        TextShaping.paragraphs(body).compactMap { paragraph in
            let clean = HTMLSanitizer.sanitize(paragraph)
            guard !clean.allSatisfy(\.isWhitespace) else { return nil }
            return HTMLSanitizer.startsWithBlock(clean) ? clean : "<p>\(clean)</p>"
        }
    }

    /// Escapes by Unicode scalar, not by Character: a "<" followed by a combining mark is one
    /// Character that is not equal to "<", yet its first byte is still a "<" to an HTML parser.
    public static func escape(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if let entity = entity(for: scalar) { out.append(contentsOf: entity.unicodeScalars) } else { out.append(scalar) }
        }
        return String(out)
    }

    /// The reference that stands for a character HTML gives a meaning to, nil for any other.
    static func entity(for scalar: Unicode.Scalar) -> String? {
        switch scalar {
        case "&": return "&amp;"
        case "<": return "&lt;"
        case ">": return "&gt;"
        case "\"": return "&quot;"
        case "'": return "&#39;"
        default: return nil
        }
    }
}
