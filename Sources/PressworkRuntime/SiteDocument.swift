import Foundation
import PressworkCore
import PressworkProviders

/// A WordPress site's settings (`presswork sites add NAME --url … --user … --app-password env:WP_PASS`):
///
/// ```json
/// { "url": "https://blog.example.com", "user": "presswork", "appPassword": "env:BLOG_APP_PASSWORD",
///   "postStatus": "draft", "categories": ["Coffee"] }
/// ```
///
/// `postStatus` is publish (default), draft or future (`futureDelayMinutes` later, default 60);
/// `categories` are added to every post's own.
public struct SiteDocument: Sendable, Equatable, Codable {
    public var url: String
    public var user: String
    public var appPassword: String
    public var postStatus: String?
    public var futureDelayMinutes: Int?
    public var categories: [String]?

    public init(
        url: String, user: String, appPassword: String, postStatus: String? = nil, futureDelayMinutes: Int? = nil,
        categories: [String]? = nil
    ) {
        self.url = url
        self.user = user
        self.appPassword = appPassword
        self.postStatus = postStatus
        self.futureDelayMinutes = futureDelayMinutes
        self.categories = categories
    }

    static let keys: Set<String> = ["url", "user", "appPassword", "postStatus", "futureDelayMinutes", "categories"]

    /// What round 7 needs to publish there.
    public struct Resolved: Sendable, Equatable {
        public var wordpress: WordPressClient.Configuration
        public var postStatus: WordPressPostStatus
        public var categories: [String]
    }

    /// The site's publishing settings, its password resolved from `environment`; errors name the key.
    public static func settings(_ document: JSONValue, environment: [String: String]) throws(ValidationError) -> Resolved {
        let decoded = try SettingsDocument.decode(
            SiteDocument.self, document, known: keys, secrets: ["appPassword"], misplaced: { _ in nil }
        )
        let site = decoded.value
        let password = try SettingsDocument.resolve(decoded.secrets, environment: environment)["appPassword"]
        var file = ConfigFile()
        file.wordpressURL = site.url
        file.wordpressUser = site.user
        file.wordpressAppPassword = password
        file.wordpressPostStatus = site.postStatus
        file.wordpressFutureDelayMinutes = site.futureDelayMinutes
        var settings = ProviderSettings.offline
        do {
            try ProviderSettings.resolveWordPress(into: &settings, env: { _ in nil }, file: file)
        } catch {
            throw ValidationError(field: "settings", error.message)
        }
        guard let wordpress = settings.wordpress else { throw ValidationError(field: "settings.url", "is required") }
        var categories: [String] = []
        for (index, name) in (site.categories ?? []).enumerated() {
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard (1...100).contains(trimmed.count) else {
                throw ValidationError(field: "settings.categories[\(index)]", "must be 1–100 characters")
            }
            try RunParams.checkText(trimmed, field: "settings.categories[\(index)]")
            categories.append(trimmed)
        }
        return Resolved(wordpress: wordpress, postStatus: settings.wordpressPostStatus, categories: categories)
    }
}
