import Foundation
import Logging
import PressworkCore
import PressworkOrchestrator
import PressworkPipeline
import PressworkProviders
import PressworkStore
import Synchronization

/// Writer profiles and WordPress sites as runs use them: checked when they are written and when
/// a run names them, resolved (secrets included) by the process that executes the run.
///
/// A run without a profile is written with this process's own settings (environment and config
/// file), and one without a site publishes with this process's WordPress settings: the
/// single-blog setup of earlier versions. Such a run records the providers' names, and a process
/// configured otherwise refuses the rounds it has left rather than write them with other ones.
public final class RunCatalog: PipelineSource, RunConfigurations {
    /// This process's own settings: the default profile and site.
    public let defaults: ProviderSettings
    let profiles: CatalogStore
    let sites: CatalogStore
    let factory: ProviderFactory
    let environment: [String: String]
    /// Pipelines built for profile and site versions, with the settings they were built from: a
    /// rotated secret (a changed file or variable) builds anew.
    private let built = Mutex<[String: (settings: ProviderSettings, pipeline: Pipeline)]>([:])
    static let builtLimit = 64

    init(defaults: ProviderSettings, store: RunStore, factory: ProviderFactory, environment: [String: String]) {
        self.defaults = defaults
        self.profiles = CatalogStore(pool: store.pool, kind: .profile)
        self.sites = CatalogStore(pool: store.pool, kind: .site)
        self.factory = factory
        self.environment = environment
    }

    /// A catalog whose default profile and site are `defaults`; dry runs write to `outputFolder`.
    public convenience init(
        defaults: ProviderSettings, store: RunStore, outputFolder: String, logger: Logger,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        let factory = ProviderFactory(outputFolder: outputFolder, store: store, logger: logger)
        self.init(defaults: defaults, store: store, factory: factory, environment: environment)
    }

    public func store(_ kind: CatalogStore.Kind) -> CatalogStore {
        kind == .profile ? profiles : sites
    }

    // MARK: Managing profiles and sites

    /// Adds a profile or site after checking its settings here, secrets resolved.
    public func add(_ kind: CatalogStore.Kind, _ name: String, settings: JSONValue) async throws -> CatalogStore.Entry {
        try RunParams.checkName(name, field: "name")
        try check(kind, settings)
        return try await store(kind).add(name, settings: settings)
    }

    /// Replaces a profile's settings (a new version) or a site's, after checking them here.
    public func replace(_ kind: CatalogStore.Kind, _ name: String, settings: JSONValue) async throws -> CatalogStore.Entry {
        try check(kind, settings)
        return try await store(kind).replace(name, settings: settings)
    }

    /// Checks settings as a run would use them: every key known, the providers known and
    /// complete, and every secret reference resolving in this process.
    public func check(_ kind: CatalogStore.Kind, _ settings: JSONValue) throws(ValidationError) {
        switch kind {
        case .profile: _ = try ProfileDocument.settings(settings, environment: environment)
        case .site: _ = try SiteDocument.settings(settings, environment: environment)
        }
    }

    /// Asks WordPress what the site's user may do.
    public func testSite(_ name: String) async throws -> SiteAccess {
        guard let entry = try await sites.get(name) else { throw CatalogEntryMissing(kind: .site, name: name) }
        let site = try SiteDocument.settings(entry.settings, environment: environment)
        // One attempt: a person waits for the answer, and a wrong address or password does not
        // get better with retries.
        let policy = CallPolicy(maxAttempts: 1, timeout: .seconds(20), maxConcurrentCalls: 1)
        return try await WordPressClient(site.wordpress, policy: policy, logger: factory.logger).access()
    }

    // MARK: New runs

    /// Whether a run that names `site` (or none) can publish: it names a site, or this process
    /// has WordPress settings.
    public func publishes(site: String?) -> Bool {
        site != nil || defaults.wordpress != nil
    }

    /// Checks a new run's profile and site where it is created, before anything is written:
    /// they exist and resolve here. Pins the profile's current version, records the providers'
    /// names, and gives the run the profile's budget when it has none of its own.
    public func prepare(_ params: RunParams) async throws -> RunParams {
        var params = params
        var settings = defaults
        if let name = params.profile {
            guard let entry = try await profiles.get(name) else {
                throw ValidationError(field: "profile", CatalogEntryMissing(kind: .profile, name: name).description)
            }
            settings = try named("profile", entry) { try ProfileDocument.settings($0, environment: environment) }
            settings.wordpress = defaults.wordpress
            params.profileVersion = entry.version
        }
        if let name = params.site {
            guard let entry = try await sites.get(name) else {
                throw ValidationError(field: "site", CatalogEntryMissing(kind: .site, name: name).description)
            }
            apply(try named("site", entry) { try SiteDocument.settings($0, environment: environment) }, to: &settings)
        }
        var choice = settings.choice
        if params.dryRun {
            choice.publisher = nil
        } else if choice.publisher == nil {
            throw ValidationError(
                field: "dryRun", "false needs a site (--site) or WordPress configured for this process (WORDPRESS_URL, …)")
        }
        params.providers = choice
        if params.budgetUSD == nil { params.budgetUSD = settings.runBudgetUSD }
        return params
    }

    // MARK: Executing runs

    public func pipeline(for params: RunParams, rounds: [Round]) async throws -> Pipeline {
        var settings = defaults
        var key = "-"
        if let name = params.profile {
            guard let entry = try await profiles.get(name, version: params.profileVersion) else {
                throw PipelineUnavailable(
                    "profile \(name)" + (params.profileVersion.map { " version \($0)" } ?? "")
                        + " no longer exists: runs retry RUN --profile ANOTHER continues with another one"
                )
            }
            settings = try unavailable("profile \(name)") { try ProfileDocument.settings(entry.settings, environment: environment) }
            settings.wordpress = defaults.wordpress
            settings.simulatedLatency = defaults.simulatedLatency
            key = "\(name)@\(entry.version)"
        } else if let mismatch = writerMismatch(params, rounds: rounds) {
            throw PipelineUnavailable(mismatch)
        }
        if let name = params.site {
            guard let entry = try await sites.get(name) else {
                throw PipelineUnavailable("site \(name) no longer exists: add it again, or runs retry RUN --site ANOTHER")
            }
            apply(try unavailable("site \(name)") { try SiteDocument.settings(entry.settings, environment: environment) }, to: &settings)
            key += "|\(name)@\(entry.version)"
        } else if !params.dryRun, rounds.contains(.publish), params.providers.publisher != defaults.choice.publisher {
            throw PipelineUnavailable(
                "this run publishes to \(params.providers.publisher ?? "none") (here: \(defaults.choice.publisher ?? "none, dry run only")): "
                    + "configure this process the same way (see the README's Configuration), or runs retry RUN --site SITE"
            )
        }
        return built.withLock { built in
            if let existing = built[key], existing.settings == settings { return existing.pipeline }
            if built.count >= Self.builtLimit { built.removeAll() }
            let pipeline = Pipeline(providers: factory.providers(settings))
            built[key] = (settings, pipeline)
            return pipeline
        }
    }

    /// Why this process may not write the rounds left of a run that names no profile, when the
    /// run asked for other providers than this process's.
    func writerMismatch(_ params: RunParams, rounds: [Round]) -> String? {
        let wanted = params.providers
        let have = defaults.choice
        var differences: [String] = []
        if rounds.contains(.trends), wanted.trends != have.trends { differences.append("trends \(wanted.trends) (here: \(have.trends))") }
        if rounds.contains(where: ProviderSettings.modelRounds.contains), wanted.llm != have.llm {
            differences.append("writer \(wanted.llm) (here: \(have.llm))")
        }
        if rounds.contains(.coherence), wanted.embeddings != have.embeddings {
            differences.append("embeddings \(wanted.embeddings) (here: \(have.embeddings))")
        }
        guard !differences.isEmpty else { return nil }
        return "this run asks for " + differences.joined(separator: ", ")
            + ": configure this process the same way (see the README's Configuration), or runs retry RUN --profile PROFILE"
    }

    private func apply(_ site: SiteDocument.Resolved, to settings: inout ProviderSettings) {
        settings.wordpress = site.wordpress
        settings.wordpressPostStatus = site.postStatus
        settings.wordpressCategories = site.categories
    }

    /// A stored entry whose settings no longer pass (a secret this process cannot resolve), as
    /// a refusal of the run's field.
    private func named<T>(_ field: String, _ entry: CatalogStore.Entry, _ body: (JSONValue) throws -> T) throws -> T {
        do {
            return try body(entry.settings)
        } catch {
            throw ValidationError(field: field, "\(field) \(entry.name): \(error)")
        }
    }

    private func unavailable<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw PipelineUnavailable("\(what): \(error); fix it, then runs retry")
        }
    }
}
