import PressworkCore

/// Round 6's checks that need no model, applied to every article whoever wrote it: the LLM judge
/// (or the offline writer's review) scores how well the text reads, these catch what a judge can
/// miss or a model can break. Each failed check is an issue in the report and costs
/// `penalty`; the round's score is the lower of the review's score and this one, so a broken
/// article never passes on a generous judge.
public enum CoherenceChecks {
    public static let penalty = 0.15
    /// A section body shorter than this many words counts as empty.
    public static let minimumSectionWords = 40
    public static let maximumSectionWords = 1_500
    public static let minimumArticleWords = 300
    public static let maximumArticleWords = 6_000
    /// Paragraphs shorter than this many characters ("In short.") may repeat.
    static let repeatedParagraphLength = 60

    public struct Result: Sendable, Equatable {
        public let score: Double
        public let issues: [String]
    }

    public static func check(_ article: Article) -> Result {
        var issues: [String] = []
        let outline = article.outline
        let sections = article.sections.sorted { $0.index < $1.index }

        // Every outline section present, once, and not empty.
        let indices = sections.map(\.index)
        let missing = outline.sections.indices.filter { !indices.contains($0) }
        if !missing.isEmpty {
            issues.append("outline section(s) \(missing.map(String.init).joined(separator: ", ")) missing from the text")
        }
        if Set(indices).count != indices.count || indices.contains(where: { !outline.sections.indices.contains($0) }) {
            issues.append("sections do not match the outline one to one (indices \(indices))")
        }
        let wordCounts = sections.map { TextShaping.words($0.body).count }
        for (section, words) in zip(sections, wordCounts) where words < minimumSectionWords {
            issues.append("section \(section.index) (\"\(section.heading)\") is nearly empty (\(words) words)")
        }
        for (section, words) in zip(sections, wordCounts) where words > maximumSectionWords {
            issues.append("section \(section.index) (\"\(section.heading)\") is \(words) words; the limit is \(maximumSectionWords)")
        }
        let total = wordCounts.reduce(0, +)
        if total < minimumArticleWords || total > maximumArticleWords {
            issues.append("the article is \(total) words; expected \(minimumArticleWords) to \(maximumArticleWords)")
        }

        // No paragraph repeated across (or within) sections.
        var seen: [String: Int] = [:]
        var repeated: Set<String> = []
        for section in sections {
            for paragraph in TextShaping.paragraphs(section.body) {
                let normalized = TextShaping.words(paragraph).joined(separator: " ")
                guard normalized.count >= repeatedParagraphLength else { continue }
                if let first = seen[normalized] {
                    repeated.insert(first == section.index ? "within section \(first)" : "in sections \(first) and \(section.index)")
                } else {
                    seen[normalized] = section.index
                }
            }
        }
        for place in repeated.sorted() { issues.append("a paragraph is repeated \(place)") }

        // Title, slug and description tell the same story.
        let metadata = article.metadata
        let titleWords = significantWords(outline.title + " " + metadata.seoTitle)
        let slugWords = significantWords(metadata.slug.replacingOccurrences(of: "-", with: " "))
        if !slugWords.isEmpty, slugWords.isDisjoint(with: titleWords) {
            issues.append("the slug \"\(metadata.slug)\" shares no word with the title")
        }
        let topicWords = titleWords.union(outline.keywords.flatMap { significantWords($0) })
        if significantWords(metadata.metaDescription).isDisjoint(with: topicWords) {
            issues.append("the meta description mentions neither the title nor a keyword")
        }
        return Result(score: max(0, 1 - penalty * Double(issues.count)), issues: issues)
    }

    /// Lower-cased words of four letters or more: enough to compare topics, not stop words.
    static func significantWords(_ text: String) -> Set<String> {
        Set(TextShaping.words(text).filter { $0.count >= 4 })
    }
}
