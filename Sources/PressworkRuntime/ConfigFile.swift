import Foundation
import PressworkCore
import PressworkPipeline

/// The optional configuration file (`--config FILE`, JSON).
///
/// ```json
/// { "databaseURL": "postgresql://presswork@db.internal/presswork",
///   "home": "/srv/presswork", "logFormat": "json", "logLevel": "info",
///   "llm": "openai", "openaiBaseURL": "http://localhost:11434/v1", "openaiModel": "llama3.1",
///   "models": { "ideas": "llama3.2:3b", "drafts": "llama3.1:70b" },
///   "embeddings": "openai", "openaiEmbeddingModel": "nomic-embed-text", "embeddingDimension": 768,
///   "wordpressURL": "https://blog.example.com", "wordpressUser": "presswork",
///   "wordpressAppPassword": "abcd efgh ijkl mnop qrst uvwx", "wordpressPostStatus": "draft" }
/// ```
///
/// Every key is optional; command-line options and environment variables override it. An
/// unknown key is refused by name, so that a typo does not silently fall back to a default.
public struct ConfigFile: Sendable, Equatable, Decodable {
    public var databaseURL: String?
    public var databasePooler: String?
    public var directDatabaseURL: String?
    public var home: String?
    public var logFormat: LogFormat?
    public var logLevel: String?
    public var llm: String?
    public var openaiBaseURL: String?
    public var openaiModel: String?
    /// Allowed for servers whose key must live in a file; keep the file private (mode 600).
    public var openaiAPIKey: String?
    /// A model per round: ideas, outline, drafts, polish, metadata, review.
    public var models: [String: String]?
    public var geminiModel: String?
    public var geminiBaseURL: String?
    /// Like `openaiAPIKey`: allowed, in a file only its owner can read.
    public var geminiAPIKey: String?
    public var embeddings: String?
    public var openaiEmbeddingModel: String?
    public var embeddingDimension: Int?
    /// US dollars per million tokens, per model: `{"gpt-4o-mini": {"input": 0.15, "output": 0.6}}`.
    public var prices: [String: ModelPrice]?
    public var runBudgetUSD: Double?
    /// Round 0: seeds, feeds or google; `feeds` lists RSS/Atom URLs.
    public var trends: String?
    public var feeds: [String]?
    public var googleTrendsURL: String?
    public var wordpressURL: String?
    public var wordpressUser: String?
    /// Like `openaiAPIKey`: allowed, in a file only its owner can read.
    public var wordpressAppPassword: String?
    /// publish (default), draft, or future (scheduled `wordpressFutureDelayMinutes` later).
    public var wordpressPostStatus: String?
    public var wordpressFutureDelayMinutes: Int?
    /// Which schema bounds the LLM server is sent: full, structural, openai or gemini.
    public var schemaBounds: String?
    /// Generation settings, `"default"` and per round (ideas, outline, drafts, polish, metadata,
    /// review): `{"default": {"maxOutputTokens": 2048, "temperature": 0.7}, "drafts": {…}}`.
    public var generation: [String: GenerationEntry]?
    /// The embedding server, when it is not the chat server: base URL and key.
    public var embeddingsBaseURL: String?
    public var embeddingsAPIKey: String?
    /// The embedding model's input window in tokens (longer articles are chunked).
    public var embeddingWindow: Int?
    /// Deadlines in seconds: one provider call, one round (its retries included), one run.
    public var callTimeoutSeconds: Double?
    public var roundTimeoutSeconds: Double?
    public var runTimeoutSeconds: Double?
    /// Round 7's images: offline (default: typographic cards), openai (an OpenAI-compatible
    /// /images/generations), or none.
    public var images: String?
    /// The images server, when it is not the chat server: base URL and key.
    public var imagesBaseURL: String?
    public var imagesAPIKey: String?
    public var imageModel: String?
    /// e.g. "1024x1024"; the server's default when unset.
    public var imageSize: String?
    /// Words appended to every image prompt ("flat vector illustration").
    public var imageStyle: String?
    /// US dollars per image.
    public var imagePriceUSD: Double?
    /// true: a post never goes without a planned image (a failed image fails round 7).
    public var imagesRequired: Bool?

    /// One entry of `generation`.
    public struct GenerationEntry: Sendable, Equatable, Decodable {
        public var maxOutputTokens: Int?
        public var maxOutputTokensCeiling: Int?
        public var temperature: Double?
        public var frequencyPenalty: Double?
    }

    static let knownKeys: Set<String> = [
        "schemaBounds", "generation", "embeddingsBaseURL", "embeddingsAPIKey", "embeddingWindow", "callTimeoutSeconds",
        "roundTimeoutSeconds", "runTimeoutSeconds", "images", "imagesBaseURL", "imagesAPIKey", "imageModel", "imageSize",
        "imageStyle", "imagePriceUSD", "imagesRequired",
        "databaseURL", "databasePooler", "directDatabaseURL", "home", "logFormat", "logLevel", "llm", "openaiBaseURL", "openaiModel",
        "openaiAPIKey", "models",
        "geminiModel", "geminiBaseURL", "geminiAPIKey", "embeddings", "openaiEmbeddingModel", "embeddingDimension", "prices",
        "runBudgetUSD", "trends", "feeds", "googleTrendsURL", "wordpressURL", "wordpressUser",
        "wordpressAppPassword", "wordpressPostStatus", "wordpressFutureDelayMinutes",
    ]

    public init(databaseURL: String? = nil, home: String? = nil, logFormat: LogFormat? = nil, logLevel: String? = nil) {
        self.databaseURL = databaseURL
        self.home = home
        self.logFormat = logFormat
        self.logLevel = logLevel
    }

    public static func load(path: String) throws(SettingsError) -> ConfigFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SettingsError("cannot read the config file \(path): no such file, or not readable")
        }
        return try parse(data, path: path)
    }

    public static func parse(_ data: Data, path: String) throws(SettingsError) -> ConfigFile {
        let object: Any
        do {
            try StrictJSON.check(data)
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            let reason = (error as? StrictJSON.Failure).map(\.description) ?? error.localizedDescription
            throw SettingsError("the config file \(path) is not valid JSON: \(reason)")
        }
        guard let dictionary = object as? [String: Any] else {
            throw SettingsError("the config file \(path) must hold a JSON object")
        }
        // Settings end up in URLs, headers, prompts and posts: no control or bidi characters.
        if let (key, scalar) = firstUnsafeScalar(in: dictionary, path: "") {
            throw SettingsError(
                String(format: "the config file \(path) has the control character U+%04X in \"\(key)\"; remove it", scalar.value))
        }
        if let unknown = dictionary.keys.sorted().first(where: { !knownKeys.contains($0) }) {
            throw SettingsError(
                "the config file \(path) has an unknown key \"\(unknown)\"; known keys: "
                    + knownKeys.sorted().joined(separator: ", ")
            )
        }
        do {
            return try JSONDecoder().decode(ConfigFile.self, from: data)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.dataCorrupted(context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw SettingsError("the config file \(path) has a bad value for \"\(key)\": \(context.debugDescription)")
        } catch {
            throw SettingsError("the config file \(path) could not be read: \(error)")
        }
    }
}

/// A configuration problem; the message names the option, variable or key.
public struct SettingsError: Refusal {
    public var code: RefusalCode { .invalid }
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The first string value (by key order) holding a control or bidi character, with its key path.
private func firstUnsafeScalar(in value: Any, path: String) -> (String, Unicode.Scalar)? {
    switch value {
    case let text as String:
        return text.unicodeScalars.first { UnsafeScalars.isControl($0) || UnsafeScalars.isBidiControl($0) }.map { (path, $0) }
    case let object as [String: Any]:
        for key in object.keys.sorted() {
            if let found = firstUnsafeScalar(in: object[key]!, path: path.isEmpty ? key : path + "." + key) { return found }
        }
        return nil
    case let array as [Any]:
        for (index, element) in array.enumerated() {
            if let found = firstUnsafeScalar(in: element, path: "\(path)[\(index)]") { return found }
        }
        return nil
    default:
        return nil
    }
}
