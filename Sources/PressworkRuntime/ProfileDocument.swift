import Foundation
import PressworkCore

/// A writer profile's settings (`presswork profiles add NAME --file profile.json`): the writer
/// keys of the config file, with every secret a reference (`env:NAME`, `file:/path`).
///
/// ```json
/// { "llm": "openai", "openaiBaseURL": "https://api.openai.com/v1", "openaiAPIKey": "env:OPENAI_API_KEY",
///   "openaiModel": "gpt-4o-mini", "models": { "drafts": "gpt-4o" },
///   "generation": { "default": { "temperature": 0.7 } },
///   "prices": { "gpt-4o-mini": { "input": 0.15, "output": 0.6 } },
///   "embeddings": "openai", "openaiEmbeddingModel": "text-embedding-3-small",
///   "trends": "feeds", "feeds": ["https://example.com/feed.xml"],
///   "images": "openai", "imageModel": "gpt-image-1", "imageSize": "1536x1024", "imagePriceUSD": 0.04 }
/// ```
///
/// The settings are checked exactly as the config file's are (one resolver for both); the
/// environment plays no part, except through the `env:` references.
public enum ProfileDocument {
    static let keys: Set<String> = [
        "llm", "openaiBaseURL", "openaiModel", "openaiAPIKey", "models", "geminiModel", "geminiBaseURL", "geminiAPIKey",
        "embeddings", "openaiEmbeddingModel", "embeddingDimension", "embeddingsBaseURL", "embeddingsAPIKey", "embeddingWindow",
        "prices", "runBudgetUSD", "trends", "feeds", "googleTrendsURL", "schemaBounds", "generation",
        "callTimeoutSeconds", "roundTimeoutSeconds", "runTimeoutSeconds", "images", "imagesBaseURL", "imagesAPIKey", "imageModel",
        "imageSize", "imageStyle", "imagePriceUSD", "imagesRequired",
    ]
    static let secretKeys: Set<String> = ["openaiAPIKey", "geminiAPIKey", "embeddingsAPIKey", "imagesAPIKey"]

    /// The provider settings `document` describes, its secrets resolved from `environment`.
    /// Errors name the key (`settings.openaiModel`).
    public static func settings(_ document: JSONValue, environment: [String: String]) throws(ValidationError) -> ProviderSettings {
        let decoded = try SettingsDocument.decode(ConfigFile.self, document, known: keys, secrets: secretKeys, misplaced: misplaced)
        var file = decoded.value
        let secrets = try SettingsDocument.resolve(decoded.secrets, environment: environment)
        file.openaiAPIKey = secrets["openaiAPIKey"]
        file.geminiAPIKey = secrets["geminiAPIKey"]
        file.embeddingsAPIKey = secrets["embeddingsAPIKey"]
        file.imagesAPIKey = secrets["imagesAPIKey"]
        do {
            return try ProviderSettings.resolve(llmOption: nil, embeddingsOption: nil, env: { _ in nil }, file: file)
        } catch {
            throw ValidationError(field: "settings", error.message)
        }
    }

    /// Advice for a config-file key that has no place in a profile.
    static func misplaced(_ key: String) -> String? {
        if key.hasPrefix("wordpress") { return "belongs to a site, not a writer profile (presswork sites add)" }
        if ["databaseURL", "home", "logFormat", "logLevel"].contains(key) {
            return "is a process setting (config file or environment), not part of a writer profile"
        }
        return nil
    }
}
