import Foundation
import PressworkCore

/// How the orchestrator executes runs. Defaults suit the offline pipeline and LLM calls alike.
public struct OrchestratorConfiguration: Sendable {
    /// Who holds leases: `host:pid:random`, unique per process.
    public var owner: String
    /// How long a claim lasts without a heartbeat; a crashed worker's run is taken over after it.
    public var leaseSeconds: Double
    /// How often a working executor extends its lease (well under `leaseSeconds`).
    public var heartbeatSeconds: Double
    /// The deadline of one round, every in-place retry and every section inside it included.
    /// A round that reaches it fails (it is not retried in place: its time is spent), and
    /// `runs retry` continues from it.
    public var roundTimeout: Duration
    /// The deadline of one execution of a run (one claim), all rounds included; a round gets
    /// the smaller of `roundTimeout` and what is left of it. nil: none.
    public var runTimeout: Duration?
    /// Retries in place of a transient failure, after the first try.
    public var transientRetries: Int
    /// The pause before the first retry; doubled each time, with full jitter.
    public var retryBaseDelay: Duration
    /// Sections drafted or polished at once.
    public var sectionConcurrency: Int
    /// Set by a shutting-down worker: executions hand their run back at the next round boundary.
    public var drain = DrainRequest()

    public init(
        owner: String = OrchestratorConfiguration.defaultOwner(),
        leaseSeconds: Double = 30,
        heartbeatSeconds: Double = 10,
        roundTimeout: Duration = .seconds(600),
        runTimeout: Duration? = .seconds(3_600),
        transientRetries: Int = 3,
        retryBaseDelay: Duration = .milliseconds(250),
        sectionConcurrency: Int = 3
    ) {
        self.owner = owner
        self.leaseSeconds = leaseSeconds
        self.heartbeatSeconds = heartbeatSeconds
        self.roundTimeout = roundTimeout
        self.runTimeout = runTimeout
        self.transientRetries = transientRetries
        self.retryBaseDelay = retryBaseDelay
        self.sectionConcurrency = max(1, sectionConcurrency)
    }

    public static func defaultOwner() -> String {
        "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UUID().uuidString.prefix(8).lowercased())"
    }
}
