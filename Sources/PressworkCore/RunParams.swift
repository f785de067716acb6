import Foundation

/// The inputs of a run: what to write about, for whom, in which voice, and how strictly to gate it.
///
/// Stored as the run's `params` (jsonb). Build it with `validated(…)`, which trims and checks
/// every field and names the first bad one; decoding from the database trusts what was stored.
public struct RunParams: Codable, Sendable, Equatable {
    public var seeds: [String]
    public var region: String
    public var brandVoice: String
    /// Round 7 assembles HTML and writes it to a file instead of posting to WordPress.
    public var dryRun: Bool
    public var thresholds: GateThresholds
    /// Which providers the run uses; recorded so a run document says how it was made.
    public var providers: ProviderChoice
    /// The most the run may spend on priced providers, in US dollars; checked before every round
    /// and every section, so the run stops before it spends more. nil: no limit.
    public var budgetUSD: Double?
    /// The writer profile the run is written with, and the version it was created with (a
    /// profile edited later does not change it); nil: the executing process's own settings.
    public var profile: String?
    public var profileVersion: Int?
    /// The WordPress site the run publishes to, with its current settings; nil: the executing
    /// process's own WordPress settings.
    public var site: String?

    public static let maxSeeds = 10
    public static let maxSeedLength = 100
    public static let maxVoiceLength = 400
    public static let defaultRegion = "US"
    public static let defaultVoice = "clear, friendly and practical"

    public init(
        seeds: [String], region: String, brandVoice: String, dryRun: Bool,
        thresholds: GateThresholds = GateThresholds(), providers: ProviderChoice = .offline, budgetUSD: Double? = nil
    ) {
        self.budgetUSD = budgetUSD
        self.seeds = seeds
        self.region = region
        self.brandVoice = brandVoice
        self.dryRun = dryRun
        self.thresholds = thresholds
        self.providers = providers
    }

    /// Checks and normalizes raw input; nothing is written before this succeeds.
    /// Text a person typed, refused when it could mislead a reader or a terminal: control
    /// characters (NUL, ESC, CR…), bidi embeddings and overrides, or nothing visible at all
    /// (zero-width characters only).
    public static func checkText(_ text: String, field: String) throws(ValidationError) {
        for scalar in text.unicodeScalars {
            if UnsafeScalars.isControl(scalar) {
                throw ValidationError(field: field, "contains a control character (U+\(String(format: "%04X", scalar.value)))")
            }
            if UnsafeScalars.isBidiControl(scalar) {
                throw ValidationError(field: field, "contains a bidi override (U+\(String(format: "%04X", scalar.value)))")
            }
        }
        let visible = text.unicodeScalars.contains {
            !$0.properties.isWhitespace && !$0.properties.isDefaultIgnorableCodePoint
        }
        guard visible else { throw ValidationError(field: field, "has no visible characters") }
    }

    public static func validated(
        seeds rawSeeds: [String],
        region rawRegion: String? = nil,
        brandVoice rawVoice: String? = nil,
        dryRun: Bool = true,
        thresholds: GateThresholds = GateThresholds(),
        providers: ProviderChoice = .offline,
        budgetUSD: Double? = nil,
        profile: String? = nil,
        site: String? = nil
    ) throws(ValidationError) -> RunParams {
        var seeds: [String] = []
        for (index, raw) in rawSeeds.enumerated() {
            let seed = raw.trimmingWhitespace()
            guard !seed.isEmpty else { throw ValidationError(field: "seeds[\(index)]", "is empty") }
            guard seed.count <= maxSeedLength else {
                throw ValidationError(field: "seeds[\(index)]", "is \(seed.count) characters; the limit is \(maxSeedLength)")
            }
            try checkText(seed, field: "seeds[\(index)]")
            if !seeds.contains(where: { $0.lowercased() == seed.lowercased() }) { seeds.append(seed) }
        }
        guard !seeds.isEmpty else { throw ValidationError(field: "seeds", "at least one seed is required") }
        guard seeds.count <= maxSeeds else {
            throw ValidationError(field: "seeds", "\(seeds.count) seeds given; the limit is \(maxSeeds)")
        }
        let region = (rawRegion ?? defaultRegion).trimmingWhitespace().uppercased()
        guard RegionCode.all.contains(region) else {
            throw ValidationError(field: "region", "\"\(region)\" is not an ISO 3166-1 alpha-2 country code (e.g. US, GB, DE)")
        }
        let voice = (rawVoice ?? defaultVoice).trimmingWhitespace()
        guard !voice.isEmpty else { throw ValidationError(field: "brandVoice", "is empty") }
        guard voice.count <= maxVoiceLength else {
            throw ValidationError(field: "brandVoice", "is \(voice.count) characters; the limit is \(maxVoiceLength)")
        }
        try checkText(voice, field: "brandVoice")
        try thresholds.validate()
        if let budgetUSD, !(budgetUSD.isFinite && budgetUSD > 0) {
            throw ValidationError(field: "budgetUSD", "must be a positive number of US dollars, not \(budgetUSD)")
        }
        for (field, name) in [("profile", profile), ("site", site)] {
            if let name { try checkName(name, field: field) }
        }
        var params = RunParams(
            seeds: seeds, region: region, brandVoice: voice, dryRun: dryRun, thresholds: thresholds, providers: providers,
            budgetUSD: budgetUSD
        )
        params.profile = profile
        params.site = site
        return params
    }

    /// The rule of every name a person gives (profiles, sites, schedules, tokens), as the
    /// tables' CHECK says it: `^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$`.
    public static func checkName(_ name: String, field: String) throws(ValidationError) {
        guard name.range(of: #"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$"#, options: .regularExpression) != nil else {
            throw ValidationError(field: field, "must be 1–63 letters, digits, '_', '.' or '-', starting with a letter or digit")
        }
    }
}

/// The gate after round 6. A duplicate, or a coherence score below `review`, ends the run as
/// `skipped`; a score in [review, publish) waits for a person (`needs_review`); at or above
/// `publish` the run goes on to round 7.
public struct GateThresholds: Codable, Sendable, Equatable {
    public var review: Double
    public var publish: Double
    /// Cosine similarity at or above which the article counts as a duplicate of an earlier post.
    public var duplicate: Double
    /// Cosine similarity at or above which an earlier post of the same site is related reading
    /// (below `duplicate`); nil: `GateThresholds.defaultRelated`. Optional so that params
    /// stored before related links existed still decode.
    public var related: Double?

    /// Related reading by default. Sentence-embedding models put texts on unrelated subjects
    /// around 0.1–0.3 and on one subject from 0.5 up; the offline embedding measured 0.57 for
    /// "home espresso" against "espresso grinders" and 0.13 against "kayak fishing" (and up to 0.56
    /// between two of twelve distinct seeds, so its links are loose: it knows words, not meaning).
    public static let defaultRelated = 0.5

    public init(review: Double = 0.5, publish: Double = 0.7, duplicate: Double = 0.9, related: Double? = nil) {
        self.review = review
        self.publish = publish
        self.duplicate = duplicate
        self.related = related
    }

    /// The similarity from which an earlier post is related reading.
    public var relatedMinimum: Double { related ?? Self.defaultRelated }

    public func validate() throws(ValidationError) {
        for (name, value) in [("review", review), ("publish", publish), ("duplicate", duplicate), ("related", relatedMinimum)] {
            guard value.isFinite, (0...1).contains(value) else {
                throw ValidationError(field: "thresholds.\(name)", "must be between 0 and 1, not \(value)")
            }
        }
        // Only a threshold that was given must be below the duplicate one; the default simply
        // finds nothing when a run's duplicate threshold is under it.
        if let related, related >= duplicate {
            throw ValidationError(field: "thresholds.related", "(\(related)) must be below thresholds.duplicate (\(duplicate))")
        }
        guard review <= publish else {
            throw ValidationError(field: "thresholds.review", "(\(review)) must not exceed thresholds.publish (\(publish))")
        }
    }
}

/// The providers a run uses. `offline` needs no network and no key.
public struct ProviderChoice: Codable, Sendable, Equatable {
    public var llm: String
    public var embeddings: String
    public var trends: String
    /// Where round 7 publishes ("wordpress(host)"); nil for a dry run.
    public var publisher: String?

    public init(llm: String, embeddings: String, trends: String, publisher: String? = nil) {
        self.llm = llm
        self.embeddings = embeddings
        self.trends = trends
        self.publisher = publisher
    }

    public static let offline = ProviderChoice(llm: "offline", embeddings: "offline", trends: "seeds")

    public var isOffline: Bool { llm == "offline" && embeddings == "offline" && trends == "seeds" }
}

extension String {
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }
}
