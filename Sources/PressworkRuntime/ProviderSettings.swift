import Foundation
import PressworkCore
import PressworkPipeline
import PressworkProviders

/// Which providers runs use and how to reach them: option, then environment variable, then
/// config file, then the offline default. Keys live here only in memory: they are never logged,
/// and runs record provider and model names only (`RunParams.providers`).
public struct ProviderSettings: Sendable, Equatable {
    public enum LLM: String, Sendable, CaseIterable { case offline, openai, gemini }
    public enum Embeddings: String, Sendable, CaseIterable { case offline, openai }
    public enum Trends: String, Sendable, CaseIterable { case seeds, feeds, google }
    public enum Images: String, Sendable, CaseIterable { case offline, openai, gemini, none }

    public var llm: LLM
    /// The OpenAI-compatible server, with the default model (rounds without their own use it).
    public var openAI: OpenAIChatClient.Configuration?
    /// Google's Gemini API, with the default model, when `llm` is gemini.
    public var gemini: GeminiChatClient.Configuration?
    /// A model per round, for rounds that should not use the default (a cheap one for ideas, a
    /// strong one for drafts).
    public var roundModels: [Round: String]
    public var embeddings: Embeddings
    /// The embedding model and its dimension, when `embeddings` is openai.
    public var embeddingModel: OpenAIChatClient.Configuration?
    public var embeddingDimension: Int?
    /// The WordPress site round 7 publishes to; nil means every run is a dry run.
    public var wordpress: WordPressClient.Configuration?
    public var wordpressPostStatus: WordPressPostStatus = .publish
    /// Categories every post gets besides its own (a site's `categories`).
    public var wordpressCategories: [String] = []
    /// A wait before every writer answer (`PRESSWORK_OFFLINE_LATENCY_MS`, give or take
    /// `PRESSWORK_OFFLINE_LATENCY_JITTER` of it), to make the offline writer behave like a hosted
    /// model in demonstrations and tests; nil: none.
    public var simulatedLatency: SimulatedLatency?
    /// Prices per model name (US dollars per million tokens); unpriced models cost 0.
    public var prices: [String: ModelPrice] = [:]
    /// The budget a run gets unless `presswork run --budget-usd` says otherwise; nil: none.
    public var runBudgetUSD: Double?
    /// Round 0's source; `feeds` and `google` fetch `feeds` (and Google Trends).
    public var trends: Trends = .seeds
    public var feeds: FeedTrendSource.Configuration?
    /// How replies are sized and sampled, for rounds without settings of their own.
    public var generation = StructuredGenerator.Settings()
    /// Per round, over `generation`.
    public var roundGeneration: [Round: StructuredGenerator.Settings] = [:]
    /// The embedding model's input window in tokens; nil: the whole article is one input.
    public var embeddingWindow: Int?
    /// One time budget: a provider call, a round (retries included), a run.
    public var timeouts = Timeouts()
    /// Round 7's images: the offline cards by default.
    public var images: Images = .offline
    /// The images server and model, when `images` is openai.
    public var imageModel: OpenAIChatClient.Configuration?
    /// Gemini and its image model, when `images` is gemini.
    public var geminiImageModel: GeminiChatClient.Configuration?
    public var imageSettings = ImageSettings()
    /// A post never goes without a planned image: a failed image fails round 7.
    public var imagesRequired = false

    public static let offline = ProviderSettings(
        llm: .offline, openAI: nil, roundModels: [:], embeddings: .offline, embeddingModel: nil, embeddingDimension: nil,
        wordpress: nil
    )

    public static let openAIBaseURL = "https://api.openai.com/v1"

    /// The rounds a model writes, each of which may name its own.
    static let modelRounds: [Round] = [.ideas, .outline, .drafts, .polish, .metadata, .coherence]

    /// What a run records in its params: names, never keys.
    public var choice: ProviderChoice {
        var llmName = "offline"
        if llm == .openai, let openAI {
            let models = Set([openAI.model] + roundModels.values).sorted()
            llmName = "openai(\(OpenAIChatClient.host(openAI.baseURL)))/" + models.joined(separator: ",")
        }
        if llm == .gemini, let gemini {
            let models = Set([gemini.model] + roundModels.values).sorted()
            llmName = "gemini(\(OpenAIChatClient.host(gemini.baseURL)))/" + models.joined(separator: ",")
        }
        var embeddingName = "offline"
        if embeddings == .openai, let embeddingModel {
            embeddingName = "openai(\(OpenAIChatClient.host(embeddingModel.baseURL)))/\(embeddingModel.model)"
        }
        return ProviderChoice(
            llm: llmName, embeddings: embeddingName, trends: feeds?.name ?? "seeds",
            publisher: wordpress?.name
        )
    }

    static func resolve(
        llmOption: String?, embeddingsOption: String?, trendsOption: String? = nil, env: (String) -> String?, file: ConfigFile
    ) throws(SettingsError) -> ProviderSettings {
        let llmText = llmOption ?? env("PRESSWORK_LLM") ?? file.llm ?? LLM.offline.rawValue
        guard let llm = LLM(rawValue: llmText.lowercased()) else {
            throw SettingsError(
                "the LLM provider \"\(llmText)\" is unknown; use one of: " + LLM.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let embeddingsText = embeddingsOption ?? env("PRESSWORK_EMBEDDINGS") ?? file.embeddings ?? Embeddings.offline.rawValue
        guard let embeddings = Embeddings(rawValue: embeddingsText.lowercased()) else {
            throw SettingsError(
                "the embeddings provider \"\(embeddingsText)\" is unknown; use one of: "
                    + Embeddings.allCases.map(\.rawValue).joined(separator: ", ")
            )
        }
        let baseURL = env("OPENAI_BASE_URL") ?? file.openaiBaseURL ?? openAIBaseURL
        guard isHTTP(baseURL) else {
            throw SettingsError("OPENAI_BASE_URL must start with http:// or https://, not \(baseURL)")
        }
        let key = env("OPENAI_API_KEY") ?? file.openaiAPIKey
        let isOpenAIItself = baseURL.hasPrefix(openAIBaseURL)
        if (llm == .openai || embeddings == .openai) && isOpenAIItself && key == nil {
            throw SettingsError("OPENAI_API_KEY is not set; OpenAI needs a key (a local server at OPENAI_BASE_URL may not)")
        }

        var settings = ProviderSettings.offline
        settings.llm = llm
        settings.embeddings = embeddings
        if llm == .openai {
            guard let model = env("OPENAI_MODEL") ?? file.openaiModel ?? (isOpenAIItself ? "gpt-4o-mini" : nil) else {
                throw SettingsError("OPENAI_MODEL is not set: name the model the server at \(baseURL) should use")
            }
            settings.openAI = .init(baseURL: baseURL, apiKey: key, model: model, schemaBounds: try schemaBounds(env: env, file: file))
        }
        if llm == .gemini {
            guard let geminiKey = env("GEMINI_API_KEY") ?? file.geminiAPIKey else {
                throw SettingsError("GEMINI_API_KEY is not set; --llm gemini needs a key from Google AI Studio")
            }
            let geminiURL = env("GEMINI_BASE_URL") ?? file.geminiBaseURL ?? GeminiChatClient.Configuration.defaultBaseURL
            guard isHTTP(geminiURL) else {
                throw SettingsError("GEMINI_BASE_URL must start with http:// or https://, not \(geminiURL)")
            }
            settings.gemini = .init(
                baseURL: geminiURL, apiKey: geminiKey, model: env("GEMINI_MODEL") ?? file.geminiModel ?? "gemini-2.5-flash",
                schemaBounds: try schemaBounds(env: env, file: file) ?? .gemini
            )
        }
        if llm != .offline {
            for round in modelRounds {
                let variable = "PRESSWORK_MODEL_" + round.configName.uppercased()
                if let model = env(variable) ?? file.models?[round.configName] { settings.roundModels[round] = model }
            }
        }
        if let unknown = file.models?.keys.sorted().first(where: { name in !modelRounds.contains { $0.configName == name } }) {
            throw SettingsError(
                "the config file's \"models\" has an unknown round \"\(unknown)\"; use: "
                    + modelRounds.map(\.configName).joined(separator: ", ")
            )
        }
        if embeddings == .openai {
            // The embedding server defaults to the chat server, its key to the chat key.
            let embeddingsURL = env("PRESSWORK_EMBEDDINGS_BASE_URL") ?? file.embeddingsBaseURL ?? baseURL
            guard isHTTP(embeddingsURL) else {
                throw SettingsError("PRESSWORK_EMBEDDINGS_BASE_URL must start with http:// or https://, not \(embeddingsURL)")
            }
            let embeddingsKey = env("PRESSWORK_EMBEDDINGS_API_KEY") ?? file.embeddingsAPIKey ?? key
            let isOpenAIEmbeddings = embeddingsURL.hasPrefix(openAIBaseURL)
            let model =
                env("PRESSWORK_EMBEDDINGS_MODEL") ?? env("OPENAI_EMBEDDING_MODEL") ?? file.openaiEmbeddingModel
                ?? (isOpenAIEmbeddings ? "text-embedding-3-small" : nil)
            guard let model else {
                throw SettingsError("OPENAI_EMBEDDING_MODEL is not set: name the embedding model the server at \(embeddingsURL) should use")
            }
            let dimensionText = env("PRESSWORK_EMBEDDINGS_DIMENSION") ?? env("PRESSWORK_EMBEDDING_DIMENSION")
            if let configured = file.embeddingDimension, !(1...65_536).contains(configured) {
                throw SettingsError("the config file's \"embeddingDimension\" must be 1 to 65536, not \(configured)")
            }
            var dimension = file.embeddingDimension ?? OpenAIEmbeddingClient.knownDimension(of: model)
            if let dimensionText {
                guard let parsed = Int(dimensionText), (1...65_536).contains(parsed) else {
                    throw SettingsError("PRESSWORK_EMBEDDING_DIMENSION must be a number from 1 to 65536, not \(dimensionText)")
                }
                dimension = parsed
            }
            guard let dimension else {
                throw SettingsError("PRESSWORK_EMBEDDING_DIMENSION is not set: how many dimensions does \(model) return?")
            }
            settings.embeddingModel = .init(baseURL: embeddingsURL, apiKey: embeddingsKey, model: model)
            settings.embeddingDimension = dimension
            settings.embeddingWindow =
                try positiveInt(
                    "PRESSWORK_EMBEDDINGS_WINDOW", env("PRESSWORK_EMBEDDINGS_WINDOW"), file: file.embeddingWindow, range: 8...1_000_000
                ) ?? OpenAIEmbeddingClient.knownWindow(of: model)
        }
        try resolveWordPress(into: &settings, env: env, file: file)
        try resolveTrends(into: &settings, option: trendsOption, env: env, file: file)
        try resolvePrices(into: &settings, env: env, file: file)
        try resolveGeneration(into: &settings, env: env, file: file)
        try resolveTimeouts(into: &settings, env: env, file: file)
        try resolveImages(into: &settings, env: env, file: file, chatURL: baseURL, chatKey: key)
        // Whatever echoes them later (a provider's error body, a log line), they are masked.
        for secret in [
            settings.openAI?.apiKey, settings.gemini?.apiKey, settings.embeddingModel?.apiKey,
            settings.wordpress?.applicationPassword, settings.imageModel?.apiKey, settings.geminiImageModel?.apiKey,
        ] {
            SecretRedactor.register(secret)
        }
        if let text = env("PRESSWORK_OFFLINE_LATENCY_MS") {
            guard let milliseconds = Int(text), (0...600_000).contains(milliseconds) else {
                throw SettingsError("PRESSWORK_OFFLINE_LATENCY_MS must be a number of milliseconds (0 to 600000), not \(text)")
            }
            var jitter = 0.0
            if let text = env("PRESSWORK_OFFLINE_LATENCY_JITTER") {
                guard let fraction = Double(text), (0..<1).contains(fraction) else {
                    throw SettingsError(
                        "PRESSWORK_OFFLINE_LATENCY_JITTER must be a fraction of the latency from 0 to below 1 (0.25: give or take "
                            + "a quarter), not \(text)")
                }
                jitter = fraction
            }
            settings.simulatedLatency = SimulatedLatency(mean: .milliseconds(milliseconds), jitter: jitter)
        }
        return settings
    }

    /// `PRESSWORK_PRICES="gpt-4o-mini=0.15/0.60 text-embedding-3-small=0.02/0"` (input/output
    /// US dollars per million tokens), or the config file's `"prices": {"model": {"input": …,
    /// "output": …}}`; `PRESSWORK_RUN_BUDGET_USD` or `"runBudgetUSD"`.
    static func resolvePrices(into settings: inout ProviderSettings, env: (String) -> String?, file: ConfigFile) throws(SettingsError) {
        settings.prices = file.prices ?? [:]
        if let text = env("PRESSWORK_PRICES") {
            for entry in text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\n" }) {
                let parts = entry.split(separator: "=", maxSplits: 1)
                let amounts = parts.count == 2 ? parts[1].split(separator: "/").compactMap { Double($0) } : []
                guard parts.count == 2, amounts.count == 2, amounts.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
                    throw SettingsError("PRESSWORK_PRICES entry \"\(entry)\" is not MODEL=INPUT/OUTPUT (US dollars per million tokens)")
                }
                settings.prices[String(parts[0])] = ModelPrice(input: amounts[0], output: amounts[1])
            }
        }
        for (model, price) in settings.prices where !(price.input >= 0 && price.output >= 0) {
            throw SettingsError("the price of \(model) must not be negative")
        }
        if let text = env("PRESSWORK_RUN_BUDGET_USD") {
            guard let budget = Double(text), budget > 0, budget.isFinite else {
                throw SettingsError("PRESSWORK_RUN_BUDGET_USD must be a positive number of US dollars, not \(text)")
            }
            settings.runBudgetUSD = budget
        } else {
            settings.runBudgetUSD = file.runBudgetUSD
        }
    }

    static func resolveTrends(
        into settings: inout ProviderSettings, option: String?, env: (String) -> String?, file: ConfigFile
    ) throws(SettingsError) {
        let text = option ?? env("PRESSWORK_TRENDS") ?? file.trends ?? Trends.seeds.rawValue
        guard let trends = Trends(rawValue: text.lowercased()) else {
            throw SettingsError(
                "the trend source \"\(text)\" is unknown; use one of: " + Trends.allCases.map(\.rawValue).joined(separator: ", "))
        }
        settings.trends = trends
        guard trends != .seeds else { return }
        let feeds =
            env("PRESSWORK_FEEDS").map { $0.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" }).map(String.init) }
            ?? file.feeds ?? []
        if let bad = feeds.first(where: { !isHTTP($0) }) {
            throw SettingsError("PRESSWORK_FEEDS holds \"\(bad)\", which is not an http(s) URL")
        }
        if trends == .feeds && feeds.isEmpty {
            throw SettingsError("--trends feeds needs PRESSWORK_FEEDS (RSS or Atom URLs, separated by spaces or commas)")
        }
        let googleURL = env("PRESSWORK_GOOGLE_TRENDS_URL") ?? file.googleTrendsURL ?? FeedTrendSource.Configuration.defaultGoogleTrendsURL
        // Checked here, before any run is written, not when round 0 first fetches it.
        if trends == .google, !isHTTP(googleURL) || URLComponents(string: googleURL)?.host?.isEmpty != false {
            throw SettingsError("PRESSWORK_GOOGLE_TRENDS_URL must be an http(s) URL with a host, not \(googleURL)")
        }
        settings.feeds = .init(feeds: feeds, googleTrends: trends == .google, googleTrendsURL: googleURL)
    }

    /// `PRESSWORK_IMAGES` or `"images"`: offline (default), openai, gemini or none; for openai the
    /// model (`PRESSWORK_IMAGE_MODEL` or `"imageModel"`, gpt-image-1 on OpenAI itself), and a
    /// server and key that default to the chat server's; for gemini the model (default
    /// gemini-2.5-flash-image), and a server and key that default to the Gemini writer's.
    static func resolveImages(
        into settings: inout ProviderSettings, env: (String) -> String?, file: ConfigFile, chatURL: String, chatKey: String?
    ) throws(SettingsError) {
        let text = env("PRESSWORK_IMAGES") ?? file.images ?? Images.offline.rawValue
        guard let images = Images(rawValue: text.lowercased()) else {
            throw SettingsError(
                "the images provider \"\(text)\" is unknown; use one of: " + Images.allCases.map(\.rawValue).joined(separator: ", "))
        }
        settings.images = images
        settings.imagesRequired = file.imagesRequired ?? false
        if let price = file.imagePriceUSD, !(price >= 0 && price.isFinite) {
            throw SettingsError("the config's \"imagePriceUSD\" must be a non-negative number of US dollars, not \(price)")
        }
        if let size = file.imageSize, size.wholeMatch(of: /[1-9][0-9]{1,4}x[1-9][0-9]{1,4}|auto/) == nil {
            throw SettingsError("the config's \"imageSize\" must be WIDTHxHEIGHT (e.g. 1024x1024) or auto, not \(size)")
        }
        settings.imageSettings = ImageSettings(
            size: file.imageSize, style: file.imageStyle, pricePerImageUSD: file.imagePriceUSD)
        if images == .gemini {
            // The key and server of the Gemini writer, or their own.
            guard let key = env("PRESSWORK_IMAGES_API_KEY") ?? file.imagesAPIKey ?? env("GEMINI_API_KEY") ?? file.geminiAPIKey else {
                throw SettingsError("images from Gemini need a key: set GEMINI_API_KEY or PRESSWORK_IMAGES_API_KEY")
            }
            let url =
                env("PRESSWORK_IMAGES_BASE_URL") ?? file.imagesBaseURL ?? env("GEMINI_BASE_URL") ?? file.geminiBaseURL
                ?? GeminiChatClient.Configuration.defaultBaseURL
            guard isHTTP(url) else {
                throw SettingsError("PRESSWORK_IMAGES_BASE_URL must start with http:// or https://, not \(url)")
            }
            let model = env("PRESSWORK_IMAGE_MODEL") ?? file.imageModel ?? "gemini-2.5-flash-image"
            settings.geminiImageModel = .init(baseURL: url, apiKey: key, model: model)
            return
        }
        guard images == .openai else { return }
        let url = env("PRESSWORK_IMAGES_BASE_URL") ?? file.imagesBaseURL ?? chatURL
        guard isHTTP(url) else {
            throw SettingsError("PRESSWORK_IMAGES_BASE_URL must start with http:// or https://, not \(url)")
        }
        let key = env("PRESSWORK_IMAGES_API_KEY") ?? file.imagesAPIKey ?? chatKey
        let isOpenAIItself = url.hasPrefix(openAIBaseURL)
        if isOpenAIItself && key == nil {
            throw SettingsError("images from OpenAI need a key: set OPENAI_API_KEY or PRESSWORK_IMAGES_API_KEY")
        }
        guard let model = env("PRESSWORK_IMAGE_MODEL") ?? file.imageModel ?? (isOpenAIItself ? "gpt-image-1" : nil) else {
            throw SettingsError("PRESSWORK_IMAGE_MODEL is not set: name the image model the server at \(url) should use")
        }
        settings.imageModel = .init(baseURL: url, apiKey: key, model: model)
    }

    /// WordPress is configured when its URL, user and application password are all given; some
    /// but not all is an error naming what is missing, not a silent dry run.
    static func resolveWordPress(
        into settings: inout ProviderSettings, env: (String) -> String?, file: ConfigFile
    ) throws(SettingsError) {
        let values = [
            ("WORDPRESS_URL", env("WORDPRESS_URL") ?? file.wordpressURL),
            ("WORDPRESS_USER", env("WORDPRESS_USER") ?? file.wordpressUser),
            ("WORDPRESS_APP_PASSWORD", env("WORDPRESS_APP_PASSWORD") ?? file.wordpressAppPassword),
        ]
        let missing = values.filter { $0.1 == nil }.map(\.0)
        guard missing.count < values.count else { return }
        guard missing.isEmpty, let url = values[0].1, let user = values[1].1, let password = values[2].1 else {
            throw SettingsError(
                "WordPress is partly configured: \(missing.joined(separator: " and ")) "
                    + (missing.count == 1 ? "is" : "are") + " not set (publishing needs the URL, the user and an application password)")
        }
        guard isHTTP(url), URLComponents(string: url)?.host != nil else {
            throw SettingsError("WORDPRESS_URL must be the site's address starting with http:// or https://, not \(url)")
        }
        settings.wordpress = .init(baseURL: url, user: user, applicationPassword: password)
        let statusText = (env("WORDPRESS_POST_STATUS") ?? file.wordpressPostStatus ?? "publish").lowercased()
        switch statusText {
        case "publish": settings.wordpressPostStatus = .publish
        case "draft": settings.wordpressPostStatus = .draft
        case "future":
            let delayText = env("WORDPRESS_FUTURE_DELAY_MINUTES") ?? file.wordpressFutureDelayMinutes.map(String.init) ?? "60"
            guard let minutes = Int(delayText), minutes > 0 else {
                throw SettingsError("WORDPRESS_FUTURE_DELAY_MINUTES must be a positive number of minutes, not \(delayText)")
            }
            settings.wordpressPostStatus = .future(after: .seconds(minutes * 60))
        default:
            throw SettingsError("WORDPRESS_POST_STATUS must be publish, draft or future, not \(statusText)")
        }
    }
}

/// Every provider address in the settings is an http(s) URL.
private func isHTTP(_ url: String) -> Bool {
    url.hasPrefix("http://") || url.hasPrefix("https://")
}

extension Round {
    /// The round's name in configuration: `PRESSWORK_MODEL_DRAFTS`, `"models": {"drafts": …}`.
    public var configName: String {
        switch self {
        case .trends: return "trends"
        case .ideas: return "ideas"
        case .outline: return "outline"
        case .drafts: return "drafts"
        case .polish: return "polish"
        case .metadata: return "metadata"
        case .coherence: return "review"
        case .publish: return "publish"
        }
    }
}
