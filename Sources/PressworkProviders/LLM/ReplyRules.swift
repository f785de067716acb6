import PressworkCore

/// What a model's reply gets when a field breaks its schema's bound: the one table of soft and
/// hard constraints.
///
/// Soft bounds are normalized deterministically and reported as a warning diagnostic saying
/// what changed; a model that writes a 75-character SEO title or a score of 9.75 does not cost
/// a repair call, let alone the run. Only what cannot be repaired this way (a wrong type, a
/// missing field, an empty title, an outline outside 4–7 sections) goes back to the model in a
/// repair prompt, and after the repair limit ends the round with an error naming the field.
/// `ReplyRulesTests` checks that every bound of every reply schema has a rule here, and the
/// README's "Soft and hard constraints" shows this table.
public enum FieldRule: Sendable, Equatable, CustomStringConvertible {
    /// Trimmed; too long → cut at a word boundary with "…". Empty → repair.
    case clip
    /// A term (tag, category, keyword): whitespace trimmed and collapsed, as WordPress stores
    /// terms; too long → cut at a word boundary. Empty → dropped from its list.
    case term
    /// Plain prose: markup tags removed (their text kept), trimmed; too long → cut at a word
    /// boundary. Empty → repair.
    case prose
    /// Prose with a fallback: as `prose`, but empty is not the model's to fix: the round falls
    /// back (a polish that returned no text keeps the draft's, see `LLMWriter.polish`).
    case proseWithFallback
    /// Rebuilt as lowercase kebab-case from its own words, cut between words to the limit.
    /// Nothing left → repair.
    case slug
    /// A list: empty strings dropped; too many → the first ones kept. Too few → repair.
    case list
    /// A list that may come back empty: the pipeline falls back (see `MinorFailures`); too
    /// many → the first ones kept.
    case listWithFallback
    /// A number outside its range → the nearest bound.
    case clamp
    /// No normalization: any problem goes to a repair prompt.
    case repair

    public var description: String {
        switch self {
        case .clip: return "cut at a word boundary"
        case .term: return "whitespace trimmed and collapsed, then cut; empty ones dropped"
        case .prose: return "markup removed, then cut at a word boundary"
        case .proseWithFallback: return "markup removed, then cut; empty: the round's fallback"
        case .slug: return "rebuilt as kebab-case within the limit"
        case .list: return "empty items dropped, extra items dropped; too few: repair"
        case .listWithFallback: return "extra items dropped; none: the fallback of MinorFailures"
        case .clamp: return "clamped to the range"
        case .repair: return "repair prompt"
        }
    }
}

/// The rule of each bounded field of each reply schema, by path (`[]` for a list's items).
public enum ReplyRules {
    public static let table: [String: [String: FieldRule]] = [
        "IdeasReply": [
            "ideas": .list,
            "ideas[].title": .clip, "ideas[].angle": .clip,
            "ideas[].keywords": .list, "ideas[].keywords[]": .term,
            "ideas[].score": .clamp,
        ],
        "Outline": [
            "title": .clip, "thesis": .clip,
            "keywords": .list, "keywords[]": .term,
            // 4 to 7 sections is the article's structure: no normalization can invent one.
            "sections": .repair,
            "sections[].heading": .clip,
            "sections[].keyPoints": .list, "sections[].keyPoints[]": .clip,
        ],
        "SectionDraft": [
            "index": .clamp, "heading": .clip, "body": .prose,
        ],
        "PolishedSection": [
            // A polish that returns nothing keeps the draft's heading and body.
            "index": .clamp, "heading": .proseWithFallback, "body": .proseWithFallback,
            "edits": .listWithFallback, "edits[]": .clip,
        ],
        "Metadata": [
            "seoTitle": .clip, "slug": .slug, "metaDescription": .clip, "excerpt": .clip,
            "tags": .listWithFallback, "tags[]": .term,
            "categories": .listWithFallback, "categories[]": .term,
            // Placements naming no section of the article are dropped later, by MinorFailures,
            // which knows the sections; a malformed one is a repair.
            "imagePrompts": .listWithFallback,
            "imagePrompts[].prompt": .clip, "imagePrompts[].placement": .repair, "imagePrompts[].altText": .clip,
        ],
        "ReviewReply": [
            "score": .clamp, "issues": .listWithFallback, "issues[]": .clip,
        ],
    ]

    /// The rules for a reply type, by its name.
    public static func rules(for typeName: String) -> [String: FieldRule] {
        table[typeName] ?? [:]
    }
}
