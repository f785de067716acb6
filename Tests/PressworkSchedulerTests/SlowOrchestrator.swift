import Logging
import PostgresTestSupport
import PressworkOrchestrator
import PressworkPipeline
import PressworkStore
import TestSupport

/// An orchestrator over the offline providers whose writer waits `latency` per call, so that
/// runs can be caught between and inside rounds; heartbeats every `heartbeatSeconds`.
func slowOrchestrator(
    _ store: RunStore, latency: Duration, heartbeatSeconds: Double, leaseSeconds: Double = 60, logger: Logger
) throws -> Orchestrator {
    var providers = Providers.offline(outputFolder: try TemporaryFolder.make())
    providers.writer = SimulatedLatencyWriter(providers.writer, latency: latency)
    return Orchestrator(
        store: store, pipeline: Pipeline(providers: providers),
        configuration: OrchestratorConfiguration(leaseSeconds: leaseSeconds, heartbeatSeconds: heartbeatSeconds), logger: logger
    )
}
