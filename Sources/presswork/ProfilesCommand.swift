import ArgumentParser
import Foundation
import PressworkCore
import PressworkRuntime
import PressworkStore

struct ProfilesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profiles",
        abstract: "Writer profiles: which LLM, models, generation settings, prices, embeddings, trends and images a run uses.",
        discussion: """
            A profile is a JSON document with the writer keys of the config file (llm, openaiBaseURL, \
            openaiModel, models, generation, prices, runBudgetUSD, embeddings, openaiEmbeddingModel, \
            embeddingDimension, trends, feeds, timeouts, images, imageModel, imageSize, imageStyle, imagePriceUSD, \
            imagesRequired…). Keys are never stored: openaiAPIKey, geminiAPIKey, embeddingsAPIKey \
            and imagesAPIKey hold references, env:NAME or file:/path, that the process executing a run \
            resolves. Every edit is a new version; a run keeps the version it was created with. \
            Runs name one with --profile; runs without one use this process's own settings.
            """,
        subcommands: [
            ProfilesAddCommand.self, ProfilesEditCommand.self, ProfilesListCommand.self, ProfilesShowCommand.self,
            ProfilesRemoveCommand.self,
        ]
    )
}

/// Reads a settings document from a file, or stdin for `-`; errors name the file.
func readSettingsDocument(_ path: String) throws -> JSONValue {
    let data: Data?
    if path == "-" {
        data = FileHandle.standardInput.readDataToEndOfFile()
    } else {
        data = FileManager.default.contents(atPath: path)
    }
    guard let data else { throw ValidationError("cannot read \(path): no such file, or not readable") }
    do {
        return try JSONValue.parseStrict(data)
    } catch {
        throw ValidationError("\(path) is not valid JSON (\(error))")
    }
}

/// A settings document as indented JSON, keys sorted.
func prettyJSON(_ value: JSONValue) -> String {
    guard let object = try? JSONSerialization.jsonObject(with: Data(value.text.utf8)),
        let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]),
        let text = String(data: data, encoding: .utf8)
    else { return value.text }
    return TerminalText.safe(text).replacingOccurrences(of: "\\u{a}", with: "\n")
}

struct ProfilesAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add a profile from a JSON file (checked here, its secret references resolved)."
    )

    @Argument(help: "The profile's name: letters, digits, '.', '_' and '-'.")
    var name: String

    @Option(help: "The profile's JSON document; - reads stdin.")
    var file: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let document = try readSettingsDocument(file)
        let entry = try await withServices(global) { try await $0.catalog.add(.profile, name, settings: document) }
        print("added profile \(entry.name), version \(entry.version)")
    }
}

struct ProfilesEditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Replace a profile's settings: a new version, used by runs created from now on (runs made before keep theirs)."
    )

    @Argument(help: "The profile's name.")
    var name: String

    @Option(help: "The whole new JSON document; - reads stdin.")
    var file: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let document = try readSettingsDocument(file)
        let entry = try await withServices(global) { try await $0.catalog.replace(.profile, name, settings: document) }
        print("profile \(entry.name) is now at version \(entry.version)")
    }
}

struct ProfilesListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The profiles, at their current versions.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let entries = try await withServices(global) { try await $0.catalog.store(.profile).list() }
        guard !entries.isEmpty else {
            print("no profiles (runs use this process's settings; add one with presswork profiles add NAME --file FILE)")
            return
        }
        print(catalogRow("NAME", "VERSION", "WRITER", "UPDATED"))
        for entry in entries {
            let writer = [
                entry.settings["llm"]?.stringValue ?? "offline",
                entry.settings["openaiModel"]?.stringValue
                    ?? entry.settings["geminiModel"]?.stringValue,
            ].compactMap { $0 }.joined(separator: " ")
            print(
                catalogRow(entry.name, "\(entry.version)", TerminalText.safe(writer), entry.updatedAt.formatted(Date.ISO8601FormatStyle())))
        }
    }
}

/// A row of a catalog listing, in columns.
func catalogRow(_ name: String, _ version: String, _ what: String, _ updated: String) -> String {
    [
        name.padding(toLength: max(name.count, 20), withPad: " ", startingAt: 0),
        version.padding(toLength: 8, withPad: " ", startingAt: 0),
        what.padding(toLength: max(what.count, 36), withPad: " ", startingAt: 0), updated,
    ].joined(separator: " ")
}

struct ProfilesShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "A profile's settings (references, never secrets).")

    @Argument(help: "The profile's name.")
    var name: String

    @Option(help: "An earlier version (default: the current one).")
    var version: Int?

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let entry = try await withServices(global) { try await $0.catalog.store(.profile).get(name, version: version) }
        guard let entry else {
            throw ValidationError(
                version.map { "profile \(name) has no version \($0)" } ?? CatalogEntryMissing(kind: .profile, name: name).description)
        }
        print("profile \(entry.name), version \(entry.version), created \(entry.createdAt.formatted(Date.ISO8601FormatStyle()))")
        print(prettyJSON(entry.settings))
    }
}

struct ProfilesRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove a profile and its versions; refused while a schedule or an unfinished run names it."
    )

    @Argument(help: "The profile's name.")
    var name: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await withServices(global) { try await $0.catalog.store(.profile).remove(name) }
        print("removed profile \(name)")
    }
}
