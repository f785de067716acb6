import ArgumentParser
import Foundation
import PressworkCore
import PressworkRuntime
import PressworkStore

struct SitesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sites",
        abstract: "WordPress sites runs publish to: URL, user, application password reference, post status, categories.",
        discussion: """
            The application password is never stored: --app-password takes a reference, env:NAME or \
            file:/path, that the process publishing a run resolves. Runs name a site with --site and \
            publish with its current settings (a rotated password reaches the runs already waiting); runs \
            without one use this process's WORDPRESS_* settings.
            """,
        subcommands: [
            SitesAddCommand.self, SitesEditCommand.self, SitesListCommand.self, SitesShowCommand.self, SitesTestCommand.self,
            SitesRemoveCommand.self,
        ]
    )
}

/// The fields of a site on the command line; in `edit`, the ones given replace the stored ones.
struct SiteFields: ParsableArguments {
    @Option(help: "The site's address, e.g. https://blog.example.com.")
    var url: String?

    @Option(help: "The WordPress user the posts are written as.")
    var user: String?

    @Option(help: "Where its application password is: env:NAME or file:/path (never the password itself).")
    var appPassword: String?

    @Option(help: "publish (default), draft, or future.")
    var postStatus: String?

    @Option(help: "With --post-status future: minutes after the run that the post goes live (default 60).")
    var futureDelayMinutes: Int?

    @Option(name: .customLong("category"), help: "A category every post gets besides its own; repeat for several.")
    var categories: [String] = []

    @Option(help: "The whole site as a JSON document instead ({\"url\", \"user\", \"appPassword\", …}); - reads stdin.")
    var file: String?

    /// The document these fields describe, over `base` (an edited site's current one).
    func document(over base: JSONValue?) throws -> JSONValue {
        if let file {
            guard url == nil, user == nil, appPassword == nil, postStatus == nil, futureDelayMinutes == nil, categories.isEmpty else {
                throw ValidationError("--file replaces the whole site: give it alone, or the fields alone")
            }
            return try readSettingsDocument(file)
        }
        var fields: [(String, JSONValue)] = []
        if case .object(let stored) = base { fields = stored }
        func set(_ key: String, _ value: JSONValue?) {
            guard let value else { return }
            fields.removeAll { $0.0 == key }
            fields.append((key, value))
        }
        set("url", url.map(JSONValue.string))
        set("user", user.map(JSONValue.string))
        set("appPassword", appPassword.map(JSONValue.string))
        set("postStatus", postStatus.map(JSONValue.string))
        set("futureDelayMinutes", futureDelayMinutes.map { .number(Double($0)) })
        if !categories.isEmpty { set("categories", .array(categories.map(JSONValue.string))) }
        return .object(fields)
    }
}

struct SitesAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add a site (checked here: its password reference must resolve)."
    )

    @Argument(help: "The site's name: letters, digits, '.', '_' and '-'.")
    var name: String

    @OptionGroup var fields: SiteFields
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let document = try fields.document(over: nil)
        let entry = try await withServices(global) { try await $0.catalog.add(.site, name, settings: document) }
        print("added site \(entry.name); check what its user may do with: presswork sites test \(entry.name)")
    }
}

struct SitesEditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit", abstract: "Change a site: the fields given replace the stored ones (--file replaces all)."
    )

    @Argument(help: "The site's name.")
    var name: String

    @OptionGroup var fields: SiteFields
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let entry = try await withServices(global) { services in
            guard let current = try await services.catalog.store(.site).get(name) else {
                throw CatalogEntryMissing(kind: .site, name: name)
            }
            return try await services.catalog.replace(.site, name, settings: try fields.document(over: current.settings))
        }
        print("site \(entry.name) changed (edit \(entry.version))")
    }
}

struct SitesListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The sites.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let entries = try await withServices(global) { try await $0.catalog.store(.site).list() }
        guard !entries.isEmpty else {
            print("no sites (runs publish with this process's WORDPRESS_* settings; add one with presswork sites add)")
            return
        }
        print(catalogRow("NAME", "EDIT", "URL", "UPDATED"))
        for entry in entries {
            let url = TerminalText.safe(entry.settings["url"]?.stringValue ?? "?")
            print(catalogRow(entry.name, "\(entry.version)", url, entry.updatedAt.formatted(Date.ISO8601FormatStyle())))
        }
    }
}

struct SitesShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "A site's settings (the password's reference, never the password).")

    @Argument(help: "The site's name.")
    var name: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let entry = try await withServices(global) { try await $0.catalog.store(.site).get(name) }
        guard let entry else { throw CatalogEntryMissing(kind: .site, name: name) }
        print("site \(entry.name), edit \(entry.version), updated \(entry.updatedAt.formatted(Date.ISO8601FormatStyle()))")
        print(prettyJSON(entry.settings))
    }
}

struct SitesTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Sign in to the site with its credentials and say what the user may do.",
        discussion: "Exits 0 when the user may write posts (publish, or at least draft), 1 otherwise."
    )

    @Argument(help: "The site's name.")
    var name: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let access = try await withServices(global) { try await $0.catalog.testSite(name) }
        for line in access.summary { print(TerminalText.safe(line)) }
        guard access.capabilities["publish_posts"] == true || access.capabilities["edit_posts"] == true else {
            throw ExitCode(1)
        }
    }
}

struct SitesRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove a site; refused while a schedule or an unfinished run names it."
    )

    @Argument(help: "The site's name.")
    var name: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await withServices(global) { try await $0.catalog.store(.site).remove(name) }
        print("removed site \(name)")
    }
}
