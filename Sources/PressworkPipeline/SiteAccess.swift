/// What a WordPress user may do on a site, as `presswork sites test` reports it.
public struct SiteAccess: Sendable, Equatable, Codable {
    /// The user WordPress authenticated (its display name).
    public var user: String
    public var roles: [String]
    /// The capabilities Presswork uses, each with whether the user has it.
    public var capabilities: [String: Bool]

    public init(user: String, roles: [String], capabilities: [String: Bool]) {
        self.user = user
        self.roles = roles
        self.capabilities = capabilities
    }

    /// The capabilities round 7 uses: publishing (or only drafting), images, new terms; and
    /// `unfiltered_html`, which makes escaping titles and excerpts matter.
    public static let relevant = ["publish_posts", "edit_posts", "delete_posts", "upload_files", "manage_categories", "unfiltered_html"]

    /// One line per finding, for a person.
    public var summary: [String] {
        var lines = ["authenticated as \(user)" + (roles.isEmpty ? "" : " (" + roles.joined(separator: ", ") + ")")]
        let has = { (name: String) in capabilities[name] == true }
        lines.append(
            has("publish_posts")
                ? "may publish posts"
                : has("edit_posts")
                    ? "may only write drafts: use postStatus draft, or give the user the Author role" : "may not write posts")
        if !has("delete_posts") { lines.append("may not delete posts: a failed publish cannot remove its draft") }
        if !has("manage_categories") { lines.append("may not create categories: posts get only existing ones") }
        if !has("upload_files") { lines.append("may not upload media") }
        return lines
    }
}
