import Foundation
import Logging
import PostgresClient
import PressworkOrchestrator
import PressworkCore
import PressworkPipeline
import PressworkProviders
import PressworkStore

/// What a command that works with runs needs: a migrated database, the store, and an
/// orchestrator over the configured providers. Opening it starts the embedded cluster if that is
/// the target and applies pending migrations (idempotent; `presswork migrate` does it ahead of time).
public struct Services: Sendable {
    public let settings: RuntimeSettings
    public let pool: PostgresConnectionPool
    public let store: RunStore
    public let logger: Logger

    public static func open(settings: RuntimeSettings, logger: Logger, maxConnections: Int = 4) async throws -> Services {
        let pool = try await DatabaseTarget(settings: settings, logger: logger)
            .makePool(maxConnections: maxConnections, logger: logger)
        do {
            _ = try await Migrator(logger: logger).migrate(pool)
        } catch {
            await pool.close()
            throw error
        }
        return Services(settings: settings, pool: pool, store: RunStore(pool: pool), logger: logger)
    }

    public var schedules: ScheduleStore { ScheduleStore(pool: pool) }

    /// Where dry-run HTML files go: `<home>/output`.
    public var outputFolder: String { settings.home + "/output" }

    /// The providers runs use, from the settings: offline unless an LLM or embeddings provider is
    /// configured. Trends come from the seeds, or from feeds and Google Trends. Round 7 writes HTML
    /// for dry runs and publishes to WordPress for the others, when WordPress is configured.
    public var providers: Providers {
        var providers = Providers.offline(outputFolder: outputFolder)
        let configured = settings.providers
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
                client: WordPressClient(wordpress, logger: logger), postStatus: configured.wordpressPostStatus, logger: logger
            )
        }
        if configured.embeddings == .openai, let model = configured.embeddingModel, let dimension = configured.embeddingDimension {
            let client = OpenAIEmbeddingClient(
                model, dimension: dimension, window: configured.embeddingWindow, policy: policy, logger: logger
            )
            providers.embeddings = configured.prices[model.model].map { PricedEmbeddings(client, price: $0) } ?? client
        }
        return providers
    }

    /// An orchestrator over the configured providers; it refuses runs that asked for others.
    public func orchestrator(configuration: OrchestratorConfiguration = OrchestratorConfiguration()) -> Orchestrator {
        var configuration = configuration
        configuration.providers = configuration.providers ?? settings.providers.choice
        configuration.roundTimeout = settings.providers.timeouts.round
        configuration.runTimeout = settings.providers.timeouts.run
        return Orchestrator(store: store, pipeline: Pipeline(providers: providers), configuration: configuration, logger: logger)
    }

    public func close() async {
        await pool.close()
    }
}
