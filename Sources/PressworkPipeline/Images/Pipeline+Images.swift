import PressworkCore

/// The images of one article: those an earlier attempt drew, and those drawn now.
public struct Illustrations: Sendable, Equatable {
    public var images: [ArticleImage]
    /// Planned images left out, each with the reason (warnings of the round).
    public var missing: [String]
    /// What the images drawn by this attempt cost.
    public var usage: TokenUsage
}

extension Pipeline {
    /// Draws each image round 5 planned that `archive` does not hold yet, and keeps them there, so
    /// a retry draws only what is missing. Each image is kept as soon as it is drawn, unless the
    /// provider's images are cheap to draw again (`cheapToRedraw`: the offline cards, free and
    /// half a millisecond each): those are kept together at the end, in one statement instead of
    /// one each, since with a thousand runs in flight every statement queues for one of a few
    /// connections, and a crash loses nothing worth one. Images are drawn here, in round 7,
    /// rather than in a round of their own: after the gate, so an article a reviewer rejects or a
    /// duplicate costs no image, and beside the upload that needs them.
    ///
    /// A failed image is a minor failure: the post goes without it, with a warning, unless the
    /// providers say images are required; then the error ends the round (transient errors, after
    /// the client's own retries, leave the round to be retried). With `budgetLeftUSD`, no image
    /// is bought once it is spent: the post goes without the rest (a budget never stops a
    /// finished article from being published).
    public func illustrate(_ article: Article, archive: any ImageArchive, budgetLeftUSD: Double? = nil) async throws -> Illustrations {
        guard let provider = providers.images else { return Illustrations(images: [], missing: [], usage: .zero) }
        let kept = try await archive.images()
        var images: [ArticleImage] = []
        var missing: [String] = []
        var usage = TokenUsage.zero
        var placed = Set<String>()
        var unsaved: [ArticleImage] = []
        for prompt in article.metadata.imagePrompts where placed.insert(prompt.placement).inserted {
            let heading = Self.sectionIndex(prompt.placement).flatMap { index in
                article.sections.first { $0.index == index }?.heading
            }
            guard prompt.placement == "hero" || heading != nil else {
                missing.append("image \(prompt.placement): the article has no such section; it is left out")
                continue
            }
            // An image drawn for this prompt by an earlier attempt; a prompt edited in review is drawn anew.
            if let earlier = kept.first(where: { $0.placement == prompt.placement && $0.prompt == prompt.prompt }) {
                images.append(earlier)
                continue
            }
            // The price is known once an image is paid for: the last one bought may overshoot.
            if let budgetLeftUSD, usage.costUSD >= budgetLeftUSD {
                if providers.imagesRequired {
                    throw PipelineError(.publish, "image \(prompt.placement) is required, but the run's budget is spent")
                }
                missing.append("image \(prompt.placement): the run's budget is spent; the post goes without it")
                continue
            }
            let request = ImageRequest(
                prompt: prompt.prompt, altText: prompt.altText, placement: prompt.placement, title: article.outline.title,
                heading: heading)
            let generated: Generated<ImageData>
            do {
                generated = try await provider.generate(request)
            } catch let error where !(error is CancellationError) && !providers.imagesRequired {
                missing.append("image \(prompt.placement) (\(provider.name)) failed, the post goes without it: \(error)")
                continue
            }
            // Only the provider's failures are minor: a lost lease or database error while
            // keeping the image ends the attempt like any other round's.
            let image = ArticleImage(
                placement: prompt.placement, prompt: prompt.prompt, altText: prompt.altText, image: generated.value,
                provider: provider.name, costUSD: generated.usage.costUSD)
            unsaved.append(image)
            if !provider.cheapToRedraw || image.costUSD > 0 {
                try await archive.save(unsaved)
                unsaved = []
            }
            images.append(image)
            usage = usage + generated.usage
        }
        if !unsaved.isEmpty { try await archive.save(unsaved) }
        return Illustrations(images: images, missing: missing, usage: usage)
    }

    static func sectionIndex(_ placement: String) -> Int? {
        placement.hasPrefix("section-") ? Int(placement.dropFirst("section-".count)) : nil
    }
}
