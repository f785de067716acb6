import PressworkCore

/// The one place that decides which failures are minor: each is repaired with a fallback and
/// reported as a warning instead of stopping the run. Everything else a round throws is major.
///
/// Minor, for round 5's metadata:
/// - an image placed in a section the article does not have (`section-9` of 5) → dropped
/// - no image prompts → one hero image prompt from the title
/// - an SEO title, meta description or alt text over its limit → cut at a word boundary
/// - a slug that is not kebab-case → rebuilt from the SEO title
/// - no categories → the first outline keyword
public enum MinorFailures {
    public static func repair(
        _ metadata: Metadata, outline: Outline, sections: [PolishedSection]
    ) -> (Metadata, [String]) {
        var repaired = metadata
        var warnings: [String] = []
        // A placement must name a section of this article (`section-N`, N its index) or the hero.
        let indices = Set(sections.map(\.index))
        let placed = repaired.imagePrompts.filter { prompt in
            guard prompt.placement.hasPrefix("section-") else { return true }
            return Int(prompt.placement.dropFirst("section-".count)).map(indices.contains) ?? false
        }
        if placed.count < repaired.imagePrompts.count {
            let dropped = repaired.imagePrompts.filter { !placed.contains($0) }.map(\.placement)
            warnings.append(
                "dropped image prompts placed in sections the article does not have: "
                    + dropped.joined(separator: ", "))
            repaired.imagePrompts = placed
        }
        if repaired.imagePrompts.isEmpty {
            repaired.imagePrompts = [
                ImagePrompt(
                    prompt: "An editorial photograph illustrating \(outline.title)",
                    placement: "hero",
                    altText: TextShaping.clip(outline.title, to: Metadata.altTextLimit)
                )
            ]
            warnings.append("no image prompts were produced; added a hero image prompt from the title")
        }
        for index in repaired.imagePrompts.indices where repaired.imagePrompts[index].altText.count > Metadata.altTextLimit {
            repaired.imagePrompts[index].altText = TextShaping.clip(repaired.imagePrompts[index].altText, to: Metadata.altTextLimit)
            warnings.append("image prompt \(index + 1)'s alt text was longer than \(Metadata.altTextLimit) characters; shortened")
        }
        if repaired.seoTitle.count > Metadata.seoTitleLimit {
            repaired.seoTitle = TextShaping.clip(repaired.seoTitle, to: Metadata.seoTitleLimit)
            warnings.append("the SEO title was longer than \(Metadata.seoTitleLimit) characters; shortened")
        }
        if repaired.metaDescription.count > Metadata.metaDescriptionLimit {
            repaired.metaDescription = TextShaping.clip(repaired.metaDescription, to: Metadata.metaDescriptionLimit)
            warnings.append("the meta description was longer than \(Metadata.metaDescriptionLimit) characters; shortened")
        }
        if !TextShaping.isSlug(repaired.slug) || repaired.slug.count > Metadata.slugLimit {
            repaired.slug = TextShaping.slug(repaired.seoTitle, limit: Metadata.slugLimit)
            warnings.append("the slug was not kebab-case within \(Metadata.slugLimit) characters; rebuilt from the title")
        }
        if repaired.categories.isEmpty {
            repaired.categories = [TextShaping.titleCase(outline.keywords.first ?? "General")]
            warnings.append("no categories were given; used the first keyword")
        }
        return (repaired, warnings)
    }
}
