import PressworkCore

/// The default writer: builds every round's text from the seeds, region and brand voice, with
/// no network and no model. Deterministic: the same inputs give the same article. It says what it
/// is: its name is "offline", and the HTML it leads to carries an offline generator tag.
///
/// Its text is plain, readable advice assembled from sentence patterns, not lorem ipsum; rounds
/// 3 and 4 differ for real (drafts repeat themselves and mix "you will" with "you'll"; the polish
/// removes repeats and makes the voice consistent).
public struct OfflineWriter: ContentWriter {
    public let name = "offline"

    public init() {}

    // MARK: Round 1

    public func ideas(from trends: [TrendItem], params: RunParams) async throws -> Generated<[TopicIdea]> {
        let audience = Self.audience(params.region)
        var ideas: [TopicIdea] = []
        for trend in trends.prefix(3) {
            let topic = trend.title.lowercased()
            let templates = Self.ideaTemplates.sorted {
                StableHash.of($0.title, topic) < StableHash.of($1.title, topic)
            }
            for template in templates.prefix(2) {
                ideas.append(
                    TopicIdea(
                        title: template.title.replacingOccurrences(of: "{T}", with: trend.title),
                        angle: template.angle.replacingOccurrences(of: "{t}", with: topic)
                            .replacingOccurrences(of: "{audience}", with: audience),
                        keywords: [topic] + trend.relatedQueries.prefix(3),
                        score: (trend.score * (0.75 + 0.25 * StableHash.fraction(template.title, topic)) * 1000).rounded() / 1000
                    ))
            }
        }
        return Generated(ideas)
    }

    private static let ideaTemplates: [(title: String, angle: String)] = [
        (
            "A Practical Guide to {T}",
            "A step-by-step introduction to {t} for {audience}, starting with what makes the biggest difference."
        ),
        (
            "{T}: Common Mistakes and How to Avoid Them",
            "The errors most people make with {t}, why they happen, and the simple fixes that work."
        ),
        (
            "What Nobody Tells You About {T}",
            "The less obvious side of {t}: the real costs, the time it takes and the habits that pay off."
        ),
        (
            "{T} on a Budget",
            "How {audience} can enjoy {t} without overspending, with choices that hold up over time."
        ),
        (
            "Getting Started with {T}: A First-Week Plan",
            "A day-by-day plan that takes a complete beginner from zero to confident with {t}."
        ),
    ]

    // MARK: Round 2

    public func outline(for idea: TopicIdea, trends: [TrendItem], params: RunParams) async throws -> Generated<Outline> {
        let topic = idea.keywords.first ?? idea.title.lowercased()
        let count = Outline.sectionRange.lowerBound + Int(StableHash.of(idea.title) % 4)
        let headings = Array(Self.sectionHeadings.dropLast().prefix(count - 1)) + [Self.sectionHeadings.last!]
        let related = trends.flatMap(\.relatedQueries)
        let sections = headings.enumerated().map { index, heading in
            let points = Self.keyPoints[index % Self.keyPoints.count].map {
                $0.replacingOccurrences(of: "{t}", with: topic)
            }
            // Each related query once (a point used in two sections would draft the same paragraph
            // twice); past them, a point about the topic itself.
            let extra =
                index < related.count
                ? [related[index]]
                : [Self.topicPoints[(index - related.count) % Self.topicPoints.count].replacingOccurrences(of: "{t}", with: topic)]
            return OutlineSection(heading: heading.replacingOccurrences(of: "{t}", with: topic), keyPoints: points + extra)
        }
        let thesis =
            "\(TextShaping.sentenceCase(topic)) rewards a little preparation: with the right basics, a realistic "
            + "routine and a few common mistakes avoided, \(Self.audience(params.region)) can get good results quickly."
        return Generated(Outline(title: idea.title, thesis: thesis, keywords: idea.keywords, sections: sections))
    }

    private static let topicPoints = [
        "{t} on a busy week", "what {t} costs over a year", "how {t} changes with the seasons",
        "sharing {t} with friends", "{t} on a small budget", "{t} in a small space", "keeping {t} fun",
    ]

    private static let sectionHeadings = [
        "Why {t} is worth your time",
        "What you need before you start",
        "Your first steps with {t}",
        "Common mistakes to avoid",
        "Building a routine that lasts",
        "Saving money without cutting corners",
        "Where to go from here",
    ]

    private static let keyPoints: [[String]] = [
        ["what {t} gives back for the effort", "how quickly a beginner sees progress"],
        ["the few pieces of equipment that matter", "what can wait until later"],
        ["a simple first session from start to finish", "how to judge the result honestly"],
        ["rushing the basics", "changing too many things at once"],
        ["a schedule that fits a normal week", "keeping notes on what works"],
        ["where spending more pays off", "the upgrades that make no difference"],
        ["the next skills to learn", "communities and resources worth following"],
    ]

    // MARK: Round 3

    public func draft(section index: Int, of outline: Outline, params: RunParams) async throws -> Generated<SectionDraft> {
        guard outline.sections.indices.contains(index) else {
            throw PipelineError(.drafts, "the outline has no section \(index)")
        }
        let section = outline.sections[index]
        let topic = outline.keywords.first ?? outline.title.lowercased()
        let audience = Self.audience(params.region)
        let steady = "Keep it simple, note what works, and change one thing at a time."
        var opening = [
            "When it comes to \(section.heading.lowercased()), a few simple ideas do most of the work.",
            "For \(audience), the most useful place to begin is \(section.keyPoints[0]).",
            steady,
        ]
        if index == 0 {
            opening.insert("If you are curious about \(topic), you will find that it is easier than it looks.", at: 1)
        }
        var body = [opening.joined(separator: " ")]
        // Consecutive patterns from a stable starting point: no pattern twice in one section.
        let first = Int(StableHash.of(section.heading, topic) % UInt64(Self.pointPatterns.count))
        for (pointIndex, point) in section.keyPoints.enumerated() {
            let pattern = Self.pointPatterns[(first + pointIndex) % Self.pointPatterns.count]
            var paragraph = pattern.replacingOccurrences(of: "{p}", with: point)
                .replacingOccurrences(of: "{P}", with: TextShaping.sentenceCase(point))
                .replacingOccurrences(of: "{t}", with: topic)
            if pointIndex == section.keyPoints.count - 1 { paragraph += " " + steady }
            body.append(paragraph)
        }
        return Generated(SectionDraft(index: index, heading: section.heading, body: body.joined(separator: "\n\n")))
    }

    /// As many patterns as an outline section can have key points (up to 4), so none repeats.
    private static let pointPatterns = [
        "{P} deserves attention because small changes here show up quickly in the results. It is worth a few "
            + "minutes of thought before you spend any money on {t}.",
        "Think early about {p}. Most people who give up on {t} do so because this part was skipped, not because "
            + "the rest was hard.",
        "{P} is where experience shows. You will learn more from ten careful attempts than from a hundred rushed "
            + "ones, so slow down here.",
        "When it comes to {p}, the honest answer is that it depends on your goals. Decide what good enough looks "
            + "like for you, and it is easier to stop second-guessing.",
    ]

    // MARK: Round 4

    public func polish(_ draft: SectionDraft, of outline: Outline, params: RunParams) async throws -> Generated<PolishedSection> {
        var edits: [String] = []
        var seen = Set<String>()
        var removed = 0
        var paragraphs: [String] = []
        for paragraph in TextShaping.paragraphs(draft.body) {
            var kept: [String] = []
            for sentence in Self.sentences(of: paragraph) {
                let key = sentence.lowercased()
                if seen.insert(key).inserted { kept.append(sentence) } else { removed += 1 }
            }
            if !kept.isEmpty { paragraphs.append(kept.joined(separator: " ")) }
        }
        if removed > 0 { edits.append("removed \(removed) repeated sentence\(removed == 1 ? "" : "s")") }

        var body = paragraphs.joined(separator: "\n\n")
        let formal = ["formal", "academic", "authoritative", "professional"].contains {
            params.brandVoice.lowercased().contains($0)
        }
        let pairs = formal ? Self.contractions.map { ($1, $0) } : Self.contractions
        let before = body
        body = TextShaping.replacingPhrases(
            pairs + pairs.map { (TextShaping.sentenceCase($0.0), TextShaping.sentenceCase($0.1)) }, in: body
        )
        if body != before {
            edits.append(formal ? "expanded contractions for a formal voice" : "used contractions consistently for a conversational voice")
        }
        if edits.isEmpty { edits.append("no changes needed") }
        return Generated(PolishedSection(index: draft.index, heading: TextShaping.sentenceCase(draft.heading), body: body, edits: edits))
    }

    private static let contractions = [
        ("you will", "you'll"), ("it is", "it's"), ("do not", "don't"), ("you are", "you're"), ("is not", "isn't"),
    ]

    static func sentences(of paragraph: String) -> [String] {
        var sentences: [String] = []
        var current = ""
        for character in paragraph {
            current.append(character)
            if ".!?".contains(character) {
                sentences.append(current.trimmingCharacters(in: " \n"))
                current = ""
            }
        }
        let rest = current.trimmingCharacters(in: " \n")
        if !rest.isEmpty { sentences.append(rest + ".") }
        return sentences
    }

    // MARK: Round 5

    public func metadata(for outline: Outline, sections: [PolishedSection], params: RunParams) async throws -> Generated<Metadata> {
        let firstSentences = sections.first.map { Self.sentences(of: $0.body).prefix(2).joined(separator: " ") } ?? outline.thesis
        var prompts = [
            ImagePrompt(
                prompt: "A bright editorial photograph about \(outline.keywords.first ?? outline.title), natural light, no text",
                placement: "hero",
                altText: TextShaping.clip(outline.title, to: Metadata.altTextLimit)
            )
        ]
        for section in sections where section.index % 2 == 1 {
            prompts.append(
                ImagePrompt(
                    prompt: "A close-up photograph illustrating \(section.heading.lowercased()), clean background",
                    placement: "section-\(section.index)",
                    altText: TextShaping.clip(section.heading, to: Metadata.altTextLimit)
                ))
        }
        var tags: [String] = []
        for keyword in outline.keywords.map({ $0.lowercased() }) where !tags.contains(keyword) && tags.count < 8 {
            tags.append(keyword)
        }
        return Generated(
            Metadata(
                seoTitle: TextShaping.clip(outline.title, to: Metadata.seoTitleLimit),
                slug: TextShaping.slug(outline.title, limit: Metadata.slugLimit),
                metaDescription: TextShaping.clip(outline.thesis, to: Metadata.metaDescriptionLimit),
                tags: tags,
                categories: [TextShaping.titleCase(params.seeds[0])],
                excerpt: TextShaping.clip(firstSentences, to: 300),
                imagePrompts: Array(prompts.prefix(6))
            ))
    }

    // MARK: Round 6

    /// Scores how well the text covers its outline's keywords, how even the sections are, and
    /// whether each section talks about its heading.
    public func review(_ outline: Outline, sections: [PolishedSection], params: RunParams) async throws
        -> Generated<(score: Double, issues: [String])>
    {
        var issues: [String] = []
        let text = sections.map(\.body).joined(separator: " ").lowercased()
        let keywords = outline.keywords.map { $0.lowercased() }
        let covered = keywords.filter { keyword in
            TextShaping.words(keyword).allSatisfy { text.contains($0) }
        }
        let coverage = keywords.isEmpty ? 1 : Double(covered.count) / Double(keywords.count)
        if coverage < 1 {
            issues.append("keywords not covered: " + keywords.filter { !covered.contains($0) }.joined(separator: ", "))
        }
        let lengths = sections.map { TextShaping.words($0.body).count }
        let balance = (lengths.max() ?? 0) > 0 ? Double(lengths.min() ?? 0) / Double(lengths.max()!) : 0
        if balance < 0.5 {
            issues.append("section lengths vary widely (\(lengths.min() ?? 0) to \(lengths.max() ?? 0) words)")
        }
        let onTopic = sections.filter { section in
            let headingWords = TextShaping.words(section.heading).filter { $0.count > 3 }
            let bodyWords = Set(TextShaping.words(section.body))
            return headingWords.isEmpty || headingWords.contains { bodyWords.contains($0) }
        }
        let relevance = sections.isEmpty ? 0 : Double(onTopic.count) / Double(sections.count)
        if relevance < 1 { issues.append("\(sections.count - onTopic.count) section(s) do not mention their heading's subject") }
        if sections.count != outline.sections.count {
            issues.append("\(sections.count) sections for an outline of \(outline.sections.count)")
        }
        let score = 0.5 * coverage + 0.3 * min(1, balance / 0.8) + 0.2 * relevance
        return Generated(((score * 1000).rounded() / 1000, issues))
    }

    // MARK: Shared

    static func audience(_ region: String) -> String {
        let names = [
            "US": "readers in the United States", "GB": "readers in the United Kingdom", "DE": "readers in Germany",
            "FR": "readers in France", "CA": "readers in Canada", "AU": "readers in Australia", "IN": "readers in India",
            "IE": "readers in Ireland", "NZ": "readers in New Zealand", "ES": "readers in Spain", "IT": "readers in Italy",
            "NL": "readers in the Netherlands", "JP": "readers in Japan", "BR": "readers in Brazil",
        ]
        return names[region] ?? "readers in \(region)"
    }
}
