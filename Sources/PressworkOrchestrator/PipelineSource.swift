import PressworkCore
import PressworkPipeline
import PressworkStore

/// Where an execution gets the providers of its run: from the run's own profile and site, or
/// from the executing process's settings (`RunCatalog` in the runtime). The orchestrator asks
/// once per claim, naming the rounds the run has left.
public protocol PipelineSource: Sendable {
    /// The pipeline that executes `rounds` of a run created with `params`.
    ///
    /// Throws `PipelineUnavailable` when this process cannot build it (a secret reference it
    /// cannot resolve, a profile or site that no longer exists, a run that asked for providers
    /// this process does not have): the run ends in `error` with that message, and
    /// `runs retry` continues it where it stopped once the cause is fixed.
    func pipeline(for params: RunParams, rounds: [Round]) async throws -> Pipeline
}

/// Why a run cannot be executed here; the message says what to change.
public struct PipelineUnavailable: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One pipeline for every run, whatever it asked for: tests and benchmarks.
public struct FixedPipeline: PipelineSource {
    public let pipeline: Pipeline
    public init(_ pipeline: Pipeline) { self.pipeline = pipeline }
    public func pipeline(for params: RunParams, rounds: [Round]) async throws -> Pipeline { pipeline }
}

/// Profiles and sites as the ways in (the CLI, the HTTP API) need them: checked when written
/// and when a new run names them (`RunCatalog` in the runtime).
public protocol RunConfigurations: Sendable {
    /// Whether a run that names `site` (or none) can publish.
    func publishes(site: String?) -> Bool
    /// A new run's params with its profile and site checked (they exist and resolve here), the
    /// profile's version pinned and the providers' names recorded; throws `ValidationError`.
    func prepare(_ params: RunParams) async throws -> RunParams
    /// Adds or replaces a profile or site after checking its settings; throws `ValidationError`.
    func add(_ kind: CatalogStore.Kind, _ name: String, settings: JSONValue) async throws -> CatalogStore.Entry
    func replace(_ kind: CatalogStore.Kind, _ name: String, settings: JSONValue) async throws -> CatalogStore.Entry
    func store(_ kind: CatalogStore.Kind) -> CatalogStore
    /// What the site's WordPress user may do.
    func testSite(_ name: String) async throws -> SiteAccess
}
