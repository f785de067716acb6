import Foundation
import Logging
import NIOHTTP1
import PressworkPipeline

/// WordPress's REST API (v2) with an application password (Basic auth), the calls round 7 needs.
///
/// Routes go in the `rest_route` query parameter (`/?rest_route=/wp/v2/posts`), which every
/// WordPress answers whatever its permalink setting; `/wp-json/…` needs pretty permalinks.
/// Reads, updates and deletes are retried on transient failures; creating a post is attempted
/// once, because a create whose reply was lost may still have happened: the publisher looks for
/// the post before it tries again.
public struct WordPressClient: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// The site's address, e.g. `https://blog.example.com` (a WordPress in a folder:
        /// `https://example.com/blog`).
        public var baseURL: String
        public var user: String
        /// An application password (Users → Profile → Application Passwords); spaces are ignored.
        public var applicationPassword: String

        public init(baseURL: String, user: String, applicationPassword: String) {
            self.baseURL = baseURL
            self.user = user
            self.applicationPassword = applicationPassword
        }

        /// The site as runs and logs name it: "wordpress(host)", never the user or password.
        public var name: String { "wordpress(\(OpenAIChatClient.host(baseURL)))" }

        var authorization: [(String, String)] {
            [("Authorization", "Basic " + Data("\(user):\(applicationPassword)".utf8).base64EncodedString())]
        }
    }

    public let configuration: Configuration
    let calls: ProviderCalls

    public init(_ configuration: Configuration, policy: CallPolicy = WordPressClient.defaultPolicy, logger: Logger) {
        self.configuration = configuration
        self.calls = ProviderCalls(provider: configuration.name, policy: policy, logger: logger)
    }

    /// WordPress answers in well under a second when healthy; a minute covers a slow host.
    public static let defaultPolicy = CallPolicy(timeout: .seconds(60), maxConcurrentCalls: 4)

    public var provider: String { calls.provider }

    // MARK: Calls

    /// The authenticated user and whether it may publish; a bad password is a 401 here, before
    /// anything is written.
    public func currentUser() async throws -> (name: String, canPublish: Bool) {
        struct User: Decodable {
            let name: String
            let capabilities: [String: Bool]?
        }
        let user = try decode(User.self, try await calls.call(.GET, url("/wp/v2/users/me", ["context": "edit"]), headers: auth))
        return (user.name, user.capabilities?["publish_posts"] == true)
    }

    /// What the authenticated user may do (`presswork sites test`).
    public func access() async throws -> SiteAccess {
        struct User: Decodable {
            let name: String
            let roles: [String]?
            let capabilities: [String: Bool]?
        }
        let user = try decode(User.self, try await calls.call(.GET, url("/wp/v2/users/me", ["context": "edit"]), headers: auth))
        var capabilities: [String: Bool] = [:]
        for name in SiteAccess.relevant { capabilities[name] = user.capabilities?[name] == true }
        return SiteAccess(user: user.name, roles: user.roles ?? [], capabilities: capabilities)
    }

    /// The post, or nil when it does not exist (deleted).
    public func post(id: Int) async throws -> WordPressPost? {
        do {
            return try decode(
                WordPressPost.self,
                try await calls.call(
                    .GET, url("/wp/v2/posts/\(id)", ["context": "edit"]), headers: auth
                ))
        } catch let error as ProviderError where error.status == 404 || error.status == 410 {
            return nil
        }
    }

    /// Posts of any status (drafts included) with this slug.
    public func posts(slug: String) async throws -> [WordPressPost] {
        try decode(
            [WordPressPost].self,
            try await calls.call(
                .GET, url("/wp/v2/posts", ["slug": slug, "status": "any", "context": "edit", "per_page": "100"]), headers: auth
            ))
    }

    /// Posts of any status whose title, excerpt or content contains `text`.
    public func posts(containing text: String) async throws -> [WordPressPost] {
        try decode(
            [WordPressPost].self,
            try await calls.call(
                .GET, url("/wp/v2/posts", ["search": text, "status": "any", "context": "edit", "per_page": "100"]), headers: auth
            ))
    }

    /// Creates a post; one attempt only (see the type's comment).
    public func createPost(_ fields: WordPressPostFields) async throws -> WordPressPost {
        try decode(
            WordPressPost.self,
            try await calls.call(
                .POST, url("/wp/v2/posts", ["context": "edit"]), headers: auth, json: try JSONEncoder().encode(fields),
                retrying: false
            ))
    }

    /// Updates a post; repeating an update is harmless, so it is retried.
    public func updatePost(id: Int, _ fields: WordPressPostFields) async throws -> WordPressPost {
        try decode(
            WordPressPost.self,
            try await calls.call(
                .POST, url("/wp/v2/posts/\(id)", ["context": "edit"]), headers: auth, json: try JSONEncoder().encode(fields)
            ))
    }

    /// Deletes a post for good (`force=true`; without it WordPress only moves it to the trash).
    /// A post that is already gone counts as deleted.
    public func deletePost(id: Int) async throws {
        do {
            _ = try await calls.call(.DELETE, url("/wp/v2/posts/\(id)", ["force": "true"]), headers: auth)
        } catch let error as ProviderError where error.status == 404 || error.status == 410 {
            return
        }
    }

    /// Uploads an image as a new media item with its alt text, caption and title (sent as query
    /// parameters: the body is the file itself). One attempt only, like creating a post: the
    /// publisher looks for the item (`media(slug:)`) before it uploads again.
    public func uploadMedia(
        _ image: ImageData, fileName: String, slug: String, title: String, altText: String, caption: String, description: String
    ) async throws -> WordPressMedia {
        let fields = [
            "context": "edit", "slug": slug, "title": title, "alt_text": altText, "caption": caption, "description": description,
        ]
        return try decode(
            WordPressMedia.self,
            try await calls.call(
                .POST, url("/wp/v2/media", fields),
                headers: auth + [("Content-Disposition", "attachment; filename=\"\(fileName)\"")], body: image.bytes,
                contentType: image.mediaType, retrying: false
            ))
    }

    /// Media items with this slug.
    public func media(slug: String) async throws -> [WordPressMedia] {
        try decode(
            [WordPressMedia].self,
            try await calls.call(.GET, url("/wp/v2/media", ["slug": slug, "context": "edit", "per_page": "100"]), headers: auth))
    }

    /// Media items whose title, caption or description contains `text`.
    public func media(containing text: String) async throws -> [WordPressMedia] {
        try decode(
            [WordPressMedia].self,
            try await calls.call(.GET, url("/wp/v2/media", ["search": text, "context": "edit", "per_page": "100"]), headers: auth))
    }

    /// Deletes a media item and its files for good; one already gone counts as deleted.
    public func deleteMedia(id: Int) async throws {
        do {
            _ = try await calls.call(.DELETE, url("/wp/v2/media/\(id)", ["force": "true"]), headers: auth)
        } catch let error as ProviderError where error.status == 404 || error.status == 410 {
            return
        }
    }

    /// The id of the category or tag with this name, created when missing. Names are matched
    /// as WordPress matches them: trimmed, whitespace collapsed, case-insensitive; a
    /// `term_exists` answer (created meanwhile, or a name WordPress normalizes to an existing
    /// one) adopts the term it names.
    public func termID(_ taxonomy: WordPressTaxonomy, named name: String) async throws -> Int {
        // As WordPress stores a term's name: trimmed, runs of whitespace as one space.
        let wanted = TextShaping.collapsingWhitespace(name)
        if let id = try await findTerm(taxonomy, named: wanted) { return id }
        let route = url("/wp/v2/\(taxonomy.rawValue)")
        let reply = try await calls.call(
            .POST, route, headers: auth, json: try JSONEncoder().encode(["name": wanted]),
            accepting: { (200..<300).contains($0) || $0 == 400 }
        )
        struct Created: Decodable { let id: Int }
        if (200..<300).contains(reply.status) { return try decode(Created.self, reply).id }
        struct Exists: Decodable {
            struct Details: Decodable { let term_id: Int? }
            let code: String
            let data: Details?
        }
        if let exists = try? JSONDecoder().decode(Exists.self, from: reply.body), exists.code == "term_exists",
            let id = exists.data?.term_id
        {
            return id
        }
        if let id = try await findTerm(taxonomy, named: wanted) { return id }
        throw ProviderCalls.statusError(reply, provider: calls.provider, url: route)
    }

    private func findTerm(_ taxonomy: WordPressTaxonomy, named name: String) async throws -> Int? {
        struct Term: Decodable {
            let id: Int
            let name: String
        }
        let found = try decode(
            [Term].self,
            try await calls.call(
                .GET, url("/wp/v2/\(taxonomy.rawValue)", ["search": name, "per_page": "100", "context": "edit"]), headers: auth
            ))
        // WordPress returns names HTML-escaped ("Tea &amp; Coffee") and searches by substring.
        return found.first { TextShaping.collapsingWhitespace(Self.unescape($0.name)).caseInsensitiveCompare(name) == .orderedSame }?.id
    }

    // MARK: Helpers

    private var auth: [(String, String)] { configuration.authorization }

    func url(_ route: String, _ query: [String: String] = [:]) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?#")
        var text = configuration.baseURL.trimmingSuffix("/") + "/?rest_route=" + route
        for (name, value) in query.sorted(by: { $0.key < $1.key }) {
            text += "&\(name)=" + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)
        }
        return text
    }

    private func decode<T: Decodable>(_ type: T.Type, _ reply: HTTPReply) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: reply.body)
        } catch {
            // A PHP warning printed before the JSON, or an HTML page (a plugin, a proxy, a
            // login wall) instead of it.
            throw ProviderError(
                provider: provider, kind: .badReply,
                message: "the reply is not the JSON WordPress sends: \(reply.bodyPrefix(200))", status: reply.status
            )
        }
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&#039;", with: "'")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">")
    }
}

public enum WordPressTaxonomy: String, Sendable {
    case categories, tags
}

/// A post as WordPress returns it with `context=edit`.
public struct WordPressPost: Sendable, Decodable, Equatable {
    public struct Rendered: Sendable, Decodable, Equatable {
        public let raw: String?
    }

    public let id: Int
    public let slug: String
    public let status: String
    public let link: String
    public let title: Rendered?
    public let excerpt: Rendered?
    public let content: Rendered
    public let categories: [Int]?
    public let tags: [Int]?
    public let featured_media: Int?
}

/// A media item as WordPress returns it with `context=edit`.
public struct WordPressMedia: Sendable, Decodable, Equatable {
    public let id: Int
    public let slug: String
    public let source_url: String
    public let alt_text: String?
    public let mime_type: String?
    public let description: WordPressPost.Rendered?
    public let caption: WordPressPost.Rendered?
}

/// The fields Presswork sets on a post; nil fields are left out of the request.
public struct WordPressPostFields: Sendable, Encodable, Equatable {
    public var title: String?
    public var content: String?
    public var excerpt: String?
    public var slug: String?
    public var status: String?
    public var categories: [Int]?
    public var tags: [Int]?
    /// For `future` posts: when to publish (UTC, `YYYY-MM-DDTHH:MM:SS`).
    public var date_gmt: String?
    /// The featured image: a media item's id.
    public var featured_media: Int?

    public init(
        title: String? = nil, content: String? = nil, excerpt: String? = nil, slug: String? = nil, status: String? = nil,
        categories: [Int]? = nil, tags: [Int]? = nil, date_gmt: String? = nil, featured_media: Int? = nil
    ) {
        self.featured_media = featured_media
        self.title = title
        self.content = content
        self.excerpt = excerpt
        self.slug = slug
        self.status = status
        self.categories = categories
        self.tags = tags
        self.date_gmt = date_gmt
    }
}
