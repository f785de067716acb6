import Foundation
import Logging
import PressworkCore
import PressworkOrchestrator
import PressworkPipeline
import PressworkProviders
import PressworkStore

/// Builds the clients of one set of provider settings: the process's own, or a profile's and a
/// site's (`RunCatalog` caches what it builds per profile version and site version).
struct ProviderFactory: Sendable {
    let outputFolder: String
    let store: RunStore
    let logger: Logger

    /// The providers of `configured`: offline unless an LLM or embeddings provider is configured.
    /// Trends come from the seeds, or from feeds and Google Trends. Round 7 writes HTML for dry
    /// runs and publishes to WordPress for the others, when WordPress is configured.
    func providers(_ configured: ProviderSettings) -> Providers {
        var providers = Providers.offline(outputFolder: outputFolder)
        // One client per model: the default for rounds without a model of their own.
        var makeModel: ((String?) -> any ChatModel)?
        let policy = CallPolicy(timeout: configured.timeouts.call)
        if configured.llm == .openai, let openAI = configured.openAI {
            makeModel = { model in
                var configuration = openAI
                if let model { configuration.model = model }
                return OpenAIChatClient(configuration, policy: policy, logger: logger)
            }
        }
        if configured.llm == .gemini, let gemini = configured.gemini {
            makeModel = { model in
                var configuration = gemini
                if let model { configuration.model = model }
                return GeminiChatClient(configuration, policy: policy, logger: logger)
            }
        }
        if let makeModel {
            // Priced models report what each call cost; budgets and cost totals depend on it.
            let priced: (String?) -> any ChatModel = { name in
                let model = makeModel(name)
                let modelName = name ?? configured.openAI?.model ?? configured.gemini?.model ?? ""
                return configured.prices[modelName].map { PricedChatModel(model, price: $0) } ?? model
            }
            // Replies are kept per run until its rounds commit: a retried round does not pay twice.
            let cache = StoreResponseCache(store: store)
            var perRound: [Round: StructuredGenerator] = [:]
            for round in Set(configured.roundModels.keys).union(configured.roundGeneration.keys) {
                perRound[round] = StructuredGenerator(
                    model: priced(configured.roundModels[round]),
                    settings: configured.roundGeneration[round] ?? configured.generation, cache: cache
                )
            }
            let writer = LLMWriter(
                fallback: StructuredGenerator(model: priced(nil), settings: configured.generation, cache: cache),
                perRound: perRound
            )
            providers.writer = writer
            providers.dryRun = DryRunPublisher(outputFolder: outputFolder, writerDescription: "written by \(writer.name)")
        }
        if let latency = configured.simulatedLatency {
            providers.writer = SimulatedLatencyWriter(providers.writer, latency: latency)
        }
        if let feeds = configured.feeds {
            providers.trends = FeedTrendSource(feeds, logger: logger)
        }
        if let wordpress = configured.wordpress {
            providers.publisher = WordPressPublisher(
                client: WordPressClient(wordpress, logger: logger), postStatus: configured.wordpressPostStatus,
                categories: configured.wordpressCategories, imagesRequired: configured.imagesRequired, logger: logger
            )
        }
        providers.imagesRequired = configured.imagesRequired
        switch configured.images {
        case .offline: providers.images = OfflineImageProvider()
        case .none: providers.images = nil
        case .openai:
            providers.images = configured.imageModel.map {
                OpenAIImageClient($0, settings: configured.imageSettings, policy: policy, logger: logger)
            }
        case .gemini:
            providers.images = configured.geminiImageModel.map {
                GeminiImageClient($0, settings: configured.imageSettings, policy: policy, logger: logger)
            }
        }
        if configured.embeddings == .openai, let model = configured.embeddingModel, let dimension = configured.embeddingDimension {
            let client = OpenAIEmbeddingClient(
                model, dimension: dimension, window: configured.embeddingWindow, policy: policy, logger: logger
            )
            providers.embeddings = configured.prices[model.model].map { PricedEmbeddings(client, price: $0) } ?? client
        }
        return providers
    }
}
